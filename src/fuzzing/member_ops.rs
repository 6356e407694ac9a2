//! Fuzz entry point for member Commit handling (RFC 9420 §12): the input is a program of
//! operations over a fixed group of four members (suite 1, see [`fixture`]), decoded from
//! the bytes by [`Reader`]. Members frame fuzz-chosen proposals and Commits, signed with
//! their real signature keys and protected with the real epoch keys (a Commit with the
//! confirmation tag receivers compute, whenever the committer can compute it), so that
//! fuzzed content gets past authentication into the proposal checks, the proposal cache
//! and Commit processing.
//!
//! A program is a sequence of at most [`MAX_OPS`] operations; each starts with an opcode
//! byte (modulo 8):
//!
//! | op | operation | operands |
//! |----|-----------|----------|
//! | 0 | a member sends a proposal | sender, mode (bit 1 clear: by [`Group::propose`], which caches it; set: crafted, not cached by the sender, bit 0 PrivateMessage, bit 2 authenticated data), receivers, proposal ([`content::proposal`]) |
//! | 1 | a member sends a crafted Commit | sender, flags (bit 0 PrivateMessage, bits 1-2 path: none, genuine, fuzzed leaf, patched path; bit 3 authenticated data), count, entries (inline proposal, cached proposal by index, garbage reference, repeat), fallback tag |
//! | 2 | a member commits by [`Group::commit`] | member, flags (bit 0 path only when required, bit 1 no tree in the Welcome, bits 2-3 inline proposals, bit 4 authenticated data), proposals |
//! | 3 | a member sends application data | sender, plaintext, authenticated data |
//! | 4 | a sent message is delivered again | message, receivers |
//! | 5 | a sent message, patched, is delivered | message, receiver, offset, XOR mask |
//! | 6 | a member proposes an Update by [`Group::propose_update`] | member, receivers |
//! | 7 | a member is saved and restored | member |
//!
//! Messages travel encoded. Receivers are a bit mask over the members (`0`: everyone else).
//! A Commit goes to every
//! other member; it is merged only when every active receiver accepted it (the committer
//! merges its pending Commit), else dropped, so the active members always share an epoch.
//!
//! Checked (a panic is a finding): nothing panics; a sent message decodes to itself; a
//! refused message leaves the receiver's
//! state as it was ([`Group::to_bytes`] for PublicMessages; for PrivateMessages, which may
//! consume a ratchet key once authenticated, the epoch, the cached proposals and the
//! pending Commit); no member accepts a Commit whose confirmation tag the committer could
//! not compute (unless it is removed and cannot check the tag); no PrivateMessage is
//! accepted twice by one member; after a merged Commit all active members agree on the
//! epoch, the `epoch_authenticator` and the GroupContext; application data from an active
//! member decrypts at every other active member; a saved member restores to the same
//! state. With [`CHECK_POOL_NEVER_FREEZES`], also: `commit()` with no proposals of its own
//! succeeds at an active member whatever proposals it received.

pub mod content;
pub mod fixture;
pub mod reader;
pub mod seeds;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;

use crate::codec;
use crate::framing::{FramedContentBody, MlsMessage, MlsMessageBody, Sender, WireFormat};
use crate::group::fuzz_support::{FuzzCommit, FuzzPath};
use crate::group::{
    CommitOptions, Group, PathChoice, ProcessedContent, ProcessedMessage, StagedCommit,
};
use crate::messages::{Proposal, ProposalOrRef, ProposalRef, UpdatePath};

pub use fixture::Fixture;
pub use reader::Reader;

/// The pool invariant: "after any sequence of received proposals, `commit()` succeeds at a
/// member that is active" (checked when a member that sent no proposal of its own this
/// epoch commits with no proposals by value). The proposal pool builds a valid list from
/// proposals that are each valid alone but not together (two GroupContextExtensions, a
/// Remove and an Update of one leaf, a replayed Add, ...); before it, such a set made every
/// later `commit()` fail.
pub const CHECK_POOL_NEVER_FREEZES: bool = true;

/// The most operations a program runs.
pub const MAX_OPS: usize = 24;
/// The most members (the initial four and the spares that joined); receiver masks are `u8`.
const MAX_MEMBERS: usize = 8;
/// How many sent messages are kept for replay.
const HISTORY: usize = 16;

/// One member of the running program.
struct Slot {
    group: Group,
    /// Whether it sent a proposal of its own this epoch (then a failing `commit()` is not
    /// the pool invariant's business).
    own_proposals: bool,
}

/// A sent message, kept for replay.
struct Sent {
    message: MlsMessage,
    /// The members that accepted it, by index bit.
    accepted: u8,
    /// For application data: the plaintext.
    plaintext: Option<Vec<u8>>,
}

/// The state of a running program.
struct World<'f> {
    fx: &'f Fixture,
    members: Vec<Slot>,
    history: Vec<Sent>,
    joined: Vec<bool>,
    /// Check the pool invariant ([`CHECK_POOL_NEVER_FREEZES`]).
    pool_invariant: bool,
}

/// Runs `data` as a program against the shared fixture. Nothing may panic except the
/// checks described in the module documentation.
pub fn member_ops(data: &[u8]) {
    #[cfg(feature = "std")]
    if let Some(fx) = fixture::shared() {
        run(fx, data);
    }
    #[cfg(not(feature = "std"))]
    if let Ok(fx) = Fixture::new() {
        run(&fx, data);
    }
}

/// Runs `data` as a program against `fx`, the pool invariant checked as
/// [`CHECK_POOL_NEVER_FREEZES`] says.
pub fn run(fx: &Fixture, data: &[u8]) {
    run_with(fx, data, CHECK_POOL_NEVER_FREEZES);
}

/// Runs `data` as a program against `fx`, the pool invariant checked if `pool_invariant`.
pub fn run_with(fx: &Fixture, data: &[u8], pool_invariant: bool) {
    let mut world = World::new(fx);
    world.pool_invariant = pool_invariant;
    let mut r = Reader::new(data);
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        world.step(&mut r);
    }
}

/// What a refused message must leave unchanged: the whole saved state (`full`), or the
/// epoch, the cached proposals and the pending Commit.
fn fingerprint(group: &Group, full: bool) -> Vec<u8> {
    if full {
        return group
            .to_bytes()
            .map(|s| s.as_bytes().to_vec())
            .unwrap_or_default();
    }
    let mut out = codec::encode(group.group_context()).unwrap_or_default();
    out.extend_from_slice(group.epoch_authenticator());
    for p in group.pending_proposals() {
        out.extend_from_slice(&p.reference.0);
        out.push(u8::from(p.status == crate::group::ProposalStatus::Held));
    }
    out.push(u8::from(group.has_pending_commit()));
    out.push(u8::from(group.is_active()));
    out
}

/// The bit of member `index` in a `u8` mask (none past 7).
fn bit(index: usize) -> u8 {
    u32::try_from(index)
        .ok()
        .and_then(|i| 1u8.checked_shl(i))
        .unwrap_or(0)
}

fn wire_format(private: bool) -> WireFormat {
    if private {
        WireFormat::MLS_PRIVATE_MESSAGE
    } else {
        WireFormat::MLS_PUBLIC_MESSAGE
    }
}

/// `base` with `mask` XORed in at `offset` (modulo the length).
fn patch(base: &mut [u8], offset: u16, mask: &[u8]) {
    let start = usize::from(offset).checked_rem(base.len()).unwrap_or(0);
    if let Some(tail) = base.get_mut(start..) {
        for (b, m) in tail.iter_mut().zip(mask) {
            *b ^= *m;
        }
    }
}

impl<'f> World<'f> {
    fn new(fx: &'f Fixture) -> Self {
        World {
            fx,
            members: fx
                .members
                .iter()
                .map(|g| Slot {
                    group: g.clone(),
                    own_proposals: false,
                })
                .collect(),
            history: Vec::new(),
            joined: alloc::vec![false; fx.spares.len()],
            pool_invariant: CHECK_POOL_NEVER_FREEZES,
        }
    }

    fn step(&mut self, r: &mut Reader<'_>) {
        match r.byte() % 8 {
            0 => self.propose(r),
            1 => self.crafted_commit(r),
            2 => self.commit(r),
            3 => self.application(r),
            4 => self.replay(r),
            5 => self.corrupt(r),
            6 => self.propose_update(r),
            _ => self.persist(r),
        }
    }

    fn pick(&self, r: &mut Reader<'_>) -> usize {
        r.below(self.members.len())
    }

    /// The members in `mask` other than `from` (`0`: everyone else).
    fn receivers(&self, from: usize, mask: u8) -> Vec<usize> {
        (0..self.members.len())
            .filter(|&i| i != from && (mask == 0 || mask & bit(i) != 0))
            .collect()
    }

    /// Keeps `message` for replay as it travels, encoded and decoded again (it must come
    /// back the same); its index in the history.
    fn record(&mut self, message: MlsMessage, plaintext: Option<Vec<u8>>) -> usize {
        let decoded = message.encode().and_then(|b| MlsMessage::decode(&b));
        assert!(
            decoded.as_ref().ok() == Some(&message),
            "a sent message does not decode to itself"
        );
        if self.history.len() >= HISTORY {
            self.history.remove(0);
        }
        self.history.push(Sent {
            message,
            accepted: 0,
            plaintext,
        });
        self.history.len().saturating_sub(1)
    }

    /// `to` processes `message`; a refusal must leave its state unchanged.
    fn deliver(&mut self, to: usize, message: &MlsMessage) -> Option<ProcessedMessage> {
        let slot = self.members.get_mut(to)?;
        let full = !matches!(message.body, MlsMessageBody::PrivateMessage(_));
        let before = fingerprint(&slot.group, full);
        match slot.group.process(message, None) {
            Ok(p) => Some(p),
            Err(e) => {
                assert!(
                    before == fingerprint(&slot.group, full),
                    "a refused message ({e}) changed the receiver's state"
                );
                None
            }
        }
    }

    /// `to` processes the recorded message `index`.
    fn deliver_recorded(&mut self, index: usize, to: usize) -> Option<ProcessedContent> {
        let message = self.history.get(index)?.message.clone();
        let processed = self.deliver(to, &message)?;
        let sent = self.history.get_mut(index)?;
        let bit = bit(to);
        if matches!(message.body, MlsMessageBody::PrivateMessage(_)) {
            assert!(
                sent.accepted & bit == 0,
                "a member accepted the same PrivateMessage twice"
            );
        }
        sent.accepted |= bit;
        if let (ProcessedContent::Application(data), Some(plaintext)) =
            (&processed.content, &sent.plaintext)
        {
            assert!(data == plaintext, "application data decrypted differently");
        }
        Some(processed.content)
    }

    /// Op 0: a member sends a proposal: by [`Group::propose`], or crafted (then the sender
    /// does not cache it, as if it lost its state).
    fn propose(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let mode = r.byte();
        let mask = r.byte();
        let ad = if mode & 4 != 0 { r.blob() } else { &[] };
        let Some(slot) = self.members.get_mut(from) else {
            return;
        };
        let mut keys = Vec::new();
        let Some(proposal) = content::proposal(r, self.fx, &slot.group, &mut keys) else {
            return;
        };
        let message = if mode & 2 == 0 {
            slot.own_proposals = true;
            for key in keys {
                slot.group.fuzz_keep_update_key(key);
            }
            slot.group.propose(proposal)
        } else {
            let body = FramedContentBody::Proposal(proposal);
            slot.group
                .fuzz_frame(body, wire_format(mode & 1 != 0), ad, None)
        };
        if let Ok(message) = message {
            self.send(from, message, mask);
        }
    }

    /// Records `message` and delivers it to the receivers in `mask`.
    fn send(&mut self, from: usize, message: MlsMessage, mask: u8) {
        let index = self.record(message, None);
        for to in self.receivers(from, mask) {
            self.deliver_recorded(index, to);
        }
    }

    /// Every proposal cached by any member (a reference names the same proposal and sender
    /// wherever it is cached).
    fn cached(&self) -> Vec<(ProposalRef, Proposal, Sender)> {
        let mut out: Vec<(ProposalRef, Proposal, Sender)> = Vec::new();
        for slot in &self.members {
            for p in slot.group.pending_proposals() {
                if !out.iter().any(|(r, _, _)| *r == p.reference) {
                    out.push((p.reference.clone(), p.proposal.clone(), p.sender));
                }
            }
        }
        out
    }

    /// Op 1: a member sends a Commit of a fuzzed proposal list.
    fn crafted_commit(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let flags = r.byte();
        let count = r.below(5);
        let cached = self.cached();
        let Some(view) = self.members.get(from).map(|s| s.group.clone()) else {
            return;
        };
        let mut list: Vec<ProposalOrRef> = Vec::new();
        for _ in 0..count {
            let entry = match r.below(4) {
                0 => content::proposal(r, self.fx, &view, &mut Vec::new())
                    .map(ProposalOrRef::Proposal),
                1 => {
                    let i = r.below(cached.len());
                    cached
                        .get(i)
                        .map(|(reference, _, _)| ProposalOrRef::Reference(reference.clone()))
                }
                2 => Some(ProposalOrRef::Reference(ProposalRef(r.blob().to_vec()))),
                _ => list.get(r.below(list.len())).cloned(),
            };
            list.extend(entry);
        }
        let ad = if flags & 8 != 0 { r.blob() } else { &[] };
        let fallback_tag = match r.blob() {
            [] => alloc::vec![0; 32],
            tag => tag.to_vec(),
        };
        let resolve = |reference: &ProposalRef| {
            cached
                .iter()
                .find(|(r, _, _)| r == reference)
                .map(|(_, p, s)| (p.clone(), *s))
        };
        let fx = self.fx;
        let (offset, mask) = (r.u16(), r.blob());
        let path_mode = (flags >> 1) % 4;
        let mut leaf = |leaf: &mut crate::messages::LeafNode| {
            if path_mode == 2 {
                content::mutate_leaf(r, fx, &view, leaf);
            }
        };
        let mut mutate = |path: &mut UpdatePath| {
            if path_mode == 3
                && let Ok(mut bytes) = codec::encode(&*path)
            {
                patch(&mut bytes, offset, mask);
                if let Ok(p) = codec::decode_exact::<UpdatePath>(&bytes) {
                    *path = p;
                }
            }
        };
        let path = (path_mode != 0).then_some(FuzzPath {
            leaf: &mut leaf,
            mutate: &mut mutate,
        });
        let Some(slot) = self.members.get_mut(from) else {
            return;
        };
        let crafted = slot.group.fuzz_commit(
            list,
            &resolve,
            path,
            wire_format(flags & 1 != 0),
            ad,
            fallback_tag,
        );
        if let Ok(FuzzCommit {
            message,
            tag_computed,
        }) = crafted
        {
            self.commit_round(from, message, tag_computed, None);
        }
    }

    /// Op 2: a member commits its cached proposals and a few of its own by value.
    fn commit(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let flags = r.byte();
        let Some(slot) = self.members.get(from) else {
            return;
        };
        let mut proposals = Vec::new();
        for _ in 0..(flags >> 2) % 4 {
            proposals.extend(content::proposal(r, self.fx, &slot.group, &mut Vec::new()));
        }
        // The pool invariant ([`CHECK_POOL_NEVER_FREEZES`]): "after any sequence of received
        // proposals, commit() succeeds at a member that is active". Only for a commit of
        // the cache alone by a member that proposed nothing itself this epoch (its own
        // proposals, sent by propose() unchecked, are its business).
        let freeze_check = self.pool_invariant
            && proposals.is_empty()
            && slot.group.is_active()
            && !slot.own_proposals
            && !slot.group.has_pending_commit();
        let options = CommitOptions {
            proposals,
            path: if flags & 1 != 0 {
                PathChoice::WhenRequired
            } else {
                PathChoice::Always
            },
            ratchet_tree_in_welcome: flags & 2 == 0,
            authenticated_data: if flags & 16 != 0 {
                r.blob().to_vec()
            } else {
                Vec::new()
            },
            ..CommitOptions::default()
        };
        let Some(slot) = self.members.get_mut(from) else {
            return;
        };
        match slot.group.commit(options) {
            Ok(out) => self.commit_round(from, out.commit, true, out.welcome),
            Err(e) => {
                assert!(
                    !freeze_check,
                    "commit() failed ({e}) at an active member after received proposals"
                )
            }
        }
    }

    /// Delivers a Commit of `from` to every other member; merges it everywhere if every
    /// active receiver accepted it (then the spares join by `welcome`), else drops it.
    fn commit_round(
        &mut self,
        from: usize,
        message: MlsMessage,
        tag_computed: bool,
        welcome: Option<MlsMessage>,
    ) {
        let index = self.record(message, None);
        let mut staged: Vec<(usize, StagedCommit)> = Vec::new();
        let mut all = true;
        for to in self.receivers(from, 0) {
            let active = self.members.get(to).is_some_and(|s| s.group.is_active());
            match self.deliver_recorded(index, to) {
                Some(ProcessedContent::Commit(s)) => {
                    assert!(
                        tag_computed || s.removes_self(),
                        "a member accepted a Commit with a wrong confirmation tag"
                    );
                    if active {
                        staged.push((to, *s));
                    }
                }
                _ => all &= !active,
            }
        }
        let Some(committer) = self.members.get_mut(from) else {
            return;
        };
        if !(all && committer.group.has_pending_commit()) {
            committer.group.clear_pending_commit();
            return;
        }
        let merged = committer.group.merge_pending_commit();
        assert!(merged.is_ok(), "the committer cannot merge its own Commit");
        for (to, s) in staged {
            if let Some(slot) = self.members.get_mut(to) {
                let merged = slot.group.merge_staged_commit(s);
                assert!(merged.is_ok(), "a receiver cannot merge a staged Commit");
            }
        }
        for slot in &mut self.members {
            slot.own_proposals = false;
        }
        if let Some(welcome) = welcome {
            self.join(&welcome);
        }
        self.check_agreement();
    }

    /// The spares that a Welcome is for join.
    fn join(&mut self, welcome: &MlsMessage) {
        for (spare, joined) in self.fx.spares.iter().zip(self.joined.iter_mut()) {
            if *joined || self.members.len() >= MAX_MEMBERS {
                continue;
            }
            if let Ok(group) = Group::join(
                self.fx.provider.clone(),
                welcome,
                &spare.bundle,
                spare.identity.clone(),
                None,
                fixture::config(self.members.len()),
                &self.fx.psks,
            ) {
                *joined = true;
                self.members.push(Slot {
                    group,
                    own_proposals: false,
                });
            }
        }
    }

    /// All active members are in the same epoch with the same secrets and GroupContext.
    fn check_agreement(&self) {
        let mut active = self.members.iter().filter(|s| s.group.is_active());
        let Some(first) = active.next() else {
            return;
        };
        for slot in active {
            assert_eq!(slot.group.epoch(), first.group.epoch(), "epochs differ");
            assert!(
                slot.group.epoch_authenticator() == first.group.epoch_authenticator(),
                "epoch authenticators differ"
            );
            assert!(
                slot.group.group_context() == first.group.group_context(),
                "GroupContexts differ"
            );
        }
    }

    /// Op 3: a member sends application data to everyone else; every active member
    /// decrypts it.
    fn application(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let (plaintext, ad) = (r.blob(), r.blob());
        let Some(slot) = self.members.get_mut(from) else {
            return;
        };
        let Ok(message) = slot.group.encrypt_application(plaintext, ad) else {
            return;
        };
        let index = self.record(message, Some(plaintext.to_vec()));
        for to in self.receivers(from, 0) {
            let active = self.members.get(to).is_some_and(|s| s.group.is_active());
            let got = self.deliver_recorded(index, to);
            assert!(
                !active || matches!(got, Some(ProcessedContent::Application(_))),
                "application data of an active member did not decrypt at another"
            );
        }
    }

    /// Op 4: a recorded message is delivered again (nothing merged).
    fn replay(&mut self, r: &mut Reader<'_>) {
        let index = r.below(self.history.len());
        let mask = r.byte();
        for to in self.receivers(usize::MAX, mask) {
            self.deliver_recorded(index, to);
        }
    }

    /// Op 5: a recorded message with bytes flipped is delivered (nothing merged).
    fn corrupt(&mut self, r: &mut Reader<'_>) {
        let index = r.below(self.history.len());
        let to = self.pick(r);
        let (offset, mask) = (r.u16(), r.blob());
        let Some(mut bytes) = self
            .history
            .get(index)
            .and_then(|s| s.message.encode().ok())
        else {
            return;
        };
        patch(&mut bytes, offset, mask);
        if let Ok(message) = MlsMessage::decode(&bytes) {
            self.deliver(to, &message);
        }
    }

    /// Op 6: a member proposes an Update of its own leaf.
    fn propose_update(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let mask = r.byte();
        let Some(slot) = self.members.get_mut(from) else {
            return;
        };
        slot.own_proposals = true;
        if let Ok(message) = slot.group.propose_update() {
            self.send(from, message, mask);
        }
    }

    /// Op 7: a member is saved and restored; the restored state saves to the same bytes.
    fn persist(&mut self, r: &mut Reader<'_>) {
        let at = self.pick(r);
        let provider = self.fx.provider.clone();
        let Some(slot) = self.members.get_mut(at) else {
            return;
        };
        let Ok(saved) = slot.group.to_bytes() else {
            return;
        };
        let restored = Group::from_bytes(provider, saved.as_bytes());
        assert!(restored.is_ok(), "a saved group does not restore");
        if let Ok(restored) = restored {
            let again = restored.to_bytes().map(|s| s.as_bytes().to_vec());
            assert!(
                again.as_deref().ok() == Some(saved.as_bytes()),
                "a restored group saves differently"
            );
            slot.group = restored;
        }
    }
}
