//! Receiver keys in two steps, peek then commit (RFC 9420 §9.2, §6.3.2).
//!
//! A receiver must not delete a key, or move a ratchet, for a message that turns out to be
//! forged or corrupted: anyone holding the epoch's `sender_data_secret` can name any sender
//! and generation, and every member can even encrypt under another member's ratchet key,
//! so only a decryption *and* a valid signature show that the key was really used.
//! [`SecretTree::stage_key`] therefore derives the key of a generation without changing the
//! tree, and records what taking it would change (the node secrets consumed to start the
//! leaf's ratchets, the new ratchet secret, the skipped keys to retain). Only
//! [`StagedKey::commit`] applies that record, without deriving anything again; dropping the
//! [`StagedKey`] leaves the tree exactly as it was. Every derived secret lives in a zeroizing
//! [`Secret`], so an uncommitted stage is wiped when dropped.

use alloc::vec::Vec;

use super::{ContentKind, HashRatchet, LeafRatchets, SecretTree, SecretTreeConfig};
use crate::crypto::labels::{derive_tree_secret, expand_with_label};
use crate::crypto::{CipherSuiteProvider, Secret};
use crate::error::{Error, SecretTreeError};
use crate::key_schedule::AeadKeyNonce;
use crate::tree_math::{LeafIndex, NodeIndex};

/// `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` from `ratchet_secret_[N]_[j]` (§9.1).
pub(super) fn key_nonce_at(
    cs: &dyn CipherSuiteProvider,
    secret: &Secret,
    generation: u32,
) -> Result<AeadKeyNonce, Error> {
    let secret = secret.as_bytes();
    Ok(AeadKeyNonce {
        key: derive_tree_secret(cs, secret, b"key", generation, cs.aead_key_len())?,
        nonce: derive_tree_secret(cs, secret, b"nonce", generation, cs.aead_nonce_len())?,
    })
}

/// `ratchet_secret_[N]_[j+1]` from `ratchet_secret_[N]_[j]` (§9.1).
pub(super) fn next_secret_at(
    cs: &dyn CipherSuiteProvider,
    secret: &Secret,
    generation: u32,
) -> Result<Secret, Error> {
    derive_tree_secret(cs, secret.as_bytes(), b"secret", generation, cs.hash_len())
}

/// Starting a leaf's ratchets: the node secret consumed, the sibling secrets derived on the
/// way down from it, and the two new ratchets.
#[derive(Debug)]
pub(super) struct LeafStart {
    /// The lowest node on the leaf's path whose secret the tree holds; it is deleted.
    from: NodeIndex,
    /// The siblings of the path below `from`, now held instead.
    siblings: Vec<(NodeIndex, Secret)>,
    /// The leaf's new handshake and application ratchets.
    ratchets: LeafRatchets,
}

/// What taking a key does to its ratchet.
#[derive(Debug)]
enum Step {
    /// The key was retained for a skipped generation: delete it.
    Retained,
    /// The ratchet moves past the generation.
    Advance {
        /// The generation after the one taken.
        next_generation: u64,
        /// `ratchet_secret_[N]_[next_generation]`.
        secret: Secret,
        /// Keys of the generations skipped on the way that the window lets us keep,
        /// ascending.
        skipped: Vec<(u32, AeadKeyNonce)>,
    },
}

/// The complete change of taking one key, computed without touching the tree.
#[derive(Debug)]
struct Plan {
    leaf: LeafIndex,
    kind: ContentKind,
    generation: u32,
    start: Option<LeafStart>,
    step: Step,
    key: AeadKeyNonce,
}

/// A receiver key derived but not yet consumed (RFC 9420 §9.2): [`StagedKey::commit`]
/// deletes it from the tree (moving the ratchet and retaining skipped keys), dropping it
/// leaves the tree unchanged. It borrows the tree, so nothing else can change the tree in
/// between.
#[derive(Debug)]
pub struct StagedKey<'a> {
    tree: &'a mut SecretTree,
    plan: Plan,
}

impl StagedKey<'_> {
    /// The key and nonce of the generation (RFC 9420 §9.1).
    pub fn key(&self) -> &AeadKeyNonce {
        &self.plan.key
    }

    /// The generation of the key.
    pub fn generation(&self) -> u32 {
        self.plan.generation
    }

    /// Consumes the key (RFC 9420 §9.2): the leaf's ratchets are started if they were not,
    /// the ratchet moves past the generation keeping the skipped keys the window allows (the
    /// oldest evicted first), or the retained key of an older generation is deleted. Nothing
    /// is derived again. Returns the key.
    ///
    /// [`SecretTreeError::NodeSecretMissing`] only if the tree lost the leaf's ratchets,
    /// which its API never does.
    pub fn commit(self) -> Result<AeadKeyNonce, Error> {
        let StagedKey { tree, plan } = self;
        let config = tree.config;
        match plan.start {
            Some(mut start) => {
                apply_step(
                    start.ratchets.get_mut(plan.kind),
                    plan.step,
                    plan.generation,
                    &config,
                );
                tree.install_leaf(plan.leaf, start);
            }
            None => {
                let ratchets = tree
                    .leaves
                    .get_mut(&plan.leaf)
                    .ok_or(SecretTreeError::NodeSecretMissing)?;
                apply_step(
                    ratchets.get_mut(plan.kind),
                    plan.step,
                    plan.generation,
                    &config,
                );
            }
        }
        Ok(plan.key)
    }
}

fn apply_step(ratchet: &mut HashRatchet, step: Step, generation: u32, config: &SecretTreeConfig) {
    match step {
        Step::Retained => {
            ratchet.retained.remove(&generation);
        }
        Step::Advance {
            next_generation,
            secret,
            skipped,
        } => {
            ratchet.next_generation = next_generation;
            // The old ratchet secret is zeroized on drop.
            ratchet.secret = secret;
            // Every skipped generation is newer than every retained one, so evicting the
            // oldest after inserting them all keeps the same keys as evicting one by one.
            ratchet.retained.extend(skipped);
            while ratchet.retained.len() > config.max_retained_keys {
                ratchet.retained.pop_first();
            }
        }
    }
}

/// The change of taking `generation` from `ratchet`, inside the window of `config`.
fn plan_step(
    cs: &dyn CipherSuiteProvider,
    ratchet: &HashRatchet,
    generation: u32,
    config: &SecretTreeConfig,
) -> Result<(Step, AeadKeyNonce), Error> {
    let overflow = || Error::SecretTree(SecretTreeError::GenerationOverflow);
    let target = u64::from(generation);
    let Some(ahead) = target.checked_sub(ratchet.next_generation) else {
        let key = ratchet
            .retained
            .get(&generation)
            .cloned()
            .ok_or(SecretTreeError::GenerationExpired)?;
        return Ok((Step::Retained, key));
    };
    if ahead > u64::from(config.max_forward_jump) {
        return Err(SecretTreeError::GenerationTooFarAhead.into());
    }
    let keep = u64::try_from(config.max_retained_keys).unwrap_or(u64::MAX);
    let mut skipped = Vec::new();
    // `None` while the ratchet's own secret is current; derived secrets are zeroized as
    // they are replaced.
    let mut derived: Option<Secret> = None;
    let mut next_generation = ratchet.next_generation;
    while next_generation < target {
        let g = u32::try_from(next_generation).map_err(|_| overflow())?;
        let current = derived.as_ref().unwrap_or(&ratchet.secret);
        // Only derive the keys the retention limit lets us keep.
        if target.saturating_sub(next_generation) <= keep {
            skipped.push((g, key_nonce_at(cs, current, g)?));
        }
        derived = Some(next_secret_at(cs, current, g)?);
        next_generation = next_generation.saturating_add(1);
    }
    let current = derived.as_ref().unwrap_or(&ratchet.secret);
    let key = key_nonce_at(cs, current, generation)?;
    let secret = next_secret_at(cs, current, generation)?;
    let step = Step::Advance {
        next_generation: target.saturating_add(1),
        secret,
        skipped,
    };
    Ok((step, key))
}

impl SecretTree {
    /// The receiver's side, first step (RFC 9420 §9.2): derives the key and nonce of
    /// `generation` of `leaf`'s `kind` ratchet without changing the tree, and returns it
    /// staged; [`StagedKey::commit`] then consumes it exactly as [`SecretTree::key_for`]
    /// does. Use it to delete a key only once the message it opens is authenticated.
    ///
    /// Costs the same derivations as [`SecretTree::key_for`] (the commit derives nothing).
    /// Errors, with the tree unchanged: [`SecretTreeError::LeafOutOfRange`],
    /// [`SecretTreeError::GenerationTooFarAhead`], [`SecretTreeError::GenerationExpired`]
    /// (already used, evicted, or never retained), [`SecretTreeError::GenerationOverflow`].
    pub fn stage_key(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: ContentKind,
        generation: u32,
    ) -> Result<StagedKey<'_>, Error> {
        let plan = self.plan(cs, leaf, kind, generation)?;
        Ok(StagedKey { tree: self, plan })
    }

    /// The key and nonce [`SecretTree::key_for`] would return for `generation` of `leaf`'s
    /// `kind` ratchet, with the same checks, without consuming it (RFC 9420 §9.2).
    pub fn peek_key(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: ContentKind,
        generation: u32,
    ) -> Result<AeadKeyNonce, Error> {
        self.plan(cs, leaf, kind, generation).map(|p| p.key)
    }

    fn plan(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: ContentKind,
        generation: u32,
    ) -> Result<Plan, Error> {
        if !self.size.contains_leaf(leaf) {
            return Err(SecretTreeError::LeafOutOfRange.into());
        }
        let (start, (step, key)) = match self.leaves.get(&leaf) {
            Some(r) => (None, plan_step(cs, r.get(kind), generation, &self.config)?),
            None => {
                let start = self.plan_leaf(cs, leaf)?;
                let planned = plan_step(cs, start.ratchets.get(kind), generation, &self.config)?;
                (Some(start), planned)
            }
        };
        Ok(Plan {
            leaf,
            kind,
            generation,
            start,
            step,
            key,
        })
    }

    /// Derives the ratchets of a leaf not started yet, down the path from the lowest node
    /// secret still held, without changing the tree.
    pub(super) fn plan_leaf(
        &self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
    ) -> Result<LeafStart, Error> {
        let missing = || Error::SecretTree(SecretTreeError::NodeSecretMissing);
        let target = leaf.node().ok_or(SecretTreeError::LeafOutOfRange)?;
        let from = if self.nodes.contains_key(&target) {
            target
        } else {
            self.size
                .direct_path(target)
                .ok_or(SecretTreeError::LeafOutOfRange)?
                .find(|n| self.nodes.contains_key(n))
                .ok_or_else(missing)?
        };
        let held = self.nodes.get(&from).ok_or_else(missing)?;
        let mut siblings = Vec::new();
        // The secret of `node` once derived here (zeroized as it is replaced).
        let mut derived: Option<Secret> = None;
        let mut node = from;
        while node != target {
            let secret = derived.as_ref().unwrap_or(held).as_bytes();
            let left_secret = expand_with_label(cs, secret, b"tree", b"left", cs.hash_len())?;
            let right_secret = expand_with_label(cs, secret, b"tree", b"right", cs.hash_len())?;
            let left = self.size.left(node).ok_or_else(missing)?;
            let right = self.size.right(node).ok_or_else(missing)?;
            let (next, next_secret, sibling) = if target < node {
                (left, left_secret, (right, right_secret))
            } else {
                (right, right_secret, (left, left_secret))
            };
            siblings.push(sibling);
            derived = Some(next_secret);
            node = next;
        }
        let secret = derived.as_ref().unwrap_or(held).as_bytes();
        let start =
            |kind: ContentKind| expand_with_label(cs, secret, kind.label(), &[], cs.hash_len());
        Ok(LeafStart {
            from,
            siblings,
            ratchets: LeafRatchets {
                handshake: HashRatchet::new(start(ContentKind::Handshake)?),
                application: HashRatchet::new(start(ContentKind::Application)?),
            },
        })
    }

    /// Installs the ratchets of a started leaf (§9.2): the consumed node secret is deleted
    /// (a parent once both its children exist, the leaf's once its ratchets are started) and
    /// the siblings derived on the way down are kept.
    pub(super) fn install_leaf(&mut self, leaf: LeafIndex, start: LeafStart) {
        self.nodes.remove(&start.from);
        self.nodes.extend(start.siblings);
        self.leaves.insert(leaf, start.ratchets);
    }
}
