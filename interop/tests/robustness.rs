//! Malformed requests get error statuses and never take the server down.

use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use melos_interop::proto;
use melos_interop::proto::mls_client_client::MlsClientClient;
use melos_interop::server::Service;
use tonic::Code;
use tonic::transport::Channel;

async fn start() -> Result<MlsClientClient<Channel>, Box<dyn std::error::Error>> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let addr = (Ipv4Addr::LOCALHOST, port).into();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(Service::new().into_server())
            .serve(addr),
    );
    for _ in 0..100 {
        if let Ok(c) = MlsClientClient::connect(format!("http://127.0.0.1:{port}")).await {
            return Ok(c);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err("server did not start".into())
}

#[tokio::test]
async fn malformed_requests_are_errors() -> Result<(), Box<dyn std::error::Error>> {
    let mut c = start().await?;
    let garbage = vec![0xffu8; 40];

    let e = c
        .create_group(proto::CreateGroupRequest {
            group_id: b"g".to_vec(),
            cipher_suite: 0x1_0001,
            encrypt_handshake: false,
            identity: b"a".to_vec(),
        })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));

    let e = c
        .join_group(proto::JoinGroupRequest {
            transaction_id: 7,
            welcome: garbage.clone(),
            ..Default::default()
        })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));

    let e = c
        .state_auth(proto::StateAuthRequest { state_id: 99 })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::NotFound));

    let g = c
        .create_group(proto::CreateGroupRequest {
            group_id: b"g".to_vec(),
            cipher_suite: 1,
            encrypt_handshake: true,
            identity: b"a".to_vec(),
        })
        .await?
        .into_inner()
        .state_id;
    for bytes in [Vec::new(), garbage.clone(), vec![0, 1, 0, 2]] {
        let e = c
            .unprotect(proto::UnprotectRequest {
                state_id: g,
                ciphertext: bytes.clone(),
            })
            .await
            .err();
        assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));
        let e = c
            .add_proposal(proto::AddProposalRequest {
                state_id: g,
                key_package: bytes.clone(),
            })
            .await
            .err();
        assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));
        let e = c
            .handle_commit(proto::HandleCommitRequest {
                state_id: g,
                proposal: vec![bytes.clone()],
                commit: bytes,
            })
            .await
            .err();
        assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));
    }
    let e = c
        .export(proto::ExportRequest {
            state_id: g,
            label: "x".into(),
            context: Vec::new(),
            key_length: u32::MAX,
        })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));
    let e = c
        .remove_proposal(proto::RemoveProposalRequest {
            state_id: g,
            removed_id: b"nobody".to_vec(),
        })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));
    let e = c
        .handle_pending_commit(proto::HandlePendingCommitRequest { state_id: g })
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::FailedPrecondition));
    let e = c
        .external_join(proto::ExternalJoinRequest::default())
        .await
        .err();
    assert_eq!(e.map(|s| s.code()), Some(Code::InvalidArgument));

    // Still serving, and the group still works.
    let name = c.name(proto::NameRequest {}).await?.into_inner().name;
    assert_eq!(name, "melos");
    let auth = c
        .state_auth(proto::StateAuthRequest { state_id: g })
        .await?
        .into_inner();
    assert!(!auth.state_auth_secret.is_empty());
    Ok(())
}

/// The code of a failed call (`None` if it succeeded).
fn code<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Option<Code> {
    r.err().map(|s| s.code())
}

#[tokio::test]
async fn malformed_requests_to_group_info_reinit_branch_and_external_rpcs()
-> Result<(), Box<dyn std::error::Error>> {
    let mut c = start().await?;
    let garbage = vec![0xffu8; 40];
    let g = c
        .create_group(proto::CreateGroupRequest {
            group_id: b"g".to_vec(),
            cipher_suite: 1,
            encrypt_handshake: false,
            identity: b"a".to_vec(),
        })
        .await?
        .into_inner()
        .state_id;
    let kp = c
        .create_key_package(proto::CreateKeyPackageRequest {
            cipher_suite: 1,
            identity: b"b".to_vec(),
        })
        .await?
        .into_inner();

    // Unknown ids.
    let r = c
        .group_info(proto::GroupInfoRequest {
            state_id: 999,
            external_tree: false,
        })
        .await;
    assert_eq!(code(r), Some(Code::NotFound));
    let r = c
        .re_init_welcome(proto::ReInitWelcomeRequest {
            reinit_id: g,
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Some(Code::NotFound));
    let r = c
        .handle_re_init_welcome(proto::HandleReInitWelcomeRequest {
            reinit_id: 999,
            welcome: Vec::new(),
            ratchet_tree: Vec::new(),
        })
        .await;
    assert_eq!(code(r), Some(Code::InvalidArgument));
    let r = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: g,
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Some(Code::NotFound));

    // Garbage and empty messages, keys and descriptions.
    for bytes in [Vec::new(), garbage.clone(), vec![0, 1, 0, 2]] {
        let r = c
            .external_join(proto::ExternalJoinRequest {
                group_info: bytes.clone(),
                identity: b"x".to_vec(),
                ..Default::default()
            })
            .await;
        assert_eq!(code(r), Some(Code::InvalidArgument));
        let r = c
            .new_member_add_proposal(proto::NewMemberAddProposalRequest {
                group_info: bytes.clone(),
                identity: b"x".to_vec(),
            })
            .await;
        assert_eq!(code(r), Some(Code::InvalidArgument));
        let r = c
            .add_external_signer(proto::AddExternalSignerRequest {
                state_id: g,
                external_sender: bytes.clone(),
            })
            .await;
        assert_eq!(code(r), Some(Code::InvalidArgument));
        let r = c
            .create_branch(proto::CreateBranchRequest {
                state_id: g,
                group_id: b"b".to_vec(),
                key_packages: vec![bytes.clone()],
                ..Default::default()
            })
            .await;
        assert_eq!(code(r), Some(Code::InvalidArgument));
        let r = c
            .handle_branch(proto::HandleBranchRequest {
                state_id: g,
                transaction_id: kp.transaction_id,
                welcome: bytes.clone(),
                ratchet_tree: bytes.clone(),
            })
            .await;
        assert_eq!(code(r), Some(Code::InvalidArgument));
    }
    let r = c
        .create_external_signer(proto::CreateExternalSignerRequest {
            cipher_suite: 0xfffe,
            identity: b"ds".to_vec(),
        })
        .await;
    assert_eq!(code(r), Some(Code::InvalidArgument));
    let r = c
        .re_init_proposal(proto::ReInitProposalRequest {
            state_id: g,
            cipher_suite: 1 << 20,
            group_id: b"n".to_vec(),
            extensions: Vec::new(),
        })
        .await;
    assert_eq!(code(r), Some(Code::InvalidArgument));
    // No ReInit to merge, or no pending Commit at all.
    let r = c
        .handle_pending_re_init_commit(proto::HandlePendingCommitRequest { state_id: g })
        .await;
    assert_eq!(code(r), Some(Code::FailedPrecondition));

    // An external signer with a GroupInfo of a group that does not list it, and a bad
    // description.
    let signer = c
        .create_external_signer(proto::CreateExternalSignerRequest {
            cipher_suite: 1,
            identity: b"ds".to_vec(),
        })
        .await?
        .into_inner();
    let gi = c
        .group_info(proto::GroupInfoRequest {
            state_id: g,
            external_tree: true,
        })
        .await?
        .into_inner();
    assert!(!gi.ratchet_tree.is_empty());
    let r = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: signer.signer_id,
            signer_index: 0,
            group_info: gi.group_info.clone(),
            ratchet_tree: gi.ratchet_tree.clone(),
            description: Some(proto::ProposalDescription {
                proposal_type: b"remove".to_vec(),
                removed_id: b"a".to_vec(),
                ..Default::default()
            }),
        })
        .await;
    assert_eq!(code(r), Some(Code::FailedPrecondition));
    let r = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: signer.signer_id,
            group_info: gi.group_info.clone(),
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Some(Code::InvalidArgument));
    let r = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: signer.signer_id,
            group_info: gi.group_info.clone(),
            ratchet_tree: garbage.clone(),
            description: Some(proto::ProposalDescription {
                proposal_type: b"no such type".to_vec(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    assert!(code(r).is_some());

    // The group still works: a GroupInfo with the tree in it, an external join from it.
    let gi = c
        .group_info(proto::GroupInfoRequest {
            state_id: g,
            external_tree: false,
        })
        .await?
        .into_inner();
    assert!(gi.ratchet_tree.is_empty());
    let joined = c
        .external_join(proto::ExternalJoinRequest {
            group_info: gi.group_info,
            identity: b"c".to_vec(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let handled = c
        .handle_commit(proto::HandleCommitRequest {
            state_id: g,
            proposal: Vec::new(),
            commit: joined.commit,
        })
        .await?
        .into_inner();
    assert_eq!(handled.epoch_authenticator, joined.epoch_authenticator);
    Ok(())
}
