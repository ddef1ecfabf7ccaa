//! awaitify_rewrite
