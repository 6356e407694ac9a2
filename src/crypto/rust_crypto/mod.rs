//! The default provider.
