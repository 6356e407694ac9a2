//! Switching between a partial and a full member (draft-ietf-mls-partial §"Upgrading and
//! Downgrading"): "A partial client can upgrade to being a full client at any time by
//! downloading the full ratchet tree; a full client can downgrade by deleting its local copy
//! of the ratchet tree. Before a partial client uses a copy of the ratchet tree to upgrade to
//! being a full client, it MUST verify the integrity of the ratchet tree in the same way it
//! would when joining as a full client, following the steps in Section 12.4.3.1 of
//! RFC9420." The draft says nothing more (how the tree is delivered, what state carries
//! over); what is carried over here is everything that makes the member the same member.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CryptoProvider, Secret, constant_time_eq};
use crate::error::{Error, GroupError, PartialError};
use crate::framing::FramingContext;
use crate::key_schedule::EpochSecrets;
use crate::partial::PartialMember;
use crate::partial::proposals::CachedPartialProposal;
use crate::ratchet_tree::{RatchetTree, TreeValidation, TreeView};
use crate::treekem::TreePrivateKeys;

use super::Group;
use super::config::{GroupConfig, PskStore, SigningIdentity};
use super::epoch::EpochState;
use super::external::validate_tree_credentials;
use super::handshake_checks::validate_lone_proposal;
use super::proposals::{Checks, validate_external_senders};

impl PartialMember {
    /// Upgrades this partial member to a full [`Group`] member, given the group's full
    /// ratchet tree `ratchet_tree` (encoded as the RFC 9420 §12.4.3.3 `ratchet_tree`
    /// extension's data, `optional<Node> ratchet_tree<V>`, as a Delivery Service or another
    /// member sends it) and this member's signing identity (draft-ietf-mls-partial
    /// §"Upgrading and Downgrading").
    ///
    /// The tree is verified as a joiner verifies one (RFC 9420 §12.4.3.1), then against
    /// what this member holds; each check has its own error, in order:
    ///
    /// 1. decoding within `config.tree_limits` ([`crate::TreeError`]);
    /// 2. its tree hash is the GroupContext's `tree_hash`
    ///    ([`PartialError::UpgradeTreeHashMismatch`]);
    /// 3. the tree is valid (parent hashes, leaves, unmerged leaves, key uniqueness: the
    ///    [`crate::TreeError`] of [`RatchetTree::validate`]) and its credentials and the
    ///    GroupContext's `external_senders` pass `config.hooks` (RFC 9420 §5.3.1,
    ///    §12.1.8.1);
    /// 4. this member's leaf is non-blank ([`PartialError::UpgradeOwnLeafBlank`]), has the
    ///    public key of its leaf private key ([`PartialError::UpgradeLeafKeyMismatch`]) and
    ///    `identity`'s signature key ([`PartialError::UpgradeSignatureKeyMismatch`]);
    /// 5. every direct-path private key held matches its non-blank node
    ///    ([`PartialError::UpgradePathKeyMismatch`]);
    /// 6. the epoch's confirmation tag is known
    ///    ([`PartialError::UpgradeConfirmationTagUnknown`]).
    ///
    /// Carried over: the GroupContext, the epoch secrets (the resumption PSK of the epoch
    /// included), the secret tree with the generations already consumed (so a message this
    /// member decrypted cannot be replayed to it, and in-flight ones still decrypt), the
    /// path private keys, the confirmed and interim transcript hashes and the confirmation
    /// tag, and the proposals cached in this epoch (each validated against the tree as a
    /// full member validates a received proposal, RFC 9420 §12.1; one that fails is left
    /// out, as a full member would have refused it). Past epochs are not (a partial member
    /// keeps none). The partial member is not changed: on success, drop it (its secrets
    /// now live in the returned group).
    pub fn upgrade(
        &self,
        provider: Arc<dyn CryptoProvider>,
        identity: SigningIdentity,
        ratchet_tree: &[u8],
        config: GroupConfig,
        psks: &PskStore,
    ) -> Result<Group, Error> {
        let cs = provider.suite(self.cipher_suite())?;
        let ctx = &self.group_context;
        let mut tree =
            RatchetTree::decode_extension_with_limits(ratchet_tree, &config.tree_limits)?;
        if !constant_time_eq(&tree.tree_hash(cs)?, &ctx.tree_hash) {
            return Err(PartialError::UpgradeTreeHashMismatch.into());
        }
        tree.validate(
            cs,
            &TreeValidation {
                group_id: &ctx.group_id,
                version: ctx.version,
                tree_hash: None,
                now: None,
            },
        )?;
        validate_tree_credentials(&tree, &config.hooks)?;
        validate_external_senders(&config.hooks, &ctx.extensions)?;

        // The member's own leaf and keys.
        let leaf = tree
            .leaf(self.own_leaf)
            .ok_or(PartialError::UpgradeOwnLeafBlank)?;
        let own_node = self
            .own_leaf
            .node()
            .ok_or(PartialError::UpgradeOwnLeafBlank)?;
        let leaf_key = self
            .keys
            .iter()
            .find(|(x, _)| *x == own_node)
            .map(|(_, k)| k)
            .ok_or(PartialError::UpgradeLeafKeyMismatch)?;
        if cs.kem_public_key(leaf_key)? != leaf.encryption_key() {
            return Err(PartialError::UpgradeLeafKeyMismatch.into());
        }
        if leaf.signature_key() != identity.signature_public_key().as_bytes() {
            return Err(PartialError::UpgradeSignatureKeyMismatch.into());
        }
        let mut keys = TreePrivateKeys::new(self.own_leaf, leaf_key.clone());
        let direct_path: Vec<_> = tree
            .size()
            .direct_path(own_node)
            .map(|p| p.collect())
            .unwrap_or_default();
        for (x, key) in self.keys.iter().filter(|(x, _)| *x != own_node) {
            let public = tree.node_public_key(*x);
            if !direct_path.contains(x)
                || public.is_none_or(|p| cs.kem_public_key(key).ok().as_deref() != Some(p))
            {
                return Err(PartialError::UpgradePathKeyMismatch.into());
            }
            keys.insert_path_key(*x, key.clone());
        }
        if self.confirmation_tag.is_empty() {
            return Err(PartialError::UpgradeConfirmationTagUnknown.into());
        }

        let mut epoch = EpochState::new(self.epoch.clone(), tree.size(), config.secret_tree);
        epoch.secret_tree = self.secret_tree.clone();
        let mut group = Group::at_first_epoch(
            provider.clone(),
            config,
            identity,
            tree,
            keys,
            FramingContext::new(ctx.clone())?,
            self.interim_transcript_hash.clone(),
            self.confirmation_tag.clone(),
            epoch,
            psks,
        );
        for p in &self.proposals {
            let checks = Checks {
                now: None,
                hooks: &group.config.hooks,
                tree_limits: group.config.tree_limits,
            };
            let ctx = group.context.group_context();
            if validate_lone_proposal(cs, &group.tree, ctx, &p.proposal, p.sender, &checks).is_ok()
            {
                group.pool_insert(p.reference.clone(), p.proposal.clone(), p.sender, false)?;
            }
        }
        Ok(group)
    }
}

impl Group {
    /// This member as a partial member (draft-ietf-mls-partial §"Upgrading and
    /// Downgrading": "a full client can downgrade by deleting its local copy of the ratchet
    /// tree"): the GroupContext, the epoch secrets, the secret tree with its consumed
    /// generations, the confirmed and interim transcript hashes, the confirmation tag, the
    /// private keys of the leaf and of the direct path, and the proposals of the epoch's
    /// pool; it then follows the group through AnnotatedCommits
    /// ([`PartialMember::process_commit`]).
    ///
    /// Refused with [`PartialError::DowngradePendingState`] while this member has a pending
    /// Commit or Update proposals of its own (their private keys would be lost), and with
    /// [`GroupError::GroupInactive`] after a ReInit. Not carried: the tree, past epochs
    /// (late messages of earlier epochs no longer decrypt), stored resumption PSKs of
    /// earlier epochs, the PSK store, the config. The partial member's
    /// [`epoch_secrets`](PartialMember::epoch_secrets) has an empty `encryption_secret`
    /// (the full member already deleted it into its secret tree, RFC 9420 §9.2) and no
    /// `application_export_secret`. The group is not changed: on success, drop it.
    pub fn downgrade(&self) -> Result<PartialMember, Error> {
        if self.pending_commit.is_some() || !self.pending_updates.is_empty() {
            return Err(PartialError::DowngradePendingState.into());
        }
        if !self.active || self.reinit.is_some() {
            return Err(GroupError::GroupInactive.into());
        }
        let own_leaf = self.keys.own_leaf();
        let own_node = own_leaf.node().ok_or(GroupError::InvalidState)?;
        let mut keys = Vec::new();
        keys.push((own_node, self.keys.leaf_key().clone()));
        for x in self.keys.path_nodes() {
            if let Some(k) = self.keys.key_for(x) {
                keys.push((x, k.clone()));
            }
        }
        let e = &self.epoch;
        let epoch = EpochSecrets {
            sender_data_secret: e.sender_data_secret.clone(),
            encryption_secret: Secret::zero(0),
            exporter_secret: e.exporter_secret.clone(),
            external_secret: e.external_secret.clone(),
            confirmation_key: e.confirmation_key.clone(),
            membership_key: e.membership_key.clone(),
            resumption_psk: e.resumption_psk.clone(),
            epoch_authenticator: e.epoch_authenticator.clone(),
            init_secret: e.init_secret.clone(),
            application_export_secret: None,
        };
        Ok(PartialMember {
            group_context: self.context.group_context().clone(),
            interim_transcript_hash: self.interim_transcript_hash.clone(),
            epoch,
            secret_tree: e.secret_tree.clone(),
            own_leaf,
            tree_size: self.tree.size(),
            keys,
            confirmation_tag: self.confirmation_tag.clone(),
            proposals: self
                .proposals
                .iter()
                .map(|p| CachedPartialProposal {
                    reference: p.reference.clone(),
                    proposal: p.proposal.clone(),
                    sender: p.sender,
                })
                .collect(),
        })
    }
}
