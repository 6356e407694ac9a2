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

use super::NodeSlot;
use super::node::{NODE_TYPE_LEAF, NODE_TYPE_PARENT};
use crate::codec::write_opaque;
use crate::crypto::{CipherSuite, CipherSuiteProvider};
use crate::error::{Error, TreeError};
use crate::tree_math::{NodeIndex, TreeSize};

/// One hash per node in a flat `node_width × Nh` buffer, plus a validity bitset.
#[derive(Clone, Debug, Default)]
pub(crate) struct HashCache {
    suite: Option<CipherSuite>,
    hash_len: usize,
    hashes: Vec<u8>,
    valid: Vec<u64>,
}

impl HashCache {
    /// Makes the cache usable for `cs` on a tree of `size`: a different suite drops every
    /// entry; the buffer is sized to the tree.
    pub(crate) fn prepare(&mut self, cs: &dyn CipherSuiteProvider, size: TreeSize) {
        if self.suite != Some(cs.cipher_suite()) || self.hash_len != cs.hash_len() {
            self.suite = Some(cs.cipher_suite());
            self.hash_len = cs.hash_len();
            self.hashes.clear();
            self.valid.clear();
        }
        self.resize(size);
    }

    /// Resizes to a tree of `size`, keeping the entries of the nodes that remain.
    pub(crate) fn resize(&mut self, size: TreeSize) {
        let width = size.node_width() as usize;
        if self.suite.is_none() {
            return;
        }
        self.hashes.resize(width.saturating_mul(self.hash_len), 0);
        self.valid.resize(width.div_ceil(64), 0);
        // Clear validity bits beyond the width in the last word.
        if let Some(last) = self.valid.last_mut() {
            let used = width % 64;
            if used != 0 {
                *last &= (1u64 << used).wrapping_sub(1);
            }
        }
        self.hashes.shrink_to_fit();
        self.valid.shrink_to_fit();
    }

    /// The suite the entries belong to.
    pub(crate) fn suite(&self) -> Option<CipherSuite> {
        self.suite
    }

    /// The cached hash of `x`, if valid.
    pub(crate) fn get(&self, x: NodeIndex) -> Option<&[u8]> {
        let i = x.0 as usize;
        let word = self.valid.get(i / 64)?;
        if word & (1u64 << (i % 64)) == 0 {
            return None;
        }
        let start = i.checked_mul(self.hash_len)?;
        self.hashes.get(start..start.checked_add(self.hash_len)?)
    }

    /// Stores the hash of `x` (ignored if `x` is outside the buffer or the length is wrong).
    pub(crate) fn set(&mut self, x: NodeIndex, hash: &[u8]) {
        let i = x.0 as usize;
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
        let i = x.0 as usize;
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

/// Fills the cache for the subtree of `x` of the base tree (post-order, only the missing
/// entries). Recursion depth is the tree depth (at most 32).
pub(crate) fn fill(
    nodes: &[NodeSlot],
    cache: &mut HashCache,
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
) -> Result<(), Error> {
    let mut buf = Vec::new();
    fill_rec(nodes, cache, cs, x, &mut buf)
}

fn fill_rec(
    nodes: &[NodeSlot],
    cache: &mut HashCache,
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
    buf: &mut Vec<u8>,
) -> Result<(), Error> {
    if cache.get(x).is_some() {
        return Ok(());
    }
    let node = nodes.get(x.0 as usize).and_then(|s| s.as_deref());
    let hash = match children(x) {
        None => hash_node(cs, x, node, None, buf)?,
        Some((l, r)) => {
            fill_rec(nodes, cache, cs, l, buf)?;
            fill_rec(nodes, cache, cs, r, buf)?;
            let (Some(lh), Some(rh)) = (cache.get(l), cache.get(r)) else {
                return Err(TreeError::NodeOutOfRange.into());
            };
            // Copy the children's hashes out: the cache is borrowed mutably below.
            let mut pair = Vec::with_capacity(lh.len().saturating_add(rh.len()));
            pair.extend_from_slice(lh);
            let split = lh.len();
            pair.extend_from_slice(rh);
            let (lh, rh) = pair.split_at(split);
            hash_node(cs, x, node, Some((lh, rh)), buf)?
        }
    };
    cache.set(x, &hash);
    Ok(())
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
