//! Staged changes (RFC 9420 §7.7, §7.8, §12.1, §12.3): a [`TreeDiff`] overlays the base tree
//! with the changed nodes only, and is merged in one step or dropped.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::hash::{children, hash_node};
use super::index::{CredentialCounts, KeyIndex, combined, stored_key, stored_signature_key};
use super::{ParentNode, RatchetTree, TreeView, malformed};
use crate::codec;
use crate::crypto::{CipherSuite, CipherSuiteProvider};
use crate::error::{Error, TreeError};
use crate::messages::{CredentialType, LeafNode};
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

mod merge;

pub(super) use merge::merge;

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
    /// Changed nodes: their new encoding, or `None` for blank. Growable, so that adding
    /// many leaves below one parent appends to its `unmerged_leaves` in place.
    changes: BTreeMap<u32, Option<Vec<u8>>>,
    /// The encryption keys of the non-blank changed nodes.
    keys: KeyIndex,
    /// The signature keys of the non-blank changed leaves.
    sig_keys: KeyIndex,
    /// The credential counts of the non-blank changed leaves.
    creds_added: CredentialCounts,
    /// The credential counts of the base tree's non-blank leaves that the diff changed.
    creds_removed: CredentialCounts,
    /// The changed nodes that are non-blank.
    set_nodes: BTreeSet<u32>,
    /// The leaves this diff blanked.
    blank_leaves: BTreeSet<u32>,
    /// Every leaf below `floor` is occupied in the diff unless it is in `blank_leaves`.
    floor: u32,
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

    /// The first leaf the diff blanked, or the first blank leaf at or after `floor` (below
    /// it every leaf is occupied unless the diff blanked it): O(log n) plus the occupied
    /// leaves past `floor`, which [`TreeDiff::add_leaf`] skips once.
    fn leftmost_blank_leaf(&self) -> Option<LeafIndex> {
        let count = self.state.size.leaf_count();
        let blanked = self.state.blank_leaves.range(..count).next().copied();
        let scanned = self.scan_blank_leaf(self.state.floor);
        let found = match blanked {
            Some(a) => a.min(scanned),
            None => scanned,
        };
        (found < count).then_some(LeafIndex(found))
    }

    /// Index lookups in the diff's changed nodes, then in the base tree's nodes the diff
    /// did not change.
    fn contains_encryption_key(&self, key: &[u8]) -> bool {
        let size = self.state.size;
        let changed = self.state.keys.candidates(key).any(|x| {
            size.is_in_tree(NodeIndex(x))
                && self
                    .state
                    .changes
                    .get(&x)
                    .and_then(|s| s.as_deref())
                    .and_then(stored_key)
                    == Some(key)
        });
        changed
            || self.base.key_index().candidates(key).any(|x| {
                size.is_in_tree(NodeIndex(x))
                    && !self.state.changes.contains_key(&x)
                    && self.base.node_key(x) == Some(key)
            })
    }

    /// Blank in the base tree (occupancy counts) and no node of the subtree set by the
    /// diff.
    fn known_blank_subtree(&self, x: NodeIndex) -> bool {
        if !self.state.size.is_in_tree(x) {
            return false;
        }
        let span = (1u32 << x.level()).saturating_sub(1);
        let (lo, hi) = (x.0.saturating_sub(span), x.0.saturating_add(span));
        if self.state.set_nodes.range(lo..=hi).next().is_some() {
            return false;
        }
        let base_size = self.base.size;
        if base_size.is_in_tree(x) {
            self.base.subtree_blank(x)
        } else if lo >= base_size.node_width() {
            true
        } else {
            // Subtrees are aligned: one reaching into the base tree holds all of it.
            self.base.subtree_blank(base_size.root())
        }
    }

    /// The base tree's leaf count, plus the leaves the diff set, minus the base leaves it
    /// changed: O(1).
    fn member_count(&self) -> u32 {
        let st = &self.state;
        combined(
            self.base.credential_counts().leaves(),
            st.creds_added.leaves(),
            st.creds_removed.leaves(),
        )
    }

    fn contains_signature_key(&self, key: &[u8]) -> bool {
        self.find_signature_key(key, None)
    }

    fn contains_signature_key_except(&self, key: &[u8], except: LeafIndex) -> bool {
        self.find_signature_key(key, except.node().map(|x| x.0))
    }

    fn credential_in_use_count(&self, t: CredentialType) -> u32 {
        let st = &self.state;
        combined(
            self.base.credential_counts().in_use(t),
            st.creds_added.in_use(t),
            st.creds_removed.in_use(t),
        )
    }

    fn credential_supported_count(&self, t: CredentialType) -> u32 {
        let st = &self.state;
        combined(
            self.base.credential_counts().supported(t),
            st.creds_added.supported(t),
            st.creds_removed.supported(t),
        )
    }

    /// The base tree's types and the diff's new ones, each once, while some leaf uses it.
    fn credential_types_in_use(&self) -> impl Iterator<Item = CredentialType> + '_ {
        let base = self.base.credential_counts();
        let new = self
            .state
            .creds_added
            .in_use_types()
            .filter(move |&t| base.in_use(t) == 0);
        base.in_use_types()
            .chain(new)
            .filter(move |&t| self.credential_in_use_count(t) > 0)
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
                keys: KeyIndex::default(),
                sig_keys: KeyIndex::default(),
                creds_added: CredentialCounts::default(),
                creds_removed: CredentialCounts::default(),
                set_nodes: BTreeSet::new(),
                blank_leaves: BTreeSet::new(),
                floor: base.first_blank(),
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

    /// The first leaf at or after `from` that is blank in the diff (`leaf_count` if none).
    fn scan_blank_leaf(&self, from: u32) -> u32 {
        let count = self.state.size.leaf_count();
        (from..count)
            .find(|&l| LeafIndex(l).node().is_none_or(|x| self.is_blank(x)))
            .unwrap_or(count)
    }

    /// Sets node `x` (no position check), keeps the diff's indexes, and marks it and its
    /// ancestors dirty.
    fn put(&mut self, x: NodeIndex, slot: Option<Vec<u8>>) {
        let st = &mut self.state;
        let leaf = x.is_leaf();
        // The node's current content leaves the diff's indexes: a node changed before
        // leaves the changed-node indexes, a base leaf changed for the first time is
        // subtracted from the base counts.
        match st.changes.get(&x.0) {
            Some(Some(old)) => {
                st.keys.remove(x.0, old);
                if leaf {
                    if let Some(k) = stored_signature_key(old) {
                        st.sig_keys.remove_key(x.0, k);
                    }
                    st.creds_added.remove(old);
                }
            }
            Some(None) => {}
            None => {
                if leaf && let Some(old) = self.base.node_bytes(x) {
                    st.creds_removed.insert(old);
                }
            }
        }
        if let Some(new) = slot.as_deref() {
            st.keys.insert(x.0, new);
            st.set_nodes.insert(x.0);
            if leaf {
                if let Some(k) = stored_signature_key(new) {
                    st.sig_keys.insert_key(x.0, k);
                }
                st.creds_added.insert(new);
            }
        } else {
            st.set_nodes.remove(&x.0);
        }
        if leaf {
            if slot.is_some() {
                st.blank_leaves.remove(&(x.0 / 2));
            } else {
                st.blank_leaves.insert(x.0 / 2);
            }
        }
        st.changes.insert(x.0, slot);
        self.mark_dirty(x);
    }

    /// Whether a non-blank leaf of the staged tree other than node `except` has
    /// `signature_key` `key`: the changed leaves' index, then the base index for the
    /// leaves the diff did not change (a full comparison per digest match).
    fn find_signature_key(&self, key: &[u8], except: Option<u32>) -> bool {
        let size = self.state.size;
        let changes = &self.state.changes;
        let changed = self.state.sig_keys.candidates(key).any(|x| {
            Some(x) != except
                && size.is_in_tree(NodeIndex(x))
                && changes
                    .get(&x)
                    .and_then(|s| s.as_deref())
                    .and_then(stored_signature_key)
                    == Some(key)
        });
        changed
            || self.base.signature_key_index().candidates(key).any(|x| {
                Some(x) != except
                    && size.is_in_tree(NodeIndex(x))
                    && !changes.contains_key(&x)
                    && self.base.leaf_signature_key(x) == Some(key)
            })
    }

    /// Marks `x` and its ancestors dirty (their tree hashes are recomputed).
    fn mark_dirty(&mut self, x: NodeIndex) {
        let depth = self.state.size.depth().max(self.base.size.depth());
        let wide = TreeSize::from_depth(depth).unwrap_or(self.state.size);
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
        self.put(x, Some(bytes));
        Ok(())
    }

    /// Sets the leaf at `leaf` without touching other nodes (RFC 9420 §7.5: the committer's
    /// new leaf in an UpdatePath).
    pub fn set_leaf(&mut self, leaf: LeafIndex, node: &LeafNode) -> Result<(), Error> {
        let x = self.leaf_node_index(leaf)?;
        let bytes = codec::encode(node)?;
        self.put(x, Some(bytes));
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
        if leaf.0 == self.state.floor {
            self.state.floor = self.scan_blank_leaf(leaf.0);
        }
        let path: Vec<NodeIndex> = self
            .state
            .size
            .direct_path(x)
            .map(Iterator::collect)
            .unwrap_or_default();
        for p in path {
            // Edited in place: amortized O(1) when the leaf goes at the end of the list, as
            // the leaves of one commit's Adds do.
            if let Some(Some(bytes)) = self.state.changes.get_mut(&p.0) {
                insert_unmerged(bytes, leaf)?;
                self.mark_dirty(p);
            } else if let Some(bytes) = self.node_bytes(p) {
                let mut bytes = bytes.to_vec();
                insert_unmerged(&mut bytes, leaf)?;
                self.put(p, Some(bytes));
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

/// Inserts `leaf` into the `unmerged_leaves` of the encoded `ParentNode` `bytes` (RFC 9420
/// §7.1: `uint32 unmerged_leaves<V>`, kept sorted), in place: a binary search, then the
/// 4 bytes go in at their position (the vector's length prefix grows when it must). No
/// change if `leaf` is listed already.
fn insert_unmerged(bytes: &mut Vec<u8>, leaf: LeafIndex) -> Result<(), Error> {
    let total = bytes.len();
    let (key_len, rest) = codec::read_varint(bytes).map_err(|_| malformed())?;
    let rest = rest.get(key_len as usize..).ok_or_else(malformed)?;
    let (hash_len, rest) = codec::read_varint(rest).map_err(|_| malformed())?;
    let rest = rest.get(hash_len as usize..).ok_or_else(malformed)?;
    let header_at = total.checked_sub(rest.len()).ok_or_else(malformed)?;
    let (list_len, body) = codec::read_varint(rest).map_err(|_| malformed())?;
    if body.len() != list_len as usize || list_len % 4 != 0 {
        return Err(malformed());
    }
    let entry = |i: usize| -> u32 {
        let mut a = [0u8; 4];
        if let Some(c) = body.get(i.saturating_mul(4)..i.saturating_mul(4).saturating_add(4)) {
            a.copy_from_slice(c);
        }
        u32::from_be_bytes(a)
    };
    // Lower bound: the first entry not below `leaf`.
    let (mut lo, mut hi) = (0usize, body.len() / 4);
    while lo < hi {
        let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
        if entry(mid) < leaf.0 {
            lo = mid.saturating_add(1);
        } else {
            hi = mid;
        }
    }
    if lo < body.len() / 4 && entry(lo) == leaf.0 {
        return Ok(());
    }
    let body_at = total.checked_sub(body.len()).ok_or_else(malformed)?;
    let mut header = Vec::with_capacity(4);
    codec::write_varint((list_len as usize).saturating_add(4), &mut header)?;
    let at = body_at.saturating_add(lo.saturating_mul(4));
    bytes.splice(at..at, leaf.0.to_be_bytes());
    bytes.splice(header_at..body_at, header);
    Ok(())
}
