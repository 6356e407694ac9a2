//! What [`PublicGroup::process`](super::PublicGroup::process) reports (RFC 9420 §12.1,
//! §12.4.2).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::framing::Sender;
use crate::key_schedule::PreSharedKeyId;
use crate::messages::{GroupContext, Proposal, ProposalRef, ReInit};
use crate::tree_math::LeafIndex;

use super::super::config::Member;

/// A proposal cached by a [`PublicGroup`](super::PublicGroup) for the Commits of its epoch
/// (RFC 9420 §12.1: "cached in such a way that it can be retrieved by hash").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedProposal {
    /// Its ProposalRef (RFC 9420 §5.2).
    pub reference: ProposalRef,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it.
    pub sender: Sender,
}

/// The new epoch a Commit started, as a [`PublicGroup`](super::PublicGroup) saw it (RFC
/// 9420 §12.4.2). The view is already in that epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochChange {
    /// The Commit's sender: a `member`, or `new_member_commit` for an external Commit.
    pub sender: Sender,
    /// The committer's leaf: the member's, or where the external joiner was placed.
    pub committer: LeafIndex,
    /// The GroupContext of the new epoch.
    pub group_context: GroupContext,
    /// Members added by Add proposals (RFC 9420 §12.1.1), and the joiner of an external
    /// Commit (§12.4.3.2).
    pub added: Vec<Member>,
    /// Members removed (§12.1.3), as they were.
    pub removed: Vec<Member>,
    /// Members whose leaf an Update proposal replaced (§12.1.2), as they are now. The
    /// committer's own leaf, replaced by its path, is not listed: see `path`.
    pub updated: Vec<Member>,
    /// Whether the Commit had an UpdatePath (the committer's leaf and direct path are new).
    pub path: bool,
    /// The PSKs the Commit injects (§12.1.4); their values are not known to the view.
    pub psks: Vec<PreSharedKeyId>,
    /// The ReInit proposal of the Commit, if any (§12.1.5): the group ends.
    pub reinit: Option<ReInit>,
    /// The custom proposals the Commit covers, in order, with their senders (§12.1).
    pub custom_proposals: Vec<(Proposal, Sender)>,
}

impl EpochChange {
    /// The epoch the Commit started.
    pub fn epoch(&self) -> u64 {
        self.group_context.epoch
    }
}

/// The result of [`PublicGroup::process`](super::PublicGroup::process).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicOutcome {
    /// A valid proposal, now cached by reference for the Commits of this epoch (§12.1).
    ProposalCached(Box<CachedProposal>),
    /// A valid Commit: the view moved to the new epoch (§12.4.2).
    NewEpoch(Box<EpochChange>),
}
