//! A three-member chat over melos (RFC 9420): Alice creates a group, adds Bob and Carol in
//! one Commit, everyone talks, Bob updates his keys, Carol is removed, and a message from a
//! past epoch still decrypts. Run with `cargo run --release --example group_chat`.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, Lifetime};
use melos::{CipherSuite, CryptoProvider, Error};

const SUITE: CipherSuite = CipherSuite(1);

fn show(step: &str, members: &[(&str, &Group)]) {
    println!("{step}");
    for (name, g) in members {
        println!(
            "  {name:<6} epoch {} authenticator {}",
            g.epoch(),
            hex(g.epoch_authenticator())
        );
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .take(12)
        .map(|x| format!("{x:02x}"))
        .collect::<String>()
        + "…"
}

fn receive(name: &str, g: &mut Group, m: &MlsMessage) -> Result<(), Error> {
    match g.process(m, None)?.content {
        ProcessedContent::Application(d) => {
            println!("  {name} reads: {}", String::from_utf8_lossy(&d));
        }
        ProcessedContent::Commit(staged) => g.merge_staged_commit(*staged)?,
        ProcessedContent::Proposal(..) => {}
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = provider.suite(SUITE)?;
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let alice_id = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec()))?;
    let bob_id = SigningIdentity::generate(cs, Credential::Basic(b"bob".to_vec()))?;
    let carol_id = SigningIdentity::generate(cs, Credential::Basic(b"carol".to_vec()))?;
    let bob_kp = bob_id.key_package(cs, lifetime)?;
    let carol_kp = carol_id.key_package(cs, lifetime)?;

    let config = GroupConfig::default();
    let mut alice = Group::create(
        provider.clone(),
        SUITE,
        b"chat".to_vec(),
        alice_id,
        config.clone(),
    )?;
    let out = alice.commit(
        CommitOptions::default()
            .add_member(bob_kp.key_package.clone())
            .add_member(carol_kp.key_package.clone())
            .with_ratchet_tree(),
    )?;
    alice.merge_pending_commit()?;
    let welcome = out.welcome.ok_or(Error::Encode)?;
    let psks = PskStore::new();
    let mut bob = Group::join(
        provider.clone(),
        &welcome,
        &bob_kp,
        bob_id,
        None,
        config.clone(),
        &psks,
    )?;
    let mut carol = Group::join(
        provider.clone(),
        &welcome,
        &carol_kp,
        carol_id,
        None,
        config,
        &psks,
    )?;
    show(
        "Alice added Bob and Carol:",
        &[("alice", &alice), ("bob", &bob), ("carol", &carol)],
    );

    println!("Everyone talks:");
    let m = alice.encrypt_application(b"hello from Alice", b"")?;
    receive("bob", &mut bob, &m)?;
    receive("carol", &mut carol, &m)?;
    let m = bob.encrypt_application(b"hi, Bob here", b"")?;
    receive("alice", &mut alice, &m)?;
    receive("carol", &mut carol, &m)?;
    let m = carol.encrypt_application(b"Carol says hi", b"")?;
    receive("alice", &mut alice, &m)?;
    receive("bob", &mut bob, &m)?;
    // Carol writes a message that Alice reads only after two more epochs.
    let late = carol.encrypt_application(b"(delayed) Carol's last words", b"")?;

    let out = bob.commit(CommitOptions::default())?;
    bob.merge_pending_commit()?;
    receive("alice", &mut alice, &out.commit)?;
    receive("carol", &mut carol, &out.commit)?;
    show(
        "Bob updated his path:",
        &[("alice", &alice), ("bob", &bob), ("carol", &carol)],
    );

    let out = alice.commit(CommitOptions::default().remove_member(carol.own_leaf()))?;
    alice.merge_pending_commit()?;
    receive("bob", &mut bob, &out.commit)?;
    receive("carol", &mut carol, &out.commit)?;
    println!("Carol active after removal: {}", carol.is_active());
    show("Alice removed Carol:", &[("alice", &alice), ("bob", &bob)]);

    println!("A message from two epochs ago (the group keeps 2 past epochs):");
    receive("alice", &mut alice, &late)?;
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    Ok(())
}
