//! The global allocator of the `awaitify` binary and of `cargo xtask bench`: mimalloc.
//!
//! The pipeline allocates millions of small, long-lived objects (HIR lists, symbol
//! tables, resolutions), which mimalloc serves faster than the system allocator. The
//! `mimalloc` crate enters it through `mi_malloc_aligned` for every request; nearly every
//! Rust allocation asks for word alignment or less, which plain `mi_malloc` already
//! gives (its blocks are word-aligned), so those take the shorter path.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has without asking.
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc as a [`GlobalAlloc`]:
/// `#[global_allocator] static GLOBAL: Allocator = Allocator;`.
pub struct Allocator;

// SAFETY: each method forwards to the mimalloc function with the same contract: blocks
// come back with at least the layout's alignment (word-aligned blocks for alignments up
// to a word, the `_aligned` variants above that) and are freed by `mi_free`, which
// takes any mimalloc block.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// Turns transparent huge pages off for this process, as the `awaitify` binary does
/// first thing: its commands run once over a project and exit.
///
/// mimalloc asks for huge pages on its whole arena, and the kernel then zeroes a 2 MB
/// page at the first touch of each region, however little of it is used. Over the
/// standard library (`awaitify check $STDLIB`) that made the kernel's share of a run
/// 1.1–1.7 s instead of about 0.3 s, and the peak memory 95 MB larger. A long warm
/// process gains from huge pages instead (fewer TLB misses): `cargo xtask bench` keeps
/// them.
pub fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer and changes only this process's
    // policy, for the memory it maps and touches from now on.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h` enum; the `libmimalloc-sys`
/// crate does not name it).
const PURGE_DELAY_OPTION: mi::mi_option_t = 15;

/// Keeps the memory this process frees for its own later allocations instead of handing
/// it back to the kernel, as `cargo xtask bench` does between its runs.
///
/// mimalloc hands freed memory back to the kernel about a second after it is freed, and
/// the kernel zeroes each page again when the next run touches it. Between two runs over
/// the standard library that is a whole database (over 500 MB): the zeroing took a third
/// of the bench's processor time, and how much of it fell inside a run depended on that
/// run's length (see `docs/performance.md`). A process that runs the pipeline once (the
/// `awaitify` binary) has nothing freed it could reuse.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` takes any option and value; -1 turns purging off.
    unsafe { mi::mi_option_set(PURGE_DELAY_OPTION, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every alignment a Rust type may ask for comes back honoured, and the memory is
    /// usable, zeroed when asked, and keeps its contents through a reallocation.
    #[test]
    fn blocks_have_the_layouts_alignment() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [align, 3 * align, 24, 40, 1000, 70_000] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                unsafe {
                    let block = Allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                    block.write_bytes(0xab, size);
                    let grown = Allocator.realloc(block, layout, size * 2);
                    assert_eq!(grown as usize % align, 0, "realloc to {}", size * 2);
                    assert_eq!(*grown.add(size - 1), 0xab);
                    Allocator.dealloc(grown, Layout::from_size_align(size * 2, align).unwrap());
                    let zeroed = Allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0);
                    assert!((0..size).all(|offset| *zeroed.add(offset) == 0));
                    Allocator.dealloc(zeroed, layout);
                }
            }
        }
    }
}
