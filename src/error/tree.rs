//! Ratchet tree errors (RFC 9420 §4, §7): one variant per check.

/// A ratchet tree is malformed or fails a validation check (RFC 9420 §7, §12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeError {
    /// A leaf index is outside the tree.
    LeafOutOfRange,
    /// A node index is outside the tree.
    NodeOutOfRange,
    /// The tree hash does not match the expected one (e.g. the GroupInfo's).
    TreeHashMismatch,
    /// A non-blank parent node is not parent-hash valid: not exactly one node below it
    /// carries a parent hash that links to it (§7.9.2).
    ParentHashMismatch,
    /// A leaf's signature does not verify (§7.3).
    LeafSignatureInvalid,
    /// The `ratchet_tree` extension holds no node (§12.4.3.3).
    EmptyTree,
    /// The last node of a received `ratchet_tree` is blank (§12.4.3.3).
    TrailingBlankNode,
    /// A leaf node at an odd (parent) position or a parent node at an even (leaf) position
    /// (§12.4.3.3, Appendix C).
    NodeTypeMismatch,
    /// More nodes than a tree of 2^31 leaves holds.
    TreeTooLarge,
    /// The tree is already at its maximum size and cannot be extended (§7.7).
    TreeFull,
    /// An update or removal names a blank leaf.
    LeafIsBlank,
    /// A diff was started on an older state of the tree than the one it is merged into.
    StaleDiff,
    /// A parent's `unmerged_leaves` is not sorted in strictly increasing order (§7.1).
    UnmergedLeavesNotSorted,
    /// An unmerged leaf is not a descendant of the parent that lists it (§12.4.3.1).
    UnmergedLeafNotDescendant,
    /// An unmerged leaf is blank (§12.4.3.1).
    UnmergedLeafBlank,
    /// A non-blank node between an unmerged leaf and the parent listing it does not list
    /// the leaf too (§12.4.3.1).
    UnmergedLeafMissingBelow,
    /// Two nodes carry the same `encryption_key` (§7.3, §12.4.3.1).
    DuplicateEncryptionKey,
    /// Two leaves carry the same `signature_key` (§7.3).
    DuplicateSignatureKey,
    /// A leaf's capabilities do not list the group's protocol version.
    LeafVersionUnsupported,
    /// A leaf's capabilities do not list the group's cipher suite.
    LeafCipherSuiteUnsupported,
    /// A leaf's capabilities do not list a credential type used by a member (§7.3).
    LeafCredentialUnsupported,
    /// A leaf carries an extension its own capabilities do not list (§7.3).
    LeafExtensionUnsupported,
    /// A leaf carries the same extension type twice (§13.4).
    LeafDuplicateExtension,
    /// The current time is outside a `key_package` leaf's lifetime (§7.3).
    LeafLifetimeInvalid,
    /// The number of public keys given for a path differs from the length of the filtered
    /// direct path (§7.9).
    PathLengthMismatch,
    /// A received `ratchet_tree` encoding is longer than the configured
    /// [`TreeLimits::max_encoded_len`](crate::ratchet_tree::TreeLimits::max_encoded_len);
    /// refused before it is decoded.
    RatchetTreeTooLarge,
    /// A received `ratchet_tree` spans more leaves than the configured
    /// [`TreeLimits::max_leaves`](crate::ratchet_tree::TreeLimits::max_leaves); refused
    /// while decoding, before the node past the cap is stored.
    TooManyLeaves,
    /// An Add (or an external joiner's leaf) would go to a leaf index at or past the
    /// configured [`TreeLimits::max_leaves`](crate::ratchet_tree::TreeLimits::max_leaves).
    LeafLimitReached,
}

impl core::fmt::Display for TreeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            TreeError::LeafOutOfRange => "a leaf index is outside the tree",
            TreeError::NodeOutOfRange => "a node index is outside the tree",
            TreeError::TreeHashMismatch => "the tree hash does not match the expected one",
            TreeError::ParentHashMismatch => "a parent node is not parent-hash valid",
            TreeError::LeafSignatureInvalid => "a leaf node's signature does not verify",
            TreeError::EmptyTree => "the ratchet tree holds no node",
            TreeError::TrailingBlankNode => "the last node of the ratchet tree is blank",
            TreeError::NodeTypeMismatch => "a leaf or parent node is at the wrong position",
            TreeError::TreeTooLarge => "the tree has more nodes than 2^31 leaves hold",
            TreeError::TreeFull => "the tree is at its maximum size and cannot grow",
            TreeError::LeafIsBlank => "the named leaf is blank",
            TreeError::StaleDiff => "the staged change set belongs to an older state of the tree",
            TreeError::UnmergedLeavesNotSorted => "a parent's unmerged leaves are not sorted",
            TreeError::UnmergedLeafNotDescendant => {
                "an unmerged leaf is not below the parent that lists it"
            }
            TreeError::UnmergedLeafBlank => "an unmerged leaf is blank",
            TreeError::UnmergedLeafMissingBelow => {
                "a node between an unmerged leaf and the parent listing it does not list it"
            }
            TreeError::DuplicateEncryptionKey => "two nodes carry the same encryption key",
            TreeError::DuplicateSignatureKey => "two leaves carry the same signature key",
            TreeError::LeafVersionUnsupported => {
                "a leaf does not support the group's protocol version"
            }
            TreeError::LeafCipherSuiteUnsupported => {
                "a leaf does not support the group's cipher suite"
            }
            TreeError::LeafCredentialUnsupported => {
                "a leaf does not support a credential type used in the group"
            }
            TreeError::LeafExtensionUnsupported => {
                "a leaf carries an extension its capabilities do not list"
            }
            TreeError::LeafDuplicateExtension => "a leaf carries the same extension twice",
            TreeError::LeafLifetimeInvalid => "a leaf's lifetime does not contain the current time",
            TreeError::PathLengthMismatch => {
                "the number of path keys differs from the filtered direct path's length"
            }
            TreeError::RatchetTreeTooLarge => {
                "the received ratchet tree's encoding is longer than the configured maximum"
            }
            TreeError::TooManyLeaves => {
                "the received ratchet tree spans more leaves than the configured maximum"
            }
            TreeError::LeafLimitReached => {
                "adding a member would place it past the configured maximum number of leaves"
            }
        })
    }
}

impl core::error::Error for TreeError {}
