//! Fuzz entry points: messages.
