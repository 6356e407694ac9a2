//! The group engine (RFC 9420 §11 to §14).
