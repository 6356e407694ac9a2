//! External joins and external proposals (RFC 9420 §12.1.8, §12.4.3.2): joins by external
//! Commit (tree in band and out of band, resync, PSK), `external` senders and
//! `new_member_proposal` Adds, and every receiver check with its own error.

use std::sync::Arc;

use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{FramedContentBody, MlsMessage, MlsMessageBody, Sender};
use melos::group::{
    CommitOptions, ExternalCommitOptions, ExternalProposer, Group, GroupConfig, GroupInfoOptions,
    HandshakeFormat, PriorLeaf, ProcessedContent, ProposalStatus, PskStore, SigningIdentity,
    SuccessorCheck, new_member_add_proposal,
};
use melos::messages::{
    Add, Commit, Credential, Extensions, ExternalInit, ExternalSenders, KeyPackageBundle, Lifetime,
    Proposal, ProposalOrRef, Remove, Update,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, FramingError, GroupError};

const SUITE: CipherSuite = CipherSuite(1);

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn new_client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let life = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let kp = id.key_package(cs, life).unwrap();
    (id, kp)
}

/// Alice, Bob and Carol, joined by Welcome.
fn three_members(p: &Arc<dyn CryptoProvider>, config: GroupConfig) -> Vec<Group> {
    let (alice, _) = new_client(p, "alice");
    let alice = Group::create(p.clone(), SUITE, b"ext".to_vec(), alice, config.clone()).unwrap();
    grow(p, alice, &["bob", "carol"], config)
}

/// `first` adds `names` by Welcome.
fn grow(
    p: &Arc<dyn CryptoProvider>,
    mut first: Group,
    names: &[&str],
    config: GroupConfig,
) -> Vec<Group> {
    let clients: Vec<_> = names.iter().map(|n| new_client(p, n)).collect();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in &clients {
        opts = opts.add_member(kp.key_package.clone());
    }
    let out = first.commit(opts).unwrap();
    first.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut groups = vec![first];
    for (id, kp) in clients {
        let g = Group::join(
            p.clone(),
            &w,
            &kp,
            id,
            None,
            config.clone(),
            &PskStore::new(),
        );
        groups.push(g.unwrap());
    }
    groups
}

/// Every group in `groups` processes and merges `commit` (its sender merges its pending
/// commit if it has one); removed members are dropped. All must agree afterwards.
fn deliver_commit(groups: &mut Vec<Group>, commit: &MlsMessage) {
    for g in groups.iter_mut() {
        if g.has_pending_commit() {
            g.merge_pending_commit().unwrap();
            continue;
        }
        let m = g.process(commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        g.merge_staged_commit(*s).unwrap();
    }
    groups.retain(Group::is_active);
    agree(groups);
}

/// The application approves every held proposal of `g` (outsiders' proposals are held by
/// the default `ProposalPolicy`).
fn approve_all(g: &mut Group) {
    let held: Vec<_> = g
        .pending_proposals()
        .filter(|p| p.status == ProposalStatus::Held)
        .map(|p| p.reference.clone())
        .collect();
    for r in held {
        g.approve_proposal(&r).unwrap();
    }
}

fn agree(groups: &[Group]) {
    for g in groups {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
}

/// Every group but `from` processes `msg` (a proposal).
fn deliver_proposal(groups: &mut [Group], from: Option<usize>, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if Some(i) != from {
            let m = g.process(msg, None).unwrap();
            assert!(matches!(m.content, ProcessedContent::Proposal(..)));
        }
    }
}

fn join(
    p: &Arc<dyn CryptoProvider>,
    gi: &MlsMessage,
    tree: Option<&[u8]>,
    name: &str,
    options: ExternalCommitOptions,
) -> Result<(Group, MlsMessage), Error> {
    let (id, _) = new_client(p, name);
    join_as(p, gi, tree, id, &PskStore::new(), options)
}

fn join_as(
    p: &Arc<dyn CryptoProvider>,
    gi: &MlsMessage,
    tree: Option<&[u8]>,
    id: SigningIdentity,
    psks: &PskStore,
    options: ExternalCommitOptions,
) -> Result<(Group, MlsMessage), Error> {
    let config = GroupConfig::default();
    Group::join_by_external_commit(p.clone(), gi, tree, id, config, psks, options)
        .map(|(g, out)| (g, out.commit))
}

/// The joiner sends an application message every member reads, then commits an update.
fn joiner_works(groups: &mut Vec<Group>) {
    let last = groups.len() - 1;
    let msg = groups[last].encrypt_application(b"hello", b"").unwrap();
    for g in groups[..last].iter_mut() {
        let m = g.process(&msg, None).unwrap();
        let ProcessedContent::Application(data) = m.content else {
            panic!("not application data")
        };
        assert_eq!(data, b"hello");
    }
    let out = groups[last].commit(CommitOptions::default()).unwrap();
    deliver_commit(groups, &out.commit);
}

#[test]
fn external_join_with_tree_in_band() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let gi = groups[1].group_info(GroupInfoOptions::default()).unwrap();
    let (dave, commit) = join(&p, &gi, None, "dave", Default::default()).unwrap();
    assert_eq!(dave.epoch(), groups[0].epoch() + 1);
    assert_eq!(dave.own_leaf(), LeafIndex(3));
    for g in groups.iter_mut() {
        let m = g.process(&commit, None).unwrap();
        assert_eq!(m.sender, Sender::NewMemberCommit);
        let ProcessedContent::Commit(s) = m.content else {
            panic!()
        };
        assert_eq!(s.committer(), LeafIndex(3));
        assert_eq!(s.added().len(), 1);
        assert_eq!(s.added()[0].index, LeafIndex(3));
        g.merge_staged_commit(*s).unwrap();
    }
    // The joiner's state saves and restores like any member's.
    let saved = dave.to_bytes().unwrap();
    let dave = Group::from_bytes(p.clone(), saved.as_bytes()).unwrap();
    groups.push(dave);
    agree(&groups);
    assert_eq!(groups[0].member_count(), 4);
    joiner_works(&mut groups);
}

#[test]
fn external_join_with_tree_out_of_band_fills_blank_leaf() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    // Bob leaves: the joiner takes his blank leaf 1.
    let out = groups[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(1)))
        .unwrap();
    deliver_commit(&mut groups, &out.commit);
    let options = GroupInfoOptions {
        ratchet_tree: false,
        external_pub: true,
    };
    let gi = groups[0].group_info(options).unwrap();
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    assert_eq!(
        join(&p, &gi, None, "erin", Default::default()).unwrap_err(),
        Error::Group(GroupError::MissingRatchetTree)
    );
    let (erin, commit) = join(&p, &gi, Some(&tree), "erin", Default::default()).unwrap();
    assert_eq!(erin.own_leaf(), LeafIndex(1));
    deliver_commit(&mut groups, &commit);
    groups.push(erin);
    agree(&groups);
    joiner_works(&mut groups);
}

#[test]
fn external_join_needs_external_pub() {
    let p = provider();
    let groups = three_members(&p, GroupConfig::default());
    let options = GroupInfoOptions {
        ratchet_tree: true,
        external_pub: false,
    };
    let gi = groups[0].group_info(options).unwrap();
    assert_eq!(
        join(&p, &gi, None, "dave", Default::default()).unwrap_err(),
        Error::Group(GroupError::MissingExternalPub)
    );
}

#[test]
fn external_join_into_private_handshake_group_and_commit_group_info() {
    let p = provider();
    let config = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        accept_both_handshake_formats: false,
        ..GroupConfig::default()
    };
    let mut groups = three_members(&p, config.clone());
    // The GroupInfo comes with a Commit (§12.4.3).
    let opts = CommitOptions {
        group_info: true,
        group_info_external_pub: true,
        ratchet_tree_in_welcome: true,
        ..CommitOptions::default()
    };
    let out = groups[2].commit(opts).unwrap();
    deliver_commit(&mut groups, &out.commit);
    let gi = out.group_info.unwrap();
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    let (dave_id, _) = new_client(&p, "dave");
    let (dave, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        Some(&tree),
        dave_id,
        config,
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    deliver_commit(&mut groups, &out.commit);
    groups.push(dave);
    joiner_works(&mut groups);
}

#[test]
fn resync_removes_the_prior_leaf() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (dave_id, _) = new_client(&p, "dave");
    let store = PskStore::new();
    let (dave, commit) =
        join_as(&p, &gi, None, dave_id.clone(), &store, Default::default()).unwrap();
    deliver_commit(&mut groups, &commit);
    groups.push(dave);
    // Dave lost his state and comes back: the same credential, a new signature key.
    let cs = p.suite(SUITE).unwrap();
    let dave2 = SigningIdentity::generate(cs, dave_id.credential.clone()).unwrap();
    let gi = groups[1].group_info(GroupInfoOptions::default()).unwrap();
    let options = ExternalCommitOptions {
        remove_prior: Some(PriorLeaf::SameCredential),
        ..Default::default()
    };
    let (dave2, commit) = join_as(&p, &gi, None, dave2, &store, options).unwrap();
    // The old leaf 3 is removed first, so the new Dave takes it again.
    assert_eq!(dave2.own_leaf(), LeafIndex(3));
    for g in groups.iter_mut() {
        let m = g.process(&commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!()
        };
        assert_eq!(s.removed().len(), 1);
        assert_eq!(s.removed()[0].index, LeafIndex(3));
        g.merge_staged_commit(*s).unwrap();
    }
    // The old Dave sees himself removed, unverified (§12.4.3.2: he cannot check the
    // confirmation tag), until the application confirms.
    let removal = groups[3].pending_unverified_removal().unwrap();
    assert_eq!(removal.credential_check, SuccessorCheck::ValidSuccessor);
    assert!(groups[3].is_active());
    groups[3].confirm_removal().unwrap();
    assert!(!groups[3].is_active());
    groups.retain(Group::is_active);
    groups.push(dave2);
    agree(&groups);
    assert_eq!(groups[0].member_count(), 4);
    joiner_works(&mut groups);
}

#[test]
fn resync_must_remove_a_leaf_with_the_joiners_credential() {
    let p = provider();
    let groups = three_members(&p, GroupConfig::default());
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let options = ExternalCommitOptions {
        remove_prior: Some(PriorLeaf::Leaf(LeafIndex(1))),
        ..Default::default()
    };
    assert_eq!(
        join(&p, &gi, None, "mallory", options).unwrap_err(),
        Error::Group(GroupError::ExternalCommitRemoveIdentityMismatch)
    );
    let options = ExternalCommitOptions {
        remove_prior: Some(PriorLeaf::SameCredential),
        ..Default::default()
    };
    assert_eq!(
        join(&p, &gi, None, "nobody", options).unwrap_err(),
        Error::Group(GroupError::PriorLeafNotFound)
    );
}

#[test]
fn external_join_with_external_psk() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let secret = Secret::new(vec![7; 32]);
    for g in groups.iter_mut().skip(1) {
        g.psk_store_mut().insert(b"psk".to_vec(), secret.clone());
    }
    let mut store = PskStore::new();
    store.insert(b"psk".to_vec(), secret);
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (id, _) = new_client(&p, "dave");
    let options = ExternalCommitOptions {
        external_psks: vec![b"psk".to_vec()],
        ..Default::default()
    };
    let (dave, commit) = join_as(&p, &gi, None, id, &store, options).unwrap();
    // Alice does not know the PSK.
    assert_eq!(
        groups[0].process(&commit, None).unwrap_err(),
        Error::Group(GroupError::UnknownPsk)
    );
    groups.remove(0);
    for g in groups.iter_mut() {
        let m = g.process(&commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!()
        };
        assert_eq!(s.psks().len(), 1);
        g.merge_staged_commit(*s).unwrap();
    }
    groups.push(dave);
    agree(&groups);
    // The joiner needs the PSK too.
    let (id, _) = new_client(&p, "erin");
    let options = ExternalCommitOptions {
        external_psks: vec![b"other".to_vec()],
        ..Default::default()
    };
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    assert_eq!(
        join_as(&p, &gi, None, id, &store, options).unwrap_err(),
        Error::Group(GroupError::UnknownPsk)
    );
}

/// Alice, Bob and Carol; a fresh external Commit by Dave (not delivered).
fn external_commit() -> (Arc<dyn CryptoProvider>, Vec<Group>, MlsMessage) {
    let p = provider();
    let groups = three_members(&p, GroupConfig::default());
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (_, commit) = join(&p, &gi, None, "dave", Default::default()).unwrap();
    (p, groups, commit)
}

/// `commit` with its Commit changed by `f` (signature left as it was).
fn tampered(commit: &MlsMessage, f: impl FnOnce(&mut Commit)) -> MlsMessage {
    let mut m = commit.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut m.body else {
        panic!()
    };
    let FramedContentBody::Commit(c) = &mut pm.content.body else {
        panic!()
    };
    f(c);
    m
}

fn rejects(g: &mut Group, msg: &MlsMessage, err: Error) {
    let epoch = g.epoch();
    assert_eq!(g.process(msg, None).unwrap_err(), err);
    assert_eq!(g.epoch(), epoch);
}

#[test]
fn external_commit_list_rules() {
    let (_, mut groups, commit) = external_commit();
    let g = &mut groups[1];
    let init = |c: &Commit| c.proposals[0].clone();
    let two = tampered(&commit, |c| c.proposals.push(init(c)));
    rejects(
        g,
        &two,
        GroupError::ExternalCommitMultipleExternalInit.into(),
    );
    let none = tampered(&commit, |c| {
        c.proposals.remove(0);
    });
    rejects(
        g,
        &none,
        GroupError::ExternalCommitMissingExternalInit.into(),
    );
    let no_path = tampered(&commit, |c| c.path = None);
    rejects(g, &no_path, GroupError::ExternalCommitWithoutPath.into());
    // Proposals by reference (only SelfRemove, draft-ietf-mls-extensions): see
    // tests/extensions_self_remove_external.rs.
    let (_, kp) = new_client(&provider(), "x");
    let add = Proposal::Add(Box::new(Add {
        key_package: kp.key_package,
    }));
    let forbidden = tampered(&commit, |c| c.proposals.push(ProposalOrRef::Proposal(add)));
    rejects(
        g,
        &forbidden,
        GroupError::ExternalCommitProposalNotAllowed.into(),
    );
    let rm = |l| {
        ProposalOrRef::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(l),
        }))
    };
    let removes = tampered(&commit, |c| c.proposals.extend([rm(1), rm(2)]));
    rejects(
        g,
        &removes,
        GroupError::ExternalCommitMultipleRemoves.into(),
    );
    // Valid structure, but not what Dave signed.
    let changed = tampered(&commit, |c| {
        c.proposals[0] = ProposalOrRef::Proposal(Proposal::ExternalInit(ExternalInit {
            kem_output: vec![1; 65],
        }))
    });
    rejects(g, &changed, FramingError::InvalidSignature.into());
    // The untouched Commit still goes through.
    g.process(&commit, None).unwrap();
}

#[test]
fn external_commit_framing_rules() {
    let (_, mut groups, commit) = external_commit();
    let mut tagged = commit.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut tagged.body else {
        panic!()
    };
    pm.membership_tag = Some(vec![0; 32]);
    rejects(
        &mut groups[0],
        &tagged,
        FramingError::UnexpectedMembershipTag.into(),
    );
    let mut other_epoch = commit.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut other_epoch.body else {
        panic!()
    };
    pm.content.epoch += 1;
    rejects(&mut groups[0], &other_epoch, GroupError::FutureEpoch.into());
}

#[test]
fn external_init_in_member_commit_is_rejected_by_committer() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let ext = Proposal::ExternalInit(ExternalInit {
        kem_output: vec![1; 32],
    });
    let opts = CommitOptions {
        proposals: vec![ext],
        ..CommitOptions::default()
    };
    assert_eq!(
        groups[0].commit(opts).unwrap_err(),
        Error::Group(GroupError::ExternalInitInMemberCommit)
    );
}

/// A group with `ds` as external sender 0, added by a GroupContextExtensions proposal.
fn with_external_sender() -> (Arc<dyn CryptoProvider>, Vec<Group>, ExternalProposer) {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let (ds_id, _) = new_client(&p, "ds");
    let ds = ExternalProposer::new(p.clone(), SUITE, ds_id).unwrap();
    let (msg, index) = groups[0]
        .propose_add_external_sender(ds.external_sender())
        .unwrap();
    assert_eq!(index, 0);
    deliver_proposal(&mut groups, Some(0), &msg);
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, &out.commit);
    let senders = groups[0]
        .group_context()
        .extensions
        .read::<ExternalSenders>()
        .unwrap()
        .unwrap();
    assert_eq!(senders.0, vec![ds.external_sender()]);
    (p, groups, ds)
}

#[test]
fn external_sender_adds_and_removes() {
    let (p, mut groups, ds) = with_external_sender();
    let (erin_id, erin_kp) = new_client(&p, "erin");
    let add = Proposal::Add(Box::new(Add {
        key_package: erin_kp.key_package.clone(),
    }));
    let (gid, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
    let msg = ds.propose(&gid, epoch, 0, add, b"ad").unwrap();
    for g in groups.iter_mut() {
        let m = g.process(&msg, None).unwrap();
        assert_eq!(m.sender, Sender::External(0));
        assert_eq!(m.authenticated_data, b"ad");
    }
    approve_all(&mut groups[2]);
    let out = groups[2]
        .commit(CommitOptions::default().with_ratchet_tree())
        .unwrap();
    deliver_commit(&mut groups, &out.commit);
    let erin = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &erin_kp,
        erin_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    groups.push(erin);
    agree(&groups);
    // The external sender removes Bob; Alice commits.
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let rm = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    let msg = ds.propose_for(&gi, 0, rm).unwrap();
    deliver_proposal(&mut groups, None, &msg);
    approve_all(&mut groups[0]);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, &out.commit);
    assert_eq!(groups.len(), 3);
    assert!(groups[0].member(LeafIndex(1)).is_none());
    joiner_works(&mut groups);
}

#[test]
fn group_created_with_external_senders() {
    let p = provider();
    let (ds_id, _) = new_client(&p, "ds");
    let ds = ExternalProposer::new(p.clone(), SUITE, ds_id).unwrap();
    let mut ext = Extensions::default();
    ext.write(&ExternalSenders(vec![ds.external_sender()]))
        .unwrap();
    let (alice, _) = new_client(&p, "alice");
    let config = GroupConfig::default();
    let alice =
        Group::create_with_extensions(p.clone(), SUITE, b"g".to_vec(), alice, config.clone(), ext)
            .unwrap();
    let mut groups = grow(&p, alice, &["bob"], config);
    agree(&groups);
    let rm = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    let msg = ds.propose(b"g", groups[0].epoch(), 0, rm, &[]).unwrap();
    deliver_proposal(&mut groups, None, &msg);
    approve_all(&mut groups[0]);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, &out.commit);
    assert_eq!(groups.len(), 1);
}

#[test]
fn external_sender_checks() {
    let (p, mut groups, ds) = with_external_sender();
    let (gid, epoch) = (groups[0].group_id().to_vec(), groups[0].epoch());
    let rm = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    // No entry 1.
    let msg = ds.propose(&gid, epoch, 1, rm.clone(), &[]).unwrap();
    rejects(
        &mut groups[0],
        &msg,
        GroupError::ExternalSenderIndexOutOfRange.into(),
    );
    // Someone else claiming to be sender 0.
    let (eve_id, _) = new_client(&p, "eve");
    let eve = ExternalProposer::new(p.clone(), SUITE, eve_id).unwrap();
    let msg = eve.propose(&gid, epoch, 0, rm.clone(), &[]).unwrap();
    rejects(&mut groups[0], &msg, FramingError::InvalidSignature.into());
    // An Update from an external sender: refused when built and when received.
    let leaf = groups[0]
        .ratchet_tree()
        .leaf(LeafIndex(0))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    let update = Proposal::Update(Box::new(Update { leaf_node: leaf }));
    assert_eq!(
        ds.propose(&gid, epoch, 0, update.clone(), &[]).unwrap_err(),
        Error::Group(GroupError::ExternalProposalTypeNotAllowed)
    );
    let mut msg = ds.propose(&gid, epoch, 0, rm.clone(), &[]).unwrap();
    let MlsMessageBody::PublicMessage(pm) = &mut msg.body else {
        panic!()
    };
    pm.content.body = FramedContentBody::Proposal(update);
    rejects(
        &mut groups[0],
        &msg,
        GroupError::ExternalProposalTypeNotAllowed.into(),
    );
    // A group without external senders.
    let mut plain = three_members(&p, GroupConfig::default());
    let msg = ds
        .propose(plain[0].group_id(), plain[0].epoch(), 0, rm, &[])
        .unwrap();
    rejects(
        &mut plain[0],
        &msg,
        GroupError::ExternalSenderIndexOutOfRange.into(),
    );
}

#[test]
fn new_member_proposal_is_committed() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (erin_id, erin_kp) = new_client(&p, "erin");
    let msg = new_member_add_proposal(&p, &gi, &erin_kp.key_package, &erin_id, &[]).unwrap();
    for g in groups.iter_mut() {
        let m = g.process(&msg, None).unwrap();
        assert_eq!(m.sender, Sender::NewMemberProposal);
    }
    approve_all(&mut groups[0]);
    let out = groups[0]
        .commit(CommitOptions::default().with_ratchet_tree())
        .unwrap();
    deliver_commit(&mut groups, &out.commit);
    let erin = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &erin_kp,
        erin_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    groups.push(erin);
    joiner_works(&mut groups);
}

#[test]
fn new_member_proposal_checks() {
    let p = provider();
    let mut groups = three_members(&p, GroupConfig::default());
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (erin_id, erin_kp) = new_client(&p, "erin");
    let (other_id, _) = new_client(&p, "other");
    assert_eq!(
        new_member_add_proposal(&p, &gi, &erin_kp.key_package, &other_id, &[]).unwrap_err(),
        Error::Group(GroupError::SignerKeyMismatch)
    );
    let msg = new_member_add_proposal(&p, &gi, &erin_kp.key_package, &erin_id, &[]).unwrap();
    let mut not_add = msg.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut not_add.body else {
        panic!()
    };
    pm.content.body = FramedContentBody::Proposal(Proposal::Remove(Remove {
        removed: LeafIndex(1),
    }));
    rejects(
        &mut groups[0],
        &not_add,
        FramingError::NewMemberProposalNotAdd.into(),
    );
    // An Add of another KeyPackage under the joiner's signature.
    let (_, x_kp) = new_client(&p, "x");
    let mut swapped = msg.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut swapped.body else {
        panic!()
    };
    pm.content.body = FramedContentBody::Proposal(Proposal::Add(Box::new(Add {
        key_package: x_kp.key_package,
    })));
    rejects(
        &mut groups[0],
        &swapped,
        FramingError::InvalidSignature.into(),
    );
    groups[0].process(&msg, None).unwrap();
}
