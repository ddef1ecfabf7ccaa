//! awaitify_callgraph
