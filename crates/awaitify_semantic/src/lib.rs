//! awaitify_semantic
