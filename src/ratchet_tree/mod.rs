//! The ratchet tree (RFC 9420 §4.1, §7.1, §7.7 to §7.9, §12.4.3).
//!
//! [`RatchetTree`] is the array-based public tree of a group. It is built for very large
//! groups:
//!
//! - **Compact**: every non-blank node is stored as its canonical encoding in one boxed byte
//!   slice; [`LeafNodeRef`] and [`ParentNodeRef`] are allocation-free views over it. A blank
//!   node costs one presence bit, so a decoded tree holds less than twice its encoding
//!   whatever its shape, all-blank stretches included (for nodes with keys of a real KEM's
//!   size; see `store.rs`). Tree hashes live in one flat buffer
//!   with a validity bitset, for the levels a budget of a quarter of the nodes' size allows
//!   (every level but perhaps the leaves for a tree of real members, the upper levels of a
//!   blank-heavy one); lower ones are recomputed from their small subtrees.
//! - **Staged**: every change is made on a [`TreeDiff`], which overlays the base tree with
//!   the changed nodes only (a commit touching O(log n) nodes copies O(log n) nodes), offers
//!   the same read API ([`TreeView`]) and tree hashing, and is either merged in one step
//!   ([`RatchetTree::merge`]) or dropped, leaving the base untouched.
//! - **Incremental hashing**: after a change only the hashes on changed paths are
//!   recomputed (O(log n) per changed leaf).
//! - **Indexed**: the `encryption_key` of every non-blank node is kept in a compact index
//!   (8 bytes per node), so the §12.4.2 / §16.8 uniqueness check of an UpdatePath is
//!   O(log n) ([`TreeView::contains_encryption_key`], also on a diff); counts of non-blank
//!   nodes per block of positions let resolutions skip all-blank subtrees in O(1). The `signature_key` of every
//!   leaf is indexed the same way, and per credential type the leaves using it and the
//!   leaves supporting it are counted, so the §7.3 checks of a new leaf are O(log n)
//!   ([`TreeView::contains_signature_key`], [`TreeView::credential_type_supported_by_all`],
//!   [`TreeView::credential_types_in_use`]). All are updated by [`RatchetTree::merge`] in
//!   O(log n) per changed node and answered by a diff for the staged tree.
//! - **Linear validation**: parent-hash verification (§7.9.2) is O(n) hashes, uniqueness
//!   checks sort, signatures go to the provider's `verify_batch` in one call (with the
//!   `parallel` feature, in chunks of 64 on all cores).
//!
//! ```
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::group::SigningIdentity;
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::ratchet_tree::RatchetTree;
//! use melos::tree_math::LeafIndex;
//! # let provider = RustCrypto::new();
//! # let cs = provider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//! # let forever = Lifetime { not_before: 0, not_after: u64::MAX };
//! # let leaf = |name: &[u8]| -> Result<_, melos::Error> {
//! #     let id = SigningIdentity::generate(cs, Credential::Basic(name.to_vec()))?;
//! #     Ok(id.key_package(cs, forever)?.key_package.leaf_node)
//! # };
//! # let (alice_leaf, leaf_node) = (leaf(b"alice")?, leaf(b"bob")?);
//! let mut tree = RatchetTree::new(&alice_leaf)?;
//! let mut diff = tree.diff(); // an overlay: O(changed nodes), not O(n)
//! let index = diff.add_leaf(&leaf_node)?; // RFC 9420 §7.7
//! let root_hash = diff.tree_hash(cs)?; // recomputes only the changed paths
//! let staged = diff.into_staged();
//! tree.merge(staged)?; // or drop it: the tree is unchanged
//! assert_eq!(index, LeafIndex(1));
//! assert_eq!(tree.tree_hash(cs)?, root_hash);
//! # Ok::<(), melos::Error>(())
//! ```

use alloc::vec::Vec;

use crate::codec;
use crate::crypto::CipherSuiteProvider;
use crate::error::{DecodeError, Error, TreeError};
use crate::messages::{CredentialType, LeafNode};
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

mod diff;
mod extension;
mod hash;
mod index;
mod limits;
mod node;
mod parent_hash;
mod store;
mod validate;
mod view;

pub use diff::{StagedTree, TreeDiff};
pub(crate) use hash::hash_node;
pub use limits::{DEFAULT_MAX_ENCODED_LEN, DEFAULT_MAX_LEAVES, TreeLimits};
pub use node::{LeafNodeRef, NODE_TYPE_LEAF, NODE_TYPE_PARENT, Node, ParentNode, ParentNodeRef};
pub use parent_hash::{PathParentHashes, parent_hash};
pub use validate::TreeValidation;
pub use view::TreeView;

use hash::{HashCache, ReadOnly};
use index::{CredentialCounts, KeyIndex};
use store::{NodeStore, StoreBuilder};

/// The public ratchet tree of a group (RFC 9420 §4.1, §7).
///
/// Read it through the [`TreeView`] trait; change it through a [`TreeDiff`]
/// ([`RatchetTree::diff`]) and [`RatchetTree::merge`].
#[derive(Clone, Debug)]
pub struct RatchetTree {
    /// The size of the full tree (RFC 9420 §7.8).
    size: TreeSize,
    /// The non-blank nodes (every position past the store's last node is blank).
    nodes: NodeStore,
    /// Cached tree hashes of the upper levels.
    cache: HashCache,
    /// Incremented by every merge, so a diff of an older state cannot be merged.
    generation: u64,
    /// The leftmost blank leaf (`leaf_count` if none): every leaf below it is occupied.
    first_blank: u32,
    /// The `encryption_key` of every non-blank node (§12.4.2, §16.8 uniqueness checks).
    enc_keys: KeyIndex,
    /// The `signature_key` of every non-blank leaf, by node index (§7.3 uniqueness).
    sig_keys: KeyIndex,
    /// Leaf count and per-credential-type counts (§7.3 credential checks).
    credentials: CredentialCounts,
}

impl RatchetTree {
    /// A one-member tree holding `leaf` at leaf 0 (RFC 9420 §11: creating a group).
    pub fn new(leaf: &LeafNode) -> Result<Self, Error> {
        let bytes = codec::encode(leaf)?.into_boxed_slice();
        let mut builder = StoreBuilder::new();
        builder.push(Some(bytes));
        let mut tree = Self::from_store(builder.finish(), TreeSize::ONE);
        tree.first_blank = 1;
        Ok(tree)
    }

    /// Builds a tree from its nodes in array order (RFC 9420 §12.4.3.3 semantics: trailing
    /// blanks may be omitted; the last node must not be blank).
    pub fn from_nodes(nodes: &[Option<Node>]) -> Result<Self, Error> {
        let mut slots = StoreBuilder::new();
        for (i, n) in nodes.iter().enumerate() {
            let leaf_position = i.is_multiple_of(2);
            slots.push(match n {
                None => None,
                Some(Node::Leaf(l)) if leaf_position => Some(codec::encode(l)?.into_boxed_slice()),
                Some(Node::Parent(p)) if !leaf_position => {
                    Some(codec::encode(p)?.into_boxed_slice())
                }
                Some(_) => return Err(TreeError::NodeTypeMismatch.into()),
            });
        }
        Self::from_slots(slots)
    }

    /// Builds the tree from decoded nodes: checks the last node is non-blank; the full
    /// tree's positions past it are blank (RFC 9420 §12.4.3.3).
    pub(crate) fn from_slots(slots: StoreBuilder) -> Result<Self, Error> {
        let count = slots.len();
        let store = slots.finish();
        if count == 0 {
            return Err(TreeError::EmptyTree.into());
        }
        let last = u32::try_from(count.saturating_sub(1)).map_err(|_| TreeError::TreeTooLarge)?;
        if !store.is_set(last) {
            return Err(TreeError::TrailingBlankNode.into());
        }
        let count = u32::try_from(count).map_err(|_| TreeError::TreeTooLarge)?;
        let size = TreeSize::from_node_count(count).ok_or(TreeError::TreeTooLarge)?;
        let mut tree = Self::from_store(store, size);
        tree.first_blank = tree.scan_blank_leaf(0);
        Ok(tree)
    }

    /// A tree of `size` holding `nodes`, with its indexes built (`first_blank` to be set).
    fn from_store(nodes: NodeStore, size: TreeSize) -> Self {
        RatchetTree {
            size,
            enc_keys: KeyIndex::build(nodes.iter()),
            sig_keys: KeyIndex::build_signature_keys(nodes.iter()),
            credentials: CredentialCounts::build(nodes.iter()),
            nodes,
            cache: HashCache::default(),
            generation: 0,
            first_blank: 0,
        }
    }

    /// The first blank leaf at or after `from` (`leaf_count` if none). A scan of the slot
    /// array, no lookups.
    pub(crate) fn scan_blank_leaf(&self, from: u32) -> u32 {
        let count = self.size.leaf_count();
        (from..count)
            .find(|&l| !self.nodes.is_set(l.saturating_mul(2)))
            .unwrap_or(count)
    }

    /// The leftmost blank leaf as kept by the tree (`leaf_count` if none).
    pub(crate) fn first_blank(&self) -> u32 {
        self.first_blank
    }

    /// Decodes the `ratchet_tree` extension data (`optional<Node> ratchet_tree<V>`,
    /// RFC 9420 §12.4.3.3) within the default [`TreeLimits`]. Checks the structure only
    /// (node types at the right positions, last node non-blank, every node well-formed); run
    /// [`RatchetTree::validate`] before trusting it.
    pub fn decode_extension(bytes: &[u8]) -> Result<Self, Error> {
        extension::decode(bytes, &TreeLimits::default())
    }

    /// [`RatchetTree::decode_extension`] within `limits`: an encoding longer than
    /// `limits.max_encoded_len` is [`TreeError::RatchetTreeTooLarge`] before anything is
    /// read; nodes spanning more than `limits.max_leaves` leaves are
    /// [`TreeError::TooManyLeaves`], refused before the node past the cap is stored.
    pub fn decode_extension_with_limits(bytes: &[u8], limits: &TreeLimits) -> Result<Self, Error> {
        extension::decode(bytes, limits)
    }

    /// Starts a staged change set on top of this tree.
    pub fn diff(&self) -> TreeDiff<'_> {
        TreeDiff::new(self)
    }

    /// Applies a staged change set produced by a [`TreeDiff`] of this tree, in one step.
    ///
    /// Fails with [`TreeError::StaleDiff`] (leaving the tree unchanged) if the tree was
    /// changed since the diff was started.
    pub fn merge(&mut self, staged: StagedTree) -> Result<(), Error> {
        diff::merge(self, staged)
    }

    /// The tree hash of the root (RFC 9420 §7.8), computing and caching what is missing.
    pub fn tree_hash(&mut self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, Error> {
        let root = self.size.root();
        self.node_tree_hash(cs, root)
    }

    /// The tree hash of node `x` (RFC 9420 §7.8), computing and caching what is missing.
    pub fn node_tree_hash(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        if !self.size.is_in_tree(x) {
            return Err(TreeError::NodeOutOfRange.into());
        }
        self.cache.prepare(cs, self.size, self.nodes.hash_budget());
        hash::subtree_hash(&self.nodes, &mut self.cache, cs, x)
    }

    /// The tree hash of node `x` from the cache where it holds it, computed otherwise
    /// without caching (the cache must have been prepared for `cs`).
    pub(crate) fn cached_tree_hash(
        &self,
        cs: &dyn CipherSuiteProvider,
        x: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        if self.cache.suite() != Some(cs.cipher_suite()) {
            return Err(malformed());
        }
        hash::subtree_hash(&self.nodes, &mut ReadOnly(&self.cache), cs, x)
    }

    /// Whether some non-blank node of this tree has `encryption_key` `key` (RFC 9420
    /// §12.4.2, §16.8). O(log n): an index lookup by the key's first 8 bytes, then a full
    /// comparison against each node sharing that prefix.
    pub(crate) fn has_encryption_key(&self, key: &[u8]) -> bool {
        self.enc_keys
            .candidates(key)
            .any(|x| self.node_key(x) == Some(key))
    }

    /// Node `x`'s encryption key, whoever asks (index candidates are node numbers).
    pub(crate) fn node_key(&self, x: u32) -> Option<&[u8]> {
        self.nodes.get(x).and_then(index::stored_key)
    }

    pub(crate) fn key_index(&self) -> &KeyIndex {
        &self.enc_keys
    }

    /// The signature keys of the leaves, by node index.
    pub(crate) fn signature_key_index(&self) -> &KeyIndex {
        &self.sig_keys
    }

    /// The leaf and credential type counts.
    pub(crate) fn credential_counts(&self) -> &CredentialCounts {
        &self.credentials
    }

    /// Leaf `x`'s signature key (`None` if blank or not a leaf).
    pub(crate) fn leaf_signature_key(&self, x: u32) -> Option<&[u8]> {
        if !x.is_multiple_of(2) {
            return None;
        }
        self.nodes.get(x).and_then(index::stored_signature_key)
    }

    /// Whether a non-blank leaf other than node `except` has `signature_key` `key`
    /// (RFC 9420 §7.3): an index lookup, then a full comparison per digest match.
    fn find_signature_key(&self, key: &[u8], except: Option<u32>) -> bool {
        self.sig_keys
            .candidates(key)
            .any(|x| Some(x) != except && self.leaf_signature_key(x) == Some(key))
    }

    /// Whether every node below `x` (inclusive) is blank (`false` outside the tree): its
    /// positions are one contiguous range (RFC 9420 Appendix C), counted in O(1).
    pub(crate) fn subtree_blank(&self, x: NodeIndex) -> bool {
        if !self.size.is_in_tree(x) {
            return false;
        }
        let span = (1u32 << x.level()).saturating_sub(1);
        self.nodes
            .range_is_blank(x.0.saturating_sub(span), x.0.saturating_add(span))
    }

    /// Heap bytes held by this tree (node encodings, the node store's per-block arrays,
    /// the hash cache and the indexes), as requested from the allocator (allocator overhead
    /// not included; the key index's B-tree is estimated at half-full nodes, its worst
    /// case).
    pub fn heap_size(&self) -> usize {
        self.nodes
            .heap_size()
            .saturating_add(self.cache.heap_size())
            .saturating_add(self.enc_keys.heap_size())
            .saturating_add(self.sig_keys.heap_size())
            .saturating_add(self.credentials.heap_size())
    }

    pub(crate) fn cache(&self) -> &HashCache {
        &self.cache
    }
}

impl TreeView for RatchetTree {
    fn size(&self) -> TreeSize {
        self.size
    }

    fn node_bytes(&self, x: NodeIndex) -> Option<&[u8]> {
        if !self.size.is_in_tree(x) {
            return None;
        }
        self.nodes.get(x.0)
    }

    fn leftmost_blank_leaf(&self) -> Option<LeafIndex> {
        let l = self.first_blank;
        (l < self.size.leaf_count()).then_some(LeafIndex(l))
    }

    fn contains_encryption_key(&self, key: &[u8]) -> bool {
        self.has_encryption_key(key)
    }

    fn known_blank_subtree(&self, x: NodeIndex) -> bool {
        self.subtree_blank(x)
    }

    fn member_count(&self) -> u32 {
        self.credentials.leaves()
    }

    fn contains_signature_key(&self, key: &[u8]) -> bool {
        self.find_signature_key(key, None)
    }

    fn contains_signature_key_except(&self, key: &[u8], except: LeafIndex) -> bool {
        match except.node() {
            Some(x) => self.find_signature_key(key, Some(x.0)),
            None => self.find_signature_key(key, None),
        }
    }

    fn credential_in_use_count(&self, t: CredentialType) -> u32 {
        self.credentials.in_use(t)
    }

    fn credential_supported_count(&self, t: CredentialType) -> u32 {
        self.credentials.supported(t)
    }

    fn credential_types_in_use(&self) -> impl Iterator<Item = CredentialType> + '_ {
        self.credentials.in_use_types()
    }
}

impl PartialEq for RatchetTree {
    /// Two trees are equal when they have the same size and nodes (caches are ignored).
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size && self.nodes == other.nodes
    }
}

impl Eq for RatchetTree {}

/// Maps a structural failure while reading stored bytes (never expected: nodes are
/// validated when stored) to an error.
pub(crate) fn malformed() -> Error {
    Error::Decode(DecodeError::Malformed)
}

#[cfg(all(test, feature = "rust-crypto"))]
mod index_tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod leaf_index_tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod memory_tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
