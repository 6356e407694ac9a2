//! Framing (RFC 9420 §6).
