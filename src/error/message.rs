//! Errors of message-level validation (KeyPackages, LeafNodes, Welcome, GroupInfo):
//! one variant per RFC 9420 check.

/// A message is well-formed but fails a validation rule (RFC 9420 §7.3, §10.1, §12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// The KeyPackage's protocol version is not the expected one (§10.1).
    KeyPackageVersionMismatch,
    /// The KeyPackage's cipher suite is not the expected one (§10.1).
    KeyPackageCipherSuiteMismatch,
    /// The KeyPackage's `init_key` equals its leaf's `encryption_key` (§10.1).
    InitKeyEqualsEncryptionKey,
}
