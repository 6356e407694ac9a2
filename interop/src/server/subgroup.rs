//! The ReInit (RFC 9420 §11.2, §12.1.5) and branch (§11.3) RPCs.
//!
//! ReInit, as the harness plays it: a member proposes the ReInit (`ReInitProposal`, or an
//! external signer does), a member commits it (`ReInitCommit`), every member merges the
//! Commit (`HandlePendingReInitCommit` / `HandleReInitCommit`) and gets a reinit id with a
//! fresh KeyPackage in the new cipher suite; one member (the welcomer) creates the new group
//! from the others' KeyPackages (`ReInitWelcome`) and the others join it
//! (`HandleReInitWelcome`). Branch: a member creates a subgroup from KeyPackages of other
//! members (`CreateBranch`), who join it on their state of the old group (`HandleBranch`).

use melos::group::{CommitOptions, CommitOutput, Group, PathChoice};
use melos::messages::{Credential, KeyPackage};
use melos::ratchet_tree::TreeView;
use tonic::Status;

use super::errors::melos_status;
use super::ops::{Core, decode, decode_key_package, extensions, handle_commit_in};
use super::state::{GroupState, PendingReInit, Tables};
use crate::proto;

/// The options of a linked group's first Commit (no proposals: the library adds them).
fn first_commit_options(force_path: bool, external_tree: bool) -> CommitOptions {
    CommitOptions {
        path: if force_path {
            PathChoice::Always
        } else {
            PathChoice::WhenRequired
        },
        ratchet_tree_in_welcome: !external_tree,
        ..CommitOptions::default()
    }
}

/// Decodes the KeyPackage messages of a subgroup's first Commit.
fn key_packages(list: &[Vec<u8>]) -> Result<Vec<KeyPackage>, Status> {
    list.iter().map(|kp| decode_key_package(kp)).collect()
}

/// The harness's answer for a new linked group: its state id, the Welcome, the tree if
/// asked for out of band, and the new epoch authenticator.
fn subgroup_response(
    tables: &mut Tables,
    group: Group,
    out: &CommitOutput,
    external_tree: bool,
) -> Result<proto::CreateSubgroupResponse, Status> {
    let welcome = match &out.welcome {
        Some(w) => w.encode().map_err(melos_status)?,
        None => Vec::new(),
    };
    let ratchet_tree = if external_tree {
        group
            .ratchet_tree()
            .encode_extension()
            .map_err(melos_status)?
    } else {
        Vec::new()
    };
    let epoch_authenticator = group.epoch_authenticator().to_vec();
    let state_id = tables.insert_state(GroupState::new(group))?;
    Ok(proto::CreateSubgroupResponse {
        state_id,
        welcome,
        ratchet_tree,
        epoch_authenticator,
    })
}

/// The ratchet tree given out of band, if any.
fn tree(bytes: &[u8]) -> Option<&[u8]> {
    (!bytes.is_empty()).then_some(bytes)
}

impl Core {
    /// `ReInitProposal` (RFC 9420 §12.1.5): a ReInit for group `group_id` in `cipher_suite`
    /// with GroupContext `extensions`, at the group's protocol version.
    pub fn re_init_proposal(
        &self,
        req: proto::ReInitProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let (suite, _) = self.suite(req.cipher_suite)?;
        let extensions = extensions(&req.extensions)?;
        self.propose(req.state_id, |g| {
            g.reinit_proposal(req.group_id, suite, extensions)
                .map_err(melos_status)
        })
    }

    /// `ReInitCommit` (RFC 9420 §11.2): a Commit covering the ReInit proposal (by
    /// reference), kept pending like any Commit.
    pub fn re_init_commit(
        &self,
        req: proto::CommitRequest,
    ) -> Result<proto::CommitResponse, Status> {
        self.commit(req)
    }

    /// `HandlePendingReInitCommit` (RFC 9420 §11.2): merges this state's own ReInit Commit
    /// and prepares the new group's KeyPackage.
    pub fn handle_pending_re_init_commit(
        &self,
        req: proto::HandlePendingCommitRequest,
    ) -> Result<proto::HandleReInitCommitResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        state.group.merge_pending_commit().map_err(melos_status)?;
        state.new_epoch();
        self.start_reinit(&mut tables, req.state_id)
    }

    /// `HandleReInitCommit` (RFC 9420 §11.2): processes and merges another member's ReInit
    /// Commit and prepares the new group's KeyPackage.
    pub fn handle_re_init_commit(
        &self,
        req: proto::HandleCommitRequest,
    ) -> Result<proto::HandleReInitCommitResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        handle_commit_in(state, &req)?;
        self.start_reinit(&mut tables, req.state_id)
    }

    /// After a merged ReInit Commit: a KeyPackage of this member (same credential, fresh
    /// keys) in the ReInit's cipher suite, kept with a copy of the old group under a new
    /// reinit id.
    fn start_reinit(
        &self,
        tables: &mut Tables,
        state_id: u32,
    ) -> Result<proto::HandleReInitCommitResponse, Status> {
        let state = tables.state(state_id)?;
        let Some(reinit) = state.group.pending_reinit() else {
            return Err(Status::failed_precondition(
                "the Commit did not cover a ReInit proposal",
            ));
        };
        let cs = self
            .provider
            .suite(reinit.cipher_suite)
            .map_err(melos_status)?;
        let credential: Credential = state.group.identity().credential.clone();
        let fresh = self.fresh_key_package(cs, credential)?;
        let epoch_authenticator = state.group.epoch_authenticator().to_vec();
        let group = state.group.clone();
        let reinit_id = tables.fresh_id()?;
        tables.reinits.insert(
            reinit_id,
            PendingReInit {
                group,
                join: fresh.join,
            },
        );
        Ok(proto::HandleReInitCommitResponse {
            reinit_id,
            key_package: fresh.key_package,
            epoch_authenticator,
        })
    }

    /// `ReInitWelcome` (RFC 9420 §11.2): creates the new group described by the ReInit with
    /// the other members' KeyPackages and the `reinit` resumption PSK; returns its state and
    /// Welcome.
    pub fn re_init_welcome(
        &self,
        req: proto::ReInitWelcomeRequest,
    ) -> Result<proto::CreateSubgroupResponse, Status> {
        let key_packages = key_packages(&req.key_package)?;
        let mut tables = self.store.lock();
        let pending = tables
            .reinits
            .get(&req.reinit_id)
            .ok_or_else(|| Status::not_found("unknown reinit id"))?;
        let (group, out) = pending
            .group
            .reinit(
                pending.join.identity.clone(),
                key_packages,
                pending.group.config().clone(),
                first_commit_options(req.force_path, req.external_tree),
            )
            .map_err(melos_status)?;
        tables.reinits.remove(&req.reinit_id);
        subgroup_response(&mut tables, group, &out, req.external_tree)
    }

    /// `HandleReInitWelcome` (RFC 9420 §11.2, §12.4.3.1): joins the new group from its
    /// Welcome with the KeyPackage made when the ReInit Commit was merged.
    pub fn handle_re_init_welcome(
        &self,
        req: proto::HandleReInitWelcomeRequest,
    ) -> Result<proto::JoinGroupResponse, Status> {
        let welcome = decode(&req.welcome)?;
        let mut tables = self.store.lock();
        let pending = tables
            .reinits
            .get(&req.reinit_id)
            .ok_or_else(|| Status::not_found("unknown reinit id"))?;
        let group = pending
            .group
            .join_reinit(
                &welcome,
                &pending.join.bundle,
                pending.join.identity.clone(),
                tree(&req.ratchet_tree),
                pending.group.config().clone(),
                pending.group.psk_store(),
            )
            .map_err(melos_status)?;
        tables.reinits.remove(&req.reinit_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = tables.insert_state(GroupState::new(group))?;
        Ok(proto::JoinGroupResponse {
            state_id,
            epoch_authenticator,
        })
    }

    /// `CreateBranch` (RFC 9420 §11.3): a subgroup `group_id` with GroupContext
    /// `extensions`, this member and the members of the KeyPackages, linked by a `branch`
    /// resumption PSK of the current epoch.
    pub fn create_branch(
        &self,
        req: proto::CreateBranchRequest,
    ) -> Result<proto::CreateSubgroupResponse, Status> {
        let key_packages = key_packages(&req.key_packages)?;
        let extensions = extensions(&req.extensions)?;
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let (group, out) = state
            .group
            .branch(
                req.group_id,
                extensions,
                key_packages,
                state.group.config().clone(),
                first_commit_options(req.force_path, req.external_tree),
            )
            .map_err(melos_status)?;
        subgroup_response(&mut tables, group, &out, req.external_tree)
    }

    /// `HandleBranch` (RFC 9420 §11.3): joins a subgroup branched from state `state_id`
    /// with the KeyPackage of transaction `transaction_id`.
    pub fn handle_branch(
        &self,
        req: proto::HandleBranchRequest,
    ) -> Result<proto::HandleBranchResponse, Status> {
        let welcome = decode(&req.welcome)?;
        let mut guard = self.store.lock();
        let tables = &mut *guard;
        let join = tables
            .joins
            .get(&req.transaction_id)
            .ok_or_else(|| Status::not_found("unknown transaction id"))?;
        let state = tables
            .states
            .get(&req.state_id)
            .ok_or_else(|| Status::not_found(format!("unknown state id {}", req.state_id)))?;
        let group = state
            .group
            .join_branch(
                &welcome,
                &join.bundle,
                join.identity.clone(),
                tree(&req.ratchet_tree),
                state.group.config().clone(),
                &join.psks,
            )
            .map_err(melos_status)?;
        tables.joins.remove(&req.transaction_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = tables.insert_state(GroupState::new(group))?;
        Ok(proto::HandleBranchResponse {
            state_id,
            epoch_authenticator,
        })
    }
}
