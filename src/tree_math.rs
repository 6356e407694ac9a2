//! Array-based tree math (RFC 9420 §4, Appendix C).
//!
//! MLS trees are complete binary trees stored in an array: leaf `i` is node `2*i`, parents sit
//! at the odd indices, and a node's level is the number of trailing one bits of its index.
//! Every relationship (parent, children, sibling, direct path, copath, common ancestor) is
//! computed from indices with O(1) bit arithmetic; paths are O(log n) iterators and never
//! allocate.
//!
//! Leaf and node indices are distinct newtypes, so one cannot be passed for the other.
//! [`TreeSize`] is the number of leaves of a full tree (a power of two, RFC 9420 §7.8): all
//! relationships are relative to a size, and every function returns `None` where the RFC's
//! function is undefined (the parent of the root, the children of a leaf) or where a node is
//! outside the tree.
//!
//! ```
//! use melos::tree_math::{LeafIndex, NodeIndex, TreeSize};
//!
//! let size = TreeSize::from_leaf_count(5).unwrap(); // rounds up to 8 leaves
//! assert_eq!(size.leaf_count(), 8);
//! assert_eq!(size.node_width(), 15);
//! assert_eq!(size.root(), NodeIndex(7));
//! let leaf = LeafIndex(2).node().unwrap(); // node 4
//! let path: Vec<_> = size.direct_path(leaf).unwrap().collect();
//! assert_eq!(path, [NodeIndex(5), NodeIndex(3), NodeIndex(7)]);
//! let copath: Vec<_> = size.copath(leaf).unwrap().collect();
//! assert_eq!(copath, [NodeIndex(6), NodeIndex(1), NodeIndex(11)]);
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::iter::FusedIterator;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

/// The index of a leaf (RFC 9420 §4): the `n`-th leaf is the `n`-th member slot.
///
/// On the wire a leaf index is a `uint32` (e.g. `Sender.leaf_index`, `SenderData`).
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct LeafIndex(pub u32);

/// The index of a node in the array representation of a tree (RFC 9420 Appendix C): leaves
/// are even, parents odd.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct NodeIndex(pub u32);

impl fmt::Debug for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeafIndex({})", self.0)
    }
}

impl fmt::Debug for NodeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeIndex({})", self.0)
    }
}

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for NodeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl LeafIndex {
    /// The node index of this leaf, `2 * i`; `None` if that does not fit a `u32`.
    pub const fn node(self) -> Option<NodeIndex> {
        match self.0.checked_mul(2) {
            Some(n) => Some(NodeIndex(n)),
            None => None,
        }
    }
}

impl NodeIndex {
    /// The leaf at this node, or `None` for a parent node (odd index).
    pub const fn leaf(self) -> Option<LeafIndex> {
        if self.is_leaf() {
            Some(LeafIndex(self.0 >> 1))
        } else {
            None
        }
    }

    /// Whether this is a leaf node (even index).
    pub const fn is_leaf(self) -> bool {
        self.0 & 1 == 0
    }

    /// `level(x)` (Appendix C): 0 for leaves, the number of trailing one bits otherwise.
    pub const fn level(self) -> u32 {
        self.0.trailing_ones()
    }
}

/// The size of a full MLS tree: its number of leaves, a power of two between 1 and `2^31`
/// (so that every node index fits a `u32`).
///
/// MLS trees are always full (RFC 9420 §7.7, §7.8): a tree grows by doubling and shrinks by
/// halving, so a leaf count is rounded up to the next power of two.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeSize {
    /// log2 of the number of leaves, at most 31.
    depth: u32,
}

impl fmt::Debug for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TreeSize({} leaves)", self.leaf_count())
    }
}

impl TreeSize {
    /// The largest supported depth: `2^31` leaves, `2^32 - 1` nodes.
    const MAX_DEPTH: u32 = 31;

    /// The one-leaf tree.
    pub const ONE: TreeSize = TreeSize { depth: 0 };

    /// The smallest full tree with at least `leaves` leaves (at least one); `None` beyond
    /// `2^31` leaves.
    pub const fn from_leaf_count(leaves: u32) -> Option<TreeSize> {
        match leaves.checked_next_power_of_two() {
            Some(n) if n.trailing_zeros() <= Self::MAX_DEPTH => Some(TreeSize {
                depth: n.trailing_zeros(),
            }),
            _ => None,
        }
    }

    /// The smallest full tree with at least `nodes` nodes, e.g. for a ratchet tree received
    /// with its trailing blank nodes omitted (RFC 9420 §12.4.3.3); `None` beyond `2^32 - 1`.
    pub const fn from_node_count(nodes: u32) -> Option<TreeSize> {
        // A full tree with n leaves has 2n - 1 nodes, so n >= ceil((nodes + 1) / 2).
        let leaves = (nodes >> 1).saturating_add(1);
        Self::from_leaf_count(leaves)
    }

    /// The tree of `2^depth` leaves; `None` if `depth > 31`.
    pub const fn from_depth(depth: u32) -> Option<TreeSize> {
        if depth <= Self::MAX_DEPTH {
            Some(TreeSize { depth })
        } else {
            None
        }
    }

    /// The depth: log2 of the leaf count, which is also the level of the root.
    pub const fn depth(self) -> u32 {
        self.depth
    }

    /// The number of leaves, `2^depth`.
    pub const fn leaf_count(self) -> u32 {
        1 << self.depth
    }

    /// `node_width(n)` (Appendix C): the number of nodes, `2n - 1`.
    pub const fn node_width(self) -> u32 {
        // depth <= 31: 2^(depth+1) - 1 is u32::MAX with its top 31 - depth bits cleared.
        u32::MAX >> Self::MAX_DEPTH.saturating_sub(self.depth)
    }

    /// `root(n)` (Appendix C): the root node, `n - 1` for a full tree.
    pub const fn root(self) -> NodeIndex {
        NodeIndex(self.leaf_count().wrapping_sub(1)) // leaf_count >= 1
    }

    /// The tree with twice as many leaves (RFC 9420 §7.7: the tree is extended to the
    /// right), or `None` beyond `2^31` leaves.
    pub const fn doubled(self) -> Option<TreeSize> {
        Self::from_depth(self.depth.saturating_add(1))
    }

    /// The tree with half as many leaves (RFC 9420 §7.8: the right subtree is truncated), or
    /// `None` for the one-leaf tree.
    pub const fn halved(self) -> Option<TreeSize> {
        match self.depth.checked_sub(1) {
            Some(depth) => Some(TreeSize { depth }),
            None => None,
        }
    }

    /// Whether node `x` is in this tree.
    pub const fn is_in_tree(self, x: NodeIndex) -> bool {
        x.0 < self.node_width()
    }

    /// Whether leaf `leaf` is in this tree.
    pub const fn contains_leaf(self, leaf: LeafIndex) -> bool {
        leaf.0 < self.leaf_count()
    }

    /// `level(x)` (Appendix C), or `None` if `x` is not in the tree.
    pub const fn level(self, x: NodeIndex) -> Option<u32> {
        if self.is_in_tree(x) {
            Some(x.level())
        } else {
            None
        }
    }

    /// `left(x)` (Appendix C): the left child of a parent node; `None` for a leaf or a node
    /// outside the tree.
    pub const fn left(self, x: NodeIndex) -> Option<NodeIndex> {
        let k = x.level();
        if k == 0 || !self.is_in_tree(x) {
            return None;
        }
        // In-tree parents have 1 <= k <= 31, so the shift is in range.
        Some(NodeIndex(x.0 ^ (1 << k.wrapping_sub(1))))
    }

    /// `right(x)` (Appendix C): the right child of a parent node; `None` for a leaf or a node
    /// outside the tree.
    pub const fn right(self, x: NodeIndex) -> Option<NodeIndex> {
        let k = x.level();
        if k == 0 || !self.is_in_tree(x) {
            return None;
        }
        Some(NodeIndex(x.0 ^ (3 << k.wrapping_sub(1))))
    }

    /// `parent(x)` (Appendix C); `None` for the root or a node outside the tree.
    pub const fn parent(self, x: NodeIndex) -> Option<NodeIndex> {
        let k = x.level();
        if k >= self.depth || !self.is_in_tree(x) {
            return None;
        }
        // k < depth <= 31, so k + 1 <= 31 and every shift is in range.
        let k1 = k.wrapping_add(1);
        let b = (x.0 >> k1) & 1;
        Some(NodeIndex((x.0 | (1 << k)) ^ (b << k1)))
    }

    /// `sibling(x)` (Appendix C): the other child of `x`'s parent; `None` for the root or a
    /// node outside the tree.
    pub const fn sibling(self, x: NodeIndex) -> Option<NodeIndex> {
        let k = x.level();
        if k >= self.depth || !self.is_in_tree(x) {
            return None;
        }
        // The two children of a level-(k+1) parent differ only in bit k + 1.
        Some(NodeIndex(x.0 ^ (2 << k)))
    }

    /// `direct_path(x)` (Appendix C): the ancestors of `x` from its parent up to the root
    /// (empty for the root); `None` if `x` is not in the tree.
    pub const fn direct_path(self, x: NodeIndex) -> Option<DirectPath> {
        if self.is_in_tree(x) {
            Some(DirectPath {
                size: self,
                node: x,
            })
        } else {
            None
        }
    }

    /// `copath(x)` (Appendix C): the siblings of `x` and of its ancestors below the root,
    /// from `x`'s sibling up (empty for the root); `None` if `x` is not in the tree.
    pub const fn copath(self, x: NodeIndex) -> Option<Copath> {
        if self.is_in_tree(x) {
            Some(Copath {
                size: self,
                node: x,
            })
        } else {
            None
        }
    }

    /// The common ancestor of `a` and `b` (Appendix C): the lowest node whose subtree
    /// contains both (so `a` itself if `b` is below it); `None` if either is outside the
    /// tree. O(1).
    pub const fn common_ancestor(self, a: NodeIndex, b: NodeIndex) -> Option<NodeIndex> {
        if !self.is_in_tree(a) || !self.is_in_tree(b) {
            return None;
        }
        // The subtree of a level-k node p holds exactly the nodes sharing p's bits above bit
        // k. So the answer sits at the lowest level k >= level(a), level(b) such that a and b
        // agree above bit k, i.e. k >= bit_length(a ^ b) - 1.
        let mut k = a.level();
        if b.level() > k {
            k = b.level();
        }
        // leading_zeros() <= 32, so this cannot wrap.
        let diff_bits = u32::BITS.wrapping_sub((a.0 ^ b.0).leading_zeros());
        if diff_bits > k {
            // diff_bits >= 1 here.
            k = diff_bits.wrapping_sub(1);
        }
        // Both nodes are in the tree, so k <= depth <= 31; the shift by k + 1 may be 32, which
        // `checked_sh*` maps to 0 (no bits above bit 31).
        let k1 = k.wrapping_add(1);
        let high = match a.0.checked_shr(k1) {
            Some(h) => h,
            None => 0,
        };
        let high = match high.checked_shl(k1) {
            Some(h) => h,
            None => 0,
        };
        Some(NodeIndex(high | (1u32 << k).wrapping_sub(1)))
    }
}

/// The direct path of a node, from its parent to the root (see [`TreeSize::direct_path`]).
#[derive(Clone, Debug)]
pub struct DirectPath {
    size: TreeSize,
    node: NodeIndex,
}

impl Iterator for DirectPath {
    type Item = NodeIndex;

    fn next(&mut self) -> Option<NodeIndex> {
        let parent = self.size.parent(self.node)?;
        self.node = parent;
        Some(parent)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.size.depth.saturating_sub(self.node.level()) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for DirectPath {}
impl FusedIterator for DirectPath {}

/// The copath of a node, from its sibling up to the child of the root (see
/// [`TreeSize::copath`]).
#[derive(Clone, Debug)]
pub struct Copath {
    size: TreeSize,
    node: NodeIndex,
}

impl Iterator for Copath {
    type Item = NodeIndex;

    fn next(&mut self) -> Option<NodeIndex> {
        let sibling = self.size.sibling(self.node)?;
        self.node = self.size.parent(self.node)?;
        Some(sibling)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.size.depth.saturating_sub(self.node.level()) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Copath {}
impl FusedIterator for Copath {}

#[cfg(test)]
mod tests;
