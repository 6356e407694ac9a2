//! The ReInit, branch, external-signer and new-member flows through the RPC layer
//! ([`Core`], no network), as the IETF runner plays them.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos_interop::proto;
use melos_interop::server::Core;

type R = Result<(), Box<dyn std::error::Error>>;

fn core() -> Core {
    Core::new(Arc::new(RustCrypto::new()))
}

/// A group of `alice` and `others` (joined by Welcome) in `suite`; returns the state ids.
fn group(c: &Core, suite: u32, others: &[&str]) -> Result<Vec<u32>, tonic::Status> {
    let alice = c
        .create_group(proto::CreateGroupRequest {
            group_id: b"group".to_vec(),
            cipher_suite: suite,
            encrypt_handshake: true,
            identity: b"alice".to_vec(),
        })?
        .state_id;
    let mut by_value = Vec::new();
    let mut txs = Vec::new();
    for name in others {
        let kp = key_package(c, suite, name)?;
        txs.push(kp.transaction_id);
        by_value.push(proto::ProposalDescription {
            proposal_type: b"add".to_vec(),
            key_package: kp.key_package,
            ..Default::default()
        });
    }
    let commit = c.commit(proto::CommitRequest {
        state_id: alice,
        by_value,
        ..Default::default()
    })?;
    c.handle_pending_commit(proto::HandlePendingCommitRequest { state_id: alice })?;
    let mut ids = vec![alice];
    for tx in txs {
        let j = c.join_group(proto::JoinGroupRequest {
            transaction_id: tx,
            welcome: commit.welcome.clone(),
            encrypt_handshake: true,
            ..Default::default()
        })?;
        ids.push(j.state_id);
    }
    Ok(ids)
}

fn key_package(
    c: &Core,
    suite: u32,
    name: &str,
) -> Result<proto::CreateKeyPackageResponse, tonic::Status> {
    c.create_key_package(proto::CreateKeyPackageRequest {
        cipher_suite: suite,
        identity: name.as_bytes().to_vec(),
    })
}

fn auth(c: &Core, state_id: u32) -> Result<Vec<u8>, tonic::Status> {
    Ok(c.state_auth(proto::StateAuthRequest { state_id })?
        .state_auth_secret)
}

/// `from` protects a message that `to` unprotects.
fn talk(c: &Core, from: u32, to: u32) -> R {
    let ct = c
        .protect(proto::ProtectRequest {
            state_id: from,
            authenticated_data: b"ad".to_vec(),
            plaintext: b"hi".to_vec(),
        })?
        .ciphertext;
    let pt = c.unprotect(proto::UnprotectRequest {
        state_id: to,
        ciphertext: ct,
    })?;
    assert_eq!(pt.plaintext, b"hi");
    assert_eq!(pt.authenticated_data, b"ad");
    Ok(())
}

#[test]
fn reinit_to_another_suite() -> R {
    let c = core();
    let ids = group(&c, 1, &["bob"])?;
    let (alice, bob) = (ids[0], ids[1]);
    let proposal = c
        .re_init_proposal(proto::ReInitProposalRequest {
            state_id: alice,
            cipher_suite: 3,
            group_id: b"group++".to_vec(),
            extensions: Vec::new(),
        })?
        .proposal;
    let commit = c
        .re_init_commit(proto::CommitRequest {
            state_id: bob,
            by_reference: vec![proposal.clone()],
            ..Default::default()
        })?
        .commit;
    let b = c.handle_pending_re_init_commit(proto::HandlePendingCommitRequest { state_id: bob })?;
    let a = c.handle_re_init_commit(proto::HandleCommitRequest {
        state_id: alice,
        proposal: vec![proposal],
        commit,
    })?;
    assert_eq!(a.epoch_authenticator, b.epoch_authenticator);
    // The old group is done.
    assert!(
        c.protect(proto::ProtectRequest {
            state_id: alice,
            ..Default::default()
        })
        .is_err()
    );
    let w = c.re_init_welcome(proto::ReInitWelcomeRequest {
        reinit_id: a.reinit_id,
        key_package: vec![b.key_package],
        force_path: false,
        external_tree: true,
    })?;
    assert!(!w.ratchet_tree.is_empty());
    let j = c.handle_re_init_welcome(proto::HandleReInitWelcomeRequest {
        reinit_id: b.reinit_id,
        welcome: w.welcome,
        ratchet_tree: w.ratchet_tree,
    })?;
    assert_eq!(j.epoch_authenticator, w.epoch_authenticator);
    assert_eq!(auth(&c, j.state_id)?, auth(&c, w.state_id)?);
    talk(&c, j.state_id, w.state_id)?;
    talk(&c, w.state_id, j.state_id)
}

#[test]
fn branch_of_two_of_three() -> R {
    let c = core();
    let ids = group(&c, 1, &["bob", "carol"])?;
    let (alice, bob) = (ids[0], ids[1]);
    let kp = key_package(&c, 1, "bob")?;
    let b = c.create_branch(proto::CreateBranchRequest {
        state_id: alice,
        group_id: b"branch".to_vec(),
        extensions: Vec::new(),
        key_packages: vec![kp.key_package],
        force_path: true,
        external_tree: false,
    })?;
    let j = c.handle_branch(proto::HandleBranchRequest {
        state_id: bob,
        transaction_id: kp.transaction_id,
        welcome: b.welcome,
        ratchet_tree: Vec::new(),
    })?;
    assert_eq!(j.epoch_authenticator, b.epoch_authenticator);
    talk(&c, b.state_id, j.state_id)
}

#[test]
fn external_signer_adds_and_removes() -> R {
    let c = core();
    let ids = group(&c, 2, &["bob"])?;
    let (alice, bob) = (ids[0], ids[1]);
    let ds = c.create_external_signer(proto::CreateExternalSignerRequest {
        cipher_suite: 2,
        identity: b"ds".to_vec(),
    })?;
    let p = c
        .add_external_signer(proto::AddExternalSignerRequest {
            state_id: alice,
            external_sender: ds.external_sender,
        })?
        .proposal;
    commit_by(&c, alice, &[bob], vec![p])?;

    let carol = key_package(&c, 2, "carol")?;
    let gi = c.group_info(proto::GroupInfoRequest {
        state_id: alice,
        external_tree: true,
    })?;
    let add = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: ds.signer_id,
            signer_index: 0,
            group_info: gi.group_info.clone(),
            ratchet_tree: gi.ratchet_tree.clone(),
            description: Some(proto::ProposalDescription {
                proposal_type: b"add".to_vec(),
                key_package: carol.key_package,
                ..Default::default()
            }),
        })?
        .proposal;
    let welcome = commit_by(&c, alice, &[bob], vec![add])?;
    let carol = c
        .join_group(proto::JoinGroupRequest {
            transaction_id: carol.transaction_id,
            welcome,
            encrypt_handshake: true,
            ..Default::default()
        })?
        .state_id;
    assert_eq!(auth(&c, carol)?, auth(&c, alice)?);

    let gi = c.group_info(proto::GroupInfoRequest {
        state_id: bob,
        external_tree: true,
    })?;
    let remove = c
        .external_signer_proposal(proto::ExternalSignerProposalRequest {
            signer_id: ds.signer_id,
            // A wrong hint: the signer finds its entry itself.
            signer_index: 7,
            group_info: gi.group_info,
            ratchet_tree: gi.ratchet_tree,
            description: Some(proto::ProposalDescription {
                proposal_type: b"remove".to_vec(),
                removed_id: b"bob".to_vec(),
                ..Default::default()
            }),
        })?
        .proposal;
    commit_by(&c, carol, &[alice], vec![remove])?;
    talk(&c, alice, carol)
}

#[test]
fn new_member_proposal_then_external_join_with_resync() -> R {
    let c = core();
    let alice = group(&c, 3, &[])?[0];
    let gi = c.group_info(proto::GroupInfoRequest {
        state_id: alice,
        external_tree: false,
    })?;
    let bob = c.new_member_add_proposal(proto::NewMemberAddProposalRequest {
        group_info: gi.group_info,
        identity: b"bob".to_vec(),
    })?;
    let welcome = commit_by(&c, alice, &[], vec![bob.proposal])?;
    let bob = c
        .join_group(proto::JoinGroupRequest {
            transaction_id: bob.transaction_id,
            welcome,
            ..Default::default()
        })?
        .state_id;
    talk(&c, bob, alice)?;

    // Bob loses his state and joins again, removing his old leaf.
    let gi = c.group_info(proto::GroupInfoRequest {
        state_id: alice,
        external_tree: true,
    })?;
    let j = c.external_join(proto::ExternalJoinRequest {
        group_info: gi.group_info,
        ratchet_tree: gi.ratchet_tree,
        encrypt_handshake: false,
        identity: b"bob".to_vec(),
        remove_prior: true,
        psks: Vec::new(),
    })?;
    let h = c.handle_commit(proto::HandleCommitRequest {
        state_id: alice,
        proposal: Vec::new(),
        commit: j.commit,
    })?;
    assert_eq!(h.epoch_authenticator, j.epoch_authenticator);
    talk(&c, j.state_id, alice)
}

/// `committer` commits `by_reference`; `members` handle it. Returns the Welcome.
fn commit_by(
    c: &Core,
    committer: u32,
    members: &[u32],
    by_reference: Vec<Vec<u8>>,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let out = c.commit(proto::CommitRequest {
        state_id: committer,
        by_reference: by_reference.clone(),
        ..Default::default()
    })?;
    let expected = c
        .handle_pending_commit(proto::HandlePendingCommitRequest {
            state_id: committer,
        })?
        .epoch_authenticator;
    for m in members {
        let h = c.handle_commit(proto::HandleCommitRequest {
            state_id: *m,
            proposal: by_reference.clone(),
            commit: out.commit.clone(),
        })?;
        assert_eq!(h.epoch_authenticator, expected);
    }
    Ok(out.welcome)
}

/// The GREASE switches (RFC 9420 §13.5) reach KeyPackages, leaves and GroupInfos: by
/// default GREASE values in capabilities and none in leaf or KeyPackage extensions; with
/// `grease_extensions` and without `grease`, the reverse (the extension types listed in the
/// capabilities, as §7.2 requires, but no GREASE value elsewhere).
#[test]
fn grease_switches() -> R {
    use melos::framing::{MlsMessage, MlsMessageBody};
    use melos::messages::{KeyPackage, is_grease};
    use melos_interop::server::Grease;

    fn kp_of(c: &Core) -> Result<KeyPackage, Box<dyn std::error::Error>> {
        let kp = key_package(c, 1, "bob")?;
        match MlsMessage::decode(&kp.key_package)?.body {
            MlsMessageBody::KeyPackage(kp) => Ok(kp),
            _ => Err("not a KeyPackage".into()),
        }
    }
    let greased_exts = |kp: &KeyPackage| {
        kp.extensions.iter().any(|e| is_grease(e.extension_type.0))
            && kp
                .leaf_node
                .extensions
                .iter()
                .any(|e| is_grease(e.extension_type.0))
    };
    let kp = kp_of(&core())?;
    assert!(
        kp.leaf_node
            .capabilities
            .cipher_suites
            .iter()
            .any(|s| s.is_grease())
    );
    assert!(kp.extensions.is_empty() && kp.leaf_node.extensions.is_empty());

    let c = Core::with_grease(
        Arc::new(RustCrypto::new()),
        Grease {
            grease: false,
            grease_extensions: true,
        },
    );
    let kp = kp_of(&c)?;
    assert!(greased_exts(&kp));
    assert!(
        !kp.leaf_node
            .capabilities
            .cipher_suites
            .iter()
            .any(|s| s.is_grease())
    );
    assert!(
        !kp.leaf_node
            .capabilities
            .proposals
            .iter()
            .any(|t| is_grease(t.0))
    );
    // Groups of that client: a working group, its GroupInfos without GREASE.
    let ids = group(&c, 1, &["bob"])?;
    assert_eq!(auth(&c, ids[0])?, auth(&c, ids[1])?);
    let gi = c.group_info(proto::GroupInfoRequest {
        state_id: ids[0],
        ..Default::default()
    })?;
    let MlsMessageBody::GroupInfo(gi) = MlsMessage::decode(&gi.group_info)?.body else {
        return Err("not a GroupInfo".into());
    };
    assert!(!gi.extensions.iter().any(|e| is_grease(e.extension_type.0)));
    Ok(())
}
