//! Ratchet tree errors (RFC 9420 §4, §7): one variant per check.

/// A ratchet tree is malformed or fails a validation check (RFC 9420 §7, §12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeError {
    /// A leaf index is outside the tree.
    LeafOutOfRange,
    /// The tree hash does not match the expected one (e.g. the GroupInfo's).
    TreeHashMismatch,
    /// A parent node's `parent_hash` is not matched by a node below it (§7.9.2).
    ParentHashMismatch,
    /// A leaf's signature does not verify (§7.3).
    LeafSignatureInvalid,
}
