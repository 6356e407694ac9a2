//! Fuzz entry points: framing.
