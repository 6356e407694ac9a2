//! Fuzz entry points: treekem.
