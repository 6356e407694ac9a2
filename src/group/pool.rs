//! The proposal pool of an epoch (RFC 9420 §12.1, §12.2, §12.4): proposals received (or
//! sent) on their own, stored once by ProposalRef, bounded, held for the application when
//! its [`ProposalPolicy`](super::ProposalPolicy) says so, and turned into a *valid* list
//! when this member commits.
//!
//! A Delivery Service can replay, echo, reorder and withhold messages (RFC 9420 §16.9); a
//! member can send proposals no one else can commit (a PSK only it knows) or that conflict
//! (two Updates). None of that may stop the group: a replayed proposal is refused as a
//! duplicate, and [`Group::commit`] leaves out of its list whatever would make it invalid
//! (§12.2), reporting each left-out proposal with the reason
//! ([`CommitOutput::left_out`](super::CommitOutput::left_out)).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, GroupError};
use crate::framing::Sender;
use crate::messages::{Proposal, ProposalOrRef, ProposalRef};
use crate::ratchet_tree::TreeView;
use crate::tree_math::LeafIndex;

use super::Group;
use super::hooks::{ProposalDecision, ProposalInfo};
use super::proposals::{AppliedProposals, Checks, CommittedProposal, apply_proposals};

/// Whether a pending proposal takes part in this member's next Commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalStatus {
    /// Covered by this member's next Commit (if valid), and application messages wait for
    /// a Commit (RFC 9420 §12.4).
    Accepted,
    /// Held for the application ([`ProposalDecision::Hold`]): not committed by this member
    /// and not blocking application messages until [`Group::approve_proposal`].
    Held,
}

/// A proposal of the current epoch in the pool (RFC 9420 §12.1: "cached in such a way that
/// it can be retrieved by hash").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingProposal {
    /// Its ProposalRef (RFC 9420 §5.2).
    pub reference: ProposalRef,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it.
    pub sender: Sender,
    /// Whether this member's next Commit covers it.
    pub status: ProposalStatus,
}

/// A proposal of the pool that [`Group::commit`] did not cover, and why: the check of
/// RFC 9420 §12.2 it would have failed (e.g. [`GroupError::DuplicateAdd`],
/// [`GroupError::MultipleChangesForLeaf`], [`GroupError::UnknownPsk`]), or the policy
/// ([`GroupError::ProposalHeld`], [`GroupError::ProposalRejectedByPolicy`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOutProposal {
    /// The proposal's reference; it stays in the pool until the epoch ends.
    pub reference: ProposalRef,
    /// Why it was left out.
    pub reason: Error,
}

/// The proposals a Commit covers, as sent and as applied, and those left out.
pub(crate) struct Selection<'t> {
    pub(crate) list: Vec<ProposalOrRef>,
    pub(crate) applied: AppliedProposals<'t>,
    pub(crate) left_out: Vec<LeftOutProposal>,
}

impl Group {
    /// The proposals of this epoch in the pool, in the order they arrived.
    pub fn pending_proposals(&self) -> impl Iterator<Item = &PendingProposal> {
        self.proposals.iter()
    }

    /// Drops a proposal from the pool (e.g. the application distrusts it): this member's
    /// Commits no longer cover it and it no longer blocks application messages. A Commit of
    /// another member that covers it by reference can no longer be processed
    /// ([`GroupError::UnknownProposalRef`]). Dropping one of this member's own Update
    /// proposals also deletes its private key. Returns the proposal; an unknown reference
    /// is [`GroupError::UnknownProposalRef`].
    pub fn discard_proposal(&mut self, reference: &ProposalRef) -> Result<Proposal, Error> {
        let pos = self
            .proposals
            .iter()
            .position(|p| p.reference == *reference)
            .ok_or(GroupError::UnknownProposalRef)?;
        let removed = self.proposals.remove(pos);
        if let (Proposal::Update(u), Sender::Member(l)) = (&removed.proposal, removed.sender)
            && l == self.own_leaf()
        {
            let key = u.leaf_node.encryption_key.as_bytes();
            self.pending_updates.retain(|(p, _)| p.as_bytes() != key);
        }
        Ok(removed.proposal)
    }

    /// Approves a held proposal ([`ProposalStatus::Held`]): this member's next Commit
    /// covers it. An unknown reference is [`GroupError::UnknownProposalRef`]; a full pool of
    /// accepted proposals is [`GroupError::ProposalPoolFull`].
    pub fn approve_proposal(&mut self, reference: &ProposalRef) -> Result<(), Error> {
        let accepted = self.accepted_count();
        let entry = self
            .proposals
            .iter_mut()
            .find(|p| p.reference == *reference)
            .ok_or(GroupError::UnknownProposalRef)?;
        if entry.status == ProposalStatus::Held {
            if accepted >= self.config.max_pending_proposals {
                return Err(GroupError::ProposalPoolFull.into());
            }
            entry.status = ProposalStatus::Accepted;
        }
        Ok(())
    }

    /// Whether an accepted proposal waits for a Commit (RFC 9420 §12.4: then no application
    /// data may be sent).
    pub(crate) fn has_accepted_proposals(&self) -> bool {
        self.proposals
            .iter()
            .any(|p| p.status == ProposalStatus::Accepted)
    }

    /// Whether the pool holds `max_pending_proposals` accepted proposals already.
    pub(crate) fn has_accepted_count_at_cap(&self) -> bool {
        self.accepted_count() >= self.config.max_pending_proposals
    }

    fn accepted_count(&self) -> usize {
        self.proposals
            .iter()
            .filter(|p| p.status == ProposalStatus::Accepted)
            .count()
    }

    /// Stores a validated proposal (RFC 9420 §12.1) under `reference` unless it is already
    /// there, as the policy decides (own proposals are accepted). Refusals leave the pool
    /// as it was.
    pub(crate) fn pool_insert(
        &mut self,
        reference: ProposalRef,
        proposal: Proposal,
        sender: Sender,
        own: bool,
    ) -> Result<ProposalStatus, Error> {
        if let Some(p) = self.proposals.iter().find(|p| p.reference == reference) {
            return if own {
                Ok(p.status)
            } else {
                Err(GroupError::DuplicateProposal.into())
            };
        }
        // draft-ietf-mls-extensions: every member's next Commit must cover a SelfRemove
        // proposal, so the policy neither holds nor refuses it.
        let status = if own || matches!(proposal, Proposal::SelfRemove) {
            ProposalStatus::Accepted
        } else {
            let info = ProposalInfo {
                proposal: &proposal,
                sender: &sender,
                reference: Some(&reference),
                context: self.context.group_context(),
            };
            match self.config.hooks.proposal_policy().received(&info) {
                ProposalDecision::Accept => ProposalStatus::Accepted,
                ProposalDecision::Hold => ProposalStatus::Held,
                ProposalDecision::Reject => {
                    return Err(GroupError::ProposalRejectedByPolicy.into());
                }
            }
        };
        let (count, cap) = match status {
            ProposalStatus::Accepted => (self.accepted_count(), self.config.max_pending_proposals),
            ProposalStatus::Held => (
                self.proposals.len().saturating_sub(self.accepted_count()),
                self.config.max_held_proposals,
            ),
        };
        if count >= cap {
            return Err(GroupError::ProposalPoolFull.into());
        }
        self.proposals.push(PendingProposal {
            reference,
            proposal,
            sender,
            status,
        });
        Ok(status)
    }

    /// The proposal list of this member's Commit (RFC 9420 §12.2, §12.4): the accepted
    /// proposals of the pool by reference, then `inline` by value, applied to a diff of the
    /// tree. Every proposal of the pool whose inclusion would make the list invalid is left
    /// out, with the reason: held or refused by the policy; an Update of the committer, of
    /// a removed leaf, or not the most recent Update of its leaf (§12.2 "SHOULD prefer any
    /// Remove received, or the most recent Update"); a Remove of the committer or a second
    /// Remove of a leaf; an Add of a client another Add adds or that is a member; a PSK this
    /// member does not know or that another PSK proposal repeats; all GroupContextExtensions
    /// but the most recent; a ReInit with other proposals (§12.2 "SHOULD prefer them"). If
    /// the list still fails (a conflict only applying it shows, e.g. an Add that does not
    /// support the new `required_capabilities`), the proposals are added one at a time and
    /// each one that fails is left out. `inline` proposals are the caller's: an invalid one
    /// fails the Commit.
    ///
    /// O(p log p) for p proposals in the usual case; O(p²) applications in the fallback
    /// (the pool is bounded by `GroupConfig::max_pending_proposals`).
    pub(crate) fn select_proposals<'t>(
        &'t self,
        cs: &dyn CipherSuiteProvider,
        inline: &[Proposal],
        checks: &Checks<'_>,
    ) -> Result<Selection<'t>, Error> {
        let reasons = self.screen_pool(inline);
        let candidates: Vec<usize> = reasons
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.is_none().then_some(i))
            .collect();
        let mut left_out: Vec<(usize, Error)> = reasons
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, Error::Group(r))))
            .collect();
        let me = self.own_leaf();
        let ctx = self.context.group_context();
        let applied = match apply_proposals(
            cs,
            &self.tree,
            ctx,
            me,
            &self.committed(&candidates, inline),
            checks,
        ) {
            Ok(applied) => {
                return Ok(self.selection(candidates, inline, applied, left_out));
            }
            Err(_) => {
                // The caller's own proposals must be valid by themselves.
                apply_proposals(
                    cs,
                    &self.tree,
                    ctx,
                    me,
                    &self.committed(&[], inline),
                    checks,
                )?;
                let mut chosen: Vec<usize> = Vec::with_capacity(candidates.len());
                for i in candidates {
                    chosen.push(i);
                    let list = self.committed(&chosen, inline);
                    if let Err(e) = apply_proposals(cs, &self.tree, ctx, me, &list, checks) {
                        chosen.pop();
                        left_out.push((i, e));
                    }
                }
                left_out.sort_by_key(|(i, _)| *i);
                let list = self.committed(&chosen, inline);
                let applied = apply_proposals(cs, &self.tree, ctx, me, &list, checks)?;
                (chosen, applied)
            }
        };
        let (chosen, applied) = applied;
        Ok(self.selection(chosen, inline, applied, left_out))
    }

    fn selection<'t>(
        &self,
        chosen: Vec<usize>,
        inline: &[Proposal],
        applied: AppliedProposals<'t>,
        mut left_out: Vec<(usize, Error)>,
    ) -> Selection<'t> {
        let mut list: Vec<ProposalOrRef> = chosen
            .iter()
            .filter_map(|i| self.proposals.get(*i))
            .map(|p| ProposalOrRef::Reference(p.reference.clone()))
            .collect();
        list.extend(inline.iter().cloned().map(ProposalOrRef::Proposal));
        left_out.sort_by_key(|(i, _)| *i);
        let left_out = left_out
            .into_iter()
            .filter_map(|(i, reason)| {
                self.proposals.get(i).map(|p| LeftOutProposal {
                    reference: p.reference.clone(),
                    reason,
                })
            })
            .collect();
        Selection {
            list,
            applied,
            left_out,
        }
    }

    /// The proposals of pool entries `chosen` (by reference, as their senders sent them),
    /// then `inline` (by value, from this member).
    fn committed(&self, chosen: &[usize], inline: &[Proposal]) -> Vec<CommittedProposal> {
        let pool = chosen
            .iter()
            .filter_map(|i| self.proposals.get(*i))
            .map(|p| CommittedProposal {
                proposal: p.proposal.clone(),
                sender: p.sender,
            });
        let own = inline.iter().map(|p| CommittedProposal {
            proposal: p.clone(),
            sender: Sender::Member(self.own_leaf()),
        });
        pool.chain(own).collect()
    }

    /// The reason each pool entry cannot be committed with `inline` and the other entries
    /// (§12.2), or `None`. Each proposal was valid alone when it was stored; this finds the
    /// conflicts between them. O(p log p).
    fn screen_pool(&self, inline: &[Proposal]) -> Vec<Option<GroupError>> {
        let me = self.own_leaf();
        let policy = self.config.hooks.proposal_policy();
        let ctx = self.context.group_context();
        let mut reasons: Vec<Option<GroupError>> = self
            .proposals
            .iter()
            .map(|p| {
                let info = ProposalInfo {
                    proposal: &p.proposal,
                    sender: &p.sender,
                    reference: Some(&p.reference),
                    context: ctx,
                };
                if matches!(p.proposal, Proposal::SelfRemove) {
                    // Always covered (draft-ietf-mls-extensions), but never the committer's own.
                    (p.sender == Sender::Member(me)).then_some(GroupError::SelfRemoveOfCommitter)
                } else if p.status == ProposalStatus::Held {
                    Some(GroupError::ProposalHeld)
                } else if !policy.may_commit(&info) {
                    Some(GroupError::ProposalRejectedByPolicy)
                } else {
                    None
                }
            })
            .collect();
        let open =
            |reasons: &[Option<GroupError>], i: usize| reasons.get(i).is_some_and(|r| r.is_none());
        if inline.iter().any(|p| matches!(p, Proposal::ReInit(_))) {
            for r in reasons.iter_mut().filter(|r| r.is_none()) {
                *r = Some(GroupError::ReInitWithOtherProposals);
            }
            return reasons;
        }

        // Removes: of the committer never, of a leaf at most once.
        let mut removed: BTreeSet<u32> = inline
            .iter()
            .filter_map(|p| match p {
                Proposal::Remove(r) => Some(r.removed.0),
                _ => None,
            })
            .collect();
        // SelfRemoves (draft-ietf-mls-extensions): their leaves leave; a Remove or an
        // Update of such a leaf is left out.
        let leavers: BTreeSet<u32> = self
            .proposals
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match (&p.proposal, p.sender) {
                (Proposal::SelfRemove, Sender::Member(l)) if open(&reasons, i) => Some(l.0),
                _ => None,
            })
            .collect();
        for (i, p) in self.proposals.iter().enumerate() {
            if let Proposal::Remove(r) = &p.proposal
                && open(&reasons, i)
            {
                let reason = if r.removed == me {
                    Some(GroupError::RemoveOfCommitter)
                } else if leavers.contains(&r.removed.0) {
                    Some(GroupError::RemoveOfSelfRemovedLeaf)
                } else if !removed.insert(r.removed.0) {
                    Some(GroupError::MultipleChangesForLeaf)
                } else {
                    None
                };
                set(&mut reasons, i, reason);
            }
        }
        removed.extend(leavers.iter().copied());
        // Updates: the most recent of each leaf not removed, never the committer's own.
        let mut updated: BTreeSet<u32> = BTreeSet::new();
        for (i, p) in self.proposals.iter().enumerate().rev() {
            if let Proposal::Update(_) = &p.proposal
                && open(&reasons, i)
            {
                let reason = match p.sender {
                    Sender::Member(l) if l == me => Some(GroupError::UpdateFromCommitter),
                    Sender::Member(l) if removed.contains(&l.0) || !updated.insert(l.0) => {
                        Some(GroupError::MultipleChangesForLeaf)
                    }
                    Sender::Member(_) => None,
                    _ => Some(GroupError::UpdateFromNonMember),
                };
                set(&mut reasons, i, reason);
            }
        }
        // Adds: one per client (signature key), none of a member that stays, no two with
        // one encryption key.
        let removed_keys: BTreeSet<&[u8]> = removed
            .iter()
            .filter_map(|l| self.tree.leaf(LeafIndex(*l)))
            .map(|n| n.signature_key())
            .collect();
        let mut add_keys: BTreeSet<&[u8]> = BTreeSet::new();
        let mut add_enc: BTreeSet<&[u8]> = BTreeSet::new();
        for p in inline {
            if let Proposal::Add(a) = p {
                add_keys.insert(a.key_package.leaf_node.signature_key.as_bytes());
                add_enc.insert(a.key_package.leaf_node.encryption_key.as_bytes());
            }
        }
        for (i, p) in self.proposals.iter().enumerate() {
            if let Proposal::Add(a) = &p.proposal
                && open(&reasons, i)
            {
                let leaf = &a.key_package.leaf_node;
                let sig = leaf.signature_key.as_bytes();
                let reason = if add_keys.contains(sig) {
                    Some(GroupError::DuplicateAdd)
                } else if self.tree.contains_signature_key(sig) && !removed_keys.contains(sig) {
                    Some(GroupError::AddOfExistingMember)
                } else if !add_enc.insert(leaf.encryption_key.as_bytes()) {
                    Some(GroupError::EncryptionKeyInUse)
                } else {
                    add_keys.insert(sig);
                    None
                };
                set(&mut reasons, i, reason);
            }
        }
        // PSKs: known to this member, each PreSharedKeyID once.
        let own = Some((self.group_id(), &self.resumption_psks));
        let mut psks: BTreeSet<&crate::key_schedule::PreSharedKeyId> = inline
            .iter()
            .filter_map(|p| match p {
                Proposal::PreSharedKey(p) => Some(&p.psk),
                _ => None,
            })
            .collect();
        for (i, p) in self.proposals.iter().enumerate() {
            if let Proposal::PreSharedKey(psk) = &p.proposal
                && open(&reasons, i)
            {
                let reason = if super::psk::resolve_psk(&psk.psk, &self.psks, own).is_none() {
                    Some(GroupError::UnknownPsk)
                } else if !psks.insert(&psk.psk) {
                    Some(GroupError::DuplicatePsk)
                } else {
                    None
                };
                set(&mut reasons, i, reason);
            }
        }
        // GroupContextExtensions: the caller's, else the most recent.
        let mut gce = inline
            .iter()
            .any(|p| matches!(p, Proposal::GroupContextExtensions(_)));
        for (i, p) in self.proposals.iter().enumerate().rev() {
            if let Proposal::GroupContextExtensions(_) = &p.proposal
                && open(&reasons, i)
            {
                let reason = gce.then_some(GroupError::MultipleGroupContextExtensions);
                gce = true;
                set(&mut reasons, i, reason);
            }
        }
        // ReInit: only alone; other proposals are preferred.
        let others = inline.len().saturating_add(
            self.proposals
                .iter()
                .enumerate()
                .filter(|(i, p)| open(&reasons, *i) && !matches!(p.proposal, Proposal::ReInit(_)))
                .count(),
        );
        let mut reinit_kept = others > 0;
        for (i, p) in self.proposals.iter().enumerate() {
            if let Proposal::ReInit(_) = &p.proposal
                && open(&reasons, i)
            {
                let reason = reinit_kept.then_some(GroupError::ReInitWithOtherProposals);
                reinit_kept = true;
                set(&mut reasons, i, reason);
            }
        }
        reasons
    }
}

fn set(reasons: &mut [Option<GroupError>], i: usize, reason: Option<GroupError>) {
    if let Some(r) = reasons.get_mut(i) {
        *r = reason;
    }
}
