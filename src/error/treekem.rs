//! TreeKEM errors (RFC 9420 §7.4 to §7.6): one variant per check.

/// An `UpdatePath` cannot be created or applied (RFC 9420 §7.4 to §7.6, §12.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeKemError {
    /// The number of `UpdatePathNode`s differs from the filtered direct path length.
    PathLengthMismatch,
    /// A public key derived from a path secret differs from the one in the `UpdatePath`.
    PublicKeyMismatch,
}
