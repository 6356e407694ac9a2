//! The RPCs waiting for melos API that is being added (external commits and senders,
//! ReInit, branches, GroupInfo export). Each answers `Unimplemented` with what it needs;
//! to wire one, move it into `ops.rs` as a `Core` method and switch its `pending!` line in
//! `mod.rs` to `rpc!`.

use tonic::Status;

use crate::proto;

fn unimplemented<T>(rpc: &str, needs: &str) -> Result<T, Status> {
    Err(Status::unimplemented(format!(
        "{rpc}: not wired in melos-interop yet (needs {needs})"
    )))
}

/// `ExternalJoin` (RFC 9420 §12.4.3.2).
pub fn external_join(_: proto::ExternalJoinRequest) -> Result<proto::ExternalJoinResponse, Status> {
    unimplemented("ExternalJoin", "Group::join_external (external commit)")
}

/// `GroupInfo` (RFC 9420 §12.4.3).
pub fn group_info(_: proto::GroupInfoRequest) -> Result<proto::GroupInfoResponse, Status> {
    unimplemented(
        "GroupInfo",
        "Group::group_info for the current epoch, with external_pub",
    )
}

/// `ReInitProposal` (RFC 9420 §12.1.5).
pub fn re_init_proposal(
    _: proto::ReInitProposalRequest,
) -> Result<proto::ProposalResponse, Status> {
    unimplemented("ReInitProposal", "the ReInit API")
}

/// `ReInitCommit` (RFC 9420 §11.2).
pub fn re_init_commit(_: proto::CommitRequest) -> Result<proto::CommitResponse, Status> {
    unimplemented("ReInitCommit", "the ReInit API")
}

/// `HandlePendingReInitCommit` (RFC 9420 §11.2).
pub fn handle_pending_re_init_commit(
    _: proto::HandlePendingCommitRequest,
) -> Result<proto::HandleReInitCommitResponse, Status> {
    unimplemented("HandlePendingReInitCommit", "the ReInit API")
}

/// `HandleReInitCommit` (RFC 9420 §11.2).
pub fn handle_re_init_commit(
    _: proto::HandleCommitRequest,
) -> Result<proto::HandleReInitCommitResponse, Status> {
    unimplemented("HandleReInitCommit", "the ReInit API")
}

/// `ReInitWelcome` (RFC 9420 §11.2).
pub fn re_init_welcome(
    _: proto::ReInitWelcomeRequest,
) -> Result<proto::CreateSubgroupResponse, Status> {
    unimplemented("ReInitWelcome", "the ReInit API")
}

/// `HandleReInitWelcome` (RFC 9420 §11.2).
pub fn handle_re_init_welcome(
    _: proto::HandleReInitWelcomeRequest,
) -> Result<proto::JoinGroupResponse, Status> {
    unimplemented("HandleReInitWelcome", "the ReInit API")
}

/// `CreateBranch` (RFC 9420 §11.3).
pub fn create_branch(
    _: proto::CreateBranchRequest,
) -> Result<proto::CreateSubgroupResponse, Status> {
    unimplemented("CreateBranch", "the branch API")
}

/// `HandleBranch` (RFC 9420 §11.3).
pub fn handle_branch(_: proto::HandleBranchRequest) -> Result<proto::HandleBranchResponse, Status> {
    unimplemented("HandleBranch", "the branch API")
}

/// `NewMemberAddProposal` (RFC 9420 §12.1.8, sender `new_member_proposal`).
pub fn new_member_add_proposal(
    _: proto::NewMemberAddProposalRequest,
) -> Result<proto::NewMemberAddProposalResponse, Status> {
    unimplemented("NewMemberAddProposal", "external proposals")
}

/// `CreateExternalSigner` (RFC 9420 §12.1.8.1).
pub fn create_external_signer(
    _: proto::CreateExternalSignerRequest,
) -> Result<proto::CreateExternalSignerResponse, Status> {
    unimplemented("CreateExternalSigner", "external senders")
}

/// `AddExternalSigner` (RFC 9420 §12.1.8.1).
pub fn add_external_signer(
    _: proto::AddExternalSignerRequest,
) -> Result<proto::ProposalResponse, Status> {
    unimplemented("AddExternalSigner", "external senders")
}

/// `ExternalSignerProposal` (RFC 9420 §12.1.8).
pub fn external_signer_proposal(
    _: proto::ExternalSignerProposalRequest,
) -> Result<proto::ProposalResponse, Status> {
    unimplemented("ExternalSignerProposal", "external senders")
}
