//! Staged changes (RFC 9420 §7.7, §7.8, §12.1, §12.3): a [`TreeDiff`] overlays the base tree
//! with the changed nodes only, and is merged in one step or dropped.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::hash::{children, hash_node};
use super::{NodeSlot, ParentNode, RatchetTree, TreeView};
use crate::codec;
use crate::crypto::{CipherSuite, CipherSuiteProvider};
use crate::error::{Error, TreeError};
use crate::messages::LeafNode;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// A set of changes on top of a [`RatchetTree`], readable through [`TreeView`] (RFC 9420
/// §12: proposals and UpdatePaths are applied to a provisional tree).
///
/// Only changed nodes are held (plus their recomputed tree hashes), so staging a commit
/// that touches O(log n) nodes costs O(log n) memory. Dropping the diff leaves the base
/// untouched; [`TreeDiff::into_staged`] and [`RatchetTree::merge`] apply it in one step.
#[derive(Debug)]
pub struct TreeDiff<'a> {
    base: &'a RatchetTree,
    state: StagedTree,
}

/// The owned change set of a [`TreeDiff`], to be applied with [`RatchetTree::merge`].
#[derive(Clone, Debug)]
pub struct StagedTree {
    generation: u64,
    size: TreeSize,
    changes: BTreeMap<u32, NodeSlot>,
    /// Nodes whose tree hash differs from the base tree's (changed nodes and ancestors).
    dirty: BTreeSet<u32>,
    hashes: BTreeMap<u32, Vec<u8>>,
    hash_suite: Option<CipherSuite>,
}

impl StagedTree {
    /// The size of the tree after the changes.
    pub fn size(&self) -> TreeSize {
        self.size
    }
}

impl<'a> TreeView for TreeDiff<'a> {
    fn size(&self) -> TreeSize {
        self.state.size
    }

    fn node_bytes(&self, x: NodeIndex) -> Option<&[u8]> {
        if !self.state.size.is_in_tree(x) {
            return None;
        }
        match self.state.changes.get(&x.0) {
            Some(slot) => slot.as_deref(),
            None => self.base.node_bytes(x),
        }
    }

    /// Leaves below the base tree's first blank leaf are occupied unless the diff blanked
    /// them; past it, base-occupied leaves are skipped without a lookup.
    fn leftmost_blank_leaf(&self) -> Option<LeafIndex> {
        let count = self.state.size.leaf_count();
        let blanked = self
            .state
            .changes
            .range(..count.saturating_mul(2))
            .filter(|&(&x, slot)| x % 2 == 0 && slot.is_none())
            .map(|(&x, _)| x / 2)
            .next();
        let base_count = self.base.size.leaf_count();
        let mut l = self.base.first_blank();
        let scanned = loop {
            if l >= count {
                break None;
            }
            let leaf = LeafIndex(l);
            let base_occupied = l < base_count && self.base.leaf_is_occupied(leaf);
            // A base-occupied leaf is blank in the diff only if the diff blanked it, which
            // `blanked` covers.
            if !base_occupied && leaf.node().is_some_and(|x| self.is_blank(x)) {
                break Some(l);
            }
            l = l.saturating_add(1);
        };
        match (blanked, scanned) {
            (Some(a), Some(b)) => Some(LeafIndex(a.min(b))),
            (a, b) => a.or(b).map(LeafIndex),
        }
    }
}

impl<'a> TreeDiff<'a> {
    pub(super) fn new(base: &'a RatchetTree) -> Self {
        TreeDiff {
            base,
            state: StagedTree {
                generation: base.generation,
                size: base.size,
                changes: BTreeMap::new(),
                dirty: BTreeSet::new(),
                hashes: BTreeMap::new(),
                hash_suite: None,
            },
        }
    }

    /// The base tree this diff is staged on.
    pub fn base(&self) -> &'a RatchetTree {
        self.base
    }

    /// Ends the diff, keeping its changes for [`RatchetTree::merge`].
    pub fn into_staged(self) -> StagedTree {
        self.state
    }

    /// The number of changed nodes held.
    pub fn changed_nodes(&self) -> usize {
        self.state.changes.len()
    }

    /// Sets node `x` (no position check) and marks it and its ancestors dirty.
    fn put(&mut self, x: NodeIndex, slot: NodeSlot) {
        let depth = self.state.size.depth().max(self.base.size.depth());
        let wide = TreeSize::from_depth(depth).unwrap_or(self.state.size);
        self.state.changes.insert(x.0, slot);
        self.state.dirty.insert(x.0);
        self.state.hashes.remove(&x.0);
        if let Some(path) = wide.direct_path(x) {
            for p in path {
                self.state.dirty.insert(p.0);
                self.state.hashes.remove(&p.0);
            }
        }
    }

    fn check_in_tree(&self, x: NodeIndex) -> Result<(), Error> {
        if self.state.size.is_in_tree(x) {
            Ok(())
        } else {
            Err(TreeError::NodeOutOfRange.into())
        }
    }

    fn leaf_node_index(&self, leaf: LeafIndex) -> Result<NodeIndex, Error> {
        match leaf.node() {
            Some(x) if self.state.size.contains_leaf(leaf) => Ok(x),
            _ => Err(TreeError::LeafOutOfRange.into()),
        }
    }

    /// Blanks node `x` (RFC 9420 §7.7).
    pub fn blank_node(&mut self, x: NodeIndex) -> Result<(), Error> {
        self.check_in_tree(x)?;
        if !self.is_blank(x) {
            self.put(x, None);
        }
        Ok(())
    }

    /// Sets the parent node at `x` (e.g. when merging an UpdatePath, RFC 9420 §7.5).
    pub fn set_parent_node(&mut self, x: NodeIndex, node: &ParentNode) -> Result<(), Error> {
        self.check_in_tree(x)?;
        if x.is_leaf() {
            return Err(TreeError::NodeTypeMismatch.into());
        }
        let bytes = codec::encode(node)?;
        self.put(x, Some(bytes.into_boxed_slice()));
        Ok(())
    }

    /// Sets the leaf at `leaf` without touching other nodes (RFC 9420 §7.5: the committer's
    /// new leaf in an UpdatePath).
    pub fn set_leaf(&mut self, leaf: LeafIndex, node: &LeafNode) -> Result<(), Error> {
        let x = self.leaf_node_index(leaf)?;
        let bytes = codec::encode(node)?;
        self.put(x, Some(bytes.into_boxed_slice()));
        Ok(())
    }

    /// Adds `node` at the leftmost blank leaf, extending the tree if it is full, and adds
    /// the new leaf to the `unmerged_leaves` of every non-blank parent on its direct path
    /// (RFC 9420 §12.1.1, §7.7). Returns the new leaf's index.
    pub fn add_leaf(&mut self, node: &LeafNode) -> Result<LeafIndex, Error> {
        let leaf = match self.leftmost_blank_leaf() {
            Some(l) => l,
            None => {
                let old = self.state.size;
                self.state.size = old.doubled().ok_or(TreeError::TreeFull)?;
                LeafIndex(old.leaf_count())
            }
        };
        let x = self.leaf_node_index(leaf)?;
        self.set_leaf(leaf, node)?;
        let path: Vec<NodeIndex> = self
            .state
            .size
            .direct_path(x)
            .map(Iterator::collect)
            .unwrap_or_default();
        for p in path {
            if let Some(parent) = self.parent_node(p) {
                let mut parent = parent.to_parent_node()?;
                if let Err(pos) = parent.unmerged_leaves.binary_search(&leaf) {
                    parent.unmerged_leaves.insert(pos, leaf);
                }
                self.set_parent_node(p, &parent)?;
            }
        }
        Ok(leaf)
    }

    /// Replaces the leaf at `leaf` and blanks its direct path (RFC 9420 §12.1.2: applying
    /// an Update proposal). The leaf must be occupied.
    pub fn update_leaf(&mut self, leaf: LeafIndex, node: &LeafNode) -> Result<(), Error> {
        let x = self.leaf_node_index(leaf)?;
        if self.is_blank(x) {
            return Err(TreeError::LeafIsBlank.into());
        }
        self.set_leaf(leaf, node)?;
        self.blank_direct_path(x)
    }

    /// Blanks the leaf at `leaf` and its direct path, then truncates the tree while its right
    /// half is blank (RFC 9420 §12.1.3, §7.8). The leaf must be occupied.
    pub fn remove_leaf(&mut self, leaf: LeafIndex) -> Result<(), Error> {
        let x = self.leaf_node_index(leaf)?;
        if self.is_blank(x) {
            return Err(TreeError::LeafIsBlank.into());
        }
        self.put(x, None);
        self.blank_direct_path(x)?;
        self.truncate();
        Ok(())
    }

    /// Blanks every node on the direct path of `x`.
    pub fn blank_direct_path(&mut self, x: NodeIndex) -> Result<(), Error> {
        let path: Vec<NodeIndex> = self
            .state
            .size
            .direct_path(x)
            .ok_or(TreeError::NodeOutOfRange)?
            .collect();
        for p in path {
            self.blank_node(p)?;
        }
        Ok(())
    }

    /// Halves the tree while the right subtree of the root is entirely blank (RFC 9420
    /// §7.8). The discarded root is recorded as blank so that a later extension in the same
    /// diff sees a blank node there.
    pub fn truncate(&mut self) {
        loop {
            let size = self.state.size;
            let root = size.root();
            let Some(smaller) = size.halved() else {
                return;
            };
            // §7.8: truncate while no leaf of the right subtree is occupied.
            let (lo, hi) = (size.leaf_count() / 2, size.leaf_count());
            if (lo..hi).any(|l| LeafIndex(l).node().is_some_and(|x| !self.is_blank(x))) {
                return;
            }
            if !self.is_blank(root) {
                self.put(root, None);
            }
            self.state.size = smaller;
            let width = smaller.node_width();
            self.state.hashes.retain(|&k, _| k < width);
        }
    }

    /// The tree hash of the root of the staged tree (RFC 9420 §7.8). Only nodes on changed
    /// paths are hashed; the rest comes from the base tree's cache when it is filled for the
    /// same suite.
    pub fn tree_hash(&mut self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, Error> {
        let root = self.state.size.root();
        self.node_tree_hash(cs, root)
    }

    /// The tree hash of node `x` of the staged tree (RFC 9420 §7.8).
    pub fn node_tree_hash(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        self.check_in_tree(x)?;
        if self.state.hash_suite != Some(cs.cipher_suite()) {
            self.state.hashes.clear();
            self.state.hash_suite = Some(cs.cipher_suite());
        }
        let mut buf = Vec::new();
        self.hash_rec(cs, x, &mut buf)
    }

    fn hash_rec(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        if let Some(h) = self.state.hashes.get(&x.0) {
            return Ok(h.clone());
        }
        if !self.state.dirty.contains(&x.0)
            && self.base.cache().suite() == Some(cs.cipher_suite())
            && let Some(h) = self.base.cache().get(x)
        {
            return Ok(h.to_vec());
        }
        let hash = match children(x) {
            None => hash_node(cs, x, self.node_bytes(x), None, buf)?,
            Some((l, r)) => {
                let lh = self.hash_rec(cs, l, buf)?;
                let rh = self.hash_rec(cs, r, buf)?;
                hash_node(cs, x, self.node_bytes(x), Some((&lh, &rh)), buf)?
            }
        };
        self.state.hashes.insert(x.0, hash.clone());
        Ok(hash)
    }
}

/// Applies `staged` to `tree` (see [`RatchetTree::merge`]).
pub(super) fn merge(tree: &mut RatchetTree, staged: StagedTree) -> Result<(), Error> {
    if staged.generation != tree.generation {
        return Err(TreeError::StaleDiff.into());
    }
    let width = staged.size.node_width() as usize;
    tree.nodes.resize(width, None);
    tree.nodes.shrink_to_fit();
    tree.size = staged.size;
    let blanked = staged
        .changes
        .iter()
        .filter(|&(&x, slot)| x % 2 == 0 && slot.is_none())
        .map(|(&x, _)| x / 2)
        .min();
    let start = blanked.map_or(tree.first_blank, |b| b.min(tree.first_blank));
    for (x, slot) in staged.changes {
        if let Some(dst) = tree.nodes.get_mut(x as usize) {
            *dst = slot;
        }
    }
    tree.first_blank = tree.scan_blank_leaf(start);
    tree.cache.resize(staged.size);
    for &x in &staged.dirty {
        tree.cache.invalidate(NodeIndex(x));
    }
    if staged.hash_suite.is_some() && staged.hash_suite == tree.cache.suite() {
        for (x, h) in &staged.hashes {
            tree.cache.set(NodeIndex(*x), h);
        }
    }
    tree.generation = tree.generation.wrapping_add(1);
    Ok(())
}
