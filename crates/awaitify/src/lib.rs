//! The `awaitify` command line, and the pieces of it that embedders and the watcher
//! reuse: loading a project from disk ([`project`]), decoding source as CPython does
//! ([`source`]), writing files atomically ([`write`]) and the binary's allocator
//! ([`allocator`]).
//!
//! The command line is a contract (see `docs/cli.md`): exit 0 on success, 1 when errors
//! were reported, 2 for usage errors; warnings change the exit code only with `--strict`.

pub mod allocator;
pub mod project;
pub mod source;
pub mod verify;
pub mod watch;
pub mod write;

/// The README's Rust example, compiled and run as a doctest so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
