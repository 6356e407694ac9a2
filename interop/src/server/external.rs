//! The RPCs around non-members (RFC 9420 §12.1.8, §12.4.3.2): `GroupInfo`, `ExternalJoin`,
//! `NewMemberAddProposal`, `CreateExternalSigner`, `AddExternalSigner` and
//! `ExternalSignerProposal`.
//!
//! Wire forms, as the other interop clients: a GroupInfo is an `mls_group_info`
//! `MLSMessage` with `external_pub`, and with the `ratchet_tree` extension unless the tree
//! is asked for out of band; an external sender is the TLS encoding of the `ExternalSender`
//! struct (§12.1.8.1: `SignaturePublicKey signature_key; Credential credential;`), which is
//! what mls-rs encodes as a `SigningIdentity`. The harness does not tell an external signer
//! its `sender_index`: the signer finds its entry in the GroupInfo's `external_senders`.

use melos::codec;
use melos::crypto::Secret;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    ExternalCommitOptions, ExternalProposer, Group, GroupInfoOptions, PriorLeaf, PskStore,
    SigningIdentity, new_member_add_proposal,
};
use melos::messages::{Credential, ExtensionType, ExternalSender, ExternalSenders, GroupContext};
use melos::ratchet_tree::{RatchetTree, TreeView};
use tonic::Status;

use super::errors::{invalid, melos_status};
use super::ops::{Core, Target, decode_group_info, describe, leaf_by_identity, sent};
use super::state::GroupState;
use crate::proto;

impl Core {
    /// `GroupInfo` (RFC 9420 §12.4.3): a signed GroupInfo of the current epoch with
    /// `external_pub`; with `external_tree` the tree comes out of band in `ratchet_tree`,
    /// otherwise it is in the GroupInfo's `ratchet_tree` extension.
    pub fn group_info(
        &self,
        req: proto::GroupInfoRequest,
    ) -> Result<proto::GroupInfoResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let options = GroupInfoOptions {
            ratchet_tree: !req.external_tree,
            external_pub: true,
        };
        let group_info = state
            .group
            .group_info(options)
            .and_then(|m| m.encode())
            .map_err(melos_status)?;
        let ratchet_tree = if req.external_tree {
            state
                .group
                .ratchet_tree()
                .encode_extension()
                .map_err(melos_status)?
        } else {
            Vec::new()
        };
        Ok(proto::GroupInfoResponse {
            group_info,
            ratchet_tree,
        })
    }

    /// `ExternalJoin` (RFC 9420 §12.4.3.2): a new client with a basic credential joins by
    /// external Commit, injecting the given external PSKs and, with `remove_prior`, removing
    /// the leaf that has the same credential (a resync). The new state is in the new epoch
    /// already; the Commit is for the members.
    pub fn external_join(
        &self,
        req: proto::ExternalJoinRequest,
    ) -> Result<proto::ExternalJoinResponse, Status> {
        let (group_info, context) = decode_group_info(&req.group_info)?;
        let cs = self
            .provider
            .suite(context.cipher_suite)
            .map_err(melos_status)?;
        let identity =
            SigningIdentity::generate(cs, Credential::Basic(req.identity)).map_err(melos_status)?;
        let mut psks = PskStore::new();
        let mut external_psks = Vec::with_capacity(req.psks.len());
        for p in req.psks {
            if external_psks.contains(&p.psk_id) {
                return Err(invalid("the same PSK id twice"));
            }
            psks.insert(p.psk_id.clone(), Secret::from(p.psk_secret));
            external_psks.push(p.psk_id);
        }
        let options = ExternalCommitOptions {
            remove_prior: req.remove_prior.then_some(PriorLeaf::SameCredential),
            external_psks,
            ..ExternalCommitOptions::default()
        };
        let tree = (!req.ratchet_tree.is_empty()).then_some(req.ratchet_tree.as_slice());
        let (group, out) = Group::join_by_external_commit(
            self.provider.clone(),
            &group_info,
            tree,
            identity,
            self.config(req.encrypt_handshake),
            &psks,
            options,
        )
        .map_err(melos_status)?;
        let commit = out.commit.encode().map_err(melos_status)?;
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = self.store.lock().insert_state(GroupState::new(group))?;
        Ok(proto::ExternalJoinResponse {
            state_id,
            commit,
            epoch_authenticator,
        })
    }

    /// `NewMemberAddProposal` (RFC 9420 §12.1.8): a new client makes a KeyPackage in the
    /// GroupInfo's suite and proposes its own Add as a `new_member_proposal` sender. The
    /// transaction then joins by `JoinGroup` once a member committed the proposal.
    pub fn new_member_add_proposal(
        &self,
        req: proto::NewMemberAddProposalRequest,
    ) -> Result<proto::NewMemberAddProposalResponse, Status> {
        let (group_info, context) = decode_group_info(&req.group_info)?;
        let cs = self
            .provider
            .suite(context.cipher_suite)
            .map_err(melos_status)?;
        let fresh = self.fresh_key_package(cs, Credential::Basic(req.identity))?;
        let proposal = new_member_add_proposal(
            &self.provider,
            &group_info,
            &fresh.join.bundle.key_package,
            &fresh.join.identity,
            &[],
        )
        .and_then(|m| m.encode())
        .map_err(melos_status)?;
        let mut tables = self.store.lock();
        let transaction_id = tables.fresh_id()?;
        tables.joins.insert(transaction_id, fresh.join);
        Ok(proto::NewMemberAddProposalResponse {
            transaction_id,
            proposal,
            init_priv: fresh.init_priv,
            encryption_priv: fresh.encryption_priv,
            signature_priv: fresh.signature_priv,
        })
    }

    /// `CreateExternalSigner` (RFC 9420 §12.1.8.1): a party outside the group with a basic
    /// credential and a fresh signature key; returns its encoded `ExternalSender`.
    pub fn create_external_signer(
        &self,
        req: proto::CreateExternalSignerRequest,
    ) -> Result<proto::CreateExternalSignerResponse, Status> {
        let (suite, cs) = self.suite(req.cipher_suite)?;
        let identity =
            SigningIdentity::generate(cs, Credential::Basic(req.identity)).map_err(melos_status)?;
        let signer =
            ExternalProposer::new(self.provider.clone(), suite, identity).map_err(melos_status)?;
        let external_sender = codec::encode(&signer.external_sender()).map_err(melos_status)?;
        let mut tables = self.store.lock();
        let signer_id = tables.fresh_id()?;
        tables.signers.insert(signer_id, signer);
        Ok(proto::CreateExternalSignerResponse {
            signer_id,
            external_sender,
        })
    }

    /// `AddExternalSigner` (RFC 9420 §12.1.7, §12.1.8.1): a GroupContextExtensions proposal
    /// appending the encoded `ExternalSender` to `external_senders`.
    pub fn add_external_signer(
        &self,
        req: proto::AddExternalSignerRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let sender: ExternalSender =
            codec::decode_exact(&req.external_sender).map_err(melos_status)?;
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let (msg, _) = state
            .group
            .propose_add_external_sender(sender)
            .map_err(melos_status)?;
        sent(state, &msg)
    }

    /// `ExternalSignerProposal` (RFC 9420 §12.1.8): a proposal from an external signer for
    /// the group and epoch of the GroupInfo, as an `external` sender whose index is the
    /// signer's entry in the GroupInfo's `external_senders` (`signer_index` if that entry is
    /// the signer's, else the first entry with its signature key). A Remove names the member
    /// by identity in the tree (out of band, or the GroupInfo's `ratchet_tree` extension).
    pub fn external_signer_proposal(
        &self,
        req: proto::ExternalSignerProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let signer = self
            .store
            .lock()
            .signers
            .get(&req.signer_id)
            .cloned()
            .ok_or_else(|| Status::not_found("unknown signer id"))?;
        let (group_info, context) = decode_group_info(&req.group_info)?;
        let description = req
            .description
            .as_ref()
            .ok_or_else(|| invalid("no proposal description"))?;
        let index = sender_index(&signer, &context, req.signer_index)?;
        let tree = group_info_tree(&group_info, &req.ratchet_tree);
        let member = |id: &[u8]| match &tree {
            Some(Ok(t)) => leaf_by_identity(t, id),
            Some(Err(e)) => Err(e.clone()),
            None => Err(invalid("no ratchet tree to find the removed member in")),
        };
        let target = Target {
            suite: context.cipher_suite,
            group_id: &context.group_id,
            version: context.version,
            member: &member,
        };
        let proposal = describe(self.provider.as_ref(), &target, description)?;
        let proposal = signer
            .propose_for(&group_info, index, proposal)
            .and_then(|m| m.encode())
            .map_err(melos_status)?;
        Ok(proto::ProposalResponse { proposal })
    }
}

/// The `sender_index` of `signer` in the `external_senders` of `context` (RFC 9420
/// §12.1.8.1): `hint` if that entry has the signer's key, else the first entry that does.
fn sender_index(
    signer: &ExternalProposer,
    context: &GroupContext,
    hint: u32,
) -> Result<u32, Status> {
    let senders = context
        .extensions
        .read::<ExternalSenders>()
        .map_err(melos_status)?
        .ok_or_else(|| Status::failed_precondition("the group has no external_senders"))?;
    let key = signer.external_sender().signature_key;
    if senders.get(hint).is_some_and(|s| s.signature_key == key) {
        return Ok(hint);
    }
    let position = senders
        .0
        .iter()
        .position(|s| s.signature_key == key)
        .ok_or_else(|| {
            Status::failed_precondition("the signer is not in the group's external_senders")
        })?;
    u32::try_from(position).map_err(|_| invalid("external sender index out of range"))
}

/// The ratchet tree given out of band, else the GroupInfo's `ratchet_tree` extension; `None`
/// if neither is there.
fn group_info_tree(
    group_info: &MlsMessage,
    out_of_band: &[u8],
) -> Option<Result<RatchetTree, Status>> {
    if !out_of_band.is_empty() {
        return Some(RatchetTree::decode_extension(out_of_band).map_err(melos_status));
    }
    let MlsMessageBody::GroupInfo(gi) = &group_info.body else {
        return None;
    };
    gi.extensions
        .get(ExtensionType::RATCHET_TREE)
        .map(|e| RatchetTree::decode_extension(&e.extension_data).map_err(melos_status))
}
