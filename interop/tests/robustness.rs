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
    assert_eq!(e.map(|s| s.code()), Some(Code::Unimplemented));

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
