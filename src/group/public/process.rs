//! [`PublicGroup::process`]: following a group from its PublicMessages (RFC 9420 §6.2,
//! §12.1, §12.4.2), without any secret.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, labels};
use crate::error::{Error, FramingError, GroupError};
use crate::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, MlsMessage, MlsMessageBody, Sender,
};
use crate::messages::{Commit, Proposal, ProposalRef};
use crate::ratchet_tree::StagedTree;
use crate::transcript::{confirmed_transcript_hash, interim_transcript_hash};
use crate::tree_math::LeafIndex;
use crate::treekem::merge_update_path;

use super::super::commit::added_members;
use super::super::external::{ExternalProposals, NO_COMMITTER, place_joiner};
use super::super::handshake_checks::{
    check_commit_policy, check_non_member, resolve_committed, sender_signature_key,
    validate_lone_proposal,
};
use super::super::hooks::CredentialUse;
use super::super::proposals::{
    AppliedProposals, Checks, apply_proposals, check_path_keys, check_path_leaf, member_at,
};
use super::{CachedProposal, EpochChange, PublicGroup, PublicOutcome};

/// A validated Commit, ready to be applied in one step.
struct Staged {
    tree: StagedTree,
    context: FramingContext,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Vec<u8>,
    change: EpochChange,
}

impl PublicGroup {
    /// Processes a PublicMessage of the group (RFC 9420 §6.2): a proposal is validated and
    /// cached by reference; a Commit is validated and applied, moving the view to the new
    /// epoch. No lifetime is checked: see [`PublicGroup::process_at`].
    ///
    /// Refused: a PrivateMessage ([`GroupError::PrivateMessageUnreadable`]), another
    /// wire format ([`GroupError::UnexpectedWireFormat`]), another group
    /// ([`GroupError::WrongGroupId`]), a later epoch ([`GroupError::FutureEpoch`]), an
    /// earlier one ([`GroupError::PastEpochUnavailable`]), anything after a ReInit Commit
    /// ([`GroupError::GroupInactive`]), and every failed check of the message (see the
    /// [`PublicGroup`] documentation for what is checked). A refused message leaves the
    /// view unchanged.
    pub fn process(&mut self, message: &MlsMessage) -> Result<PublicOutcome, Error> {
        self.process_at(message, None)
    }

    /// [`PublicGroup::process`] that also checks the lifetimes of added KeyPackages at
    /// `now` (seconds since the Unix epoch, RFC 9420 §10.1;
    /// [`GroupError::KeyPackageLifetimeInvalid`]); `None` skips them.
    pub fn process_at(
        &mut self,
        message: &MlsMessage,
        now: Option<u64>,
    ) -> Result<PublicOutcome, Error> {
        message.validate()?;
        let m = match &message.body {
            MlsMessageBody::PublicMessage(m) => m,
            MlsMessageBody::PrivateMessage(_) => {
                return Err(GroupError::PrivateMessageUnreadable.into());
            }
            _ => return Err(GroupError::UnexpectedWireFormat.into()),
        };
        if m.content.group_id.as_slice() != self.group_id() {
            return Err(GroupError::WrongGroupId.into());
        }
        if m.content.epoch > self.epoch() {
            return Err(GroupError::FutureEpoch.into());
        }
        if m.content.epoch < self.epoch() {
            return Err(GroupError::PastEpochUnavailable.into());
        }
        if self.reinit.is_some() {
            return Err(GroupError::GroupInactive.into());
        }
        let provider = self.provider.clone();
        let cs = provider.suite(self.cipher_suite())?;
        let ctx = self.context.group_context();
        check_non_member(message, ctx, &self.config.hooks)?;
        let tree = &self.tree;
        let ac = m
            .clone()
            .unprotect_without_membership_key(cs, &self.context, |s, c| {
                sender_signature_key(tree, ctx, s, c)
            })?;
        match &ac.content.body {
            FramedContentBody::Proposal(p) => {
                let cached = self.cache_proposal(cs, &ac, p, now)?;
                Ok(PublicOutcome::ProposalCached(Box::new(cached)))
            }
            FramedContentBody::Commit(c) => {
                let staged = self.stage_commit(cs, &ac, c, now)?;
                Ok(PublicOutcome::NewEpoch(Box::new(self.apply(staged)?)))
            }
            // `unprotect` refuses application data in a PublicMessage.
            FramedContentBody::Application(_) => {
                Err(FramingError::ApplicationInPublicMessage.into())
            }
        }
    }

    fn checks(&self, now: Option<u64>) -> Checks<'_> {
        Checks {
            now,
            hooks: &self.config.hooks,
            tree_limits: self.config.tree_limits,
        }
    }

    /// Validates a proposal on its own (RFC 9420 §12.1) and caches it by reference, once
    /// ([`GroupError::DuplicateProposal`]), within the pool's bound
    /// ([`GroupError::ProposalPoolFull`]).
    fn cache_proposal(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        ac: &AuthenticatedContent,
        proposal: &Proposal,
        now: Option<u64>,
    ) -> Result<CachedProposal, Error> {
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(ac)?)?);
        if self.proposals.iter().any(|p| p.reference == reference) {
            return Err(GroupError::DuplicateProposal.into());
        }
        let cap = self
            .config
            .max_pending_proposals
            .saturating_add(self.config.max_held_proposals);
        if self.proposals.len() >= cap {
            return Err(GroupError::ProposalPoolFull.into());
        }
        let sender = ac.content.sender;
        if matches!(proposal, Proposal::SelfRemove) {
            crate::group::self_remove::check_received_self_remove(
                ac,
                sender,
                self.proposals.iter().map(|p| (&p.proposal, p.sender)),
            )?;
        }
        validate_lone_proposal(
            cs,
            &self.tree,
            self.context.group_context(),
            proposal,
            sender,
            &self.checks(now),
        )?;
        let cached = CachedProposal {
            reference,
            proposal: proposal.clone(),
            sender,
        };
        self.proposals.push(cached.clone());
        Ok(cached)
    }

    /// Validates a Commit (RFC 9420 §12.4.2) without decrypting anything: the proposals
    /// applied to a diff of the tree, the path merged (leaf node, parent hashes), the new
    /// GroupContext.
    fn stage_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        ac: &AuthenticatedContent,
        commit: &Commit,
        now: Option<u64>,
    ) -> Result<Staged, Error> {
        let ctx = self.context.group_context();
        let checks = self.checks(now);
        let sender = ac.content.sender;
        let (committer, mut applied, mut added) = match sender {
            Sender::Member(committer) => {
                let (applied, added) = self.stage_member_commit(cs, commit, committer, &checks)?;
                (committer, applied, added)
            }
            Sender::NewMemberCommit => self.stage_external_commit(cs, commit, &checks)?,
            _ => return Err(GroupError::UnsupportedCommitSender.into()),
        };
        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        next.extensions = applied.extensions.clone();
        next.tree_hash = applied.diff.tree_hash(cs)?;
        next.confirmed_transcript_hash =
            confirmed_transcript_hash(cs, &self.interim_transcript_hash, ac)?;
        let tag = ac
            .auth
            .confirmation_tag
            .clone()
            .ok_or(FramingError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(cs, &next.confirmed_transcript_hash, &tag)?;
        let mut all_added = added_members(&applied);
        all_added.append(&mut added);
        let updated = applied
            .updated
            .iter()
            .filter_map(|l| member_at(&applied.diff, *l))
            .collect();
        let change = EpochChange {
            sender,
            committer,
            group_context: next.clone(),
            added: all_added,
            removed: core::mem::take(&mut applied.removed),
            updated,
            path: commit.path.is_some(),
            psks: core::mem::take(&mut applied.psks),
            reinit: applied.reinit.take(),
            custom_proposals: core::mem::take(&mut applied.custom),
        };
        Ok(Staged {
            tree: applied.diff.into_staged(),
            context: FramingContext::new(next)?,
            interim_transcript_hash: interim,
            confirmation_tag: tag,
            change,
        })
    }

    /// A member's Commit (RFC 9420 §12.4.2): its proposals (by reference from the cache)
    /// under the hooks' policy, applied; its path's leaf node checked (§7.3) and merged
    /// (§7.9), or no path where none is required. Returns the applied proposals and no
    /// extra added member.
    fn stage_member_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        commit: &Commit,
        committer: LeafIndex,
        checks: &Checks<'_>,
    ) -> Result<(AppliedProposals<'_>, Vec<super::Member>), Error> {
        let ctx = self.context.group_context();
        let committed = resolve_committed(commit, committer, |r| self.cached(r))?;
        check_commit_policy(checks.hooks, ctx, committer, commit, &committed)?;
        let mut applied = apply_proposals(cs, &self.tree, ctx, committer, &committed, checks)?;
        match &commit.path {
            None if applied.path_required => return Err(GroupError::PathRequired.into()),
            None => {}
            Some(path) => {
                check_path_leaf(
                    &applied.diff,
                    ctx,
                    &applied.extensions,
                    committer,
                    &path.leaf_node,
                    checks.hooks,
                    CredentialUse::CommitPath,
                )?;
                check_path_keys(cs, path)?;
                let added: Vec<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();
                merge_update_path(
                    cs,
                    &mut applied.diff,
                    committer,
                    &ctx.group_id,
                    path,
                    &added,
                )?;
            }
        }
        Ok((applied, Vec::new()))
    }

    /// An external Commit (RFC 9420 §12.2, §12.4.3.2): the external proposal-list rules,
    /// the Remove of a prior leaf whose credential the new leaf may succeed, the joiner at
    /// the leftmost blank leaf, its path merged. Returns the joiner's leaf, the applied
    /// proposals and the joiner as an added member.
    #[allow(clippy::type_complexity)]
    fn stage_external_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        commit: &Commit,
        checks: &Checks<'_>,
    ) -> Result<(LeafIndex, AppliedProposals<'_>, Vec<super::Member>), Error> {
        let ctx = self.context.group_context();
        let external = ExternalProposals::check(commit)?;
        let committed = external.resolve(|r| self.cached(r))?;
        let mut applied = apply_proposals(cs, &self.tree, ctx, NO_COMMITTER, &committed, checks)?;
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
            checks,
        )?;
        check_path_keys(cs, path)?;
        merge_update_path(cs, &mut applied.diff, joiner, &ctx.group_id, path, &[])?;
        let joined = member_at(&applied.diff, joiner).ok_or(GroupError::InvalidState)?;
        Ok((joiner, applied, alloc::vec![joined]))
    }

    /// Moves the view to the staged epoch (RFC 9420 §12.4.2): the tree, the GroupContext,
    /// the transcript hashes; the cached proposals of the old epoch are dropped.
    fn apply(&mut self, staged: Staged) -> Result<EpochChange, Error> {
        let Staged {
            tree,
            context,
            interim_transcript_hash,
            confirmation_tag,
            change,
        } = staged;
        // The diff was made from this very tree, which has not changed since.
        self.tree.merge(tree)?;
        self.context = context;
        self.interim_transcript_hash = interim_transcript_hash;
        self.confirmation_tag = confirmation_tag;
        self.proposals.clear();
        self.reinit = change.reinit.clone();
        Ok(change)
    }
}
