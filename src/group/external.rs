//! External joins (RFC 9420 §12.4.3.2): publishing a GroupInfo with `external_pub`, joining
//! by external Commit, and validating a received external Commit (§12.2, §12.4.2).
//!
//! An external Commit is a PublicMessage from a `new_member_commit` sender whose proposals
//! are, by value only, exactly one ExternalInit (the `kem_output` carrying the new
//! `init_secret`, §8.3), at most one Remove (the joiner's prior leaf: a "resync") and any
//! number of PreSharedKey proposals. It always has a path; the joiner takes the leftmost
//! blank leaf of the tree after the Remove.
//!
//! A member removed by a resync cannot check the Commit's confirmation tag, which is all
//! that authenticates an external Commit: it stages the removal as unverified
//! ([`SelfRemoval::Unverified`]) and keeps its epoch until the application confirms.
//!
//! The joiner's [`Group`] is in the new epoch as soon as
//! [`Group::join_by_external_commit`] returns (there is no pending state to merge): if the
//! Delivery Service rejects the Commit, the caller drops that group and joins again from a
//! fresh GroupInfo.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CryptoProvider, HpkePublicKey, Secret};
use crate::error::{Error, GroupError, TreeError};
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, MlsMessage,
    MlsMessageBody, PublicMessage, Sender, WireFormat,
};
use crate::key_schedule::{
    PreSharedKeyId, derive_epoch, external_init_receiver, external_init_sender, external_key_pair,
    psk::psk_secret,
};
use crate::messages::{
    Capabilities, Commit, Extension, ExtensionType, Extensions, ExternalInit, ExternalPub,
    GroupContext, LeafNode, LeafNodeSource, PreSharedKey, Proposal, ProposalOrRef, ProposalRef,
    Remove, UpdatePath,
};
use crate::ratchet_tree::{RatchetTree, TreeDiff, TreeView};
use crate::transcript::{
    confirmation_tag, confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag,
};
use crate::tree_math::LeafIndex;
use crate::treekem::{NewLeaf, merge_update_path, prepare_update_path_by};

use super::Group;
use super::commit::{CommitOutput, retained_keys};
use super::config::{GroupConfig, Member, PskStore, SigningIdentity};
use super::epoch::EpochState;
use super::hooks::CredentialUse;
use super::join_checks::{group_info_of, validated_tree};
use super::process::StagedCommit;
use super::proposals::{Checks, CommittedProposal, apply_proposals, check_path_leaf, member_at};
// `join.rs` reaches it here (it moved to `join_checks`).
pub(super) use super::join_checks::validate_tree_credentials;
use super::self_removal::{SelfRemoval, UnverifiedRemoval};

/// No leaf has this index (trees have fewer than 2^31 leaves): the "committer" under which
/// the Remove and PSK proposals of an external Commit are validated, so that the §12.2 rule
/// "a Remove of the committer" never applies to them.
pub(super) const NO_COMMITTER: LeafIndex = LeafIndex(u32::MAX);

/// What a published GroupInfo carries (RFC 9420 §12.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupInfoOptions {
    /// Put the ratchet tree in a `ratchet_tree` extension (§12.4.3.3); otherwise the joiner
    /// gets [`Group::ratchet_tree`] (encoded with `encode_extension`) out of band.
    pub ratchet_tree: bool,
    /// Put the `external_pub` extension in, so that non-members can join by external Commit
    /// (§12.4.3.2).
    pub external_pub: bool,
}

impl Default for GroupInfoOptions {
    /// Both the ratchet tree and `external_pub`: everything an external joiner needs.
    fn default() -> Self {
        GroupInfoOptions {
            ratchet_tree: true,
            external_pub: true,
        }
    }
}

/// Which leaf a resync external Commit removes (RFC 9420 §12.4.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorLeaf {
    /// The leaf at this index.
    Leaf(LeafIndex),
    /// The first leaf whose credential is the joiner's.
    SameCredential,
}

/// How to build an external Commit (RFC 9420 §12.4.3.2).
#[derive(Clone, Debug, Default)]
pub struct ExternalCommitOptions {
    /// Remove the joiner's prior appearance in the group (a "resync" Commit). The removed
    /// leaf must carry the joiner's credential.
    pub remove_prior: Option<PriorLeaf>,
    /// External PSKs to inject, by `psk_id`, with fresh nonces (§8.4); their values come from
    /// the `PskStore` given to [`Group::join_by_external_commit`].
    pub external_psks: Vec<Vec<u8>>,
    /// `authenticated_data` of the Commit's FramedContent (§6).
    pub authenticated_data: Vec<u8>,
    /// Also return a GroupInfo of the new epoch in [`CommitOutput::group_info`].
    pub group_info: Option<GroupInfoOptions>,
    /// The current time, to check the lifetimes of the tree's `key_package` leaves (§7.3);
    /// `None` skips the check.
    pub now: Option<u64>,
    /// The capabilities of the joiner's leaf; `None` is
    /// [`SigningIdentity::default_capabilities`].
    pub capabilities: Option<Capabilities>,
    /// The extensions of the joiner's leaf.
    pub leaf_extensions: Extensions,
    /// The pending SelfRemove proposals (PublicMessages of the GroupInfo's epoch) fetched
    /// with the GroupInfo (draft-ietf-mls-extensions, "SelfRemove Proposal": the joiner
    /// "MUST fetch any pending SelfRemove Proposals along with the GroupInfo object, and
    /// include the SelfRemove Proposals in its external Commit by reference"). Each is
    /// validated (all but the membership tag) and covered by reference; a resync Remove of
    /// a leaf that one of them removes is left out (the leaf goes anyway, and the draft makes
    /// such a Remove invalid).
    pub self_removes: Vec<MlsMessage>,
}

/// The proposals of an external Commit, checked against the list rules of RFC 9420 §12.2
/// ("For an external Commit") and §12.4.3.2, as draft-ietf-mls-extensions ("SelfRemove
/// Proposal") extends them: SelfRemove proposals by reference.
pub(super) struct ExternalProposals<'c> {
    /// The `kem_output` of the one ExternalInit proposal.
    pub(super) kem_output: &'c [u8],
    /// The Remove (if any), PreSharedKey and application proposals given by value, in
    /// order, for `apply_proposals`.
    pub(super) committed: Vec<CommittedProposal>,
    /// The proposals given by reference, which must resolve to SelfRemove proposals
    /// ([`ExternalProposals::resolve`]).
    pub(super) references: Vec<&'c ProposalRef>,
    /// The leaf the resync Remove (by value) removes, if any.
    pub(super) prior: Option<LeafIndex>,
    /// The path, which an external Commit must have.
    pub(super) path: &'c UpdatePath,
}

impl<'c> ExternalProposals<'c> {
    /// Sorts out an external Commit's proposals, each rule with its own error: by value
    /// only ExternalInit, Remove, PreSharedKey and the application proposals, exactly one
    /// ExternalInit, at most one Remove, and a path. Proposals by reference are collected
    /// for [`ExternalProposals::resolve`] (draft-ietf-mls-extensions: "An external Commit
    /// can contain zero or more SelfRemove proposals", by reference).
    pub(super) fn check(commit: &'c Commit) -> Result<Self, Error> {
        let mut kem_output = None;
        let mut removes = 0usize;
        let mut committed = Vec::new();
        let mut references = Vec::new();
        let mut prior = None;
        for p in &commit.proposals {
            let p = match p {
                ProposalOrRef::Proposal(p) => p,
                ProposalOrRef::Reference(r) => {
                    references.push(r);
                    continue;
                }
            };
            match p {
                Proposal::ExternalInit(e) => {
                    if kem_output.replace(e.kem_output.as_slice()).is_some() {
                        return Err(GroupError::ExternalCommitMultipleExternalInit.into());
                    }
                }
                Proposal::Remove(r) => {
                    removes = removes.saturating_add(1);
                    if removes > 1 {
                        return Err(GroupError::ExternalCommitMultipleRemoves.into());
                    }
                    prior = Some(r.removed);
                }
                // draft-ietf-mls-extensions: "SelfRemove proposals are only allowed in a
                // Commit by reference."
                Proposal::SelfRemove => return Err(GroupError::SelfRemoveByValue.into()),
                Proposal::PreSharedKey(_) => {}
                // draft-ietf-mls-extensions: AppDataUpdate and AppEphemeral "can be included
                // in an external Commit".
                Proposal::Custom { proposal_type, .. }
                    if crate::components::is_app_proposal_type(*proposal_type) => {}
                _ => return Err(GroupError::ExternalCommitProposalNotAllowed.into()),
            }
            if !matches!(p, Proposal::ExternalInit(_)) {
                committed.push(CommittedProposal {
                    proposal: p.clone(),
                    sender: Sender::NewMemberCommit,
                });
            }
        }
        let kem_output = kem_output.ok_or(GroupError::ExternalCommitMissingExternalInit)?;
        let path = commit
            .path
            .as_ref()
            .ok_or(GroupError::ExternalCommitWithoutPath)?;
        Ok(ExternalProposals {
            kem_output,
            committed,
            references,
            prior,
            path,
        })
    }

    /// The proposals for `apply_proposals`: those by value, then those by reference looked
    /// up with `cached` (the receiver's proposals of the epoch and their senders): each must
    /// be known ([`GroupError::UnknownProposalRef`]) and a SelfRemove
    /// ([`GroupError::ExternalCommitProposalByReference`]), draft-ietf-mls-extensions
    /// ("SelfRemove Proposal"); RFC 9420 §12.4.3.2 allows no other.
    pub(super) fn resolve<'p>(
        &self,
        cached: impl Fn(&ProposalRef) -> Option<(&'p Proposal, Sender)>,
    ) -> Result<Vec<CommittedProposal>, Error> {
        let mut out = self.committed.clone();
        for r in &self.references {
            let (proposal, sender) = cached(r).ok_or(GroupError::UnknownProposalRef)?;
            if !matches!(proposal, Proposal::SelfRemove) {
                return Err(GroupError::ExternalCommitProposalByReference.into());
            }
            out.push(CommittedProposal {
                proposal: Proposal::SelfRemove,
                sender,
            });
        }
        Ok(out)
    }
}

/// Puts the external joiner's `leaf` at the leftmost blank leaf of `diff` (extending the
/// tree if it is full, RFC 9420 §12.4.2) and runs the §7.3 checks of a new leaf: the
/// group's capabilities, a signature key no other member uses, credential types, the
/// application's credential validator. With a resync, `prior` is the removed member, whose
/// identity the leaf must present (§12.2): the validator's `valid_successor` decides.
///
/// Returns the joiner's index with that leaf blank again: `prepare_update_path` /
/// `merge_update_path` then set it, as for any committer.
pub(super) fn place_joiner(
    diff: &mut TreeDiff<'_>,
    context: &GroupContext,
    extensions: &Extensions,
    leaf: &LeafNode,
    prior: Option<&Member>,
    checks: &Checks<'_>,
) -> Result<LeafIndex, Error> {
    let hooks = checks.hooks;
    if let Some(prior) = prior
        && !hooks
            .credential_validator()
            .valid_successor(&prior.credential, &leaf.credential)
    {
        return Err(GroupError::ExternalCommitRemoveIdentityMismatch.into());
    }
    // `check_path_leaf` compares the new leaf with the one at the committer's index and runs
    // the full new-leaf checks when the signature key changes: a placeholder without keys
    // there makes it check the joiner's leaf as it would an Add's.
    let mut placeholder = leaf.clone();
    placeholder.signature_key.0.clear();
    placeholder.encryption_key.0.clear();
    let joiner = diff.add_leaf(&placeholder)?;
    if !checks.tree_limits.admits_leaf(joiner) {
        return Err(TreeError::LeafLimitReached.into());
    }
    check_path_leaf(
        diff,
        context,
        extensions,
        joiner,
        leaf,
        hooks,
        CredentialUse::ExternalCommit,
    )?;
    let x = joiner.node().ok_or(GroupError::InvalidState)?;
    diff.blank_node(x)?;
    Ok(joiner)
}

impl Group {
    /// A signed GroupInfo of the current epoch (RFC 9420 §12.4.3) as an `mls_group_info`
    /// message: the GroupContext, the confirmation tag of the Commit that started the epoch,
    /// and as asked the `ratchet_tree` extension (§12.4.3.3) and the `external_pub`
    /// extension with the epoch's external public key (§8.3, §12.4.3.2).
    pub fn group_info(&self, options: GroupInfoOptions) -> Result<MlsMessage, Error> {
        self.check_active()?;
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let tree = if options.ratchet_tree {
            Some(self.tree.encode_extension()?)
        } else {
            None
        };
        let external_pub = if options.external_pub {
            Some(external_key_pair(cs, &self.epoch.external_secret)?.public_key)
        } else {
            None
        };
        let gi = self.group_info_for(
            cs,
            self.context.group_context(),
            &self.confirmation_tag,
            tree,
            external_pub,
        )?;
        Ok(MlsMessage::new(MlsMessageBody::GroupInfo(gi)))
    }

    /// Joins a group by external Commit (RFC 9420 §12.4.3.2) from its GroupInfo (an
    /// `mls_group_info` message with `external_pub`) and, if the GroupInfo has no
    /// `ratchet_tree` extension, the encoded tree (`optional<Node> ratchet_tree<V>`).
    ///
    /// Validates the GroupInfo as a Welcome joiner would (signature by the signer leaf, the
    /// whole tree against the GroupContext, the group's extensions supported by the new
    /// leaf), derives `init_secret` from `external_pub` (§8.3), and builds a Commit by value
    /// with one ExternalInit, the Remove of the prior leaf if asked, and the PSKs, with a
    /// path from the leftmost blank leaf. Returns the group, already in the new epoch, and
    /// the Commit (a PublicMessage from `new_member_commit`) to send to the group, with a
    /// GroupInfo of the new epoch if asked. `psks` holds the external PSKs named in
    /// `options.external_psks` and is kept by the group.
    pub fn join_by_external_commit(
        provider: Arc<dyn CryptoProvider>,
        group_info: &MlsMessage,
        ratchet_tree: Option<&[u8]>,
        identity: SigningIdentity,
        config: GroupConfig,
        psks: &PskStore,
        options: ExternalCommitOptions,
    ) -> Result<(Group, CommitOutput), Error> {
        let gi = group_info_of(group_info)?;
        let ctx = &gi.group_context;
        let suite = ctx.cipher_suite;
        let cs = provider.suite(suite)?;
        // RFC 9420 §5.1: the identity can sign in this suite, checked before any work.
        identity.signer(cs)?;
        let mut tree = validated_tree(
            cs,
            gi,
            ratchet_tree,
            options.now,
            &config.hooks,
            &config.tree_limits,
        )?;
        let mut capabilities = options.capabilities.clone().unwrap_or_else(|| {
            identity.default_capabilities(
                suite,
                &provider.supported_cipher_suites(),
                config.hooks.credential_validator(),
            )
        });
        // Checked against the real capabilities, before GREASE (§13.5).
        gi.check_extensions_supported(&capabilities)?;
        let mut leaf_extensions = options.leaf_extensions.clone();
        if config.grease {
            capabilities.add_grease(cs)?;
            // draft-ietf-mls-extensions § "GREASE".
            crate::components::add_component_grease(cs, &mut leaf_extensions, true)?;
        }
        if config.grease_extensions {
            leaf_extensions.add_grease(cs, Some(&mut capabilities))?;
        }
        let external_pub = gi
            .extensions
            .read::<ExternalPub>()?
            .ok_or(GroupError::MissingExternalPub)?;
        let (kem_output, init_secret) =
            external_init_sender(cs, external_pub.external_pub.as_bytes())?;

        let mut proposals = alloc::vec![ProposalOrRef::Proposal(Proposal::ExternalInit(
            ExternalInit { kem_output }
        ))];
        let self_removes = super::external_self_remove::pending_self_removes(
            cs,
            &tree,
            &FramingContext::new(ctx.clone())?,
            &options.self_removes,
        )?;
        if let Some(prior) = prior_leaf(&tree, &identity, options.remove_prior)?
            && !self_removes.iter().any(|(_, l)| *l == prior)
        {
            proposals.push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                removed: prior,
            })));
        }
        let mut psk_values: Vec<(PreSharedKeyId, &Secret)> = Vec::new();
        for id in &options.external_psks {
            let value = psks.get(id).ok_or(GroupError::UnknownPsk)?;
            let nonce = cs.random_secret(cs.hash_len())?;
            let psk = PreSharedKeyId::external(id.clone(), nonce.as_bytes().to_vec());
            proposals.push(ProposalOrRef::Proposal(Proposal::PreSharedKey(
                PreSharedKey { psk: psk.clone() },
            )));
            psk_values.push((psk, value));
        }

        for (r, _) in &self_removes {
            proposals.push(ProposalOrRef::Reference(r.clone()));
        }

        let pair = cs.kem_generate_key_pair()?;
        let leaf = LeafNode {
            encryption_key: pair.public_key,
            signature_key: identity.signature_public_key().clone(),
            credential: identity.credential.clone(),
            capabilities,
            leaf_node_source: LeafNodeSource::Commit(Vec::new()),
            extensions: leaf_extensions,
            signature: Vec::new(),
        };
        let mut commit = Commit {
            proposals,
            path: None,
        };
        let committed: Vec<CommittedProposal> = commit
            .proposals
            .iter()
            .filter_map(|p| match p {
                ProposalOrRef::Proposal(p @ (Proposal::Remove(_) | Proposal::PreSharedKey(_))) => {
                    Some(CommittedProposal {
                        proposal: p.clone(),
                        sender: Sender::NewMemberCommit,
                    })
                }
                _ => None,
            })
            .chain(self_removes.iter().map(|(_, l)| CommittedProposal {
                proposal: Proposal::SelfRemove,
                sender: Sender::Member(*l),
            }))
            .collect();
        let checks = Checks {
            now: options.now,
            hooks: &config.hooks,
            tree_limits: config.tree_limits,
        };
        let mut applied = apply_proposals(cs, &tree, ctx, NO_COMMITTER, &committed, &checks)?;
        let prior = committed.iter().find_map(|c| match &c.proposal {
            Proposal::Remove(r) => applied.removed.iter().find(|m| m.index == r.removed),
            _ => None,
        });
        let prior = prior.cloned();
        let joiner = place_joiner(
            &mut applied.diff,
            ctx,
            &applied.extensions,
            &leaf,
            prior.as_ref(),
            &checks,
        )?;
        let new_leaf = NewLeaf {
            leaf_node: leaf,
            encryption_private_key: pair.private_key,
        };
        let prepared = prepare_update_path_by(
            cs,
            &mut applied.diff,
            joiner,
            &ctx.group_id,
            new_leaf,
            &identity.signer(cs)?,
            None,
        )?;
        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        next.tree_hash = applied.diff.tree_hash(cs)?;
        let path = prepared.encrypt(cs, &next.encode()?, &[])?;
        commit.path = Some(path.update_path);

        let old_context = FramingContext::new(ctx.clone())?;
        let content = FramedContent {
            group_id: ctx.group_id.clone(),
            epoch: ctx.epoch,
            sender: Sender::NewMemberCommit,
            // draft-ietf-mls-extensions § "Safe AAD": the joiner follows the GroupContext.
            authenticated_data: crate::components::sender_aad(
                &ctx.extensions,
                &options.authenticated_data,
            )?,
            body: FramedContentBody::Commit(commit),
        };
        let mut ac = AuthenticatedContent::sign_by(
            WireFormat::MLS_PUBLIC_MESSAGE,
            content,
            &identity.signer(cs)?,
            &old_context,
        )?;
        let old_interim =
            interim_transcript_hash(cs, &ctx.confirmed_transcript_hash, &gi.confirmation_tag)?;
        next.confirmed_transcript_hash = confirmed_transcript_hash(cs, &old_interim, &ac)?;
        let values: Vec<(&PreSharedKeyId, &[u8])> = psk_values
            .iter()
            .map(|(id, v)| (id, v.as_bytes()))
            .collect();
        let psk = psk_secret(cs, &values)?;
        let derived = derive_epoch(cs, &init_secret, &path.commit_secret, &psk, &next.encode()?)?;
        let tag = confirmation_tag(
            cs,
            &derived.epoch_secrets.confirmation_key,
            &next.confirmed_transcript_hash,
        )?;
        let interim = interim_transcript_hash(cs, &next.confirmed_transcript_hash, &tag)?;
        ac.auth.confirmation_tag = Some(tag.clone());
        // No membership tag for a `new_member_commit` sender (§6.2): the key is unused.
        let message = PublicMessage::protect(cs, ac, &Secret::zero(cs.hash_len()), &old_context)?;

        let staged = applied.diff.into_staged();
        tree.merge(staged)?;
        let epoch = EpochState::new(derived.epoch_secrets, tree.size(), config.secret_tree);
        let group = Group::at_first_epoch(
            provider,
            config,
            identity,
            tree,
            path.private_keys,
            FramingContext::new(next)?,
            interim,
            tag,
            epoch,
            psks,
        );
        let group_info = match options.group_info {
            Some(o) => Some(group.group_info(o)?),
            None => None,
        };
        let out = CommitOutput {
            commit: MlsMessage::new(MlsMessageBody::PublicMessage(message)),
            welcome: None,
            group_info,
            left_out: Vec::new(),
        };
        Ok((group, out))
    }

    /// Validates a received external Commit (RFC 9420 §12.2, §12.4.2, §12.4.3.2) into a
    /// [`StagedCommit`]: a PublicMessage, the external proposal-list rules, the Remove of
    /// a prior leaf with the same credential as the new leaf, the joiner at the leftmost
    /// blank leaf, its path merged and decrypted, and the epoch derived from the
    /// ExternalInit's `init_secret`. The signature was already verified with the path's
    /// leaf key, and the absence of a membership tag checked, by `PublicMessage::unprotect`.
    ///
    /// If the Commit removes this member, the path is not decrypted nor the confirmation
    /// tag checked (the new epoch is out of reach): the removal is staged as
    /// [`SelfRemoval::Unverified`] (see `self_removal`).
    pub(super) fn stage_external_commit(
        &self,
        ac: &AuthenticatedContent,
        commit: &Commit,
        now: Option<u64>,
    ) -> Result<StagedCommit, Error> {
        if ac.wire_format != WireFormat::MLS_PUBLIC_MESSAGE {
            return Err(GroupError::ExternalCommitNotPublicMessage.into());
        }
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let external = ExternalProposals::check(commit)?;
        let committed = external.resolve(|r| {
            self.proposals
                .iter()
                .find(|p| p.reference == *r)
                .map(|p| (&p.proposal, p.sender))
        })?;
        let ctx = self.context.group_context();
        let checks = Checks {
            now,
            hooks: &self.config.hooks,
            tree_limits: self.config.tree_limits,
        };
        let mut applied = apply_proposals(cs, &self.tree, ctx, NO_COMMITTER, &committed, &checks)?;
        let prior = external
            .prior
            .and_then(|l| applied.removed.iter().find(|m| m.index == l))
            .cloned();
        let path = external.path;
        let joiner = place_joiner(
            &mut applied.diff,
            ctx,
            &applied.extensions,
            &path.leaf_node,
            prior.as_ref(),
            &checks,
        )?;
        let own = self.own_leaf();
        let self_removed = applied.removed.iter().any(|m| m.index == own);
        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        let mut keys = retained_keys(&self.keys, &applied.diff);
        super::proposals::check_path_keys(cs, path)?;
        let merged = merge_update_path(cs, &mut applied.diff, joiner, &ctx.group_id, path, &[])?;
        next.tree_hash = applied.diff.tree_hash(cs)?;
        let commit_secret = if self_removed {
            None
        } else {
            Some(
                merged
                    .decrypt_in(cs, &applied.diff, &next.encode()?, &mut keys)?
                    .commit_secret,
            )
        };
        next.confirmed_transcript_hash =
            confirmed_transcript_hash(cs, &self.interim_transcript_hash, ac)?;
        let tag = ac
            .auth
            .confirmation_tag
            .clone()
            .ok_or(crate::error::FramingError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(cs, &next.confirmed_transcript_hash, &tag)?;
        let secrets = match commit_secret {
            Some(commit_secret) => {
                let external_priv = external_key_pair(cs, &self.epoch.external_secret)?;
                let init_secret =
                    external_init_receiver(cs, &external_priv.private_key, external.kem_output)?;
                let psk = self.psk_secret(cs, &applied.psks)?;
                let derived =
                    derive_epoch(cs, &init_secret, &commit_secret, &psk, &next.encode()?)?;
                verify_confirmation_tag(
                    cs,
                    &derived.epoch_secrets.confirmation_key,
                    &next.confirmed_transcript_hash,
                    &tag,
                )?;
                derived.epoch_secrets
            }
            // Removed (a resync of this very client): the new epoch is out of reach.
            None => crate::key_schedule::EpochSecrets::from_epoch_secret(
                cs,
                &Secret::zero(cs.hash_len()),
            )?,
        };
        let joined = member_at(&applied.diff, joiner);
        applied.changed_leaves.push((joiner, None));
        let mut staged =
            StagedCommit::new(self, applied, next, keys, secrets, tag, interim, joiner)?;
        match prior.as_ref() {
            Some(removed) if removed.index == own => {
                // §12.4.2: this member cannot check the confirmation tag, which is all that
                // authenticates an external Commit (see `self_removal`).
                let joined = joined.clone().ok_or(GroupError::InvalidState)?;
                let removal = UnverifiedRemoval::new(ctx.epoch, removed, joined);
                staged.self_removal = Some(SelfRemoval::Unverified(removal));
            }
            // draft-ietf-mls-extensions: the Commit covers this member's own SelfRemove,
            // which it asked for; a forged Commit could do no more than what it asked.
            _ if self_removed => staged.self_removal = Some(SelfRemoval::Verified),
            _ => {}
        }
        staged.added.extend(joined);
        Ok(staged)
    }
}

/// The leaf a resync external Commit removes (RFC 9420 §12.4.3.2):
/// [`GroupError::PriorLeafNotFound`] if it is blank or no leaf has the joiner's credential.
fn prior_leaf(
    tree: &RatchetTree,
    identity: &SigningIdentity,
    prior: Option<PriorLeaf>,
) -> Result<Option<LeafIndex>, Error> {
    let found = match prior {
        None => return Ok(None),
        Some(PriorLeaf::Leaf(l)) => tree.leaf(l).map(|_| l),
        Some(PriorLeaf::SameCredential) => tree
            .leaves()
            .find(|(_, l)| {
                l.to_leaf_node()
                    .is_ok_and(|n| n.credential == identity.credential)
            })
            .map(|(l, _)| l),
    };
    found.map(Some).ok_or(GroupError::PriorLeafNotFound.into())
}

/// The `external_pub` extension (RFC 9420 §12.4.3.2) of `key`.
pub(super) fn external_pub_extension(key: &HpkePublicKey) -> Result<Extension, Error> {
    Ok(Extension {
        extension_type: ExtensionType::EXTERNAL_PUB,
        extension_data: crate::codec::encode(&ExternalPub {
            external_pub: key.clone(),
        })?,
    })
}

#[cfg(all(test, feature = "rust-crypto"))]
#[path = "external_tests.rs"]
mod tests;
