//! The secret tree and the per-sender hash ratchets (RFC 9420 §9).
//!
//! The `encryption_secret` of an epoch sits at the root of a tree with the shape of the
//! ratchet tree:
//!
//! ```text
//! tree_node_[left(N)]_secret  = ExpandWithLabel(tree_node_[N]_secret, "tree", "left", KDF.Nh)
//! tree_node_[right(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "right", KDF.Nh)
//! ```
//!
//! Each leaf secret starts two hash ratchets, one for handshake and one for application
//! messages (see [`ContentKind`]):
//!
//! ```text
//! ratchet_secret_[N]_[0]   = ExpandWithLabel(tree_node_[N]_secret, "handshake" | "application",
//!                                            "", KDF.Nh)
//! ratchet_key_[N]_[j]      = DeriveTreeSecret(ratchet_secret_[N]_[j], "key", j, AEAD.Nk)
//! ratchet_nonce_[N]_[j]    = DeriveTreeSecret(ratchet_secret_[N]_[j], "nonce", j, AEAD.Nn)
//! ratchet_secret_[N]_[j+1] = DeriveTreeSecret(ratchet_secret_[N]_[j], "secret", j, KDF.Nh)
//! ```
//!
//! # Cost and deletion (§9.2)
//!
//! Node secrets are derived lazily: creating a tree is O(1), and the first use of a leaf
//! derives the O(log n) secrets on its path from the lowest secret still held, keeping the
//! siblings it passes and deleting each parent as soon as both its children exist. A leaf's
//! secret is deleted once its two ratchets are started, a ratchet secret once the next one
//! is derived, and a key and nonce as soon as they are handed out. Memory is proportional to
//! the leaves used (times log n), not to the group size.
//!
//! # The receive window
//!
//! Messages may arrive out of order. [`SecretTree::key_for`] moves a ratchet forward at
//! most [`SecretTreeConfig::max_forward_jump`] generations at once, and keeps the keys of
//! skipped generations (at most [`SecretTreeConfig::max_retained_keys`] per ratchet, the
//! oldest evicted first) so that a late message can still be opened once. Detecting a
//! repeated `reuse_guard` is the job of the framing layer.
//!
//! # Peek, then commit
//!
//! A received key must only be consumed once the message it opens is authenticated, or a
//! forged message (from anyone holding the epoch's sender-data secret) would burn another
//! sender's keys. [`SecretTree::stage_key`] derives the key without changing the tree;
//! [`StagedKey::commit`] applies the change (ratchet moved, skipped keys retained, key
//! deleted) without deriving again, and dropping the [`StagedKey`] changes nothing. Every
//! receiver method that fails leaves the tree as it was.

use alloc::collections::BTreeMap;

use crate::crypto::{CipherSuiteProvider, Secret};
use crate::error::{Error, SecretTreeError};
use crate::key_schedule::AeadKeyNonce;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

mod stage;
mod state;

pub use stage::StagedKey;
use stage::{key_nonce_at, next_secret_at};

pub(crate) use state::{
    SecretTreeState, StateSecret, WriteState, encode_state, write_public_state, write_state_struct,
    write_state_vec,
};

/// Which of a sender's two hash ratchets (RFC 9420 §9): handshake messages (proposals and
/// commits) and application messages use separate ratchets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKind {
    /// The handshake ratchet (label `"handshake"`).
    Handshake,
    /// The application ratchet (label `"application"`).
    Application,
}

impl ContentKind {
    /// The label that starts this ratchet from the leaf secret.
    const fn label(self) -> &'static [u8] {
        match self {
            ContentKind::Handshake => b"handshake",
            ContentKind::Application => b"application",
        }
    }
}

/// Limits of the receive window of each hash ratchet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretTreeConfig {
    /// How many generations a ratchet may skip ahead for one received message; a generation
    /// further ahead is [`SecretTreeError::GenerationTooFarAhead`]. Default 1000.
    pub max_forward_jump: u32,
    /// How many keys of skipped generations each ratchet keeps for out-of-order messages;
    /// beyond that the oldest are deleted. Default 100.
    pub max_retained_keys: usize,
}

impl Default for SecretTreeConfig {
    fn default() -> Self {
        SecretTreeConfig {
            max_forward_jump: 1000,
            max_retained_keys: 100,
        }
    }
}

/// One hash ratchet (RFC 9420 §9.1): the secret of the next generation and the retained
/// keys of skipped generations.
#[derive(Clone, Debug)]
struct HashRatchet {
    /// The generation `secret` belongs to; `2^32` once the ratchet is exhausted.
    next_generation: u64,
    /// `ratchet_secret_[N]_[next_generation]`.
    secret: Secret,
    /// Keys of skipped generations, by generation.
    retained: BTreeMap<u32, AeadKeyNonce>,
}

impl HashRatchet {
    fn new(secret: Secret) -> Self {
        HashRatchet {
            next_generation: 0,
            secret,
            retained: BTreeMap::new(),
        }
    }

    /// The generation the ratchet stands at, or `GenerationOverflow` once exhausted.
    fn current(&self) -> Result<u32, Error> {
        u32::try_from(self.next_generation).map_err(|_| SecretTreeError::GenerationOverflow.into())
    }

    /// The key and nonce of the current generation.
    fn key_nonce(&self, cs: &dyn CipherSuiteProvider) -> Result<AeadKeyNonce, Error> {
        key_nonce_at(cs, &self.secret, self.current()?)
    }

    /// Replaces the secret with the next generation's (the old one is zeroized on drop).
    fn advance(&mut self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        self.secret = next_secret_at(cs, &self.secret, self.current()?)?;
        self.next_generation = self.next_generation.saturating_add(1);
        Ok(())
    }

    /// The sender's next key: the current generation's, then the ratchet moves on.
    fn next(&mut self, cs: &dyn CipherSuiteProvider) -> Result<(u32, AeadKeyNonce), Error> {
        let generation = self.current()?;
        let key = self.key_nonce(cs)?;
        self.advance(cs)?;
        Ok((generation, key))
    }
}

/// The handshake and application ratchets of one leaf.
#[derive(Clone, Debug)]
struct LeafRatchets {
    handshake: HashRatchet,
    application: HashRatchet,
}

impl LeafRatchets {
    fn get(&self, kind: ContentKind) -> &HashRatchet {
        match kind {
            ContentKind::Handshake => &self.handshake,
            ContentKind::Application => &self.application,
        }
    }

    fn get_mut(&mut self, kind: ContentKind) -> &mut HashRatchet {
        match kind {
            ContentKind::Handshake => &mut self.handshake,
            ContentKind::Application => &mut self.application,
        }
    }
}

/// The secret tree of one epoch (RFC 9420 §9), with lazily derived node secrets and a hash
/// ratchet pair per used leaf.
///
/// Each method takes the epoch's cipher suite; a tree must always be used with the suite of
/// the `encryption_secret` it was created from.
#[derive(Clone, Debug)]
pub struct SecretTree {
    size: TreeSize,
    config: SecretTreeConfig,
    /// Node secrets not yet consumed: for every leaf without ratchets, exactly one node on
    /// its path (itself or an ancestor) is here.
    nodes: BTreeMap<NodeIndex, Secret>,
    /// The ratchets of the leaves used so far.
    leaves: BTreeMap<LeafIndex, LeafRatchets>,
}

impl SecretTree {
    /// A secret tree with `encryption_secret` at the root of a tree of `size`, with the
    /// default window. O(1): nothing is derived yet.
    pub fn new(encryption_secret: Secret, size: TreeSize) -> Self {
        Self::with_config(encryption_secret, size, SecretTreeConfig::default())
    }

    /// Like [`SecretTree::new`], with the receive window `config`.
    pub fn with_config(
        encryption_secret: Secret,
        size: TreeSize,
        config: SecretTreeConfig,
    ) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(size.root(), encryption_secret);
        SecretTree {
            size,
            config,
            nodes,
            leaves: BTreeMap::new(),
        }
    }

    /// The size of the tree.
    pub fn size(&self) -> TreeSize {
        self.size
    }

    /// The receive window.
    pub fn config(&self) -> &SecretTreeConfig {
        &self.config
    }

    /// The sender's side: the key and nonce of the next generation of `leaf`'s `kind`
    /// ratchet, returned with that generation. The ratchet moves on, so a key is never
    /// handed out twice.
    pub fn next_key(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: ContentKind,
    ) -> Result<(u32, AeadKeyNonce), Error> {
        self.ratchets(cs, leaf)?.get_mut(kind).next(cs)
    }

    /// The receiver's side: the key and nonce of `generation` of `leaf`'s `kind` ratchet,
    /// consumed at once ([`SecretTree::stage_key`] then [`StagedKey::commit`]).
    ///
    /// The key is deleted as it is returned. Skipped generations are retained within the
    /// window of [`SecretTreeConfig`]. Errors, with the tree unchanged:
    /// [`SecretTreeError::LeafOutOfRange`], [`SecretTreeError::GenerationTooFarAhead`],
    /// [`SecretTreeError::GenerationExpired`] (already used, evicted, or never retained),
    /// [`SecretTreeError::GenerationOverflow`]. A receiver that must first authenticate the
    /// message (RFC 9420 §6.3.2) uses [`SecretTree::stage_key`] instead.
    pub fn key_for(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: ContentKind,
        generation: u32,
    ) -> Result<AeadKeyNonce, Error> {
        self.stage_key(cs, leaf, kind, generation)?.commit()
    }

    /// The ratchets of `leaf`, derived on first use down the path from the lowest node
    /// secret still held.
    fn ratchets(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
    ) -> Result<&mut LeafRatchets, Error> {
        if !self.size.contains_leaf(leaf) {
            return Err(SecretTreeError::LeafOutOfRange.into());
        }
        if !self.leaves.contains_key(&leaf) {
            let start = self.plan_leaf(cs, leaf)?;
            self.install_leaf(leaf, start);
        }
        self.leaves
            .get_mut(&leaf)
            .ok_or(SecretTreeError::NodeSecretMissing.into())
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
