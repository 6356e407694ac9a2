//! Caps on the size of a ratchet tree (RFC 9420 §12.4.3.3 sets none): a received
//! `ratchet_tree` is refused before it is decoded if its encoding is too long, and while it
//! is decoded as soon as its nodes span too many leaves; a group refuses Adds past the leaf
//! cap.

use crate::error::TreeError;
use crate::tree_math::LeafIndex;

/// The default of [`TreeLimits::max_leaves`]: 2^18 = 262,144 leaves.
pub const DEFAULT_MAX_LEAVES: u32 = 1 << 18;

/// The default of [`TreeLimits::max_encoded_len`]: 64 MiB.
pub const DEFAULT_MAX_ENCODED_LEN: usize = 64 << 20;

/// Caps on the size of a ratchet tree, applied to every tree a joiner receives (in a
/// Welcome's GroupInfo, in a GroupInfo for an external join, or out of band) and to the
/// group's own tree as Adds grow it.
///
/// The defaults admit a 100,000-member group with room to spare:
///
/// - `max_leaves` = 2^18 = 262,144. A tree's width is a power of two (RFC 9420 §7.8), so
///   100,000 members take 2^17 = 131,072 leaf positions; 2^18 is the next doubling, 2.6x
///   the members. The work a joiner does before anything is authenticated grows with the
///   width: hashing a tree of 2^18 leaves, blank or not, is 2^19 - 1 hashes (RFC 9420 §7.8),
///   tens of milliseconds.
/// - `max_encoded_len` = 64 MiB. A 100,000-member tree with Ed25519 keys, `basic`
///   credentials and every parent node set encodes to about 24.7 MB (247 bytes per member,
///   leaf and parent together); 64 MiB leaves 2.7x for larger keys, credentials and
///   extensions (about 670 bytes per member at 100,000 members). A decoded tree whose
///   nodes carry keys of a real KEM's size (32 bytes and more) holds less than twice its
///   encoding, so this also caps the memory a received tree takes; a tree of degenerate
///   nodes (near-empty keys, usable by no cipher suite) holds at most about 30 bytes per
///   node, which `max_leaves` caps (2^19 nodes, some 15 MB). Raise it for members with
///   large credentials (X.509 chains).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeLimits {
    /// The most leaves a tree may span. A received tree is refused
    /// ([`TreeError::TooManyLeaves`]) if its last node lies past the parent node right of
    /// leaf `max_leaves - 1`, or if its width would exceed `max_leaves` rounded up to a power
    /// of two; an Add (or an external joiner's leaf) at leaf index `max_leaves` or above is
    /// refused ([`TreeError::LeafLimitReached`]) by its committer and by every receiver.
    pub max_leaves: u32,
    /// The longest encoded `ratchet_tree` accepted (`optional<Node> ratchet_tree<V>`, its
    /// length prefix included), in bytes ([`TreeError::RatchetTreeTooLarge`]).
    pub max_encoded_len: usize,
}

impl Default for TreeLimits {
    fn default() -> Self {
        TreeLimits {
            max_leaves: DEFAULT_MAX_LEAVES,
            max_encoded_len: DEFAULT_MAX_ENCODED_LEN,
        }
    }
}

impl TreeLimits {
    /// No caps beyond the structure's own (2^31 leaves): for trees that were checked when
    /// they were received, e.g. a group's saved state.
    pub const UNLIMITED: TreeLimits = TreeLimits {
        max_leaves: 1 << 31,
        max_encoded_len: usize::MAX,
    };

    /// [`TreeError::RatchetTreeTooLarge`] if an encoding of `len` bytes is too long.
    pub fn check_encoded_len(&self, len: usize) -> Result<(), TreeError> {
        if len > self.max_encoded_len {
            return Err(TreeError::RatchetTreeTooLarge);
        }
        Ok(())
    }

    /// [`TreeError::TooManyLeaves`] if a tree of `nodes` nodes (in array order, RFC 9420
    /// Appendix C) spans too many leaves: the leaves before its last node,
    /// `(nodes + 1) / 2`, must be at most `max_leaves`, and its width, the smallest full
    /// tree holding `nodes` nodes, at most `max_leaves` rounded up to a power of two.
    pub fn check_node_count(&self, nodes: u64) -> Result<(), TreeError> {
        let spanned = nodes.saturating_add(1) / 2;
        // The full tree holding node `nodes - 1`: 2^k leaves with 2^(k+1) - 1 >= nodes.
        let width_leaves = nodes.saturating_add(1).div_ceil(2).next_power_of_two();
        let cap = u64::from(self.max_leaves);
        if spanned > cap || width_leaves > cap.next_power_of_two() {
            return Err(TreeError::TooManyLeaves);
        }
        Ok(())
    }

    /// Whether a member may be placed at `leaf` (its index is below `max_leaves`).
    pub fn admits_leaf(&self, leaf: LeafIndex) -> bool {
        leaf.0 < self.max_leaves
    }
}
