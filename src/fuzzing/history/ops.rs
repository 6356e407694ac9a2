//! The sending operations of a history program: proposals, Commits (with the DS's
//! first-Commit-wins ordering, RFC 9420 §14), external joins and resyncs (§12.4.3.2),
//! application messages (§6.3), and save and restore.

use alloc::vec::Vec;

use crate::components::{APP_DATA_UPDATE, AppDataUpdate};
use crate::framing::MlsMessage;
use crate::group::{
    CommitOptions, ExternalCommitOptions, Group, GroupInfoOptions, PathChoice, ProposalStatus,
};
use crate::messages::{
    Extension, Extensions, GroupContextExtensions, Proposal, RequiredCapabilities,
};

use super::super::member_ops::Reader;
use super::super::member_ops::fixture::{
    APP_COMPONENT, CUSTOM_EXTENSION, CUSTOM_PROPOSAL, PSK_ID,
    extensions_capabilities as capabilities, extensions_config as config,
};
use super::{CommitInfo, Envelope, INBOX, Kind, Member, SentSelfRemove, World, record, saved};
use crate::messages::CredentialType;

fn path(when_required: bool) -> PathChoice {
    if when_required {
        PathChoice::WhenRequired
    } else {
        PathChoice::Always
    }
}

fn is_psk(p: &Proposal) -> bool {
    matches!(p, Proposal::PreSharedKey(_))
}

fn is_app_data(p: &Proposal) -> bool {
    p.proposal_type() == APP_DATA_UPDATE
}

/// An AppDataUpdate of [`APP_COMPONENT`] chosen by `r`: a remove if `remove`, else an
/// update with data from `r` (draft-ietf-mls-extensions, "AppDataUpdate").
fn app_data(remove: bool, r: &mut Reader<'_>) -> Option<Proposal> {
    let update = if remove {
        AppDataUpdate::remove(APP_COMPONENT)
    } else {
        AppDataUpdate::update(APP_COMPONENT, r.blob().to_vec())
    };
    update.to_proposal().ok()
}

/// GroupContextExtensions chosen by `r`: none, a custom extension, `required_capabilities`
/// with the custom types, or both (every client supports them).
fn extensions(r: &mut Reader<'_>) -> Extensions {
    let mut out = Extensions::default();
    let choice = r.byte();
    if choice & 1 != 0 {
        out.0.push(Extension {
            extension_type: CUSTOM_EXTENSION,
            extension_data: r.blob().to_vec(),
        });
    }
    if choice & 2 != 0 {
        let _ = out.write(&RequiredCapabilities {
            extension_types: Vec::from([CUSTOM_EXTENSION]),
            proposal_types: Vec::from([CUSTOM_PROPOSAL]),
            credential_types: Vec::from([CredentialType::BASIC]),
        });
    }
    out
}

impl World {
    /// Queues `message` for every client with a state but `from`.
    pub(super) fn broadcast(&mut self, from: usize, message: &MlsMessage, kind: &Kind) {
        for (i, client) in self.clients.iter_mut().enumerate() {
            if i != from && client.state.is_some() {
                push(&mut client.inbox, message, kind);
            }
        }
    }

    /// A member sends `proposal` by reference.
    fn propose(&mut self, from: usize, proposal: Proposal) {
        let Some(group) = self.group_mut(from) else {
            return;
        };
        if let Ok(message) = group.propose(proposal) {
            self.broadcast(from, &message, &Kind::Proposal);
        }
    }

    /// Op 0: Add of a client's fresh KeyPackage.
    pub(super) fn op_add(&mut self, r: &mut Reader<'_>) {
        let (from, to, flags) = (self.pick(r), self.pick(r), r.byte());
        if from == to {
            return;
        }
        let Some(kp) = self.key_package(to) else {
            return;
        };
        let proposal = Proposal::Add(alloc::boxed::Box::new(crate::messages::Add {
            key_package: kp,
        }));
        if flags & 1 != 0 {
            self.propose(from, proposal);
        } else {
            self.commit(
                from,
                CommitOptions {
                    proposals: Vec::from([proposal]),
                    path: path(flags & 2 != 0),
                    ..CommitOptions::default().with_ratchet_tree()
                },
            );
        }
    }

    /// The creator adds `others` at once (the header's top bit).
    pub(super) fn add_all(&mut self, from: usize, others: &[usize]) {
        let mut options = CommitOptions::default().with_ratchet_tree();
        for &c in others {
            if let Some(kp) = self.key_package(c) {
                options = options.add_member(kp);
            }
        }
        self.commit(from, options);
    }

    /// Op 1: Remove of a client's leaf (as the remover sees the tree).
    pub(super) fn op_remove(&mut self, r: &mut Reader<'_>) {
        let (from, target, flags) = (self.pick(r), self.pick(r), r.byte());
        let Some(credential) = self
            .clients
            .get(target)
            .map(|c| c.identity.credential.clone())
        else {
            return;
        };
        let Some(leaf) = self.group_mut(from).and_then(|g| {
            g.members()
                .into_iter()
                .find(|m| m.credential == credential)
                .map(|m| m.index)
        }) else {
            return;
        };
        let proposal = Proposal::Remove(crate::messages::Remove { removed: leaf });
        if flags & 1 != 0 {
            self.propose(from, proposal);
        } else {
            self.commit(
                from,
                CommitOptions {
                    proposals: Vec::from([proposal]),
                    path: path(flags & 2 != 0),
                    ..CommitOptions::default().with_ratchet_tree()
                },
            );
        }
    }

    /// Op 2: an Update by reference.
    pub(super) fn op_update(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let Some(group) = self.group_mut(from) else {
            return;
        };
        if let Ok(message) = group.propose_update() {
            self.broadcast(from, &message, &Kind::Proposal);
        }
    }

    /// Op 3: a Commit of the pool with at most one proposal by value.
    pub(super) fn op_commit(&mut self, r: &mut Reader<'_>) {
        let (from, flags) = (self.pick(r), r.byte());
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let inline = match (flags >> 1) % 8 {
            1 => group.external_psk_proposal(PSK_ID).ok(),
            2 => {
                let back = u64::from(r.byte() % 3);
                let epoch = group.epoch().saturating_sub(back);
                group.resumption_psk_proposal(epoch).ok()
            }
            3 => Some(Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: extensions(r),
            })),
            4 => app_data(false, r),
            5 => app_data(true, r),
            _ => None,
        };
        self.commit(
            from,
            CommitOptions {
                proposals: inline.into_iter().collect(),
                path: path(flags & 1 != 0),
                ..CommitOptions::default().with_ratchet_tree()
            },
        );
    }

    /// Op 4: a PSK proposal by reference.
    pub(super) fn op_psk(&mut self, r: &mut Reader<'_>) {
        let (from, kind) = (self.pick(r), r.byte());
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let proposal = if kind & 3 == 0 {
            group.external_psk_proposal(PSK_ID).ok()
        } else {
            let epoch = group.epoch().saturating_sub(u64::from(kind & 3));
            group.resumption_psk_proposal(epoch).ok()
        };
        if let Some(p) = proposal {
            self.propose(from, p);
        }
    }

    /// Op 5: GroupContextExtensions by reference.
    pub(super) fn op_gce(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let proposal = Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions(r),
        });
        self.propose(from, proposal);
    }

    /// Op 14: a SelfRemove by reference (draft-ietf-mls-extensions, "SelfRemove
    /// Proposal"); the member remembers its reference to check that it learns its removal.
    pub(super) fn op_self_remove(&mut self, r: &mut Reader<'_>) {
        let from = self.pick(r);
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let Ok(message) = group.self_remove() else {
            return;
        };
        let epoch = group.epoch();
        let own = crate::framing::Sender::Member(group.own_leaf());
        let reference = group
            .pending_proposals()
            .find(|p| p.sender == own && matches!(p.proposal, Proposal::SelfRemove))
            .map(|p| p.reference.clone());
        if let (Some(reference), Some(member)) = (
            reference,
            self.clients.get_mut(from).and_then(|c| c.state.as_mut()),
        ) {
            member
                .self_removes
                .push(SentSelfRemove { epoch, reference });
        }
        self.broadcast(from, &message, &Kind::Proposal);
    }

    /// Op 15: an AppDataUpdate of [`APP_COMPONENT`] by reference.
    pub(super) fn op_app_data(&mut self, r: &mut Reader<'_>) {
        let (from, kind) = (self.pick(r), r.byte());
        if let Some(p) = app_data(kind & 1 != 0, r) {
            self.propose(from, p);
        }
    }

    /// [`Group::commit`] at `from`, then the DS decides: the Commit wins if it is of the
    /// DS's current epoch (the committer merges it), else the committer discards it.
    pub(super) fn commit(&mut self, from: usize, options: CommitOptions) {
        let head = self.head();
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let epoch = group.epoch();
        let pool: Vec<_> = group
            .pending_proposals()
            .filter(|p| p.status == ProposalStatus::Accepted)
            .map(|p| {
                let kind = (
                    is_psk(&p.proposal),
                    matches!(p.proposal, Proposal::SelfRemove),
                    is_app_data(&p.proposal),
                );
                (p.reference.clone(), kind)
            })
            .collect();
        let inline_psk = options.proposals.iter().any(is_psk);
        let inline_app_data = options.proposals.iter().any(is_app_data);
        let Ok(out) = group.commit(options) else {
            return;
        };
        let pool: Vec<_> = pool
            .into_iter()
            .filter(|(c, _)| !out.left_out.iter().any(|l| l.reference == *c))
            .collect();
        if epoch != head {
            group.clear_pending_commit();
            self.stats.lost_commits = self.stats.lost_commits.saturating_add(1);
            return;
        }
        let merged = group.merge_pending_commit();
        assert!(
            merged.is_ok(),
            "the committer cannot merge its winning Commit"
        );
        if pool.iter().any(|(_, (_, s, _))| *s) {
            self.stats.self_remove_commits = self.stats.self_remove_commits.saturating_add(1);
        }
        if inline_app_data || pool.iter().any(|(_, (_, _, a))| *a) {
            self.stats.app_data_commits = self.stats.app_data_commits.saturating_add(1);
        }
        let info = CommitInfo {
            epoch,
            psk: inline_psk || pool.iter().any(|(_, (p, _, _))| *p),
            covered: pool.into_iter().map(|(c, _)| c).collect(),
        };
        self.won(from, &out.commit, out.welcome.as_ref(), info);
    }

    /// A Commit of `from` won its epoch (`from` is already in the new epoch): the DS
    /// records the epoch and queues the Commit, and the Welcome for the clients it added.
    fn won(
        &mut self,
        from: usize,
        commit: &MlsMessage,
        welcome: Option<&MlsMessage>,
        info: CommitInfo,
    ) {
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let new = record(group);
        let old = self.records.last().map(|r| r.identities.clone());
        self.records.push(new.clone());
        self.stats.commits = self.stats.commits.saturating_add(1);
        let psk = info.psk;
        let epoch = info.epoch.saturating_add(1);
        self.broadcast(from, commit, &Kind::Commit(info));
        let Some(welcome) = welcome else {
            return;
        };
        let old = old.unwrap_or_default();
        let added: Vec<usize> = self
            .clients
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                *i != from
                    && new.identities.contains(&c.identity.credential)
                    && !old.contains(&c.identity.credential)
            })
            .map(|(i, _)| i)
            .collect();
        let kind = Kind::Welcome {
            epoch,
            added: added.clone(),
            psk,
        };
        for i in added {
            if let Some(c) = self.clients.get_mut(i) {
                push(&mut c.inbox, welcome, &kind);
            }
        }
    }

    /// Ops 6 and 7: `joiner` joins by external Commit from the GroupInfo of `publisher`
    /// (a resync removes its prior leaf). The Commit goes to the DS like any other.
    pub(super) fn op_external(&mut self, r: &mut Reader<'_>, resync: bool) {
        let (joiner, publisher, flags) = (self.pick(r), self.pick(r), r.byte());
        let head = self.head();
        let Some(publisher) = self.group_mut(publisher) else {
            return;
        };
        let epoch = publisher.epoch();
        let Ok(group_info) = publisher.group_info(GroupInfoOptions::default()) else {
            return;
        };
        let Some(identity) = self.clients.get(joiner).map(|c| c.identity.clone()) else {
            return;
        };
        let options = ExternalCommitOptions {
            remove_prior: Self::prior(resync),
            external_psks: if flags & 1 != 0 {
                Vec::from([PSK_ID.to_vec()])
            } else {
                Vec::new()
            },
            capabilities: Some(capabilities()),
            ..ExternalCommitOptions::default()
        };
        let Ok((group, out)) = Group::join_by_external_commit(
            self.provider.clone(),
            &group_info,
            None,
            identity,
            config(joiner),
            &self.psks,
            options,
        ) else {
            return;
        };
        if epoch != head {
            self.stats.lost_commits = self.stats.lost_commits.saturating_add(1);
            return;
        }
        let Some(client) = self.clients.get_mut(joiner) else {
            return;
        };
        client.state = Some(Member::new(group));
        if resync {
            self.stats.resyncs = self.stats.resyncs.saturating_add(1);
        } else {
            self.stats.external_joins = self.stats.external_joins.saturating_add(1);
        }
        let info = CommitInfo {
            epoch,
            covered: Vec::new(),
            psk: flags & 1 != 0,
        };
        self.won(joiner, &out.commit, None, info);
    }

    /// Op 8: application data to every other client.
    pub(super) fn op_application(&mut self, r: &mut Reader<'_>) {
        let (from, plaintext) = (self.pick(r), r.blob());
        let Some(group) = self.group_mut(from) else {
            return;
        };
        let epoch = group.epoch();
        if let Ok(message) = group.encrypt_application(plaintext, b"") {
            self.broadcast(
                from,
                &message,
                &Kind::Application(epoch, plaintext.to_vec()),
            );
        }
    }

    /// Op 9: a member is saved and restored; the restored copy must save to the same
    /// bytes, and is compared with the original on the next message it gets.
    pub(super) fn op_persist(&mut self, r: &mut Reader<'_>) {
        let at = self.pick(r);
        let provider = self.provider.clone();
        let Some(member) = self.clients.get_mut(at).and_then(|c| c.state.as_mut()) else {
            return;
        };
        let Ok(bytes) = member.group.to_bytes() else {
            return;
        };
        // The hooks (the registered application component) are code, not saved state.
        let restored = Group::from_bytes_with_hooks(provider, config(at).hooks, bytes.as_bytes());
        assert!(restored.is_ok(), "a saved group does not restore");
        if let Ok(restored) = restored {
            assert!(
                saved(&restored) == bytes.as_bytes(),
                "a restored group saves differently"
            );
            member.twin = Some(restored);
        }
    }
}

/// Queues `message` at the end of `inbox` (the oldest dropped past [`INBOX`]).
pub(super) fn push(inbox: &mut Vec<Envelope>, message: &MlsMessage, kind: &Kind) {
    if inbox.len() >= INBOX {
        inbox.remove(0);
    }
    inbox.push(Envelope {
        message: message.clone(),
        kind: kind.clone(),
        seen: false,
    });
}
