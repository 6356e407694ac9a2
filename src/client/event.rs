//! [`ClientEvent`]: what [`Client::process_incoming`](super::Client::process_incoming)
//! reports.

use alloc::vec::Vec;

use crate::error::Error;
use crate::group::Member;
use crate::messages::{Credential, Proposal, ProposalRef};

/// One thing that happened while a message was processed, in the order it happened.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The client joined a group from a Welcome (RFC 9420 §12.4.3.1).
    Joined {
        /// The group's id.
        group_id: Vec<u8>,
        /// The epoch joined.
        epoch: u64,
    },
    /// A Commit added a member (RFC 9420 §12.1.1).
    MemberAdded {
        /// The group's id.
        group_id: Vec<u8>,
        /// The new member.
        member: Member,
    },
    /// A Commit removed a member (RFC 9420 §12.1.3).
    MemberRemoved {
        /// The group's id.
        group_id: Vec<u8>,
        /// The removed member, as it was.
        member: Member,
    },
    /// A Commit removed this client (RFC 9420 §12.4.2): the group is inactive from now on;
    /// [`Client::delete_group`](super::Client::delete_group) deletes it.
    Removed {
        /// The group's id.
        group_id: Vec<u8>,
    },
    /// Application data of a member (RFC 9420 §6.3).
    ApplicationMessage {
        /// The group's id.
        group_id: Vec<u8>,
        /// The epoch it was sent in.
        epoch: u64,
        /// The sender's verified credential.
        sender: Credential,
        /// The application data.
        data: Vec<u8>,
        /// The message's `authenticated_data`.
        aad: Vec<u8>,
    },
    /// A proposal was received and stored for a later Commit (RFC 9420 §12.1).
    ProposalReceived {
        /// The group's id.
        group_id: Vec<u8>,
        /// The proposal.
        proposal: Proposal,
        /// Its reference.
        reference: ProposalRef,
        /// The sender's verified credential.
        sender: Credential,
    },
    /// The group moved to a new epoch (RFC 9420 §8).
    EpochChanged {
        /// The group's id.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
        /// Its `epoch_authenticator` (RFC 9420 §8.7), for out-of-band comparison.
        epoch_authenticator: Vec<u8>,
    },
    /// A message of a later epoch was buffered until the Commit that opens it; it is
    /// processed (and its events reported) when that Commit is merged.
    MessageBuffered {
        /// The group's id.
        group_id: Vec<u8>,
        /// The message's epoch.
        epoch: u64,
    },
    /// The message was refused; nothing changed (neither in memory nor in storage).
    MessageRefused {
        /// The group's id, when the message names a known group.
        group_id: Option<Vec<u8>>,
        /// Why.
        reason: Error,
    },
    /// The delivery service confirmed this client's Commit: it was merged (RFC 9420 §12.4).
    OwnCommitMerged {
        /// The group's id.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
    },
    /// Another member's Commit won the epoch of this client's pending Commit, which was
    /// discarded; `resend` are the proposals it carried by value that the winning Commit
    /// did not carry out, to commit (or propose) again in the new epoch.
    OwnCommitDiscarded {
        /// The group's id.
        group_id: Vec<u8>,
        /// The epoch the discarded Commit was made in.
        epoch: u64,
        /// The proposals still wanted.
        resend: Vec<Proposal>,
    },
}

impl ClientEvent {
    /// The refusal's reason, if this is [`ClientEvent::MessageRefused`].
    pub fn refusal(&self) -> Option<&Error> {
        match self {
            ClientEvent::MessageRefused { reason, .. } => Some(reason),
            _ => None,
        }
    }
}
