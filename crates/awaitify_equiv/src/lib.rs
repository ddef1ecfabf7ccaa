//! awaitify_equiv
