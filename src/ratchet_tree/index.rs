//! Indexes kept next to the stored nodes, so that the per-commit checks of RFC 9420 §12.4.2
//! and §7.3 and the resolutions of §4.1.2 cost O(log n) instead of a pass over the tree:
//!
//! - [`KeyIndex`]: the `encryption_key` of every non-blank node, by a 32-bit digest and the
//!   node index (a full comparison against the stored node settles digest collisions); the
//!   same structure indexes the `signature_key` of every non-blank leaf (§7.3);
//! - [`CredentialCounts`]: the number of non-blank leaves, and for every credential type the
//!   number of leaves whose credential has it and the number whose capabilities list it, so
//!   "supported by all members" and "in use" (§7.3) are map lookups;
//!
//! (All-blank subtrees are found from the node store's per-block counts.)

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::node::LeafNodeRef;
use crate::codec;
use crate::messages::CredentialType;

/// The `encryption_key` of a stored node: the first field of both `LeafNode` and
/// `ParentNode` (`HPKEPublicKey encryption_key`, a `<V>` vector, RFC 9420 §7.1, §7.2).
pub(crate) fn stored_key(bytes: &[u8]) -> Option<&[u8]> {
    let (len, rest) = codec::read_varint(bytes).ok()?;
    rest.get(..len as usize)
}

/// The `signature_key` of a stored leaf: the second field of `LeafNode`
/// (`SignaturePublicKey signature_key`, a `<V>` vector, RFC 9420 §7.2).
pub(crate) fn stored_signature_key(bytes: &[u8]) -> Option<&[u8]> {
    let (len, rest) = codec::read_varint(bytes).ok()?;
    let rest = rest.get(len as usize..)?;
    let (len, rest) = codec::read_varint(rest).ok()?;
    rest.get(..len as usize)
}

/// A 32-bit digest of a key (FNV-1a over all its bytes), the index's sort key: keys whose
/// first bytes are fixed (the `0x04` of an uncompressed NIST point) still spread out, and
/// a digest match is always confirmed by a full comparison.
pub(crate) fn key_digest(key: &[u8]) -> u32 {
    key.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The encryption keys of a set of nodes (RFC 9420 §12.4.2, §16.8): entries
/// `(digest of the key, node index)`, so nodes sharing a key or a digest each have their own
/// entry and a lookup visits only the nodes whose key has the same digest.
///
/// Compact: a sorted array of 8-byte entries, plus small B-tree sets of entries inserted
/// and removed since the array was last rebuilt. The array is rebuilt (O(n)) once the sets
/// hold an eighth of its size, so an update costs O(log n) amortized and memory stays about
/// 8 bytes per node.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyIndex {
    sorted: Vec<(u32, u32)>,
    inserted: BTreeSet<(u32, u32)>,
    /// Entries of `sorted` that are no longer present.
    removed: BTreeSet<(u32, u32)>,
}

/// Approximate bytes per entry of a `BTreeSet<(u32, u32)>` whose nodes are half full (11
/// slots of 8 bytes plus the node header, the B-tree's minimum fill).
const SET_ENTRY_BYTES: usize = 24;

impl KeyIndex {
    /// Indexes the encryption keys of the non-blank `nodes` (node index, encoding).
    pub(crate) fn build<'a>(nodes: impl Iterator<Item = (u32, &'a [u8])>) -> Self {
        Self::build_with(nodes, |_, bytes| stored_key(bytes))
    }

    /// Indexes the signature keys of the non-blank leaves of `nodes` (node index,
    /// encoding).
    pub(crate) fn build_signature_keys<'a>(nodes: impl Iterator<Item = (u32, &'a [u8])>) -> Self {
        Self::build_with(nodes, |x, bytes| {
            x.is_multiple_of(2)
                .then(|| stored_signature_key(bytes))
                .flatten()
        })
    }

    /// Indexes `key(x, bytes)` of every node `x` that has one.
    fn build_with<'a>(
        nodes: impl Iterator<Item = (u32, &'a [u8])>,
        key: impl Fn(u32, &[u8]) -> Option<&[u8]>,
    ) -> Self {
        let mut sorted: Vec<(u32, u32)> = nodes
            .filter_map(|(x, bytes)| Some((key_digest(key(x, bytes)?), x)))
            .collect();
        sorted.sort_unstable();
        sorted.shrink_to_fit();
        KeyIndex {
            sorted,
            inserted: BTreeSet::new(),
            removed: BTreeSet::new(),
        }
    }

    fn in_sorted(&self, e: &(u32, u32)) -> bool {
        self.sorted.binary_search(e).is_ok()
    }

    /// Records that node `x` holds the stored node `bytes` (its encryption key).
    pub(crate) fn insert(&mut self, x: u32, bytes: &[u8]) {
        if let Some(key) = stored_key(bytes) {
            self.insert_key(x, key);
        }
    }

    /// Forgets that node `x` holds the stored node `bytes` (its encryption key).
    pub(crate) fn remove(&mut self, x: u32, bytes: &[u8]) {
        if let Some(key) = stored_key(bytes) {
            self.remove_key(x, key);
        }
    }

    /// Records that node `x` holds `key`.
    pub(crate) fn insert_key(&mut self, x: u32, key: &[u8]) {
        let e = (key_digest(key), x);
        if !self.removed.remove(&e) && !self.in_sorted(&e) {
            self.inserted.insert(e);
            self.maybe_rebuild();
        }
    }

    /// Forgets that node `x` holds `key`.
    pub(crate) fn remove_key(&mut self, x: u32, key: &[u8]) {
        let e = (key_digest(key), x);
        if !self.inserted.remove(&e) && self.in_sorted(&e) {
            self.removed.insert(e);
            self.maybe_rebuild();
        }
    }

    /// Folds the pending changes into the sorted array once they hold an eighth of it.
    fn maybe_rebuild(&mut self) {
        let pending = self.inserted.len().saturating_add(self.removed.len());
        if pending <= (self.sorted.len() / 8).max(64) {
            return;
        }
        let removed = core::mem::take(&mut self.removed);
        let inserted = core::mem::take(&mut self.inserted);
        let mut merged = Vec::with_capacity(
            self.sorted
                .len()
                .saturating_add(inserted.len())
                .saturating_sub(removed.len()),
        );
        let mut old = self
            .sorted
            .iter()
            .filter(|e| !removed.contains(e))
            .peekable();
        let mut new = inserted.into_iter().peekable();
        loop {
            let take_old = match (old.peek(), new.peek()) {
                (Some(a), Some(b)) => *a < b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_old {
                old.next().copied()
            } else {
                new.next()
            };
            merged.extend(next);
        }
        self.sorted = merged;
    }

    /// The nodes whose key has the same digest as `key` (a superset of the nodes holding
    /// `key`).
    pub(crate) fn candidates(&self, key: &[u8]) -> impl Iterator<Item = u32> + '_ {
        let d = key_digest(key);
        let start = self.sorted.partition_point(|&(h, _)| h < d);
        let base = self
            .sorted
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |&&(h, _)| h == d)
            .filter(|e| !self.removed.contains(e));
        let new = self.inserted.range((d, 0)..=(d, u32::MAX));
        base.chain(new).map(|&(_, x)| x)
    }

    /// The number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sorted
            .len()
            .saturating_add(self.inserted.len())
            .saturating_sub(self.removed.len())
    }

    /// Heap bytes held (the pending sets estimated at half-full B-tree nodes).
    pub(crate) fn heap_size(&self) -> usize {
        let pending = self.inserted.len().saturating_add(self.removed.len());
        self.sorted
            .capacity()
            .saturating_mul(core::mem::size_of::<(u32, u32)>())
            .saturating_add(pending.saturating_mul(SET_ENTRY_BYTES))
    }
}

/// Approximate bytes per entry of a `BTreeMap<CredentialType, u32>` whose nodes are half
/// full (like [`SET_ENTRY_BYTES`]).
const MAP_ENTRY_BYTES: usize = 24;

/// The credential aggregates of a set of leaves (RFC 9420 §7.3): how many leaves there are,
/// and per credential type how many leaves have a credential of that type (`in use`) and
/// how many list it in `capabilities.credentials` (`supported`; a type listed twice by one
/// leaf counts once). A type is "supported by all members" when its supported count equals
/// the leaf count. Updates cost O(k log t) for a leaf listing k types, t types in the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CredentialCounts {
    leaves: u32,
    /// Only types with a count above zero are kept.
    in_use: BTreeMap<CredentialType, u32>,
    /// Only types with a count above zero are kept.
    supported: BTreeMap<CredentialType, u32>,
}

impl CredentialCounts {
    /// Counts the non-blank leaves of `nodes` (node index, encoding: leaves at even
    /// indices).
    pub(crate) fn build<'a>(nodes: impl Iterator<Item = (u32, &'a [u8])>) -> Self {
        let mut counts = CredentialCounts::default();
        for (_, leaf) in nodes.filter(|(x, _)| x.is_multiple_of(2)) {
            counts.insert(leaf);
        }
        counts
    }

    /// Counts the stored leaf `bytes`.
    pub(crate) fn insert(&mut self, bytes: &[u8]) {
        self.apply(bytes, true);
    }

    /// Stops counting the stored leaf `bytes` (counted before).
    pub(crate) fn remove(&mut self, bytes: &[u8]) {
        self.apply(bytes, false);
    }

    fn apply(&mut self, bytes: &[u8], add: bool) {
        self.leaves = step(self.leaves, add);
        // Stored leaves always parse (checked when stored); a leaf that did not would count
        // as a member supporting nothing and using no type.
        let Some(leaf) = LeafNodeRef::parse(bytes) else {
            return;
        };
        bump(&mut self.in_use, leaf.credential_type(), add);
        let listed = leaf.capability_credentials();
        let distinct = leaf
            .capability_credentials()
            .zip(leaf.capability_credentials().skip(1))
            .all(|(a, b)| a < b);
        if distinct {
            for t in listed {
                bump(&mut self.supported, t, add);
            }
        } else {
            let mut types: Vec<CredentialType> = listed.collect();
            types.sort_unstable();
            types.dedup();
            for t in types {
                bump(&mut self.supported, t, add);
            }
        }
    }

    /// The number of leaves counted.
    pub(crate) fn leaves(&self) -> u32 {
        self.leaves
    }

    /// The number of leaves whose credential has type `t`.
    pub(crate) fn in_use(&self, t: CredentialType) -> u32 {
        self.in_use.get(&t).copied().unwrap_or(0)
    }

    /// The number of leaves whose capabilities list credential type `t`.
    pub(crate) fn supported(&self, t: CredentialType) -> u32 {
        self.supported.get(&t).copied().unwrap_or(0)
    }

    /// The credential types of at least one counted leaf, in increasing order.
    pub(crate) fn in_use_types(&self) -> impl Iterator<Item = CredentialType> + '_ {
        self.in_use.keys().copied()
    }

    /// Heap bytes held (B-tree maps estimated at half-full nodes).
    pub(crate) fn heap_size(&self) -> usize {
        self.in_use
            .len()
            .saturating_add(self.supported.len())
            .saturating_mul(MAP_ENTRY_BYTES)
    }
}

/// `count` plus or minus one, saturating.
fn step(count: u32, add: bool) -> u32 {
    if add {
        count.saturating_add(1)
    } else {
        count.saturating_sub(1)
    }
}

/// Adds or removes one at `t`, dropping entries that reach zero.
fn bump(map: &mut BTreeMap<CredentialType, u32>, t: CredentialType, add: bool) {
    if add {
        let c = map.entry(t).or_insert(0);
        *c = c.saturating_add(1);
    } else if let Some(c) = map.get_mut(&t) {
        *c = c.saturating_sub(1);
        if *c == 0 {
            map.remove(&t);
        }
    }
}

/// A count of a diff: the base tree's `base`, plus `added` for the diff's new leaves,
/// minus `removed` for the base leaves it replaced (never below zero).
pub(crate) fn combined(base: u32, added: u32, removed: u32) -> u32 {
    let n = u64::from(base)
        .saturating_add(u64::from(added))
        .saturating_sub(u64::from(removed));
    u32::try_from(n).unwrap_or(u32::MAX)
}
