//! The read API shared by [`super::RatchetTree`] and [`super::TreeDiff`] (RFC 9420 §4.1).

use alloc::vec::Vec;

use super::extension;
use super::node::{LeafNodeRef, ParentNodeRef};
use crate::error::Error;
use crate::messages::CredentialType;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// Read access to a ratchet tree (RFC 9420 §4.1): implemented by the base tree and by a
/// staged [`super::TreeDiff`], so code reading a tree works on both.
///
/// Implementors provide [`TreeView::size`] and [`TreeView::node_bytes`]; everything else is
/// derived.
pub trait TreeView {
    /// The size of the full tree (a power-of-two leaf count, RFC 9420 §7.8).
    fn size(&self) -> TreeSize;

    /// The canonical encoding of node `x` (`LeafNode` at even indices, `ParentNode` at odd
    /// ones), or `None` if `x` is blank or outside the tree.
    fn node_bytes(&self, x: NodeIndex) -> Option<&[u8]>;

    /// Whether node `x` is blank (nodes outside the tree count as blank).
    fn is_blank(&self, x: NodeIndex) -> bool {
        self.node_bytes(x).is_none()
    }

    /// The leaf at `leaf`, or `None` if it is blank or outside the tree.
    fn leaf(&self, leaf: LeafIndex) -> Option<LeafNodeRef<'_>> {
        LeafNodeRef::parse(self.node_bytes(leaf.node()?)?)
    }

    /// The parent node at `x`, or `None` if it is blank, a leaf or outside the tree.
    fn parent_node(&self, x: NodeIndex) -> Option<ParentNodeRef<'_>> {
        if x.is_leaf() {
            return None;
        }
        ParentNodeRef::parse(self.node_bytes(x)?)
    }

    /// The HPKE public key (`encryption_key`) of node `x`, leaf or parent; `None` if blank.
    fn node_public_key(&self, x: NodeIndex) -> Option<&[u8]> {
        if x.is_leaf() {
            Some(LeafNodeRef::parse(self.node_bytes(x)?)?.encryption_key())
        } else {
            Some(ParentNodeRef::parse(self.node_bytes(x)?)?.encryption_key())
        }
    }

    /// Whether every node of the subtree rooted at `x` is known to be blank, from an index
    /// (RFC 9420 §4.1.2: its resolution is empty). `false` means "not known": the default
    /// knows nothing, and [`super::RatchetTree`] and [`super::TreeDiff`] answer in O(log n).
    /// Lets [`TreeView::resolution`] skip all-blank subtrees without visiting their nodes.
    fn known_blank_subtree(&self, x: NodeIndex) -> bool {
        let _ = x;
        false
    }

    /// Whether some non-blank node (leaf or parent) has `encryption_key` `key` (RFC 9420
    /// §12.4.2: "none of the public keys in the UpdatePath appear in any node of the new
    /// ratchet tree"; §16.8). The default passes over every node;
    /// [`super::RatchetTree`] and [`super::TreeDiff`] answer in O(log n) from their key
    /// index (plus one full comparison per node sharing the key's first 8 bytes).
    fn contains_encryption_key(&self, key: &[u8]) -> bool {
        (0..self.size().node_width()).any(|x| self.node_public_key(NodeIndex(x)) == Some(key))
    }

    /// Whether some non-blank leaf has `signature_key` `key` (RFC 9420 §7.3: "Verify that
    /// the following fields are unique among the members of the group: `signature_key`").
    /// The default passes over every leaf; [`super::RatchetTree`] and [`super::TreeDiff`]
    /// answer in O(log n) from their signature-key index.
    fn contains_signature_key(&self, key: &[u8]) -> bool {
        self.leaves().any(|(_, l)| l.signature_key() == key)
    }

    /// Whether some non-blank leaf other than `except` has `signature_key` `key` (RFC 9420
    /// §7.3, for a member's own new leaf). O(log n) on [`super::RatchetTree`] and
    /// [`super::TreeDiff`].
    fn contains_signature_key_except(&self, key: &[u8], except: LeafIndex) -> bool {
        self.leaves()
            .any(|(i, l)| i != except && l.signature_key() == key)
    }

    /// The number of non-blank leaves whose credential has type `t` (RFC 9420 §7.3).
    /// O(log t) on [`super::RatchetTree`] and [`super::TreeDiff`], t the number of types.
    fn credential_in_use_count(&self, t: CredentialType) -> u32 {
        let n = self
            .leaves()
            .filter(|(_, l)| l.credential_type() == t)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The number of non-blank leaves whose `capabilities.credentials` list type `t`
    /// (RFC 9420 §7.2). O(log t) on [`super::RatchetTree`] and [`super::TreeDiff`].
    fn credential_supported_count(&self, t: CredentialType) -> u32 {
        let n = self
            .leaves()
            .filter(|(_, l)| l.capability_credentials().any(|c| c == t))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether every member lists credential type `t` in its capabilities (RFC 9420 §7.3:
    /// "the credential type is supported by all members of the group"); `true` in a tree
    /// without members.
    fn credential_type_supported_by_all(&self, t: CredentialType) -> bool {
        self.credential_supported_count(t) == self.member_count()
    }

    /// The credential types used by at least one member, each once (RFC 9420
    /// §7.3: "the credential types currently in use by other members"). Small: at most one
    /// type per member, in practice one or two.
    fn credential_types_in_use(&self) -> impl Iterator<Item = CredentialType> + '_ {
        let types: alloc::collections::BTreeSet<CredentialType> =
            self.leaves().map(|(_, l)| l.credential_type()).collect();
        types.into_iter()
    }

    /// The resolution of node `x` (RFC 9420 §4.1.2): a non-blank node followed by its
    /// unmerged leaves; for a blank parent the resolution of its left child then of its
    /// right child; empty for a blank leaf. Empty for a node outside the tree.
    fn resolution(&self, x: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        let size = self.size();
        if !size.is_in_tree(x) {
            return out;
        }
        // Depth-first, left first: push right before left.
        let mut stack = alloc::vec![x];
        while let Some(n) = stack.pop() {
            if let Some(bytes) = self.node_bytes(n) {
                out.push(n);
                if let Some(p) = (!n.is_leaf())
                    .then(|| ParentNodeRef::parse(bytes))
                    .flatten()
                {
                    out.extend(p.unmerged_leaves().filter_map(LeafIndex::node));
                }
            } else if self.known_blank_subtree(n) {
                continue;
            } else if let (Some(l), Some(r)) = (size.left(n), size.right(n)) {
                stack.push(r);
                stack.push(l);
            }
        }
        out
    }

    /// Whether the resolution of `x` is empty, i.e. every node below `x` (inclusive) is
    /// blank. Stops at the first non-blank node.
    fn resolution_is_empty(&self, x: NodeIndex) -> bool {
        let size = self.size();
        let mut stack = alloc::vec![x];
        while let Some(n) = stack.pop() {
            if !self.is_blank(n) {
                return false;
            }
            if self.known_blank_subtree(n) {
                continue;
            }
            if let (Some(l), Some(r)) = (size.left(n), size.right(n)) {
                stack.push(r);
                stack.push(l);
            }
        }
        true
    }

    /// The filtered direct path of `leaf` (RFC 9420 §4.1.2): pairs of (path node, its child
    /// on the copath of `leaf`), bottom up, without the path nodes whose copath child has an
    /// empty resolution. Empty for a leaf outside the tree.
    fn filtered_direct_path(&self, leaf: LeafIndex) -> Vec<(NodeIndex, NodeIndex)> {
        let size = self.size();
        let Some(x) = leaf.node() else {
            return Vec::new();
        };
        match (size.direct_path(x), size.copath(x)) {
            (Some(path), Some(copath)) => path
                .zip(copath)
                .filter(|&(_, c)| !self.resolution_is_empty(c))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The occupied leaves, in increasing index order.
    fn leaves(&self) -> impl Iterator<Item = (LeafIndex, LeafNodeRef<'_>)> {
        (0..self.size().leaf_count()).filter_map(move |i| {
            let l = LeafIndex(i);
            self.leaf(l).map(|n| (l, n))
        })
    }

    /// The first occupied leaf for which `f` holds.
    fn find_leaf(&self, mut f: impl FnMut(&LeafNodeRef<'_>) -> bool) -> Option<LeafIndex> {
        self.leaves().find(|(_, l)| f(l)).map(|(i, _)| i)
    }

    /// The number of occupied leaves (members). O(1) on [`super::RatchetTree`] and
    /// [`super::TreeDiff`].
    fn member_count(&self) -> u32 {
        let n = (0..self.size().leaf_count())
            .filter(|&i| LeafIndex(i).node().is_some_and(|x| !self.is_blank(x)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The leftmost blank leaf, or `None` if every leaf is occupied (RFC 9420 §7.7).
    fn leftmost_blank_leaf(&self) -> Option<LeafIndex> {
        (0..self.size().leaf_count())
            .map(LeafIndex)
            .find(|l| l.node().is_some_and(|x| self.is_blank(x)))
    }

    /// Encodes the tree as `ratchet_tree` extension data (`optional<Node> ratchet_tree<V>`,
    /// RFC 9420 §12.4.3.3), omitting trailing blank nodes.
    fn encode_extension(&self) -> Result<Vec<u8>, Error> {
        extension::encode(self)
    }
}
