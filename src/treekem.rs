//! TreeKEM (RFC 9420 §7.4 to §7.6).
