//! TreeKEM errors (RFC 9420 §7.4 to §7.6, §7.9, §12.4.2): one variant per check.

/// An `UpdatePath` cannot be created or applied (RFC 9420 §7.4 to §7.6, §12.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeKemError {
    /// The number of `UpdatePathNode`s differs from the length of the sender's filtered
    /// direct path (§7.6, §12.4.2).
    PathLengthMismatch,
    /// A public key derived from a path secret differs from the one in the `UpdatePath`
    /// (§7.5: "verify that the derived public keys are the same").
    PublicKeyMismatch,
    /// The committer's leaf index is outside the tree.
    SenderOutOfRange,
    /// The `UpdatePath`'s leaf node does not have `leaf_node_source = commit` (§12.4.2).
    LeafSourceNotCommit,
    /// The `UpdatePath`'s leaf node signature does not verify with the group id and the
    /// sender's leaf index (§7.3).
    LeafSignatureInvalid,
    /// The `UpdatePath`'s leaf `encryption_key` equals that of the committer's current leaf
    /// (§12.4.2).
    LeafEncryptionKeyUnchanged,
    /// A public key of the `UpdatePath` already appears in a node of the tree, or twice in
    /// the `UpdatePath` (§12.4.2, §7.3 uniqueness of `encryption_key`).
    DuplicateEncryptionKey,
    /// An `encrypted_path_secret` vector's length differs from the size of the copath
    /// node's resolution minus the leaves added by the same Commit (§7.6).
    CiphertextCountMismatch,
    /// The leaf's `parent_hash` differs from the parent hash of the first node of its
    /// filtered direct path after the merge (§7.9.2).
    ParentHashMismatch,
    /// The receiver of an `UpdatePath` is its sender (the committer keeps the secrets of
    /// its own path instead).
    ReceiverIsSender,
    /// The receiver's leaf is not below any node of the sender's filtered direct path (its
    /// leaf is blank or outside the tree).
    ReceiverNotInPath,
    /// The receiver holds the private key of no node in the resolution of the copath node
    /// through which the path secret reaches it (§7.5: tree invariant broken).
    NoPrivateKey,
}

impl core::fmt::Display for TreeKemError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            TreeKemError::PathLengthMismatch => {
                "the UpdatePath's length differs from the sender's filtered direct path"
            }
            TreeKemError::PublicKeyMismatch => {
                "a public key derived from the path secret differs from the UpdatePath's"
            }
            TreeKemError::SenderOutOfRange => "the committer's leaf index is outside the tree",
            TreeKemError::LeafSourceNotCommit => {
                "the UpdatePath's leaf node was not made for a commit"
            }
            TreeKemError::LeafSignatureInvalid => {
                "the UpdatePath's leaf node signature does not verify"
            }
            TreeKemError::LeafEncryptionKeyUnchanged => {
                "the UpdatePath's leaf keeps the committer's current encryption key"
            }
            TreeKemError::DuplicateEncryptionKey => {
                "a public key of the UpdatePath is already in the tree or appears twice in it"
            }
            TreeKemError::CiphertextCountMismatch => {
                "an UpdatePath node has the wrong number of encrypted path secrets"
            }
            TreeKemError::ParentHashMismatch => {
                "the UpdatePath's leaf parent hash does not match the tree after the merge"
            }
            TreeKemError::ReceiverIsSender => "the receiver of the UpdatePath is its sender",
            TreeKemError::ReceiverNotInPath => {
                "the receiver's leaf is not below the sender's filtered direct path"
            }
            TreeKemError::NoPrivateKey => {
                "this member holds no private key to decrypt its path secret (the tree is \
                 inconsistent)"
            }
        })
    }
}

impl core::error::Error for TreeKemError {}
