//! The Delivery Service's side of a history program: per receiver, a queue of messages
//! that the program delivers, drops, duplicates, reorders, delays or corrupts; and the
//! receiving checks (refused messages leave the state as it was, removed members read
//! nothing of later epochs, restored states behave as their originals, liveness).

use alloc::vec::Vec;

use crate::framing::{MlsMessage, MlsMessageBody};
use crate::group::{Group, ProcessedContent, ProcessedMessage, SelfRemoval};

use super::super::member_ops::Reader;
use super::super::member_ops::fixture::extensions_config as config;
use super::{Envelope, Kind, Member, World, saved};

/// `base` with `mask` XORed in at `offset` (modulo the length).
fn patch(base: &mut [u8], offset: u16, mask: &[u8]) {
    let start = usize::from(offset).checked_rem(base.len()).unwrap_or(0);
    if let Some(tail) = base.get_mut(start..) {
        for (b, m) in tail.iter_mut().zip(mask) {
            *b ^= *m;
        }
    }
}

fn bump(n: &mut usize) {
    *n = n.saturating_add(1);
}

/// The outcome of processing, for comparing a restored state with its original.
fn outcome(p: &Result<ProcessedMessage, crate::error::Error>) -> Option<(u64, u8, Vec<u8>)> {
    let p = p.as_ref().ok()?;
    let (kind, data) = match &p.content {
        ProcessedContent::Application(d) => (0, d.clone()),
        ProcessedContent::Proposal(_, r, _) => (1, r.0.clone()),
        ProcessedContent::Commit(s) => (2, s.group_context().tree_hash.clone()),
    };
    Some((p.epoch, kind, data))
}

impl World {
    /// Op 10: one DS action on message `index` of a receiver's queue.
    pub(super) fn op_deliver(&mut self, r: &mut Reader<'_>) {
        let to = self.pick(r);
        let Some(len) = self.clients.get(to).map(|c| c.inbox.len()) else {
            return;
        };
        let index = r.below(len);
        let action = r.byte() % 6;
        let Some(inbox) = self.clients.get_mut(to).map(|c| &mut c.inbox) else {
            return;
        };
        if index >= inbox.len() {
            return;
        }
        match action {
            // Deliver.
            0 => {
                let envelope = inbox.remove(index);
                self.receive(to, envelope, None);
            }
            // Drop.
            1 => {
                inbox.remove(index);
            }
            // Duplicate: deliver and keep it queued.
            2 => {
                let Some(envelope) = inbox.get_mut(index) else {
                    return;
                };
                let copy = envelope.clone();
                envelope.seen = true;
                self.receive(to, copy, None);
            }
            // Reorder: to the back of the queue.
            3 => {
                let envelope = inbox.remove(index);
                inbox.push(envelope);
            }
            // Delay: behind the next Commit in the queue (to the back if none).
            4 => {
                let envelope = inbox.remove(index);
                let next = inbox
                    .iter()
                    .skip(index)
                    .position(|e| matches!(e.kind, Kind::Commit(_)))
                    .map_or(inbox.len(), |p| {
                        p.saturating_add(index).saturating_add(1).min(inbox.len())
                    });
                inbox.insert(next, envelope);
            }
            // Flip bytes: a corrupted copy is delivered, the original stays queued (marked
            // as delivered if the flip changed nothing: then it was a duplicate).
            _ => {
                let Some(envelope) = inbox.get(index).cloned() else {
                    return;
                };
                let (offset, mask) = (r.u16(), r.blob());
                if self.receive(to, envelope, Some((offset, mask)))
                    && let Some(e) = self
                        .clients
                        .get_mut(to)
                        .and_then(|c| c.inbox.get_mut(index))
                {
                    e.seen = true;
                }
            }
        }
    }

    /// Op 11: a receiver's whole queue, in order.
    pub(super) fn flush(&mut self, to: usize) {
        while let Some(envelope) = self
            .clients
            .get_mut(to)
            .and_then(|c| (!c.inbox.is_empty()).then(|| c.inbox.remove(0)))
        {
            self.receive(to, envelope, None);
        }
    }

    /// Op 12: every queue, in order (receiving sends nothing, so one pass empties them).
    pub(super) fn flush_all(&mut self) {
        for to in 0..self.clients.len() {
            self.flush(to);
        }
    }

    /// Delivers `envelope` to client `to`, with `flip` applied to its bytes; whether the
    /// message went intact (the flip changed nothing).
    fn receive(&mut self, to: usize, envelope: Envelope, flip: Option<(u16, &[u8])>) -> bool {
        let mut corrupted = false;
        let message = match flip {
            None => envelope.message.clone(),
            Some((offset, mask)) => {
                let Ok(original) = envelope.message.encode() else {
                    return false;
                };
                let mut bytes = original.clone();
                patch(&mut bytes, offset, mask);
                corrupted = bytes != original;
                bump(&mut self.stats.flipped);
                let Ok(message) = MlsMessage::decode(&bytes) else {
                    return false;
                };
                message
            }
        };
        if let Kind::Welcome { epoch, added, psk } = &envelope.kind {
            let fresh = !corrupted && !envelope.seen && !psk;
            self.welcome(to, &message, *epoch, added, fresh);
        } else {
            self.process(to, &message, &envelope, corrupted);
        }
        !corrupted
    }

    /// A Welcome reaches client `to`: it joins if it was added and has no live state. An
    /// added client with an intact Welcome (no PSK) must be able to join.
    fn welcome(
        &mut self,
        to: usize,
        message: &MlsMessage,
        epoch: u64,
        added: &[usize],
        fresh: bool,
    ) {
        let provider = self.provider.clone();
        let Some(client) = self.clients.get_mut(to) else {
            return;
        };
        let eligible = added.contains(&to)
            && !client.welcomed.contains(&epoch)
            && client
                .state
                .as_ref()
                .is_none_or(|m| m.removed_from.is_some() || !m.group.is_active());
        if !eligible {
            return;
        }
        let joined = client.bundles.iter().find_map(|b| {
            Group::join(
                provider.clone(),
                message,
                b,
                client.identity.clone(),
                None,
                config(to),
                &self.psks,
            )
            .ok()
        });
        match joined {
            Some(group) => {
                client.welcomed.push(epoch);
                client.state = Some(Member::new(group));
                bump(&mut self.stats.joins);
            }
            None => assert!(!fresh, "an added client cannot join by its Welcome"),
        }
    }

    /// A handshake or application message reaches client `to`.
    fn process(&mut self, to: usize, message: &MlsMessage, envelope: &Envelope, corrupted: bool) {
        let World {
            clients,
            records,
            stats,
            ..
        } = self;
        let Some(client) = clients.get_mut(to) else {
            return;
        };
        let credential = client.identity.credential.clone();
        let Some(member) = client.state.as_mut() else {
            return;
        };
        let private = matches!(message.body, MlsMessageBody::PrivateMessage(_));
        let before = saved(&member.group);
        let shadow = private.then(|| member.group.clone());
        let (epoch, active) = (member.group.epoch(), member.group.is_active());
        let up_to_date = active && member.removed_from.is_none();
        let holds_covered = match &envelope.kind {
            Kind::Commit(info) => info
                .covered
                .iter()
                .all(|c| member.group.pending_proposals().any(|p| p.reference == *c)),
            _ => false,
        };
        // The restored copy processes the message first (and merges a Commit it accepts).
        let twin = member.twin.take().map(|mut t| {
            let result = t.process(message, None);
            let seen = outcome(&result);
            if let Ok(ProcessedMessage {
                content: ProcessedContent::Commit(s),
                ..
            }) = result
            {
                assert!(
                    t.merge_staged_commit(*s).is_ok(),
                    "a restored state cannot merge a staged Commit"
                );
            }
            (t, seen)
        });
        let result = member.group.process(message, None);
        let seen_outcome = outcome(&result);
        match result {
            Err(e) => {
                bump(&mut stats.refusals);
                let after = saved(&member.group);
                if after != before {
                    let expected = shadow
                        .and_then(|mut s| s.fuzz_authenticate(message).ok().map(|()| saved(&s)));
                    assert!(
                        expected.as_ref() == Some(&after),
                        "a refused message ({e}) changed the receiver's state beyond its ratchet key"
                    );
                    bump(&mut stats.ratchet_refusals);
                }
                if member.removed_from.is_some() {
                    bump(&mut stats.removed_refusals);
                }
                let fresh = !corrupted && !envelope.seen && up_to_date;
                match &envelope.kind {
                    Kind::Application(sent_in, _) => assert!(
                        !(fresh && *sent_in == epoch),
                        "application data of the receiver's epoch did not decrypt ({e})"
                    ),
                    Kind::Commit(info) => assert!(
                        !(fresh && info.epoch == epoch && !info.psk && holds_covered),
                        "an up-to-date member refused the winning Commit ({e})"
                    ),
                    _ => {}
                }
            }
            Ok(processed) => {
                assert!(!corrupted, "a message with flipped bytes was accepted");
                if let Some(from) = member.removed_from {
                    assert!(
                        processed.epoch < from,
                        "a removed member accepted a message of a later epoch"
                    );
                }
                match processed.content {
                    ProcessedContent::Application(data) => {
                        if let Kind::Application(_, plaintext) = &envelope.kind {
                            assert!(data == *plaintext, "application data decrypted differently");
                        }
                        bump(&mut stats.applications);
                    }
                    ProcessedContent::Proposal(..) => {}
                    ProcessedContent::Commit(staged) => {
                        let removes_self = staged.removes_self();
                        // A Commit covering this member's own SelfRemove removes it, and
                        // the member learns so (draft-ietf-mls-extensions, "SelfRemove
                        // Proposal").
                        let own_self_remove = match &envelope.kind {
                            Kind::Commit(info) => member.self_removes.iter().any(|s| {
                                s.epoch == processed.epoch && info.covered.contains(&s.reference)
                            }),
                            _ => false,
                        };
                        if own_self_remove {
                            assert!(
                                removes_self
                                    && matches!(staged.self_removal(), Some(SelfRemoval::Verified)),
                                "a Commit covering a member's SelfRemove did not tell it"
                            );
                            bump(&mut stats.self_removals);
                        }
                        let new_epoch = staged.new_epoch();
                        let merged = member.group.merge_staged_commit(*staged);
                        assert!(merged.is_ok(), "a receiver cannot merge a staged Commit");
                        bump(&mut stats.merges);
                        if removes_self {
                            assert!(
                                !member.group.is_active(),
                                "a member removed by a Commit is still active"
                            );
                            member.removed_from = Some(new_epoch);
                        }
                        let gone = usize::try_from(new_epoch)
                            .ok()
                            .and_then(|e| records.get(e))
                            .is_some_and(|r| !r.identities.contains(&credential));
                        assert!(
                            !gone || removes_self,
                            "a Commit removed a member's credential without telling it"
                        );
                    }
                }
            }
        }
        // The restored copy did the same and saves to the same bytes; it goes on in the
        // original's place.
        if let Some((twin, twin_outcome)) = twin {
            assert!(
                twin_outcome == seen_outcome,
                "a restored state processed a message differently"
            );
            assert!(
                saved(&twin) == saved(&member.group),
                "a restored state saves differently after the same message"
            );
            bump(&mut stats.restores);
            member.group = twin;
        }
    }
}
