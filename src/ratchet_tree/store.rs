//! The stored nodes of a ratchet tree (RFC 9420 §4.1, §7.1): a presence bit per node
//! position and, per block of 64 positions, the canonical encodings of its non-blank nodes.
//!
//! A blank node costs one bit; a non-blank node its encoding plus a 16-byte box pointer. Per
//! block of 64 positions there are 8 bytes of presence bits, a 16-byte pointer to the
//! block's non-blank nodes (no allocation for an all-blank block) and a 4-byte rank, so the
//! store holds under half a byte per position on top of the non-blank nodes. The blocks end
//! at the last non-blank node: the positions a tree of a power-of-two width has beyond it
//! (RFC 9420 §7.8) are blank and cost nothing. Lookups are O(1) (a popcount in the block);
//! setting a node moves at most the 64 pointers of its block.
//!
//! With the tree's key indexes (8 bytes per key) a non-blank node costs 24 to 32 bytes on
//! top of its encoding, so a decoded tree stays under twice its encoding for nodes with
//! keys of a real KEM's size (32 bytes and more: 1.8x for a tree of nothing but such
//! parent nodes with empty parent hashes); degenerate nodes with near-empty keys reach
//! about 4.8x, a bounded amount since the node count is capped (`TreeLimits`).
//!
//! The ranks (the number of non-blank nodes before each block) answer "is this range of
//! positions all blank" in O(1), which is how an all-blank subtree (its positions are one
//! contiguous range, RFC 9420 Appendix C) is skipped by resolutions (§4.1.2).

use alloc::boxed::Box;
use alloc::vec::Vec;

/// Positions per block (bits of a presence word).
const BLOCK: u32 = 64;
/// [`BLOCK`] for 64-bit positions.
const BLOCK_U64: u64 = 64;

/// The nodes of a tree: see the module documentation.
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeStore {
    /// Bit `x % 64` of word `x / 64` is set when node `x` is non-blank. No trailing
    /// all-zero word: every position past the last word is blank.
    present: Vec<u64>,
    /// Per presence word, the encodings of its non-blank nodes in index order.
    bodies: Vec<Box<[Box<[u8]>]>>,
    /// Per presence word, the number of non-blank nodes in the words before it. Refreshed
    /// from `stale_from` by [`NodeStore::refresh`] after a batch of changes.
    ranks: Vec<u32>,
    /// The total length of the stored encodings.
    body_bytes: usize,
    /// The first word whose rank may be out of date (`usize::MAX` if none; a default store
    /// starts at 0, which is harmless: it has no words).
    stale_from: usize,
}

/// Bits below bit `b` of a word.
fn below(b: u32) -> u64 {
    (1u64 << b).wrapping_sub(1)
}

impl NodeStore {
    /// The encoding of node `x`, or `None` if it is blank.
    pub(crate) fn get(&self, x: u32) -> Option<&[u8]> {
        let (w, b) = ((x / BLOCK) as usize, x % BLOCK);
        let word = *self.present.get(w)?;
        if word & (1u64 << b) == 0 {
            return None;
        }
        let k = (word & below(b)).count_ones() as usize;
        self.bodies.get(w)?.get(k).map(|n| &**n)
    }

    /// Whether node `x` is non-blank.
    pub(crate) fn is_set(&self, x: u32) -> bool {
        self.present
            .get((x / BLOCK) as usize)
            .is_some_and(|w| w & (1u64 << (x % BLOCK)) != 0)
    }

    /// The non-blank nodes at positions `from` and above, in index order.
    pub(crate) fn iter_from(&self, from: u32) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        let first = (from / BLOCK) as usize;
        self.present
            .iter()
            .zip(&self.bodies)
            .enumerate()
            .skip(first)
            .flat_map(move |(w, (&word, nodes))| {
                let base = u32::try_from(w).unwrap_or(u32::MAX).saturating_mul(BLOCK);
                Bits(word)
                    .zip(nodes.iter())
                    .map(move |(b, n)| (base.saturating_add(b), &**n))
            })
            .filter(move |&(x, _)| x >= from)
    }

    /// The non-blank nodes, in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        self.iter_from(0)
    }

    /// Sets node `x` to `node` (`None`: blank) and returns what it held. The ranks are out
    /// of date until [`NodeStore::refresh`].
    pub(crate) fn replace(&mut self, x: u32, node: Option<Box<[u8]>>) -> Option<Box<[u8]>> {
        let (w, b) = ((x / BLOCK) as usize, x % BLOCK);
        if w >= self.present.len() {
            node.as_ref()?;
            let len = self.present.len();
            let total = self.count_before_word(len);
            self.stale_from = self.stale_from.min(len);
            self.present.resize(w.saturating_add(1), 0);
            self.bodies.resize_with(w.saturating_add(1), Box::default);
            self.ranks.resize(w.saturating_add(1), total);
        }
        let (Some(word), Some(nodes)) = (self.present.get_mut(w), self.bodies.get_mut(w)) else {
            return None;
        };
        let bit = 1u64 << b;
        let k = (*word & below(b)).count_ones() as usize;
        let was_set = *word & bit != 0;
        let added = node.as_ref().map_or(0, |n| n.len());
        let old = match (was_set, node) {
            (true, Some(n)) => nodes.get_mut(k).map(|slot| core::mem::replace(slot, n)),
            (true, None) => {
                let mut v = core::mem::take(nodes).into_vec();
                let old = (k < v.len()).then(|| v.remove(k));
                *nodes = v.into_boxed_slice();
                *word &= !bit;
                self.stale_from = self.stale_from.min(w.saturating_add(1));
                old
            }
            (false, Some(n)) => {
                let mut v = core::mem::take(nodes).into_vec();
                v.insert(k.min(v.len()), n);
                *nodes = v.into_boxed_slice();
                *word |= bit;
                self.stale_from = self.stale_from.min(w.saturating_add(1));
                None
            }
            (false, None) => None,
        };
        let removed = old.as_ref().map_or(0, |n| n.len());
        self.body_bytes = self
            .body_bytes
            .saturating_add(added)
            .saturating_sub(removed);
        old
    }

    /// Blanks every node at position `width` and above, returning them in index order.
    pub(crate) fn truncate(&mut self, width: u32) -> Vec<(u32, Box<[u8]>)> {
        let mut cut = Vec::new();
        let first = (width / BLOCK) as usize;
        for w in first..self.present.len() {
            let (Some(word), Some(nodes)) = (self.present.get_mut(w), self.bodies.get_mut(w))
            else {
                break;
            };
            let base = u32::try_from(w).unwrap_or(u32::MAX).saturating_mul(BLOCK);
            let keep = if w == first { below(width % BLOCK) } else { 0 };
            let kept = (*word & keep).count_ones() as usize;
            let mut v = core::mem::take(nodes).into_vec();
            let removed = v.split_off(kept.min(v.len()));
            cut.extend(
                Bits(*word & !keep)
                    .map(|b| base.saturating_add(b))
                    .zip(removed),
            );
            *word &= keep;
            *nodes = v.into_boxed_slice();
        }
        let removed = cut
            .iter()
            .fold(0usize, |a, (_, n)| a.saturating_add(n.len()));
        self.body_bytes = self.body_bytes.saturating_sub(removed);
        if !cut.is_empty() {
            self.stale_from = self.stale_from.min(first.saturating_add(1));
        }
        cut
    }

    /// Drops trailing all-blank blocks, brings the ranks up to date and returns spare
    /// capacity: call after a batch of [`NodeStore::replace`] / [`NodeStore::truncate`].
    pub(crate) fn refresh(&mut self) {
        while self.present.last() == Some(&0) {
            self.present.pop();
            self.bodies.pop();
            self.ranks.pop();
        }
        if self.stale_from != usize::MAX {
            let start = self.stale_from.min(self.present.len());
            let mut total = if start == 0 {
                0
            } else {
                self.count_before_word(start)
            };
            for (rank, word) in self.ranks.iter_mut().zip(&self.present).skip(start) {
                *rank = total;
                total = total.saturating_add(word.count_ones());
            }
            self.stale_from = usize::MAX;
        }
        self.present.shrink_to_fit();
        self.bodies.shrink_to_fit();
        self.ranks.shrink_to_fit();
    }

    /// The number of non-blank nodes in the words before word `w` (any `w`), from the rank
    /// of the word before it.
    fn count_before_word(&self, w: usize) -> u32 {
        match w.checked_sub(1) {
            None => 0,
            Some(prev) => match (self.ranks.get(prev), self.present.get(prev)) {
                (Some(r), Some(word)) => r.saturating_add(word.count_ones()),
                _ => self.present.iter().map(|w| w.count_ones()).sum(),
            },
        }
    }

    /// The number of non-blank nodes at positions below `x` (ranks must be current).
    fn count_below(&self, x: u64) -> u64 {
        let w = usize::try_from(x / BLOCK_U64).unwrap_or(usize::MAX);
        match (self.ranks.get(w), self.present.get(w)) {
            (Some(&r), Some(&word)) => {
                let b = u32::try_from(x % BLOCK_U64).unwrap_or(0);
                u64::from(r).saturating_add(u64::from((word & below(b)).count_ones()))
            }
            _ => u64::from(self.count_before_word(self.present.len())),
        }
    }

    /// Whether every node at positions `lo..=hi` is blank. O(1).
    pub(crate) fn range_is_blank(&self, lo: u32, hi: u32) -> bool {
        let end = u64::from(hi).saturating_add(1);
        self.count_below(end) == self.count_below(u64::from(lo))
    }

    /// The byte budget of the tree's hash cache: a quarter of the stored encodings plus one
    /// byte per position up to the end of the last non-blank node's block. The tree's
    /// `ratchet_tree` encoding is at least that sum (one byte per blank node, two plus the
    /// encoding per non-blank one), so the cache stays within a quarter of it (give or take
    /// the last block's 63 positions).
    pub(crate) fn hash_budget(&self) -> usize {
        let positions = self.present.len().saturating_mul(BLOCK as usize);
        self.body_bytes.saturating_add(positions) / 4
    }

    /// Heap bytes held: the node encodings, their pointers, and the per-block arrays.
    pub(crate) fn heap_size(&self) -> usize {
        let ptr = core::mem::size_of::<Box<[u8]>>();
        let per_block = self
            .present
            .capacity()
            .saturating_mul(8)
            .saturating_add(self.ranks.capacity().saturating_mul(4))
            .saturating_add(self.bodies.capacity().saturating_mul(ptr));
        self.bodies.iter().fold(per_block, |acc, nodes| {
            nodes.iter().fold(
                acc.saturating_add(nodes.len().saturating_mul(ptr)),
                |a, n| a.saturating_add(n.len()),
            )
        })
    }
}

/// The positions of the set bits of a word, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros();
        self.0 &= self.0.wrapping_sub(1);
        Some(b)
    }
}

impl PartialEq for NodeStore {
    /// The same non-blank nodes at the same positions.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for NodeStore {}

/// Builds a store from nodes in index order (decoding a `ratchet_tree`, RFC 9420
/// §12.4.3.3), one block at a time.
#[derive(Debug, Default)]
pub(crate) struct StoreBuilder {
    store: NodeStore,
    /// The current block's presence bits and non-blank nodes.
    word: u64,
    nodes: Vec<Box<[u8]>>,
    /// Nodes pushed so far.
    len: u64,
}

impl StoreBuilder {
    /// An empty builder.
    pub(crate) fn new() -> Self {
        StoreBuilder::default()
    }

    /// The number of nodes pushed.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends the next node (`None`: blank).
    pub(crate) fn push(&mut self, node: Option<Box<[u8]>>) {
        let b = u32::try_from(self.len % BLOCK_U64).unwrap_or(0);
        if let Some(n) = node {
            self.word |= 1u64 << b;
            self.store.body_bytes = self.store.body_bytes.saturating_add(n.len());
            self.nodes.push(n);
        }
        self.len = self.len.saturating_add(1);
        if b == BLOCK - 1 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.store.present.push(core::mem::take(&mut self.word));
        // One exact allocation per block (none for an all-blank one); `nodes` keeps its
        // capacity for the next block.
        let nodes: Vec<Box<[u8]>> = self.nodes.drain(..).collect();
        self.store.bodies.push(nodes.into_boxed_slice());
        self.store.ranks.push(0);
    }

    /// The store holding the pushed nodes.
    pub(crate) fn finish(mut self) -> NodeStore {
        if !self.len.is_multiple_of(BLOCK_U64) {
            self.flush();
        }
        let mut store = self.store;
        store.stale_from = 0;
        store.refresh();
        store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random replacements and truncations agree with a plain vector of slots.
    #[test]
    fn store_matches_a_vector_of_slots() {
        let mut seed = 0x2545_f491u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut model: Vec<Option<Vec<u8>>> = alloc::vec![None; 700];
        let mut builder = StoreBuilder::new();
        for (i, slot) in model.iter_mut().enumerate() {
            if next() % 5 == 0 {
                *slot = Some(alloc::vec![i as u8; (i % 7) + 1]);
            }
            builder.push(slot.clone().map(Vec::into_boxed_slice));
        }
        let mut store = builder.finish();
        for round in 0..400u32 {
            let width = model.len() as u32;
            if round % 97 == 96 {
                let to = next() % width;
                let cut: Vec<u32> = store.truncate(to).into_iter().map(|(x, _)| x).collect();
                let want: Vec<u32> = (to..width)
                    .filter(|&x| model[x as usize].is_some())
                    .collect();
                assert_eq!(cut, want);
                model.truncate(to as usize);
                model.resize(width as usize, None);
            } else {
                for _ in 0..(next() % 4 + 1) {
                    let x = next() % width;
                    let new = (next() % 3 != 0).then(|| alloc::vec![round as u8; 3]);
                    let old = store.replace(x, new.clone().map(Vec::into_boxed_slice));
                    let want = core::mem::replace(&mut model[x as usize], new);
                    assert_eq!(old.map(Vec::from), want);
                }
            }
            store.refresh();
            for x in 0..width + 70 {
                let want = model.get(x as usize).cloned().flatten();
                assert_eq!(store.get(x).map(<[u8]>::to_vec), want, "node {x}");
                assert_eq!(
                    store.is_set(x),
                    model.get(x as usize).is_some_and(Option::is_some)
                );
            }
            let lo = next() % width;
            let hi = lo + next() % (width - lo);
            let blank = (lo..=hi).all(|x| model[x as usize].is_none());
            assert_eq!(store.range_is_blank(lo, hi), blank, "{lo}..={hi}");
            let listed: Vec<u32> = store.iter().map(|(x, _)| x).collect();
            let want: Vec<u32> = (0..width)
                .filter(|&x| model[x as usize].is_some())
                .collect();
            assert_eq!(listed, want);
        }
    }
}
