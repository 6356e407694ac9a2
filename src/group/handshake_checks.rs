//! The checks of a received proposal or Commit that need no epoch secret (RFC 9420 §6.1,
//! §12.1, §12.2, §12.4.2): who signed it, whether a proposal is valid on its own, which
//! proposals a Commit covers, and the application's policy on them. Pure functions of the
//! tree, the GroupContext and the hooks, shared by the member engine and
//! [`PublicGroup`](super::PublicGroup).

use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, SignaturePublicKey};
use crate::error::{Error, GroupError};
use crate::framing::{FramedContent, FramedContentBody, MlsMessage, MlsMessageBody, Sender};
use crate::messages::{
    Commit, ExternalSenders, GroupContext, Proposal, ProposalOrRef, ProposalRef,
};
use crate::ratchet_tree::RatchetTree;
use crate::tree_math::LeafIndex;

use super::external::ExternalProposals;
use super::external_sender::check_external_sender_type;
use super::hooks::{GroupHooks, ProposalInfo};
use super::proposals::{Checks, CommittedProposal, apply_proposals};
use super::sender::sender_identity;

/// The signature key of a PublicMessage's sender (RFC 9420 §6.1): a member's leaf, an
/// `external_senders` entry of `ctx`, the KeyPackage of a `new_member_proposal` Add, or the
/// leaf in an external Commit's path. `None` if there is none (a blank or out-of-range
/// leaf, an unknown sender index).
pub(crate) fn sender_signature_key(
    tree: &RatchetTree,
    ctx: &GroupContext,
    sender: &Sender,
    content: &FramedContent,
) -> Option<SignaturePublicKey> {
    sender_identity(tree, ctx, sender, content).map(|i| i.signature_key)
}

/// The non-member rules checked before a PublicMessage's signature (RFC 9420 §12.1.8,
/// §12.4.3.2): an `external` sender's proposal type is allowed and its index is in the
/// `external_senders` of `ctx` ([`GroupError::ExternalSenderIndexOutOfRange`]); a
/// `new_member_commit` has the proposal list of an external Commit. Other messages pass.
pub(crate) fn check_non_member(
    message: &MlsMessage,
    ctx: &GroupContext,
    hooks: &GroupHooks,
) -> Result<(), Error> {
    let MlsMessageBody::PublicMessage(m) = &message.body else {
        return Ok(());
    };
    match (&m.content.sender, &m.content.body) {
        (Sender::External(i), FramedContentBody::Proposal(p)) => {
            check_external_sender_type(p, hooks)?;
            let senders = ctx.extensions.read::<ExternalSenders>()?;
            if senders.as_ref().and_then(|s| s.get(*i)).is_none() {
                return Err(GroupError::ExternalSenderIndexOutOfRange.into());
            }
        }
        (Sender::NewMemberCommit, FramedContentBody::Commit(c)) => {
            ExternalProposals::check(c)?;
        }
        _ => {}
    }
    Ok(())
}

/// A proposal received on its own, valid by itself (RFC 9420 §12.1, §12.2): an Update only
/// from a member ([`GroupError::UpdateFromNonMember`]), never an ExternalInit
/// ([`GroupError::ExternalInitInMemberCommit`]), and valid as a one-proposal list of a
/// Commit by a third party (e.g. a Remove of a member that exists), with the leaf and
/// KeyPackage checks of `checks`.
pub(crate) fn validate_lone_proposal(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    ctx: &GroupContext,
    proposal: &Proposal,
    sender: Sender,
    checks: &Checks<'_>,
) -> Result<(), Error> {
    match (proposal, sender) {
        (Proposal::Update(_), Sender::Member(_)) => {}
        (Proposal::Update(_), _) => return Err(GroupError::UpdateFromNonMember.into()),
        (Proposal::ExternalInit(_), _) => {
            return Err(GroupError::ExternalInitInMemberCommit.into());
        }
        _ => {}
    }
    // No leaf has index 2^32 - 1: the §12.2 rules about the committer never apply.
    let committer = LeafIndex(u32::MAX);
    let single = [CommittedProposal {
        proposal: proposal.clone(),
        sender,
    }];
    apply_proposals(cs, tree, ctx, committer, &single, checks)?;
    Ok(())
}

/// The proposals a member's Commit covers (RFC 9420 §12.4): by value, sent by `committer`;
/// by reference, looked up with `cached` (the proposal and its sender), else
/// [`GroupError::UnknownProposalRef`].
pub(crate) fn resolve_committed<'p>(
    commit: &Commit,
    committer: LeafIndex,
    cached: impl Fn(&ProposalRef) -> Option<(&'p Proposal, Sender)>,
) -> Result<Vec<CommittedProposal>, Error> {
    let mut committed = Vec::with_capacity(commit.proposals.len());
    for p in &commit.proposals {
        committed.push(match p {
            // draft-ietf-mls-extensions: SelfRemove only by reference.
            ProposalOrRef::Proposal(Proposal::SelfRemove) => {
                return Err(GroupError::SelfRemoveByValue.into());
            }
            ProposalOrRef::Proposal(p) => CommittedProposal {
                proposal: p.clone(),
                sender: Sender::Member(committer),
            },
            ProposalOrRef::Reference(r) => {
                let (proposal, sender) = cached(r).ok_or(GroupError::UnknownProposalRef)?;
                CommittedProposal {
                    proposal: proposal.clone(),
                    sender,
                }
            }
        });
    }
    Ok(committed)
}

/// draft-ietf-mls-extensions ("SelfRemove Proposal"): a member's Commit (its proposal
/// list `list`) covers every
/// SelfRemove proposal of `pool` (the proposals this member holds, with their references
/// and senders) except one of the committer itself, which it cannot cover; else
/// [`GroupError::SelfRemoveOmitted`]. O(p·r) for p pooled proposals and r references.
pub(crate) fn check_self_removes_covered<'p>(
    list: &[ProposalOrRef],
    committer: LeafIndex,
    pool: impl Iterator<Item = (&'p ProposalRef, &'p Proposal, Sender)>,
) -> Result<(), Error> {
    for (reference, proposal, sender) in pool {
        if matches!(proposal, Proposal::SelfRemove)
            && sender != Sender::Member(committer)
            && !list
                .iter()
                .any(|p| matches!(p, ProposalOrRef::Reference(r) if r == reference))
        {
            return Err(GroupError::SelfRemoveOmitted.into());
        }
    }
    Ok(())
}

/// The application's [`ProposalPolicy::commit_valid`](super::ProposalPolicy::commit_valid)
/// for every proposal of a received Commit (RFC 9420 §12.2: "an application may ...");
/// [`GroupError::CommitRejectedByPolicy`] at the first refusal. `committed` is
/// [`resolve_committed`] of `commit`.
pub(crate) fn check_commit_policy(
    hooks: &GroupHooks,
    ctx: &GroupContext,
    committer: LeafIndex,
    commit: &Commit,
    committed: &[CommittedProposal],
) -> Result<(), Error> {
    let policy = hooks.proposal_policy();
    for (c, p) in committed.iter().zip(&commit.proposals) {
        let info = ProposalInfo {
            proposal: &c.proposal,
            sender: &c.sender,
            reference: match p {
                ProposalOrRef::Reference(r) => Some(r),
                ProposalOrRef::Proposal(_) => None,
            },
            context: ctx,
        };
        if !policy.commit_valid(committer, &info) {
            return Err(GroupError::CommitRejectedByPolicy.into());
        }
    }
    Ok(())
}
