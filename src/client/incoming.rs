//! [`Client::process_incoming`]: every received message, with the rules a delivery service
//! makes necessary (RFC 9420 §14): echoes of the own Commit, lost Commit races, messages of
//! later epochs, Welcomes.

use alloc::vec::Vec;

use super::{Client, ClientEvent, Held};
use crate::error::{ClientError, Error, GroupError, StorageError};
use crate::framing::{ContentType, MlsMessage, MlsMessageBody};
use crate::group::{Group, Member, ProcessedContent};
use crate::messages::{KeyPackageBundle, Proposal};
use crate::storage::{BufferedRecord, Storage, Write, WriteBatch};

/// The bounds of a group's buffer.
struct Limits {
    count: usize,
    bytes: usize,
    epochs_ahead: u64,
}

/// The limits and the clock of one `process_incoming` call.
struct Ctx {
    now: u64,
    max_past_epoch_age: Option<u64>,
}

fn refused(group_id: Option<&[u8]>, reason: Error) -> ClientEvent {
    ClientEvent::MessageRefused {
        group_id: group_id.map(<[u8]>::to_vec),
        reason,
    }
}

impl<S: Storage> Client<S> {
    /// Processes one received message (the encoded `MlsMessage`) at `now` and reports what
    /// happened, in order. See the [module documentation](super#handling-delivery) for the
    /// rules.
    ///
    /// Every refusal is an event, [`ClientEvent::MessageRefused`] with the reason, and
    /// changes nothing, in memory or in storage: bytes that do not decode, a KeyPackage or
    /// GroupInfo ([`ClientError::NotForClient`]), a message of an unknown group
    /// ([`ClientError::UnknownGroup`]), a Welcome to a group the client is an active member
    /// of ([`ClientError::GroupExists`]; one it was removed from is replaced), an own Commit that is not the pending one
    /// ([`ClientError::StaleOwnCommit`]), a full buffer ([`ClientError::BufferFull`]), a
    /// message too many epochs ahead ([`ClientError::EpochTooFarAhead`]), a
    /// message already buffered ([`ClientError::AlreadyBuffered`]), and every error of
    /// [`Group::process`] and of joining. A buffered message refused when it is replayed
    /// is reported the same way (and dropped from the buffer). `Err` is returned only
    /// when reading or writing the storage fails; then, too, nothing changed.
    pub fn process_incoming(
        &mut self,
        message: &[u8],
        now: u64,
    ) -> Result<Vec<ClientEvent>, Error> {
        let msg = match MlsMessage::decode(message) {
            Ok(m) => m,
            Err(e) => return Ok(vec![refused(None, e)]),
        };
        match &msg.body {
            MlsMessageBody::Welcome(_) => self.join(&msg, now),
            MlsMessageBody::KeyPackage(_) | MlsMessageBody::GroupInfo(_) => {
                Ok(vec![refused(None, ClientError::NotForClient.into())])
            }
            MlsMessageBody::PublicMessage(_) | MlsMessageBody::PrivateMessage(_) => {
                self.group_message(message, &msg, now)
            }
        }
    }

    /// A PublicMessage or PrivateMessage.
    fn group_message(
        &mut self,
        bytes: &[u8],
        msg: &MlsMessage,
        now: u64,
    ) -> Result<Vec<ClientEvent>, Error> {
        let group_id = msg.group_id().unwrap_or_default().to_vec();
        let Some(held) = self.groups.get(&group_id) else {
            return Ok(vec![refused(
                Some(&group_id),
                ClientError::UnknownGroup.into(),
            )]);
        };
        let ctx = Ctx {
            now,
            max_past_epoch_age: self.config.max_past_epoch_age,
        };
        let limits = Limits {
            count: self.config.max_buffered_messages,
            bytes: self.config.max_buffered_bytes,
            epochs_ahead: self.config.max_epochs_ahead,
        };
        let mut work = held.clone();
        let mut batch = WriteBatch::new();
        let mut events = Vec::new();
        let epoch = msg.epoch().unwrap_or_default();
        let step = if work.group.is_active() && epoch > work.group.epoch() {
            buffer(&mut work, bytes, epoch, limits, &mut batch, &mut events)
        } else {
            handle(&mut work, bytes, msg, &ctx, &mut batch, &mut events)
        };
        if let Err(reason) = step {
            return Ok(vec![refused(Some(&group_id), reason)]);
        }
        replay(&mut work, &ctx, &mut batch, &mut events)?;
        batch.push(Write::PutGroup(work.record()?));
        self.storage.apply(&batch)?;
        self.groups.insert(group_id, work);
        Ok(events)
    }

    /// A Welcome: join with the stored KeyPackage it names (RFC 9420 §12.4.3.1) and, in the
    /// same batch, delete that KeyPackage's private keys unless it is the last-resort one.
    fn join(&mut self, welcome: &MlsMessage, now: u64) -> Result<Vec<ClientEvent>, Error> {
        let Some(w) = welcome.as_welcome() else {
            return Ok(vec![refused(None, GroupError::UnexpectedWireFormat.into())]);
        };
        let found = w
            .secrets
            .iter()
            .find_map(|s| self.key_packages.get_key_value(&s.new_member.0));
        let Some((reference, info)) = found else {
            return Ok(vec![refused(
                None,
                ClientError::NoKeyPackageForWelcome.into(),
            )]);
        };
        let (reference, info) = (reference.clone(), *info);
        let rec = self
            .storage
            .key_package(&reference)?
            .ok_or(StorageError::RecordMalformed)?;
        let bundle = KeyPackageBundle::from_bytes(rec.bundle.as_bytes())
            .map_err(|_| StorageError::RecordMalformed)?;
        let joined = Group::join_builder(
            self.provider.clone(),
            welcome,
            &bundle,
            self.identity.clone(),
        )
        .config(self.config.group.clone())
        .now(now)
        .join();
        let group = match joined {
            Ok(g) => g,
            Err(e) => return Ok(vec![refused(None, e)]),
        };
        let group_id = group.group_id().to_vec();
        let replaces = match self.groups.get(&group_id) {
            Some(old) if old.group.is_active() => {
                return Ok(vec![refused(
                    Some(&group_id),
                    ClientError::GroupExists.into(),
                )]);
            }
            Some(_) => true,
            None => false,
        };
        let held = Held::new(group, now);
        let mut batch = WriteBatch::new();
        if replaces {
            // Removed from the group earlier and now added again: the old state goes, with
            // its pending Commit and buffered messages.
            batch.push(Write::DeleteGroup(group_id.clone()));
        }
        batch.push(Write::PutGroup(held.record()?));
        if !info.last_resort {
            batch.push(Write::DeleteKeyPackage(reference.clone()));
        }
        self.storage.apply(&batch)?;
        if !info.last_resort {
            self.key_packages.remove(&reference);
        }
        let epoch = held.group.epoch();
        self.groups.insert(group_id.clone(), held);
        Ok(vec![ClientEvent::Joined { group_id, epoch }])
    }
}

/// Buffers a message of a later epoch (RFC 9420 §14), within the limits.
fn buffer(
    work: &mut Held,
    bytes: &[u8],
    epoch: u64,
    limits: Limits,
    batch: &mut WriteBatch,
    events: &mut Vec<ClientEvent>,
) -> Result<(), Error> {
    if epoch > work.group.epoch().saturating_add(limits.epochs_ahead) {
        return Err(ClientError::EpochTooFarAhead.into());
    }
    if work.buffered.iter().any(|b| b.message == bytes) {
        return Err(ClientError::AlreadyBuffered.into());
    }
    if work.buffered.len() >= limits.count
        || work.buffered_bytes().saturating_add(bytes.len()) > limits.bytes
    {
        return Err(ClientError::BufferFull.into());
    }
    let group_id = work.group.group_id().to_vec();
    let record = BufferedRecord {
        group_id: group_id.clone(),
        epoch,
        sequence: work.meta.next_sequence,
        message: bytes.to_vec(),
    };
    work.meta.next_sequence = work
        .meta
        .next_sequence
        .checked_add(1)
        .ok_or(GroupError::InvalidState)?;
    batch.push(Write::PutBuffered(record.clone()));
    work.buffered.push(record);
    events.push(ClientEvent::MessageBuffered { group_id, epoch });
    Ok(())
}

/// Replays, in arrival order, every buffered message whose epoch the group has reached
/// (each merged Commit may open the next); a removed member's buffer is refused whole.
fn replay(
    work: &mut Held,
    ctx: &Ctx,
    batch: &mut WriteBatch,
    events: &mut Vec<ClientEvent>,
) -> Result<(), Error> {
    let group_id = work.group.group_id().to_vec();
    loop {
        let active = work.group.is_active();
        let current = work.group.epoch();
        let Some(i) = work
            .buffered
            .iter()
            .position(|b| !active || b.epoch <= current)
        else {
            return Ok(());
        };
        let rec = work.buffered.remove(i);
        batch.push(Write::DeleteBuffered(group_id.clone(), rec.sequence));
        if !active {
            events.push(refused(Some(&group_id), GroupError::GroupInactive.into()));
            continue;
        }
        let outcome = MlsMessage::decode(&rec.message)
            .and_then(|msg| handle(work, &rec.message, &msg, ctx, batch, events));
        if let Err(reason) = outcome {
            events.push(refused(Some(&group_id), reason));
        }
    }
}

/// A message of the current or a past epoch: processed on a copy of the group that
/// replaces `work.group` only on success.
fn handle(
    work: &mut Held,
    bytes: &[u8],
    msg: &MlsMessage,
    ctx: &Ctx,
    batch: &mut WriteBatch,
    events: &mut Vec<ClientEvent>,
) -> Result<(), Error> {
    let group_id = work.group.group_id().to_vec();
    let is_commit = msg.content_type() == Some(ContentType::Commit);
    let own_echo = work
        .pending
        .as_ref()
        .is_some_and(|p| p.record.message == bytes && p.record.epoch == work.group.epoch());
    if is_commit && own_echo {
        return merge_own(work, ctx, batch, events);
    }
    let mut group = work.group.clone();
    let processed = group.process(msg, Some(ctx.now)).map_err(|e| match e {
        Error::Group(GroupError::OwnCommit) => ClientError::StaleOwnCommit.into(),
        e => e,
    })?;
    let sender = processed.sender_credential().clone();
    match processed.content {
        ProcessedContent::Application(data) => {
            work.group = group;
            events.push(ClientEvent::ApplicationMessage {
                group_id,
                epoch: processed.epoch,
                sender,
                data,
                aad: processed.authenticated_data,
            });
        }
        ProcessedContent::Proposal(proposal, reference, _) => {
            work.group = group;
            events.push(ClientEvent::ProposalReceived {
                group_id,
                proposal: *proposal,
                reference,
                sender,
            });
        }
        ProcessedContent::Commit(staged) => {
            let added = staged.added().to_vec();
            let removed = staged.removed().to_vec();
            let removes_self = staged.removes_self();
            let old_epoch = group.epoch();
            group.merge_staged_commit(*staged)?;
            if group.epoch() == old_epoch && group.is_active() {
                // An unverified removal is held (RFC 9420 §12.4.3.2): no new epoch.
                work.group = group;
                return Ok(());
            }
            if let Some(p) = work.pending.take() {
                let resend = still_wanted(p.resend, &work.group, &group);
                batch.push(Write::DeletePendingCommit(group_id.clone()));
                events.push(ClientEvent::OwnCommitDiscarded {
                    group_id: group_id.clone(),
                    epoch: p.record.epoch,
                    resend,
                });
            }
            work.group = group;
            merged(work, ctx, &added, &removed, removes_self, events);
        }
    }
    Ok(())
}

/// The delivery service echoed this client's pending Commit: merge it (RFC 9420 §12.4).
fn merge_own(
    work: &mut Held,
    ctx: &Ctx,
    batch: &mut WriteBatch,
    events: &mut Vec<ClientEvent>,
) -> Result<(), Error> {
    let group_id = work.group.group_id().to_vec();
    let mut group = work.group.clone();
    let staged = group.pending_commit().ok_or(GroupError::NoPendingCommit)?;
    let added = staged.added().to_vec();
    let removed = staged.removed().to_vec();
    group.merge_pending_commit()?;
    work.group = group;
    work.pending = None;
    batch.push(Write::DeletePendingCommit(group_id.clone()));
    events.push(ClientEvent::OwnCommitMerged {
        group_id,
        epoch: work.group.epoch(),
    });
    merged(work, ctx, &added, &removed, false, events);
    Ok(())
}

/// After a merge: the membership and epoch events, the epoch's start time, retention by
/// age.
fn merged(
    work: &mut Held,
    ctx: &Ctx,
    added: &[Member],
    removed: &[Member],
    removes_self: bool,
    events: &mut Vec<ClientEvent>,
) {
    let group_id = work.group.group_id().to_vec();
    for member in removed {
        events.push(ClientEvent::MemberRemoved {
            group_id: group_id.clone(),
            member: member.clone(),
        });
    }
    for member in added {
        events.push(ClientEvent::MemberAdded {
            group_id: group_id.clone(),
            member: member.clone(),
        });
    }
    if removes_self || !work.group.is_active() {
        events.push(ClientEvent::Removed { group_id });
    } else {
        events.push(ClientEvent::EpochChanged {
            group_id,
            epoch: work.group.epoch(),
            epoch_authenticator: work.group.epoch_authenticator().to_vec(),
        });
    }
    if work.group.is_active() {
        work.entered_epoch(ctx.now);
    }
    work.expire(ctx.now, ctx.max_past_epoch_age);
}

/// The proposals of a discarded Commit that the winning Commit did not carry out: an Add
/// whose KeyPackage's signature key is not a member now, a Remove whose leaf still holds the
/// member it held, a PreSharedKey, a GroupContextExtensions whose extensions the group does
/// not have.
fn still_wanted(resend: Vec<Proposal>, old: &Group, new: &Group) -> Vec<Proposal> {
    if !new.is_active() {
        return Vec::new();
    }
    let members = new.members();
    resend
        .into_iter()
        .filter(|p| match p {
            Proposal::Add(a) => !members
                .iter()
                .any(|m| m.signature_key == a.key_package.leaf_node.signature_key),
            Proposal::Remove(r) => {
                let before = old.member(r.removed);
                before.is_some() && before == new.member(r.removed)
            }
            Proposal::PreSharedKey(_) => true,
            Proposal::GroupContextExtensions(g) => new.group_context().extensions != g.extensions,
            _ => false,
        })
        .collect()
}
