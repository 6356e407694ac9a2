//! The API an application builds on: who sent a message (RFC 9420 §6.1) as a credential,
//! member lookup by credential, a removed member's view of the group (§12.4.2), joining
//! with the `JoinBuilder` (§12.4.3.1) and the `MlsMessage` accessors (§6).

mod common;

use std::sync::Arc;

use common::{SUITE, group_with, new_client, provider};
use melos::crypto::Secret;
use melos::framing::{MlsMessage, Sender};
use melos::group::{
    CommitOptions, ExternalProposer, Group, GroupConfig, GroupInfoOptions, ProcessedContent,
    ProcessedMessage, PskStore, SigningIdentity, TreeLifetimes, new_member_add_proposal,
};
use melos::messages::{Credential, Extensions, ExternalSenders, Lifetime, Proposal, Remove};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CryptoProvider, Error, GroupError, TreeError};

fn basic(name: &str) -> Credential {
    Credential::Basic(name.as_bytes().to_vec())
}

/// `g` processes `msg`, merging a Commit.
fn receive(g: &mut Group, msg: &MlsMessage) -> ProcessedMessage {
    let got = g.process(msg, None).unwrap();
    if let ProcessedContent::Commit(s) = &got.content {
        g.merge_staged_commit((**s).clone()).unwrap();
    }
    got
}

/// Member `from` commits `options`; everyone else processes and merges it.
fn commit_all(groups: &mut [Group], from: usize, options: CommitOptions) -> MlsMessage {
    let out = groups[from].commit(options).unwrap();
    groups[from].merge_pending_commit().unwrap();
    for (i, g) in groups.iter_mut().enumerate() {
        if i != from {
            receive(g, &out.commit);
        }
    }
    out.commit
}

#[test]
fn member_message_names_its_credential() {
    let p = provider();
    let mut g = group_with(&p, b"who", &["bob", "carol"], &GroupConfig::default());
    let msg = g[0].encrypt_application(b"hi", b"aad").unwrap();
    let got = g[1].process(&msg, None).unwrap();
    assert_eq!(got.sender, Sender::Member(LeafIndex(0)));
    assert_eq!(got.sender_credential(), &basic("alice"));
    assert_eq!(
        got.sender_identity.signature_key,
        g[0].identity().signature_public_key().clone()
    );
    assert_eq!(got.application_data(), Some(&b"hi"[..]));
    assert_eq!(got.authenticated_data, b"aad");
    // A handshake message (a PublicMessage proposal) names its sender too.
    let prop = g[2].propose_update().unwrap();
    let got = g[1].process(&prop, None).unwrap();
    assert_eq!(got.sender_credential(), &basic("carol"));
    assert_eq!(got.application_data(), None);
    g[0].process(&prop, None).unwrap();
    // And so does a Commit.
    let out = g[1].commit(CommitOptions::default()).unwrap();
    let got = g[0].process(&out.commit, None).unwrap();
    assert_eq!(got.sender_credential(), &basic("bob"));
}

#[test]
fn late_message_of_removed_member_names_it() {
    let p = provider();
    let mut g = group_with(&p, b"late", &["bob", "carol"], &GroupConfig::default());
    // Carol writes in epoch 1; Bob reads it only after she was removed (epoch 2) and
    // after a restart from saved state.
    let late = g[2].encrypt_application(b"bye", b"").unwrap();
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    receive(&mut g[1], &out.commit);
    assert!(g[1].member_by_credential(&basic("carol")).is_none());
    let saved = g[1].to_bytes().unwrap();
    let mut bob = Group::from_bytes(p.clone(), saved.as_bytes()).unwrap();
    let got = bob.process(&late, None).unwrap();
    assert_eq!(got.epoch, 1);
    assert_eq!(got.sender, Sender::Member(LeafIndex(2)));
    assert_eq!(got.sender_credential(), &basic("carol"));
    assert_eq!(got.application_data(), Some(&b"bye"[..]));
    // The same in the live group (the restored copy has its own ratchet state).
    let got = g[1].process(&late, None).unwrap();
    assert_eq!(got.sender_credential(), &basic("carol"));
}

#[test]
fn late_message_after_leaf_reuse_names_the_old_member() {
    let p = provider();
    let mut g = group_with(&p, b"reuse", &["bob", "carol"], &GroupConfig::default());
    let late = g[2].encrypt_application(b"from carol", b"").unwrap();
    // Carol is removed and Dave takes her leaf in the same Commit.
    let (dave_id, dave_kp) = new_client(&p, "dave");
    let out = g[0]
        .commit(
            CommitOptions::default()
                .remove_member(LeafIndex(2))
                .add_member(dave_kp.key_package.clone()),
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    receive(&mut g[1], &out.commit);
    let dave = g[1].member_by_credential(&basic("dave")).unwrap();
    assert_eq!(dave.index, LeafIndex(2));
    assert_eq!(dave.signature_key, dave_id.signature_public_key().clone());
    let got = g[1].process(&late, None).unwrap();
    assert_eq!(got.sender_credential(), &basic("carol"));
}

#[test]
fn member_by_credential_finds_members() {
    let p = provider();
    let g = group_with(&p, b"lookup", &["bob", "carol"], &GroupConfig::default());
    let bob = g[0].member_by_credential(&basic("bob")).unwrap();
    assert_eq!(bob.index, LeafIndex(1));
    assert_eq!(bob.credential, basic("bob"));
    assert_eq!(
        bob.signature_key,
        g[1].identity().signature_public_key().clone()
    );
    assert_eq!(g[2].member_by_credential(&basic("mallory")), None);
    assert_eq!(g[2].members_by_credential(&basic("carol")).len(), 1);
}

/// A group of Alice and Bob whose `external_senders` lists `ds` (index 0).
fn with_external_sender(p: &Arc<dyn CryptoProvider>, ds: &ExternalProposer) -> Vec<Group> {
    let mut ext = Extensions::default();
    ext.write(&ExternalSenders(vec![ds.external_sender()]))
        .unwrap();
    let (alice, _) = new_client(p, "alice");
    let mut alice = Group::create_with_extensions(
        p.clone(),
        SUITE,
        b"ds".to_vec(),
        alice,
        GroupConfig::default(),
        ext,
    )
    .unwrap();
    let (bob_id, bob_kp) = new_client(p, "bob");
    let out = alice
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let bob = Group::join_builder(p.clone(), &out.welcome.unwrap(), &bob_kp, bob_id)
        .join()
        .unwrap();
    vec![alice, bob]
}

#[test]
fn external_sender_proposal_names_the_external_sender() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let ds_id = SigningIdentity::generate(cs, basic("delivery service")).unwrap();
    let ds_key = ds_id.signature_public_key().clone();
    let ds = ExternalProposer::new(p.clone(), SUITE, ds_id).unwrap();
    let mut g = with_external_sender(&p, &ds);
    let remove = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    let msg = ds.propose(b"ds", 1, 0, remove, b"").unwrap();
    let got = g[0].process(&msg, None).unwrap();
    assert_eq!(got.sender, Sender::External(0));
    assert_eq!(got.sender_credential(), &basic("delivery service"));
    assert_eq!(got.sender_identity.signature_key, ds_key);
}

#[test]
fn new_member_proposal_names_the_joiner() {
    let p = provider();
    let mut g = group_with(&p, b"newmember", &["bob"], &GroupConfig::default());
    let gi = g[0].group_info(GroupInfoOptions::default()).unwrap();
    let (dave_id, dave_kp) = new_client(&p, "dave");
    let msg = new_member_add_proposal(&p, &gi, &dave_kp.key_package, &dave_id, b"").unwrap();
    let got = g[1].process(&msg, None).unwrap();
    assert_eq!(got.sender, Sender::NewMemberProposal);
    assert_eq!(got.sender_credential(), &basic("dave"));
    assert_eq!(
        got.sender_identity.signature_key,
        dave_id.signature_public_key().clone()
    );
}

/// Defect: a removed member got `FutureEpoch` for the next epoch's messages (the epoch was
/// checked before whether the group is still active); it must get `GroupInactive`.
#[test]
fn removed_member_gets_group_inactive_for_next_epoch() {
    let p = provider();
    let mut g = group_with(&p, b"removed", &["bob", "carol"], &GroupConfig::default());
    // Alice writes in epoch 1, Carol reads it only after her removal.
    let before = g[0].encrypt_application(b"still epoch 1", b"").unwrap();
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    receive(&mut g[1], &out.commit);
    receive(&mut g[2], &out.commit);
    assert!(!g[2].is_active());
    let inactive = Error::Group(GroupError::GroupInactive);
    let next = g[0].encrypt_application(b"epoch 2", b"").unwrap();
    assert_eq!(g[2].process(&next, None).unwrap_err(), inactive);
    let commit = commit_all(&mut g[..2], 1, CommitOptions::default());
    assert_eq!(g[2].process(&commit, None).unwrap_err(), inactive);
    // Its saved state behaves the same.
    let mut carol = Group::from_bytes(p.clone(), g[2].to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(carol.process(&next, None).unwrap_err(), inactive);
    // An application message of its last epoch still decrypts.
    let got = g[2].process(&before, None).unwrap();
    assert_eq!(got.application_data(), Some(&b"still epoch 1"[..]));
    assert_eq!(got.sender_credential(), &basic("alice"));
}

/// Defect (found by melos-sqlite's kill test: `Framing(UnknownSender)` refusals): a removed
/// member merged the next epoch's tree but stayed in its last epoch, so an application
/// message of that epoch from a member removed by the same Commit (blank in the new tree)
/// was refused, and one from a member whose leaf the Commit changed was checked against
/// the wrong leaf. Messages of the last epoch are read with that epoch's tree.
#[test]
fn removed_member_reads_last_epoch_messages_of_members_removed_with_it() {
    let p = provider();
    let mut g = group_with(
        &p,
        b"removed two",
        &["bob", "carol", "dave"],
        &GroupConfig::default(),
    );
    // Dave writes in epoch 1; Alice removes Carol and Dave in one Commit.
    let before = g[3].encrypt_application(b"dave, epoch 1", b"").unwrap();
    let out = g[0]
        .commit(
            CommitOptions::default()
                .remove_member(LeafIndex(2))
                .remove_member(LeafIndex(3)),
        )
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    receive(&mut g[2], &out.commit);
    assert!(!g[2].is_active());
    let got = g[2].process(&before, None).unwrap();
    assert_eq!(got.application_data(), Some(&b"dave, epoch 1"[..]));
    assert_eq!(got.sender_credential(), &basic("dave"));
    // Its saved state reads it the same way.
    let mut carol = Group::from_bytes(p.clone(), g[2].to_bytes().unwrap().as_bytes()).unwrap();
    let again = g[3].encrypt_application(b"dave again", b"").unwrap();
    assert_eq!(
        carol.process(&again, None).unwrap().sender_credential(),
        &basic("dave")
    );
}

/// A removed member does not process handshake messages of its last epoch either (a
/// proposal or Commit there could only corrupt a group it left).
#[test]
fn removed_member_refuses_handshake_of_its_last_epoch() {
    let p = provider();
    let mut g = group_with(
        &p,
        b"removed hs",
        &["bob", "carol"],
        &GroupConfig::default(),
    );
    let update = g[1].propose_update().unwrap();
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    receive(&mut g[2], &out.commit);
    assert!(!g[2].is_active());
    assert_eq!(
        g[2].process(&update, None).unwrap_err(),
        Error::Group(GroupError::GroupInactive)
    );
}

/// Alice alone in `group_id`, with her config.
fn alice_alone(p: &Arc<dyn CryptoProvider>, group_id: &[u8]) -> Group {
    let (alice, _) = new_client(p, "alice");
    Group::create(
        p.clone(),
        SUITE,
        group_id.to_vec(),
        alice,
        GroupConfig::default(),
    )
    .unwrap()
}

#[test]
fn join_builder_takes_the_tree_out_of_band() {
    let p = provider();
    let mut alice = alice_alone(&p, b"oob");
    let (bob_id, bob_kp) = new_client(&p, "bob");
    let out = alice
        .commit(CommitOptions::default().add_member(bob_kp.key_package.clone()))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let no_tree = Group::join_builder(p.clone(), &welcome, &bob_kp, bob_id.clone()).join();
    assert_eq!(
        no_tree.unwrap_err(),
        Error::Group(GroupError::MissingRatchetTree)
    );
    let tree = alice.ratchet_tree().encode_extension().unwrap();
    let bob = Group::join_builder(p.clone(), &welcome, &bob_kp, bob_id)
        .ratchet_tree(&tree)
        .config(GroupConfig {
            max_past_epochs: 5,
            ..GroupConfig::default()
        })
        .join()
        .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    assert_eq!(bob.config().max_past_epochs, 5);
    assert_eq!(bob.own_leaf(), LeafIndex(1));
}

#[test]
fn join_builder_psks() {
    let p = provider();
    let mut alice = alice_alone(&p, b"psk");
    alice
        .psk_store_mut()
        .insert(b"ext".to_vec(), Secret::from(vec![7; 32]));
    let (bob_id, bob_kp) = new_client(&p, "bob");
    let opts = CommitOptions::default()
        .with_ratchet_tree()
        .add_member(bob_kp.key_package.clone())
        .with_proposal(alice.external_psk_proposal(b"ext").unwrap());
    let out = alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let none = Group::join_builder(p.clone(), &welcome, &bob_kp, bob_id.clone()).join();
    assert_eq!(none.unwrap_err(), Error::Group(GroupError::UnknownPsk));
    let mut store = PskStore::new();
    store.insert(b"ext".to_vec(), Secret::from(vec![7; 32]));
    let bob = Group::join_builder(p.clone(), &welcome, &bob_kp, bob_id)
        .psks(&store)
        .join()
        .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
}

#[test]
fn join_builder_checks_tree_lifetimes_at_now() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let mut alice = alice_alone(&p, b"lifetimes");
    // Bob's leaf is valid from 1000 to 2000; Carol's forever.
    let bob = SigningIdentity::generate(cs, basic("bob")).unwrap();
    let window = Lifetime {
        not_before: 1000,
        not_after: 2000,
    };
    let bob_kp = bob.key_package(cs, window).unwrap();
    let (carol_id, carol_kp) = new_client(&p, "carol");
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone())
                .add_member(carol_kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let join = |now: u64, policy: TreeLifetimes| {
        Group::join_builder(p.clone(), &welcome, &carol_kp, carol_id.clone())
            .now(now)
            .tree_lifetimes(policy)
            .join()
            .map(|g| g.epoch())
    };
    let invalid = Error::Tree(TreeError::LeafLifetimeInvalid);
    assert_eq!(join(500, TreeLifetimes::Lenient).unwrap_err(), invalid);
    assert_eq!(join(1500, TreeLifetimes::Strict), Ok(1));
    assert_eq!(join(3000, TreeLifetimes::Lenient), Ok(1));
    assert_eq!(join(3000, TreeLifetimes::Strict).unwrap_err(), invalid);
    assert_eq!(join(500, TreeLifetimes::Ignore), Ok(1));
    // The old entry point still works.
    let old = Group::join(
        p.clone(),
        &welcome,
        &carol_kp,
        carol_id.clone(),
        None,
        GroupConfig::default(),
        &PskStore::new(),
    );
    assert_eq!(old.unwrap().epoch(), 1);
}

#[test]
fn key_packages_travel_as_mls_messages() {
    let p = provider();
    let mut alice = alice_alone(&p, b"bytes");
    let (bob_id, bob_kp) = new_client(&p, "bob");
    let published = MlsMessage::from(bob_kp.key_package.clone())
        .encode()
        .unwrap();
    let received = MlsMessage::decode(&published).unwrap();
    assert_eq!(received.group_id(), None);
    let kp = received.into_key_package().unwrap();
    let out = alice
        .commit(CommitOptions::default().with_ratchet_tree().add_member(kp))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = MlsMessage::decode(&out.welcome.unwrap().encode().unwrap()).unwrap();
    assert!(welcome.as_welcome().is_some());
    let bob = Group::join_builder(p.clone(), &welcome, &bob_kp, bob_id)
        .join()
        .unwrap();
    let msg = bob.clone().encrypt_application(b"hi", b"").unwrap();
    assert_eq!(msg.group_id(), Some(&b"bytes"[..]));
    assert_eq!(msg.epoch(), Some(bob.epoch()));
}
