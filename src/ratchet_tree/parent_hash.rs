//! Parent hashes (RFC 9420 §7.9): computing them for an UpdatePath and verifying the whole
//! tree on join in O(n) hash operations.
//!
//! ```text
//! struct {
//!     HPKEPublicKey encryption_key;
//!     opaque parent_hash<V>;
//!     opaque original_sibling_tree_hash<V>;
//! } ParentHashInput;
//! ```

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::hash::{children, hash_node};
use super::node::ParentNodeRef;
use super::{RatchetTree, TreeDiff, TreeView, malformed};
use crate::codec::{self, write_opaque};
use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, TreeError};
use crate::tree_math::{LeafIndex, NodeIndex};

/// `Hash(ParentHashInput)` (RFC 9420 §7.9).
pub fn parent_hash(
    cs: &dyn CipherSuiteProvider,
    encryption_key: &[u8],
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut input = Vec::with_capacity(
        encryption_key
            .len()
            .saturating_add(parent_hash.len())
            .saturating_add(original_sibling_tree_hash.len())
            .saturating_add(12),
    );
    write_opaque(encryption_key, &mut input)?;
    write_opaque(parent_hash, &mut input)?;
    write_opaque(original_sibling_tree_hash, &mut input)?;
    Ok(cs.hash(&input)?)
}

/// The parent hashes an UpdatePath from one leaf must carry (RFC 9420 §7.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathParentHashes {
    /// The `parent_hash` field of each node of the filtered direct path, bottom up (the
    /// topmost one is empty).
    pub nodes: Vec<Vec<u8>>,
    /// The `parent_hash` the leaf must carry (`leaf_node_source = commit`): the parent hash
    /// of the first node of the filtered direct path (empty if that path is empty).
    pub leaf: Vec<u8>,
}

impl TreeDiff<'_> {
    /// Computes the parent hashes of an UpdatePath from `leaf` whose new public keys are
    /// `keys`, one per node of `leaf`'s filtered direct path, bottom up (RFC 9420 §7.9):
    /// the parent hash of P is `Hash(ParentHashInput{P's new key, P's parent_hash field,
    /// tree hash of P's copath child})`, chained from the root down.
    ///
    /// The copath children are not on the path, so this may be called before or after the
    /// path nodes are set in the diff.
    pub fn parent_hashes_for_path(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        keys: &[&[u8]],
    ) -> Result<PathParentHashes, Error> {
        let path = self.filtered_direct_path(leaf);
        if path.len() != keys.len() {
            return Err(TreeError::PathLengthMismatch.into());
        }
        let mut nodes = alloc::vec![Vec::new(); path.len()];
        let mut above = Vec::new();
        for ((&(_, copath_child), key), field) in path.iter().zip(keys).zip(nodes.iter_mut()).rev()
        {
            let sibling_hash = self.node_tree_hash(cs, copath_child)?;
            let ph = parent_hash(cs, key, &above, &sibling_hash)?;
            *field = core::mem::replace(&mut above, ph);
        }
        Ok(PathParentHashes { nodes, leaf: above })
    }
}

/// The leaf range `[lo, hi)` below node `x`.
fn leaf_range(x: NodeIndex) -> (u64, u64) {
    let k = x.level().min(32);
    let lo = (u64::from(x.0) >> (k.saturating_add(1))) << k;
    (lo, lo.saturating_add(1u64 << k))
}

fn in_subtree(x: NodeIndex, leaf: LeafIndex) -> bool {
    let (lo, hi) = leaf_range(x);
    (lo..hi).contains(&u64::from(leaf.0))
}

impl RatchetTree {
    /// Verifies that every non-blank parent node is parent-hash valid (RFC 9420 §7.9.2),
    /// "top down": for each non-blank parent P exactly one node D below it must carry a
    /// parent hash valid with respect to P. The candidate D's of P are the non-blank nodes
    /// whose first non-blank ancestor is P, so each node is examined once; each P's hash is
    /// computed at most once per side.
    pub fn verify_parent_hashes(&mut self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        self.tree_hash(cs)?; // fills the cache
        let size = self.size;
        // Kept per non-blank node only, so a blank-heavy tree costs nothing here: P -> the
        // number of nodes linking to P; (P, S) -> parent hash of P with copath child S (the
        // sibling S determines P, so the memo is keyed by S); (P, C) -> resolution(C).
        let mut matches: BTreeMap<u32, u8> = BTreeMap::new();
        let mut ph_memo: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
        let mut res_memo: BTreeMap<(u32, u32), Vec<NodeIndex>> = BTreeMap::new();
        let present: Vec<NodeIndex> = self.nodes.iter().map(|(x, _)| NodeIndex(x)).collect();
        for &d in &present {
            let Some(bytes) = self.node_bytes(d) else {
                continue;
            };
            let d_ph = if d.is_leaf() {
                super::LeafNodeRef::parse(bytes)
                    .ok_or_else(malformed)?
                    .parent_hash()
            } else {
                ParentNodeRef::parse(bytes)
                    .ok_or_else(malformed)?
                    .parent_hash()
            };
            if d_ph.is_empty() {
                continue;
            }
            // The first non-blank ancestor P of D, and P's child C towards D.
            let mut c = d;
            let p = loop {
                match size.parent(c) {
                    None => break None,
                    Some(p) if !self.is_blank(p) => break Some(p),
                    Some(p) => c = p,
                }
            };
            let Some(p) = p else {
                continue;
            };
            let s = size.sibling(c).ok_or_else(malformed)?;
            let pnode = self.parent_node(p).ok_or_else(malformed)?;
            let expected = match ph_memo.entry(s.0) {
                alloc::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                alloc::collections::btree_map::Entry::Vacant(e) => {
                    let osth = self.original_sibling_tree_hash(cs, pnode, s)?;
                    e.insert(parent_hash(
                        cs,
                        pnode.encryption_key(),
                        pnode.parent_hash(),
                        &osth,
                    )?)
                }
            };
            if expected.as_slice() != d_ph {
                continue;
            }
            if c == d {
                // Fast path: D is P's child, so resolution(C) \ {D} is D's unmerged leaves
                // (none for a leaf); compare them with P's unmerged leaves below C, in order.
                let d_unmerged = self.parent_node(d);
                let below = pnode.unmerged_leaves().filter(|&l| in_subtree(c, l));
                let same = match d_unmerged {
                    Some(dn) => below.eq(dn.unmerged_leaves()),
                    None => below.count() == 0,
                };
                if same {
                    let m = matches.entry(p.0).or_insert(0);
                    *m = m.saturating_add(1);
                }
                continue;
            }
            // D in resolution(C), and P.unmerged ∩ subtree(C) == resolution(C) \ {D}.
            let res = res_memo
                .entry((p.0, c.0))
                .or_insert_with(|| self.resolution(c));
            if !res.contains(&d) {
                continue;
            }
            let mut rest: Vec<NodeIndex> = res.iter().copied().filter(|&n| n != d).collect();
            rest.sort_unstable();
            let mut unmerged: Vec<NodeIndex> = pnode
                .unmerged_leaves()
                .filter(|&l| in_subtree(c, l))
                .filter_map(LeafIndex::node)
                .collect();
            unmerged.sort_unstable();
            if rest == unmerged {
                let m = matches.entry(p.0).or_insert(0);
                *m = m.saturating_add(1);
            }
        }
        for p in present.into_iter().filter(|p| !p.is_leaf()) {
            // Exactly one D must link to P (§7.9.2). Two links are impossible without a hash
            // collision: links from both sides would each hash the other's subtree (a cycle),
            // and two links from one side C would each require the other to be in
            // P.unmerged_leaves while excluding itself. So "not one" is "none" in practice.
            if matches.get(&p.0).copied() != Some(1) {
                return Err(TreeError::ParentHashMismatch.into());
            }
        }
        Ok(())
    }

    /// The tree hash of `s` with every leaf in `p.unmerged_leaves` blanked and removed from
    /// the `unmerged_leaves` of the parents below `s` (RFC 9420 §7.9). Only the paths from
    /// those leaves up to `s` are rehashed; everything else comes from the cache.
    fn original_sibling_tree_hash(
        &self,
        cs: &dyn CipherSuiteProvider,
        p: ParentNodeRef<'_>,
        s: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        let mut excluded: Vec<LeafIndex> =
            p.unmerged_leaves().filter(|&l| in_subtree(s, l)).collect();
        excluded.sort_unstable();
        let mut buf = Vec::new();
        self.hash_excluding(cs, s, &excluded, &mut buf)
    }

    fn hash_excluding(
        &self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
        excluded: &[LeafIndex],
        buf: &mut Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        let (lo, hi) = leaf_range(x);
        let first = excluded.partition_point(|l| u64::from(l.0) < lo);
        let touches = excluded.get(first).is_some_and(|l| u64::from(l.0) < hi);
        if !touches {
            return self.cached_tree_hash(cs, x);
        }
        match children(x) {
            // An excluded leaf: hashed as blank.
            None => hash_node(cs, x, None, None, buf),
            Some((l, r)) => {
                let lh = self.hash_excluding(cs, l, excluded, buf)?;
                let rh = self.hash_excluding(cs, r, excluded, buf)?;
                let filtered = match self.parent_node(x) {
                    None => None,
                    Some(node) => {
                        let mut node = node.to_parent_node()?;
                        node.unmerged_leaves
                            .retain(|u| excluded.binary_search(u).is_err());
                        Some(codec::encode(&node)?)
                    }
                };
                hash_node(cs, x, filtered.as_deref(), Some((&lh, &rh)), buf)
            }
        }
    }
}
