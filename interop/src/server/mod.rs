//! The `mls_client.MLSClient` gRPC service over melos.
//!
//! Every RPC runs its melos work on tokio's blocking pool (`run`); a panic there (none is
//! expected: melos returns errors) becomes an `Internal` status and the server keeps going.
//! Every RPC of the proto is served: the basic ones in `ops`, those around non-members
//! (GroupInfo, external joins, external proposals and signers) in `external`, ReInit and
//! branch in `subgroup`.

mod errors;
mod external;
mod ops;
mod state;
mod subgroup;

use std::sync::Arc;

use tonic::{Request, Response, Status};

pub use ops::{Core, Grease, SUPPORTED_SUITES};

use crate::proto;
use crate::proto::mls_client_server::MlsClient;

/// The gRPC service: a shared [`Core`].
#[derive(Clone)]
pub struct Service {
    core: Arc<Core>,
}

impl Service {
    /// A service with melos's default crypto provider and GREASE.
    pub fn new() -> Self {
        Service::with_grease(Grease::default())
    }

    /// A service with melos's default crypto provider and the GREASE of `grease`.
    pub fn with_grease(grease: Grease) -> Self {
        let provider: Arc<dyn melos::CryptoProvider> =
            Arc::new(melos::crypto::rust_crypto::RustCrypto::new());
        Service {
            core: Arc::new(Core::with_grease(provider, grease)),
        }
    }

    /// The tonic server wrapper, with message limits raised for large groups.
    pub fn into_server(self) -> proto::mls_client_server::MlsClientServer<Service> {
        proto::mls_client_server::MlsClientServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE)
    }
}

impl Default for Service {
    fn default() -> Self {
        Service::new()
    }
}

/// The largest gRPC message accepted or sent (a Welcome with the tree of a few thousand
/// members fits).
pub const MAX_MESSAGE: usize = 64 << 20;

/// Runs `f` on the blocking pool; a panic is reported as `Internal`.
async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Status> + Send + 'static,
) -> Result<Response<T>, Status> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map(Response::new),
        Err(e) => {
            eprintln!("melos-interop: request handler failed: {e}");
            Err(Status::internal("request handler panicked"))
        }
    }
}

/// The boxed future an `#[async_trait]` method returns (the macros below expand after
/// `async_trait` ran, so they spell its desugaring out).
type RpcFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response<T>, Status>> + Send + 'a>>;

/// One RPC served by a `Core` method `Result<Resp, Status>`.
macro_rules! rpc {
    ($name:ident, $req:ty, $resp:ty) => {
        fn $name<'life0, 'async_trait>(
            &'life0 self,
            request: Request<$req>,
        ) -> RpcFuture<'async_trait, $resp>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let core = self.core.clone();
            let req = request.into_inner();
            Box::pin(run(move || {
                let r = core.$name(req);
                if let Err(s) = &r {
                    eprintln!("melos-interop: {}: {}", stringify!($name), s.message());
                }
                r
            }))
        }
    };
}

#[tonic::async_trait]
impl MlsClient for Service {
    async fn name(
        &self,
        _: Request<proto::NameRequest>,
    ) -> Result<Response<proto::NameResponse>, Status> {
        Ok(Response::new(self.core.name()))
    }

    async fn supported_ciphersuites(
        &self,
        _: Request<proto::SupportedCiphersuitesRequest>,
    ) -> Result<Response<proto::SupportedCiphersuitesResponse>, Status> {
        Ok(Response::new(self.core.supported_ciphersuites()))
    }

    async fn free(
        &self,
        request: Request<proto::FreeRequest>,
    ) -> Result<Response<proto::FreeResponse>, Status> {
        let core = self.core.clone();
        let req = request.into_inner();
        run(move || Ok(core.free(req))).await
    }

    rpc!(
        create_group,
        proto::CreateGroupRequest,
        proto::CreateGroupResponse
    );
    rpc!(
        create_key_package,
        proto::CreateKeyPackageRequest,
        proto::CreateKeyPackageResponse
    );
    rpc!(
        join_group,
        proto::JoinGroupRequest,
        proto::JoinGroupResponse
    );
    rpc!(
        state_auth,
        proto::StateAuthRequest,
        proto::StateAuthResponse
    );
    rpc!(export, proto::ExportRequest, proto::ExportResponse);
    rpc!(protect, proto::ProtectRequest, proto::ProtectResponse);
    rpc!(unprotect, proto::UnprotectRequest, proto::UnprotectResponse);
    rpc!(store_psk, proto::StorePskRequest, proto::StorePskResponse);
    rpc!(
        add_proposal,
        proto::AddProposalRequest,
        proto::ProposalResponse
    );
    rpc!(
        update_proposal,
        proto::UpdateProposalRequest,
        proto::ProposalResponse
    );
    rpc!(
        remove_proposal,
        proto::RemoveProposalRequest,
        proto::ProposalResponse
    );
    rpc!(
        external_psk_proposal,
        proto::ExternalPskProposalRequest,
        proto::ProposalResponse
    );
    rpc!(
        resumption_psk_proposal,
        proto::ResumptionPskProposalRequest,
        proto::ProposalResponse
    );
    rpc!(
        group_context_extensions_proposal,
        proto::GroupContextExtensionsProposalRequest,
        proto::ProposalResponse
    );
    rpc!(commit, proto::CommitRequest, proto::CommitResponse);
    rpc!(
        handle_commit,
        proto::HandleCommitRequest,
        proto::HandleCommitResponse
    );
    rpc!(
        handle_pending_commit,
        proto::HandlePendingCommitRequest,
        proto::HandleCommitResponse
    );

    rpc!(
        external_join,
        proto::ExternalJoinRequest,
        proto::ExternalJoinResponse
    );
    rpc!(
        group_info,
        proto::GroupInfoRequest,
        proto::GroupInfoResponse
    );
    rpc!(
        re_init_proposal,
        proto::ReInitProposalRequest,
        proto::ProposalResponse
    );
    rpc!(re_init_commit, proto::CommitRequest, proto::CommitResponse);
    rpc!(
        handle_pending_re_init_commit,
        proto::HandlePendingCommitRequest,
        proto::HandleReInitCommitResponse
    );
    rpc!(
        handle_re_init_commit,
        proto::HandleCommitRequest,
        proto::HandleReInitCommitResponse
    );
    rpc!(
        re_init_welcome,
        proto::ReInitWelcomeRequest,
        proto::CreateSubgroupResponse
    );
    rpc!(
        handle_re_init_welcome,
        proto::HandleReInitWelcomeRequest,
        proto::JoinGroupResponse
    );
    rpc!(
        create_branch,
        proto::CreateBranchRequest,
        proto::CreateSubgroupResponse
    );
    rpc!(
        handle_branch,
        proto::HandleBranchRequest,
        proto::HandleBranchResponse
    );
    rpc!(
        new_member_add_proposal,
        proto::NewMemberAddProposalRequest,
        proto::NewMemberAddProposalResponse
    );
    rpc!(
        create_external_signer,
        proto::CreateExternalSignerRequest,
        proto::CreateExternalSignerResponse
    );
    rpc!(
        add_external_signer,
        proto::AddExternalSignerRequest,
        proto::ProposalResponse
    );
    rpc!(
        external_signer_proposal,
        proto::ExternalSignerProposalRequest,
        proto::ProposalResponse
    );
}
