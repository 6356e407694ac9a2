//! Tree hashes (RFC 9420 §7.8), cached per node in one flat buffer.
//!
//! ```text
//! struct {
//!   NodeType node_type;
//!   select (TreeHashInput.node_type) {
//!     case leaf:   LeafNodeHashInput leaf_node;
//!     case parent: ParentNodeHashInput parent_node;
//!   };
//! } TreeHashInput;
//!
//! struct {
//!     uint32 leaf_index;
//!     optional<LeafNode> leaf_node;
//! } LeafNodeHashInput;
//!
//! struct {
//!     optional<ParentNode> parent_node;
//!     opaque left_hash<V>;
//!     opaque right_hash<V>;
//! } ParentNodeHashInput;
//! ```

use alloc::vec::Vec;

use super::node::{NODE_TYPE_LEAF, NODE_TYPE_PARENT};
use super::store::NodeStore;

use crate::codec::write_opaque;
use crate::crypto::{CipherSuite, CipherSuiteProvider};
use crate::error::{Error, TreeError};
use crate::tree_math::{NodeIndex, TreeSize};

/// The tree hashes of the nodes at level `min_level` and above, in one flat buffer of
/// `Nh`-byte entries plus a validity bitset.
///
/// Node `x` at level `k >= min_level` has its `min_level` low bits set, so `x >> min_level`
/// numbers these nodes densely: `node_width >> min_level` entries. `min_level` is chosen
/// from a byte budget, a quarter of what the tree's nodes take (their encodings plus one
/// byte per position up to the last node, [`NodeStore::hash_budget`]), so the cache never
/// holds more than about a quarter of the tree's encoded size, whatever its shape (melos
/// issue #12: a blank node encodes as one byte, and a tree of a power-of-two width may hold
/// as many implicit blank positions again past its last node). A tree of real nodes caches
/// every level but the leaves (`min_level` 0 or 1: 32 bytes per node for SHA-256 against
/// some 120 bytes of node), a blank-heavy one only the upper levels. The hash of a lower
/// node is recomputed from its subtree when needed, `2^(min_level + 1) - 1` hashes at most
/// per changed path.
///
/// `min_level` moves with hysteresis: up as soon as the cache exceeds the budget, down
/// (one level, doubling the cache) only when the result stays within half the budget, so
/// trees at a boundary do not relayout on every merge.
#[derive(Clone, Debug, Default)]
pub(crate) struct HashCache {
    suite: Option<CipherSuite>,
    hash_len: usize,
    min_level: u32,
    hashes: Vec<u8>,
    valid: Vec<u64>,
}

impl HashCache {
    /// Makes the cache usable for `cs` on a tree of `size` with a budget of `budget` bytes:
    /// a different suite drops every entry; the buffer is sized to the tree.
    pub(crate) fn prepare(&mut self, cs: &dyn CipherSuiteProvider, size: TreeSize, budget: usize) {
        if self.suite != Some(cs.cipher_suite()) || self.hash_len != cs.hash_len() {
            self.suite = Some(cs.cipher_suite());
            self.hash_len = cs.hash_len();
            self.min_level = 0;
            self.hashes.clear();
            self.valid.clear();
        }
        self.resize(size, budget);
    }

    /// The slot of node `x`, if its level is cached.
    fn slot(&self, x: NodeIndex) -> Option<usize> {
        (x.level() >= self.min_level).then_some((x.0 >> self.min_level) as usize)
    }

    /// The bytes of a cache from level `level` up on a tree of `size`.
    fn cost(&self, size: TreeSize, level: u32) -> usize {
        ((size.node_width() >> level.min(31)) as usize).saturating_mul(self.hash_len)
    }

    /// Resizes to a tree of `size` within `budget` bytes, keeping the entries of the nodes
    /// that remain at the cached levels.
    pub(crate) fn resize(&mut self, size: TreeSize, budget: usize) {
        if self.suite.is_none() {
            return;
        }
        let mut level = self.min_level;
        while level < 31 && self.cost(size, level) > budget {
            level = level.saturating_add(1);
        }
        while level > 0 && self.cost(size, level.saturating_sub(1)) <= budget / 2 {
            level = level.saturating_sub(1);
        }
        if level != self.min_level {
            self.relayout(size, level);
        }
        let slots = (size.node_width() >> self.min_level) as usize;
        self.hashes.resize(slots.saturating_mul(self.hash_len), 0);
        self.valid.resize(slots.div_ceil(64), 0);
        // Clear validity bits beyond the slots in the last word.
        if let Some(last) = self.valid.last_mut() {
            let used = slots % 64;
            if used != 0 {
                *last &= (1u64 << used).wrapping_sub(1);
            }
        }
        self.hashes.shrink_to_fit();
        self.valid.shrink_to_fit();
    }

    /// Moves the entries to a cache from `level` up on a tree of `size`, keeping those at
    /// the levels both layouts hold.
    fn relayout(&mut self, size: TreeSize, level: u32) {
        let old = core::mem::take(self);
        let level = level.min(31);
        let slots = (size.node_width() >> level) as usize;
        *self = HashCache {
            suite: old.suite,
            hash_len: old.hash_len,
            min_level: level,
            hashes: alloc::vec![0; slots.saturating_mul(old.hash_len)],
            valid: alloc::vec![0; slots.div_ceil(64)],
        };
        // Node `x` at level `level` or above: `x = (i << level) | (2^level - 1)`.
        let low = (1u32 << level).wrapping_sub(1);
        for i in 0..u32::try_from(slots).unwrap_or(u32::MAX) {
            let x = NodeIndex((i << level) | low);
            if let Some(h) = old.get(x) {
                self.set(x, h);
            }
        }
    }

    /// The lowest cached level.
    #[cfg(test)]
    pub(crate) fn min_level(&self) -> u32 {
        self.min_level
    }

    /// The suite the entries belong to.
    pub(crate) fn suite(&self) -> Option<CipherSuite> {
        self.suite
    }

    /// The cached hash of `x`, if its level is cached and the entry valid.
    pub(crate) fn get(&self, x: NodeIndex) -> Option<&[u8]> {
        let i = self.slot(x)?;
        let word = self.valid.get(i / 64)?;
        if word & (1u64 << (i % 64)) == 0 {
            return None;
        }
        let start = i.checked_mul(self.hash_len)?;
        self.hashes.get(start..start.checked_add(self.hash_len)?)
    }

    /// Stores the hash of `x` (ignored below the cached levels, outside the buffer, or if
    /// the length is wrong).
    pub(crate) fn set(&mut self, x: NodeIndex, hash: &[u8]) {
        let Some(i) = self.slot(x) else {
            return;
        };
        if hash.len() != self.hash_len {
            return;
        }
        let Some(start) = i.checked_mul(self.hash_len) else {
            return;
        };
        let Some(end) = start.checked_add(self.hash_len) else {
            return;
        };
        if let (Some(dst), Some(word)) =
            (self.hashes.get_mut(start..end), self.valid.get_mut(i / 64))
        {
            dst.copy_from_slice(hash);
            *word |= 1u64 << (i % 64);
        }
    }

    /// Marks the hash of `x` stale.
    pub(crate) fn invalidate(&mut self, x: NodeIndex) {
        let Some(i) = self.slot(x) else {
            return;
        };
        if let Some(word) = self.valid.get_mut(i / 64) {
            *word &= !(1u64 << (i % 64));
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_size(&self) -> usize {
        self.hashes
            .capacity()
            .saturating_add(self.valid.capacity().saturating_mul(8))
    }
}

/// Where computed tree hashes go: the tree's cache, or nowhere (a read-only computation on
/// a shared tree).
pub(crate) trait HashMemo {
    /// The known hash of `x`.
    fn known(&self, x: NodeIndex) -> Option<&[u8]>;
    /// Records the hash of `x`.
    fn record(&mut self, x: NodeIndex, hash: &[u8]);
}

impl HashMemo for HashCache {
    fn known(&self, x: NodeIndex) -> Option<&[u8]> {
        self.get(x)
    }

    fn record(&mut self, x: NodeIndex, hash: &[u8]) {
        self.set(x, hash);
    }
}

/// Reads a cache without adding to it.
pub(crate) struct ReadOnly<'a>(pub(crate) &'a HashCache);

impl HashMemo for ReadOnly<'_> {
    fn known(&self, x: NodeIndex) -> Option<&[u8]> {
        self.0.get(x)
    }

    fn record(&mut self, _: NodeIndex, _: &[u8]) {}
}

/// Hashes one node's `TreeHashInput` given its stored encoding and (for a parent) its
/// children's tree hashes. `buf` is scratch space reused across calls.
pub(crate) fn hash_node(
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
    node: Option<&[u8]>,
    children: Option<(&[u8], &[u8])>,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, Error> {
    buf.clear();
    match (x.leaf(), children) {
        (Some(leaf), None) => {
            buf.push(NODE_TYPE_LEAF);
            buf.extend_from_slice(&leaf.0.to_be_bytes());
        }
        (None, Some(_)) => buf.push(NODE_TYPE_PARENT),
        _ => return Err(TreeError::NodeOutOfRange.into()),
    }
    match node {
        Some(b) => {
            buf.push(1);
            buf.extend_from_slice(b);
        }
        None => buf.push(0),
    }
    if let Some((left, right)) = children {
        write_opaque(left, buf)?;
        write_opaque(right, buf)?;
    }
    Ok(cs.hash(buf)?)
}

/// The tree hash of `x` of the base tree, from `memo` where known, hashing the subtree
/// post-order otherwise and recording every hash computed. Recursion depth is the tree
/// depth (at most 32).
pub(crate) fn subtree_hash(
    nodes: &NodeStore,
    memo: &mut dyn HashMemo,
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    hash_rec(nodes, memo, cs, x, &mut buf)
}

fn hash_rec(
    nodes: &NodeStore,
    memo: &mut dyn HashMemo,
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, Error> {
    if let Some(h) = memo.known(x) {
        return Ok(h.to_vec());
    }
    let node = nodes.get(x.0);
    let hash = match children(x) {
        None => hash_node(cs, x, node, None, buf)?,
        Some((l, r)) => {
            let lh = hash_rec(nodes, memo, cs, l, buf)?;
            let rh = hash_rec(nodes, memo, cs, r, buf)?;
            hash_node(cs, x, node, Some((&lh, &rh)), buf)?
        }
    };
    memo.record(x, &hash);
    Ok(hash)
}

/// The children of a parent node independent of any tree size (a node's subtree does not
/// depend on the size of the tree around it); `None` for a leaf.
pub(crate) fn children(x: NodeIndex) -> Option<(NodeIndex, NodeIndex)> {
    let k = x.level();
    if k == 0 || k > 31 {
        return None;
    }
    let half = 1u32 << k.wrapping_sub(1);
    Some((
        NodeIndex(x.0 ^ half),
        NodeIndex(x.0 ^ (3u32 << k.wrapping_sub(1))),
    ))
}
