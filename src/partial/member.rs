//! A partial member (draft-ietf-mls-partial): the group's secrets, the private keys of its
//! direct path, and no ratchet tree. Joins from an [`AnnotatedWelcome`] with O(log n) work.

use alloc::vec::Vec;

use super::update_path::PathKeys;
use super::wire::{AnnotatedWelcome, SenderAuthenticatedMessage};
use crate::crypto::{CipherSuite, CipherSuiteProvider, HpkePrivateKey, Secret};
use crate::error::{Error, PartialError};
use crate::framing::{FramedContentBody, FramingContext, PrivateMessage};
use crate::key_schedule::{EpochSecrets, PreSharedKeyId, Psk, psk};
use crate::messages::{GroupContext, KeyPackage};
use crate::ratchet_tree::Node;
use crate::secret_tree::SecretTree;
use crate::transcript;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};
use crate::treekem::PathSecret;

/// The state of a partial member for one epoch: O(log n) in the group's size.
#[derive(Clone, Debug)]
pub struct PartialMember {
    pub(crate) group_context: GroupContext,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) epoch: EpochSecrets,
    pub(crate) secret_tree: SecretTree,
    pub(crate) own_leaf: LeafIndex,
    pub(crate) tree_size: TreeSize,
    /// The private keys of the leaf and of the direct path nodes it knows.
    pub(crate) keys: PathKeys,
    /// The epoch's confirmation tag (RFC 9420 §6.1), kept for an upgrade to a full member
    /// (which signs GroupInfos carrying it, §12.4.3); empty when unknown (a member made
    /// by [`PartialMember::from_state`]).
    pub(crate) confirmation_tag: Vec<u8>,
    /// The proposals of this epoch received outside Commits, by reference
    /// (draft-ietf-mls-partial §"Protocol Overview"; see [`PartialMember::cache_proposal`]).
    pub(crate) proposals: Vec<super::proposals::CachedPartialProposal>,
}

/// The parts of a partial member's state, e.g. as saved, or as given by a test vector.
#[derive(Clone, Debug)]
pub struct PartialState {
    /// The epoch's GroupContext.
    pub group_context: GroupContext,
    /// The interim transcript hash (RFC 9420 §8.2).
    pub interim_transcript_hash: Vec<u8>,
    /// The epoch's secrets.
    pub epoch_secrets: EpochSecrets,
    /// The member's leaf.
    pub own_leaf: LeafIndex,
    /// The number of leaves of the tree (a power of two).
    pub n_leaves: u32,
    /// The private keys of the leaf and the direct path nodes the member holds.
    pub keys: PathKeys,
}

/// The external PSKs a joiner holds: `(psk_id, psk)`.
pub type ExternalPsks<'a> = &'a [(&'a [u8], &'a [u8])];

impl PartialMember {
    /// Joins as a partial client from `annotated` (draft-ietf-mls-partial §"Joining via
    /// Annotated Welcome"):
    ///
    /// 1. the sender's and the joiner's proofs reference the same tree
    ///    ([`PartialError::ProofsReferenceDifferentTrees`]);
    /// 2. the Welcome is processed as in RFC 9420 §12.4.3.1, the GroupInfo's `signer`
    ///    being the sender proof's `leaf_index` ([`PartialError::GroupInfoSignerMismatch`])
    ///    and its signature verified with the proven leaf's key;
    /// 3. the GroupInfo's `tree_hash` is the proofs' root tree hash (instead of verifying a
    ///    ratchet tree; [`PartialError::ProofTreeHashMismatch`]);
    /// 4. the own leaf is the joiner proof's `leaf_index`, whose leaf must be the
    ///    KeyPackage's ([`PartialError::JoinerLeafMismatch`]);
    /// 5. a `path_secret`, if any, gives the keys of the non-blank nodes from the lowest
    ///    common ancestor with the signer up, each checked against the proof's public key
    ///    ([`PartialError::PathPublicKeyMismatch`]);
    /// 6. the confirmation tag is verified with the new epoch's `confirmation_key`.
    pub fn join(
        cs: &dyn CipherSuiteProvider,
        annotated: &AnnotatedWelcome,
        key_package: &KeyPackage,
        init_private_key: &HpkePrivateKey,
        leaf_private_key: HpkePrivateKey,
        external_psks: ExternalPsks<'_>,
    ) -> Result<Self, Error> {
        let sender = &annotated.welcome.sender_membership_proof;
        let joiner = &annotated.joiner_membership_proof;
        let root = sender.verify_same_tree(cs, joiner)?;
        let welcome = &annotated.welcome.message;
        let processed = welcome.process(
            cs,
            &[(key_package, init_private_key)],
            &mut |ids: &[PreSharedKeyId]| psk_secret_of(cs, ids, external_psks),
            &mut |gi| {
                if gi.signer != sender.leaf_index {
                    return Err(PartialError::GroupInfoSignerMismatch.into());
                }
                Ok(sender
                    .leaf_node()
                    .ok_or(PartialError::ProofLeafBlank)?
                    .signature_key
                    .clone())
            },
        )?;
        let gi = &processed.group_info;
        if gi.group_context.tree_hash != root {
            return Err(PartialError::ProofTreeHashMismatch.into());
        }
        if joiner.leaf_node() != Some(&key_package.leaf_node) {
            return Err(PartialError::JoinerLeafMismatch.into());
        }
        let tree_size = joiner.tree_size()?;
        let own_leaf = joiner.leaf_index;
        let mut keys: PathKeys = Vec::new();
        let own_node = own_leaf.node().ok_or(PartialError::ProofLeafOutOfRange)?;
        keys.push((own_node, leaf_private_key));
        if let Some(ps) = &processed.group_secrets.path_secret {
            let signer = sender
                .leaf_index
                .node()
                .ok_or(PartialError::ProofLeafOutOfRange)?;
            let lca = tree_size
                .common_ancestor(own_node, signer)
                .ok_or(PartialError::ProofLeafOutOfRange)?;
            let secret = PathSecret::new(ps.path_secret.clone());
            for (x, secret) in path_keys_from(cs, joiner, lca, secret)? {
                keys.push((x, secret.node_key_pair(cs)?.private_key));
            }
        }
        let mut epoch = processed.epoch_secrets(cs)?;
        gi.verify_confirmation_tag(cs, epoch.confirmation_key.as_bytes())?;
        let interim_transcript_hash = transcript::interim_transcript_hash(
            cs,
            &gi.group_context.confirmed_transcript_hash,
            &gi.confirmation_tag,
        )?;
        Ok(PartialMember {
            group_context: gi.group_context.clone(),
            interim_transcript_hash,
            // RFC 9420 §9.2: the `encryption_secret` lives only as the secret tree's root, which
            // deletes what it consumes; no copy is kept beside it.
            secret_tree: SecretTree::new(epoch.take_encryption_secret(), tree_size),
            epoch,
            own_leaf,
            tree_size,
            keys,
            confirmation_tag: gi.confirmation_tag.clone(),
            proposals: Vec::new(),
        })
    }

    /// A partial member from saved parts; its confirmation tag is unknown, so it cannot
    /// [`upgrade`](PartialMember::upgrade) before its next Commit ([`PartialError::ProofLeafCountInvalid`] for a
    /// leaf count that is not a power of two, [`PartialError::ProofLeafOutOfRange`] for a
    /// leaf outside the tree).
    pub fn from_state(state: PartialState) -> Result<Self, Error> {
        if !state.n_leaves.is_power_of_two() {
            return Err(PartialError::ProofLeafCountInvalid.into());
        }
        let tree_size =
            TreeSize::from_leaf_count(state.n_leaves).ok_or(PartialError::ProofLeafCountInvalid)?;
        if state.own_leaf.0 >= state.n_leaves {
            return Err(PartialError::ProofLeafOutOfRange.into());
        }
        let mut epoch = state.epoch_secrets;
        Ok(PartialMember {
            secret_tree: SecretTree::new(epoch.take_encryption_secret(), tree_size),
            group_context: state.group_context,
            interim_transcript_hash: state.interim_transcript_hash,
            epoch,
            own_leaf: state.own_leaf,
            tree_size,
            keys: state.keys,
            confirmation_tag: Vec::new(),
            proposals: Vec::new(),
        })
    }

    /// The epoch's secrets. The `encryption_secret` is empty: it lives only as the root of
    /// the member's secret tree, which deletes what it consumes (RFC 9420 §9.2).
    pub fn epoch_secrets(&self) -> &EpochSecrets {
        &self.epoch
    }

    /// The interim transcript hash.
    pub fn interim_transcript_hash(&self) -> &[u8] {
        &self.interim_transcript_hash
    }

    /// The number of leaves of the group's tree.
    pub fn tree_size(&self) -> TreeSize {
        self.tree_size
    }

    /// Decrypts and verifies an application message sent in this epoch as a
    /// [`SenderAuthenticatedMessage`] (draft-ietf-mls-partial §"Application Messages"):
    /// the sender's proof against the epoch's tree hash, then the PrivateMessage checks
    /// with the proven key ([`SenderAuthenticatedMessage::<PrivateMessage>::verify`]).
    /// Returns the application data; the message key is consumed only on success.
    pub fn open_application(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        message: SenderAuthenticatedMessage<PrivateMessage>,
    ) -> Result<Vec<u8>, Error> {
        let context = FramingContext::new(self.group_context.clone())?;
        let ac = message.verify(
            cs,
            &context,
            &mut self.secret_tree,
            &self.epoch.sender_data_secret,
        )?;
        match ac.content.body {
            FramedContentBody::Application(data) => Ok(data),
            _ => Err(PartialError::NotApplicationMessage.into()),
        }
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.group_context.cipher_suite
    }

    /// The current GroupContext (its `tree_hash` is what every proof is checked against).
    pub fn group_context(&self) -> &GroupContext {
        &self.group_context
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.group_context.epoch
    }

    /// This member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The epoch authenticator (RFC 9420 §8.7).
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch.epoch_authenticator.as_bytes()
    }

    /// The nodes this member holds a private key for (its leaf and part of its direct
    /// path), bottom up.
    pub fn key_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.iter().map(|(x, _)| *x)
    }
}

/// Derives the path secrets of the non-blank nodes of `proof`'s direct path at and above
/// `lca`, starting from `secret`, checking each derived public key against the proof's
/// node ([`PartialError::PathPublicKeyMismatch`]).
pub(crate) fn path_keys_from(
    cs: &dyn CipherSuiteProvider,
    proof: &super::MembershipProof,
    lca: NodeIndex,
    mut secret: PathSecret,
) -> Result<Vec<(NodeIndex, PathSecret)>, Error> {
    let indices = proof.path_node_indices()?;
    let mut out = Vec::new();
    for (x, node) in indices.iter().zip(&proof.direct_path_nodes) {
        if x.level() < lca.level() {
            continue;
        }
        let Some(Node::Parent(p)) = node else {
            continue;
        };
        if secret.node_key_pair(cs)?.public_key != p.encryption_key {
            return Err(PartialError::PathPublicKeyMismatch.into());
        }
        let next = secret.next(cs)?;
        out.push((*x, secret));
        secret = next;
    }
    Ok(out)
}

/// The `psk_secret` of `ids` from the external PSKs held ([`crate::MessageError::MissingPsk`]
/// for one not held; resumption PSKs are not available to a joiner without history).
fn psk_secret_of(
    cs: &dyn CipherSuiteProvider,
    ids: &[PreSharedKeyId],
    external: ExternalPsks<'_>,
) -> Result<Secret, Error> {
    let mut found: Vec<(&PreSharedKeyId, &[u8])> = Vec::with_capacity(ids.len());
    for id in ids {
        let Psk::External(ext) = &id.psk else {
            return Err(crate::error::MessageError::MissingPsk.into());
        };
        let psk = external
            .iter()
            .find(|(pid, _)| *pid == ext.psk_id.as_slice())
            .map(|(_, psk)| *psk)
            .ok_or(crate::error::MessageError::MissingPsk)?;
        found.push((id, psk));
    }
    psk::psk_secret(cs, &found)
}
