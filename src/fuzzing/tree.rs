//! Fuzz entry points: tree.
