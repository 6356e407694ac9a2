//! A Commit that removes this member (RFC 9420 §12.4.2): verified when a member sent it,
//! unverified when it is a resync external Commit (§12.4.3.2).
//!
//! A removed member does not learn the new epoch's secrets, so it cannot check the Commit's
//! confirmation tag (§12.4.2, "verify that the confirmation_tag ... is valid"). For a
//! member's Commit little is lost: its membership tag (PublicMessage, §6.2) or the epoch's
//! sender-data and application keys (PrivateMessage, §6.3) show that a member of the epoch
//! sent it, and its signature that the committer did. An external Commit has neither: it is
//! signed with the key of the leaf it brings itself, and only its confirmation tag, derived
//! from the `init_secret` its ExternalInit's `kem_output` sends to the epoch's external key
//! (§8.3), shows that the sender holds the GroupInfo's `external_pub` and that the members
//! agree on the new epoch. A non-member who copies a member's credential can send a resync
//! that removes that member with a garbage `kem_output`: every other member rejects it (the
//! confirmation tag fails), but the removed member cannot tell.
//!
//! So the removed member stages such a Commit as a [`SelfRemoval::Unverified`] removal
//! ([`StagedCommit::self_removal`]) with what it could check ([`UnverifiedRemoval`]).
//! Merging it does not end the group: the group stays active in its current epoch, with
//! only a marker set ([`Group::pending_unverified_removal`]). Then either
//! - the next Commit of that epoch from a member arrives and merges as usual (the others
//!   rejected the resync and are still in the epoch): merging any Commit clears the marker;
//! - or the removal was genuine (this member's identity rejoined from another client): the
//!   other members moved on, and this member only sees messages of a later epoch
//!   ([`GroupError::FutureEpoch`], whose epoch field is not authenticated: a hint only). The
//!   application decides and calls [`Group::confirm_removal`], which makes the group
//!   inactive as a verified removal does.
//!
//! While a removal is unverified the group works as before (sending, proposing, committing):
//! nothing shows that it lost anything. The marker is not part of the saved state
//! ([`Group::to_bytes`], whose group state it does not change): a restored group has
//! forgotten it.
//!
//! [`GroupError::FutureEpoch`]: crate::error::GroupError::FutureEpoch

use crate::error::{Error, GroupError};

use super::Group;
use super::config::Member;

/// How a Commit that removes this member is authenticated to it (RFC 9420 §12.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelfRemoval {
    /// A member's Commit: its membership tag (or PrivateMessage keys) and the committer's
    /// signature show that a member of the epoch sent it. Merging it makes the group
    /// inactive.
    Verified,
    /// A resync external Commit (§12.4.3.2), whose confirmation tag this member cannot
    /// check. Merging it keeps the group in its epoch; see the [module documentation].
    ///
    /// [module documentation]: self
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
    /// not be verified (RFC 9420 §12.4.3.2), if no Commit was merged since: the group is
    /// still active in that epoch. See [`Group::confirm_removal`].
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
