//! A Commit that removes this member (RFC 9420 §12.4.2): verified when a member sent it,
//! unverified when it is a resync external Commit (§12.4.3.2), whose confirmation tag the
//! removed member cannot check. An unverified removal does not end the group until the
//! application confirms it; [`SelfRemoval`] explains why and how.
//!
//! The record of a merged unverified removal lives in the epoch state (`EpochState`), so
//! that merging any Commit clears it; it is not saved state.

use crate::error::{Error, GroupError};

use super::Group;
use super::config::Member;

/// How a Commit that removes this member is authenticated to it (RFC 9420 §12.4.2), as
/// [`StagedCommit::self_removal`](super::StagedCommit::self_removal) reports it.
///
/// A removed member cannot derive the new epoch, so it cannot check the Commit's
/// confirmation tag. A member's Commit is still authenticated by its membership tag (or
/// PrivateMessage keys) and the committer's signature. An external Commit is not: it is
/// signed by the key of the leaf it brings, and only its confirmation tag shows that its
/// sender used the group's `external_pub` (§8.3). A non-member with a copy of this member's
/// credential can send a resync (§12.4.3.2) with a garbage `kem_output` that every other
/// member rejects but this member cannot tell from a genuine one.
///
/// So merging an unverified removal does not end the group: it stays active in its epoch
/// and records the removal ([`Group::pending_unverified_removal`]). If the next Commit of
/// the epoch comes from a member, it merges as usual and clears the record: the others
/// rejected the resync. If the removal was genuine (this member's identity rejoined from
/// another client), the others move on and this member sees only messages of later epochs
/// ([`GroupError::FutureEpoch`], a hint: the epoch field is not authenticated); the
/// application then calls [`Group::confirm_removal`]. Meanwhile the group sends, proposes
/// and commits as before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelfRemoval {
    /// A member's Commit: its membership tag (or PrivateMessage keys) and the committer's
    /// signature show that a member of the epoch sent it. Also an external Commit that
    /// covers this member's own SelfRemove proposal (draft-ietf-mls-extensions,
    /// "SelfRemove Proposal"): its confirmation tag is out of reach, but the member asked
    /// to leave. Merging it makes the group inactive.
    Verified,
    /// A resync external Commit (§12.4.3.2), whose confirmation tag this member cannot
    /// check. Merging it keeps the group active in its epoch.
    Unverified(UnverifiedRemoval),
}

/// What the removed member could check of a resync external Commit that removes it
/// (RFC 9420 §12.4.3.2): see [`SelfRemoval::Unverified`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedRemoval {
    /// The epoch the Commit was sent in, which the group keeps.
    pub epoch: u64,
    /// The joiner as the Commit's path leaf presents it: the leaf it takes, its credential
    /// and its signature key (which signed the Commit).
    pub joiner: Member,
    /// What the credential checks found.
    pub credential_check: SuccessorCheck,
}

/// The result of the credential checks of a resync external Commit, as seen by the member
/// it removes (RFC 9420 §5.3.1, §12.2, §12.4.3.2). A joiner whose credential the group's
/// `CredentialValidator` refuses (`validate`, or `valid_successor` of this member's
/// credential) is rejected by every member alike
/// ([`GroupError::CredentialRejected`], [`GroupError::ExternalCommitRemoveIdentityMismatch`]),
/// so an unverified removal always passed both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuccessorCheck {
    /// The joiner's leaf has this member's own signature key, and the Commit's signature
    /// verified with it: whoever sent it holds this member's signature private key (this
    /// member on another client, or a thief of the key).
    OwnSignatureKey,
    /// The joiner's leaf has another signature key, with a credential that the validator
    /// accepted as a valid successor of this member's. That is all the Authentication
    /// Service vouches for: with basic credentials and the default
    /// `BasicCredentialValidator`, anyone holding a copy of this member's credential passes.
    ValidSuccessor,
}

impl UnverifiedRemoval {
    /// The unverified removal of the member at `removed` by the external joiner `joiner`
    /// in `epoch`.
    pub(super) fn new(epoch: u64, removed: &Member, joiner: Member) -> Self {
        let credential_check = if joiner.signature_key == removed.signature_key {
            SuccessorCheck::OwnSignatureKey
        } else {
            SuccessorCheck::ValidSuccessor
        };
        UnverifiedRemoval {
            epoch,
            joiner,
            credential_check,
        }
    }
}

impl Group {
    /// The removal of this member by a resync external Commit that was merged but could
    /// not be verified (RFC 9420 §12.4.3.2, [`SelfRemoval::Unverified`]), if no Commit was
    /// merged since: the group is still active in that epoch. See
    /// [`Group::confirm_removal`].
    ///
    /// Not saved by [`Group::to_bytes`] (the saved group is that of the epoch, which the
    /// unverified removal did not change): a restored group has forgotten it, and the
    /// application that wants to remember it keeps it itself.
    pub fn pending_unverified_removal(&self) -> Option<&UnverifiedRemoval> {
        self.epoch.unverified_removal.as_ref()
    }

    /// Accepts the pending unverified removal of this member (the application knows that
    /// the resync was genuine, e.g. its own identity rejoined, or the group moved on): the
    /// group becomes inactive, as after a verified removal (RFC 9420 §12.4.2), keeping the
    /// tree and secrets of its last epoch. [`GroupError::NoUnverifiedRemoval`] if there is
    /// none.
    pub fn confirm_removal(&mut self) -> Result<(), Error> {
        if self.epoch.unverified_removal.take().is_none() {
            return Err(GroupError::NoUnverifiedRemoval.into());
        }
        self.active = false;
        self.proposals.clear();
        self.pending_commit = None;
        Ok(())
    }

    /// Merges a staged unverified removal of this member: only the marker changes.
    pub(super) fn hold_unverified_removal(&mut self, removal: UnverifiedRemoval) {
        self.epoch.unverified_removal = Some(removal);
    }
}
