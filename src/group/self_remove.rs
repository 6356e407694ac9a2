//! The SelfRemove proposal of draft-ietf-mls-extensions ("SelfRemove Proposal", proposal
//! type `self_remove`, 0x000a): a member leaves a self-remove-capable group (every member
//! lists `self_remove` in its capabilities) by sending the proposal in a PublicMessage; the
//! next Commit of any other member must cover it by reference, and removes the sender's
//! leaf as a Remove would (with an UpdatePath: "Path Required: Y").
//!
//! The rules, each with its own error:
//! - sent only by a member, never as an external proposal
//!   ([`GroupError::SelfRemoveFromNonMember`]), only in a PublicMessage
//!   ([`GroupError::SelfRemoveNotPublic`]), at most once per member and epoch
//!   ([`GroupError::DuplicateSelfRemove`]), only in a self-remove-capable group
//!   ([`GroupError::SelfRemoveNotSupported`]);
//! - in a Commit only by reference ([`GroupError::SelfRemoveByValue`]), never the
//!   committer's own ([`GroupError::SelfRemoveOfCommitter`]), and a Remove of the same leaf
//!   is invalid ([`GroupError::RemoveOfSelfRemovedLeaf`]);
//! - this member's own Commits cover every SelfRemove proposal of the epoch it holds
//!   ([`GroupError::SelfRemoveOmitted`] from [`Group::commit`] otherwise): "Whenever a
//!   member receives a SelfRemove Proposal, it includes it ... when sending a Commit"; the
//!   proposal is never held back by the application's
//!   [`ProposalPolicy`](super::ProposalPolicy).
//! - a *received* Commit that omits a SelfRemove this member holds is accepted: the
//!   committer may never have received the proposal (the delivery service decides who
//!   gets what), and refusing its Commit would let the delivery service fork the group.
//!   The SelfRemove lapses with its epoch, and the leaver sends a new one
//!   ([`Group::self_remove`] again) in the next epoch until a Commit removes it.
//!
//! The leaver learns it is out from the Commit, as from a Remove:
//! [`StagedCommit::self_removal`](super::StagedCommit::self_removal) is
//! [`SelfRemoval::Verified`](super::SelfRemoval::Verified).
//!
//! A [`PublicGroup`](super::PublicGroup) (a Delivery Service's view) runs the same checks
//! on the proposals and member Commits it sees.
//!
//! External Commits (draft: "It is allowed in external Commits"): the joiner covers the
//! pending SelfRemove proposals it fetched with the GroupInfo by reference
//! ([`ExternalCommitOptions::self_removes`](super::ExternalCommitOptions::self_removes),
//! validated but for the membership tag); receivers accept a proposal by reference in an
//! external Commit only if it is a SelfRemove they hold
//! ([`GroupError::ExternalCommitProposalByReference`], [`GroupError::UnknownProposalRef`]).
//! A member removed that way by an external Commit sees [`SelfRemoval::Verified`](super::SelfRemoval::Verified):
//! it cannot check the confirmation tag, but it asked to leave.

use crate::crypto::labels;
use crate::error::{Error, GroupError};
use crate::framing::{AuthenticatedContent, FramedContentBody, MlsMessage, Sender, WireFormat};
use crate::messages::{Proposal, ProposalOrRef, ProposalRef};

use super::Group;
use super::handshake_checks::check_self_removes_covered;
use super::proposals::self_remove_capable;

impl Group {
    /// Sends a SelfRemove proposal (draft-ietf-mls-extensions, "SelfRemove Proposal") as a
    /// PublicMessage, whatever the group's handshake format, and stores it in the pool.
    /// Another member's next Commit removes this member; the group becomes inactive when
    /// this member processes and merges it.
    ///
    /// [`GroupError::SelfRemoveNotSupported`] unless every member lists `self_remove` in
    /// its capabilities; [`GroupError::DuplicateSelfRemove`] if this member already sent one
    /// this epoch (send the stored message again instead).
    pub fn self_remove(&mut self) -> Result<MlsMessage, Error> {
        self.check_active()?;
        let me = Sender::Member(self.own_leaf());
        if self
            .proposals
            .iter()
            .any(|p| p.sender == me && matches!(p.proposal, Proposal::SelfRemove))
        {
            return Err(GroupError::DuplicateSelfRemove.into());
        }
        if !self_remove_capable(&self.tree) {
            return Err(GroupError::SelfRemoveNotSupported.into());
        }
        if self.has_accepted_count_at_cap() {
            return Err(GroupError::ProposalPoolFull.into());
        }
        let body = FramedContentBody::Proposal(Proposal::SelfRemove);
        let ac = self.sign_content(body, &[], WireFormat::MLS_PUBLIC_MESSAGE)?;
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(&ac)?)?);
        let msg = self.protect(ac)?;
        self.pool_insert(reference, Proposal::SelfRemove, me, true)?;
        Ok(msg)
    }

    /// The receiver rules of a SelfRemove proposal that the lone-proposal checks do not
    /// cover, against this member's pool: see [`check_received_self_remove`].
    pub(super) fn check_received_self_remove(
        &self,
        ac: &AuthenticatedContent,
        sender: Sender,
    ) -> Result<(), Error> {
        check_received_self_remove(
            ac,
            sender,
            self.proposals.iter().map(|p| (&p.proposal, p.sender)),
        )
    }

    /// This member's own Commit covers every SelfRemove proposal of the pool but its own,
    /// as receivers require ([`GroupError::SelfRemoveOmitted`]): e.g. a ReInit given by
    /// value, which must be alone, fails here.
    pub(super) fn check_own_commit_covers_self_removes(
        &self,
        list: &[ProposalOrRef],
    ) -> Result<(), Error> {
        check_self_removes_covered(
            list,
            self.own_leaf(),
            self.proposals
                .iter()
                .map(|p| (&p.reference, &p.proposal, p.sender)),
        )
    }
}

/// The receiver rules of a SelfRemove proposal that the lone-proposal checks do not cover
/// (draft-ietf-mls-extensions), for a member or a [`PublicGroup`](super::PublicGroup): it
/// came from a member ([`GroupError::SelfRemoveFromNonMember`]) in a PublicMessage
/// ([`GroupError::SelfRemoveNotPublic`]) and `pool` (proposals and senders of the epoch)
/// holds no other one of that member ([`GroupError::DuplicateSelfRemove`]).
pub(crate) fn check_received_self_remove<'p>(
    ac: &AuthenticatedContent,
    sender: Sender,
    mut pool: impl Iterator<Item = (&'p Proposal, Sender)>,
) -> Result<(), Error> {
    if !matches!(sender, Sender::Member(_)) {
        return Err(GroupError::SelfRemoveFromNonMember.into());
    }
    if ac.wire_format != WireFormat::MLS_PUBLIC_MESSAGE {
        return Err(GroupError::SelfRemoveNotPublic.into());
    }
    if pool.any(|(p, s)| s == sender && matches!(p, Proposal::SelfRemove)) {
        return Err(GroupError::DuplicateSelfRemove.into());
    }
    Ok(())
}
