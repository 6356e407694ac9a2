//! Processing received messages (RFC 9420 §6, §12.4.2): application data, proposals stored
//! by reference, and Commits validated into a [`StagedCommit`] merged in one step.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto::{Secret, labels};
use crate::error::{Error, FramingError, GroupError};
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, MlsMessage,
    MlsMessageBody, Sender, WireFormat,
};
use crate::key_schedule::{EpochSecrets, PreSharedKeyId, derive_epoch};
use crate::messages::{Commit, Credential, GroupContext, Proposal, ProposalRef, ReInit};
use crate::ratchet_tree::{StagedTree, TreeView};
use crate::transcript::{
    confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag,
};
use crate::tree_math::LeafIndex;
use crate::treekem::{TreePrivateKeys, merge_update_path};

use super::Group;
use super::commit::{added_members, retained_keys};
use super::config::{HandshakeFormat, Member};
use super::epoch::{EpochState, PastEpoch};
use super::handshake_checks::{check_commit_policy, resolve_committed, validate_lone_proposal};
use super::hooks::CredentialUse;
use super::pool::ProposalStatus;
use super::proposals::{AppliedProposals, Checks, apply_proposals, check_path_leaf, member_at};
use super::self_removal::SelfRemoval;
use super::sender::{SenderIdentity, sender_identity};

/// A fully validated Commit, not yet applied (RFC 9420 §12.4.2): inspect it, then
/// [`Group::merge_staged_commit`] (or drop it to stay in the current epoch).
#[derive(Clone, Debug)]
pub struct StagedCommit {
    pub(super) base_epoch: u64,
    /// The base epoch's interim transcript hash (RFC 9420 §8.2): with the new GroupContext's
    /// `group_id`, it binds the staged Commit to the group and epoch history it was
    /// validated in (the confirmed transcript hash alone is empty in every group's epoch 0;
    /// the interim one covers it and the epoch's confirmation tag).
    pub(super) base_interim_transcript_hash: Vec<u8>,
    pub(super) committer: LeafIndex,
    pub(super) tree: StagedTree,
    pub(super) keys: Option<TreePrivateKeys>,
    pub(super) context: GroupContext,
    pub(super) secrets: Option<EpochSecrets>,
    pub(super) confirmation_tag: Vec<u8>,
    pub(super) interim_transcript_hash: Vec<u8>,
    pub(super) added: Vec<Member>,
    pub(super) removed: Vec<Member>,
    pub(super) updated: Vec<Member>,
    pub(super) psks: Vec<PreSharedKeyId>,
    pub(super) reinit: Option<ReInit>,
    pub(super) changed_leaves: Vec<(LeafIndex, Option<SenderIdentity>)>,
    pub(super) self_removed: bool,
    /// How the removal of this member is authenticated, if the Commit removes it.
    pub(super) self_removal: Option<SelfRemoval>,
    pub(super) custom_proposals: Vec<(Proposal, Sender)>,
}

impl StagedCommit {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        group: &Group,
        applied: AppliedProposals<'_>,
        context: GroupContext,
        keys: TreePrivateKeys,
        secrets: EpochSecrets,
        confirmation_tag: Vec<u8>,
        interim_transcript_hash: Vec<u8>,
        committer: LeafIndex,
    ) -> Result<Self, Error> {
        let added = added_members(&applied);
        let updated = applied
            .updated
            .iter()
            .filter_map(|l| super::proposals::member_at(&applied.diff, *l))
            .collect();
        let own = group.own_leaf();
        let self_removed = applied.removed.iter().any(|m| m.index == own);
        Ok(StagedCommit {
            base_epoch: group.epoch(),
            base_interim_transcript_hash: group.interim_transcript_hash.clone(),
            committer,
            tree: applied.diff.into_staged(),
            keys: (!self_removed).then_some(keys),
            context,
            secrets: (!self_removed).then_some(secrets),
            confirmation_tag,
            interim_transcript_hash,
            added,
            removed: applied.removed,
            updated,
            psks: applied.psks,
            reinit: applied.reinit,
            changed_leaves: applied.changed_leaves,
            self_removed,
            self_removal: self_removed.then_some(SelfRemoval::Verified),
            custom_proposals: applied.custom,
        })
    }

    /// The member that sent the Commit.
    pub fn committer(&self) -> LeafIndex {
        self.committer
    }

    /// The epoch the Commit starts.
    pub fn new_epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The GroupContext of the new epoch.
    pub fn group_context(&self) -> &GroupContext {
        &self.context
    }

    /// Members added by the Commit (RFC 9420 §12.1.1).
    pub fn added(&self) -> &[Member] {
        &self.added
    }

    /// Members removed by the Commit (§12.1.3), as they were.
    pub fn removed(&self) -> &[Member] {
        &self.removed
    }

    /// Members whose leaf an Update proposal replaced (§12.1.2), as they are now.
    pub fn updated(&self) -> &[Member] {
        &self.updated
    }

    /// The PSKs injected by the Commit (§12.1.4).
    pub fn psks(&self) -> &[PreSharedKeyId] {
        &self.psks
    }

    /// The ReInit proposal of the Commit, if any (§12.1.5).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// Whether the Commit removes this member (see [`StagedCommit::self_removal`]).
    pub fn removes_self(&self) -> bool {
        self.self_removed
    }

    /// If the Commit removes this member, whether that is verified: a member's Commit is
    /// ([`SelfRemoval::Verified`]), a resync external Commit is not
    /// ([`SelfRemoval::Unverified`], RFC 9420 §12.4.3.2: its merge keeps the group in its
    /// epoch until [`Group::confirm_removal`]).
    pub fn self_removal(&self) -> Option<&SelfRemoval> {
        self.self_removal.as_ref()
    }

    /// Whether this Commit was validated by `group` in its current epoch: the same group id,
    /// epoch and interim transcript hash (RFC 9420 §8.2, §12.4.2).
    pub(super) fn check_base(&self, group: &Group) -> Result<(), Error> {
        if self.context.group_id.as_slice() != group.group_id() {
            return Err(GroupError::StagedCommitOfOtherGroup.into());
        }
        if self.base_epoch != group.epoch() {
            return Err(GroupError::StaleStagedCommit.into());
        }
        if self.base_interim_transcript_hash != group.interim_transcript_hash {
            return Err(GroupError::StagedCommitOfOtherGroup.into());
        }
        Ok(())
    }

    /// The custom proposals the Commit covers (RFC 9420 §12.1: types outside RFC 9420's
    /// seven, each a [`Proposal::Custom`]), in Commit order with their senders, already
    /// accepted by the group's `CustomProposalValidator`. MLS applies nothing for them: the
    /// application acts on them once the Commit is merged.
    pub fn custom_proposals(&self) -> &[(Proposal, Sender)] {
        &self.custom_proposals
    }
}

/// What a received message carried (RFC 9420 §6).
#[derive(Clone, Debug)]
pub enum ProcessedContent {
    /// Application data (§6.3).
    Application(Vec<u8>),
    /// A proposal, now stored by reference for a later Commit (§12.1), with its status in
    /// the pool: [`ProposalStatus::Held`] proposals wait for
    /// [`Group::approve_proposal`] (see [`ProposalPolicy`](super::ProposalPolicy)).
    Proposal(Box<Proposal>, ProposalRef, ProposalStatus),
    /// A validated Commit to inspect and merge (§12.4.2).
    Commit(Box<StagedCommit>),
}

/// A received message after every check (RFC 9420 §6, §12.4.2).
#[derive(Clone, Debug)]
pub struct ProcessedMessage {
    /// The epoch the message was sent in.
    pub epoch: u64,
    /// The sender, as the message names it (§6.1: a leaf index, an `external_senders`
    /// index, or a new member).
    pub sender: Sender,
    /// The sender's credential and the signature key that verified the message (§6.1),
    /// from the tree (or `external_senders`, or the new member's LeafNode) of the
    /// message's epoch: see [`SenderIdentity`].
    pub sender_identity: SenderIdentity,
    /// The message's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
    /// The content.
    pub content: ProcessedContent,
}

impl ProcessedMessage {
    /// The sender's credential (RFC 9420 §5.3), as verified: see [`SenderIdentity`].
    pub fn sender_credential(&self) -> &Credential {
        &self.sender_identity.credential
    }

    /// The application data, if the message carried some (RFC 9420 §6.3).
    pub fn application_data(&self) -> Option<&[u8]> {
        match &self.content {
            ProcessedContent::Application(d) => Some(d),
            _ => None,
        }
    }
}

impl Group {
    /// Processes a PublicMessage or PrivateMessage of this group (RFC 9420 §6, §12.4.2).
    /// Application messages of a kept past epoch still decrypt. Proposals are validated and
    /// stored by reference; a Commit is validated into a [`StagedCommit`], which is applied
    /// only by [`Group::merge_staged_commit`]. `now` checks added KeyPackages' lifetimes
    /// (`None` skips). On error the group is unchanged (except that a used ratchet key is
    /// deleted, §9.2).
    ///
    /// The result names the sender by its verified credential and signature key
    /// ([`ProcessedMessage::sender_identity`]). Once this member is removed (or the group
    /// reinitialized), messages of later epochs and handshake messages are
    /// [`GroupError::GroupInactive`] (checked before [`GroupError::FutureEpoch`]);
    /// application messages of its last epoch and of kept past epochs still decrypt.
    pub fn process(
        &mut self,
        message: &MlsMessage,
        now: Option<u64>,
    ) -> Result<ProcessedMessage, Error> {
        message.validate()?;
        let (group_id, epoch, handshake) = match &message.body {
            MlsMessageBody::PublicMessage(m) => (
                &m.content.group_id,
                m.content.epoch,
                m.content.content_type().is_handshake(),
            ),
            MlsMessageBody::PrivateMessage(m) => {
                (&m.group_id, m.epoch, m.content_type.is_handshake())
            }
            _ => return Err(GroupError::UnexpectedWireFormat.into()),
        };
        if group_id.as_slice() != self.group_id() {
            return Err(GroupError::WrongGroupId.into());
        }
        // A removed (or reinitialized) member follows the group no further (RFC 9420
        // §12.4.2, §11.2): the epochs after its last one, and handshake messages of any
        // epoch, are refused before the epoch is looked at. Application messages of its
        // last epoch and of kept past epochs still decrypt.
        if !self.active && (epoch > self.epoch() || handshake) {
            return Err(GroupError::GroupInactive.into());
        }
        if epoch > self.epoch() {
            return Err(GroupError::FutureEpoch.into());
        }
        if epoch < self.epoch() {
            return self.process_past(message, epoch);
        }
        self.check_non_member(message)?;
        let (ac, sender_identity) = self.unprotect(message)?;
        self.check_handshake_format(&ac)?;
        // draft-ietf-mls-extensions § "Safe AAD": no unsafe AAD once `safe_aad` is required.
        crate::components::check_received_aad(
            &self.context.group_context().extensions,
            &ac.content.authenticated_data,
        )?;
        // Validate and stage by reference (a Commit's content is O(n) bytes in a sparse
        // tree: it is never copied); an application message's data is moved out below.
        let content = match &ac.content.body {
            FramedContentBody::Application(_) => ProcessedContent::Application(Vec::new()),
            FramedContentBody::Proposal(p) => {
                let sender = ac.content.sender;
                let (reference, status) = self.store_proposal(&ac, p.clone(), sender, now)?;
                ProcessedContent::Proposal(Box::new(p.clone()), reference, status)
            }
            FramedContentBody::Commit(c) => {
                ProcessedContent::Commit(Box::new(self.stage_commit(&ac, c, now)?))
            }
        };
        let FramedContent {
            epoch,
            sender,
            authenticated_data,
            body,
            ..
        } = ac.content;
        let content = match (content, body) {
            (ProcessedContent::Application(_), FramedContentBody::Application(data)) => {
                ProcessedContent::Application(data)
            }
            (content, _) => content,
        };
        Ok(ProcessedMessage {
            epoch,
            sender,
            sender_identity,
            authenticated_data,
            content,
        })
    }

    /// The group's handshake wire-format policy, for members' messages only: non-members
    /// can only send PublicMessages (RFC 9420 §12.1.8, §12.4.3.2).
    fn check_handshake_format(&self, ac: &AuthenticatedContent) -> Result<(), Error> {
        // A SelfRemove proposal is always a PublicMessage (draft-ietf-mls-extensions),
        // whatever the group's policy for its other handshake messages.
        let self_remove = matches!(
            ac.content.body,
            FramedContentBody::Proposal(Proposal::SelfRemove)
        );
        if !ac.content.content_type().is_handshake()
            || self.config.accept_both_handshake_formats
            || !matches!(ac.content.sender, Sender::Member(_))
            || (self_remove && ac.wire_format == WireFormat::MLS_PUBLIC_MESSAGE)
        {
            return Ok(());
        }
        let expected = match self.config.handshake_format {
            HandshakeFormat::Public => WireFormat::MLS_PUBLIC_MESSAGE,
            HandshakeFormat::Private => WireFormat::MLS_PRIVATE_MESSAGE,
        };
        if ac.wire_format == expected {
            Ok(())
        } else {
            Err(GroupError::WireFormatPolicyViolation.into())
        }
    }

    /// Verifies and decrypts a message of the current epoch (RFC 9420 §6.2, §6.3); returns
    /// it with the identity whose signature key verified it.
    pub(super) fn unprotect(
        &mut self,
        message: &MlsMessage,
    ) -> Result<(AuthenticatedContent, SenderIdentity), Error> {
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        let tree = &self.tree;
        let ctx = self.context.group_context();
        let mut who: Option<SenderIdentity> = None;
        let ac = match &message.body {
            MlsMessageBody::PublicMessage(m) => {
                m.clone()
                    .unprotect(cs, &self.context, &self.epoch.membership_key, |s, c| {
                        who = sender_identity(tree, ctx, s, c);
                        who.as_ref().map(|i| i.signature_key.clone())
                    })?
            }
            MlsMessageBody::PrivateMessage(m) => m.clone().unprotect(
                cs,
                &self.context,
                &mut self.epoch.secret_tree,
                &self.epoch.sender_data_secret,
                |l| {
                    who = member_at(tree, l).map(SenderIdentity::from);
                    who.as_ref().map(|i| i.signature_key.clone())
                },
            )?,
            _ => return Err(GroupError::UnexpectedWireFormat.into()),
        };
        let who = who.ok_or(FramingError::UnknownSender)?;
        Ok((ac, who))
    }

    /// An application message of a kept past epoch (RFC 9420 §9.2); handshake messages of
    /// past epochs are refused.
    pub(super) fn process_past(
        &mut self,
        message: &MlsMessage,
        epoch: u64,
    ) -> Result<ProcessedMessage, Error> {
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        let MlsMessageBody::PrivateMessage(m) = &message.body else {
            return Err(GroupError::PastEpochUnavailable.into());
        };
        if m.content_type.is_handshake() {
            return Err(GroupError::PastEpochUnavailable.into());
        }
        let pos = self
            .past_epochs
            .iter()
            .position(|(e, _)| *e == epoch)
            .ok_or(GroupError::PastEpochUnavailable)?;
        // The identity of a leaf in that epoch: the first change recorded from that epoch
        // on (the leaf as it was before the change, so a member removed since is still
        // named), else the current tree.
        let identity = |l: LeafIndex| -> Option<SenderIdentity> {
            for (_, p) in self.past_epochs.iter().skip(pos) {
                if let Some(k) = p.changed_identity(l) {
                    return k.cloned();
                }
            }
            member_at(&self.tree, l).map(SenderIdentity::from)
        };
        let (_, past) = self
            .past_epochs
            .get(pos)
            .ok_or(GroupError::PastEpochUnavailable)?;
        let sender_data = m.sender_data(cs, &past.sender_data_secret)?;
        let who = identity(sender_data.leaf_index).ok_or(FramingError::UnknownSender)?;
        let signer = Some(who.signature_key.clone());
        let (_, past) = self
            .past_epochs
            .get_mut(pos)
            .ok_or(GroupError::PastEpochUnavailable)?;
        let ac = m.clone().unprotect(
            cs,
            &past.context,
            &mut past.secret_tree,
            &past.sender_data_secret,
            |_| signer,
        )?;
        // draft-ietf-mls-extensions § "Safe AAD", under that epoch's GroupContext.
        crate::components::check_received_aad(
            &past.context.group_context().extensions,
            &ac.content.authenticated_data,
        )?;
        let FramedContent {
            sender,
            authenticated_data,
            body,
            ..
        } = ac.content;
        let FramedContentBody::Application(data) = body else {
            return Err(GroupError::PastEpochUnavailable.into());
        };
        Ok(ProcessedMessage {
            epoch,
            sender,
            sender_identity: who,
            authenticated_data,
            content: ProcessedContent::Application(data),
        })
    }

    /// Validates a received proposal on its own (RFC 9420 §12.1) and stores it by reference,
    /// once ([`GroupError::DuplicateProposal`] for a replay or an echo), as the group's
    /// [`ProposalPolicy`](super::ProposalPolicy) decides, within the pool's bounds.
    fn store_proposal(
        &mut self,
        ac: &AuthenticatedContent,
        proposal: Proposal,
        sender: Sender,
        now: Option<u64>,
    ) -> Result<(ProposalRef, ProposalStatus), Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(ac)?)?);
        if self.proposals.iter().any(|p| p.reference == reference) {
            return Err(GroupError::DuplicateProposal.into());
        }
        if matches!(proposal, Proposal::SelfRemove) {
            self.check_received_self_remove(ac, sender)?;
        }
        validate_lone_proposal(
            cs,
            &self.tree,
            self.context.group_context(),
            &proposal,
            sender,
            &Checks {
                now,
                hooks: &self.config.hooks,
                tree_limits: self.config.tree_limits,
            },
        )?;
        let status = self.pool_insert(reference.clone(), proposal, sender, false)?;
        Ok((reference, status))
    }

    /// Validates a received Commit (RFC 9420 §12.4.2) into a [`StagedCommit`].
    pub(super) fn stage_commit(
        &self,
        ac: &AuthenticatedContent,
        commit: &Commit,
        now: Option<u64>,
    ) -> Result<StagedCommit, Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let committer = match ac.content.sender {
            Sender::Member(committer) => committer,
            Sender::NewMemberCommit => return self.stage_external_commit(ac, commit, now),
            _ => return Err(GroupError::UnsupportedCommitSender.into()),
        };
        if committer == self.own_leaf() {
            return Err(GroupError::OwnCommit.into());
        }
        let committed = resolve_committed(commit, committer, |r| {
            self.proposals
                .iter()
                .find(|c| c.reference == *r)
                .map(|c| (&c.proposal, c.sender))
        })?;
        let ctx = self.context.group_context();
        // A Commit that omits a SelfRemove this member holds is not refused: the committer
        // may never have received it, and refusing would let the delivery service fork
        // the group (draft-ietf-mls-extensions puts the duty on the committer only).
        check_commit_policy(&self.config.hooks, ctx, committer, commit, &committed)?;
        let checks = Checks {
            now,
            hooks: &self.config.hooks,
            tree_limits: self.config.tree_limits,
        };
        let mut applied = apply_proposals(cs, &self.tree, ctx, committer, &committed, &checks)?;
        let own = self.own_leaf();
        let self_removed = applied.removed.iter().any(|m| m.index == own);
        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        next.extensions = applied.extensions.clone();
        let added: Vec<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();
        let mut keys = retained_keys(&self.keys, &applied.diff);
        // An Update proposal of ours replaced our leaf: its private key was kept.
        if applied.updated.contains(&own)
            && let Some(leaf) = applied.diff.leaf(own)
        {
            let key = self
                .pending_updates
                .iter()
                .find(|(p, _)| p.as_bytes() == leaf.encryption_key())
                .map(|(_, k)| k.clone())
                .ok_or(crate::error::TreeKemError::NoPrivateKey)?;
            keys.set_leaf_key(key);
        }
        let commit_secret = match &commit.path {
            None if applied.path_required => return Err(GroupError::PathRequired.into()),
            None => {
                next.tree_hash = applied.diff.tree_hash(cs)?;
                Some(Secret::zero(cs.hash_len()))
            }
            Some(path) => {
                check_path_leaf(
                    &applied.diff,
                    ctx,
                    &next.extensions,
                    committer,
                    &path.leaf_node,
                    &self.config.hooks,
                    CredentialUse::CommitPath,
                )?;
                super::proposals::check_path_keys(cs, path)?;
                let merged = merge_update_path(
                    cs,
                    &mut applied.diff,
                    committer,
                    &ctx.group_id,
                    path,
                    &added,
                )?;
                next.tree_hash = applied.diff.tree_hash(cs)?;
                if self_removed {
                    None
                } else {
                    let got = merged.decrypt_in(cs, &applied.diff, &next.encode()?, &mut keys)?;
                    Some(got.commit_secret)
                }
            }
        };
        next.confirmed_transcript_hash =
            confirmed_transcript_hash(cs, &self.interim_transcript_hash, ac)?;
        let tag = ac
            .auth
            .confirmation_tag
            .clone()
            .ok_or(FramingError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(cs, &next.confirmed_transcript_hash, &tag)?;
        let secrets = match commit_secret {
            Some(commit_secret) => {
                let psk = self.psk_secret(cs, &applied.psks)?;
                let derived = derive_epoch(
                    cs,
                    &self.epoch.init_secret,
                    &commit_secret,
                    &psk,
                    &next.encode()?,
                )?;
                verify_confirmation_tag(
                    cs,
                    &derived.epoch_secrets.confirmation_key,
                    &next.confirmed_transcript_hash,
                    &tag,
                )?;
                derived.epoch_secrets
            }
            // Removed: the new epoch's secrets are out of reach (and not needed).
            None => EpochSecrets::from_epoch_secret(cs, &Secret::zero(cs.hash_len()))?,
        };
        StagedCommit::new(self, applied, next, keys, secrets, tag, interim, committer)
    }

    /// Applies a [`StagedCommit`] of the current epoch (RFC 9420 §12.4.2): the group moves
    /// to the new epoch; the old epoch's application secrets are kept for
    /// `max_past_epochs` epochs. If the Commit removed this member, the group becomes
    /// inactive; unless the removal is unverified ([`SelfRemoval::Unverified`]): then the
    /// group stays active in its epoch and records it ([`Group::pending_unverified_removal`]).
    ///
    /// A StagedCommit of another group, or of another history of this epoch number, is
    /// [`GroupError::StagedCommitOfOtherGroup`]; one of another epoch of this group
    /// [`GroupError::StaleStagedCommit`]. Either leaves the group unchanged.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<(), Error> {
        staged.check_base(self)?;
        if let Some(SelfRemoval::Unverified(removal)) = staged.self_removal {
            self.hold_unverified_removal(removal);
            return Ok(());
        }
        let StagedCommit {
            tree,
            keys,
            context,
            secrets,
            confirmation_tag,
            interim_transcript_hash,
            changed_leaves,
            self_removed,
            reinit,
            ..
        } = staged;
        let new_context = FramingContext::new(context)?;
        let secrets = match secrets {
            Some(s) if !self_removed => s,
            _ => {
                // Removed: the member stays in its last epoch (RFC 9420 §12.4.2) with that
                // epoch's tree, so the epoch's application messages are read with the tree
                // they were sent in (a member removed by the same Commit is blank in the
                // next tree, a leaf it changed holds another key).
                self.active = false;
                self.epoch.unverified_removal = None;
                self.proposals.clear();
                self.pending_commit = None;
                return Ok(());
            }
        };
        self.tree
            .merge(tree)
            .map_err(|_| Error::Group(GroupError::StaleStagedCommit))?;
        let epoch = EpochState::new(secrets, self.tree.size(), self.config.secret_tree);
        let old_context = core::mem::replace(&mut self.context, new_context);
        let old_epoch = core::mem::replace(&mut self.epoch, epoch);
        if self.config.max_past_epochs > 0 {
            self.past_epochs.push_back((
                old_context.epoch(),
                PastEpoch {
                    context: old_context,
                    sender_data_secret: old_epoch.sender_data_secret,
                    secret_tree: old_epoch.secret_tree,
                    changed_leaves,
                },
            ));
        } else {
            // Keep the signature-key history chain intact for no one: nothing is kept.
            self.past_epochs.clear();
        }
        while self.past_epochs.len() > self.config.max_past_epochs {
            self.past_epochs.pop_front();
        }
        if let Some(k) = keys {
            self.keys = k;
        }
        self.confirmation_tag = confirmation_tag;
        self.interim_transcript_hash = interim_transcript_hash;
        self.proposals.clear();
        self.pending_updates.clear();
        self.pending_commit = None;
        self.remember_resumption_psk();
        self.note_reinit(reinit);
        Ok(())
    }
}
