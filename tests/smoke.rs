//! A whole group life through the public API with OS randomness (`getrandom`): two members,
//! an application message each way, a key update and the exporter. Small enough to run on
//! wasm32 (`.ci/run` runs it on `wasm32-wasip1` under Node's WASI, `tools/wasi-run.mjs`).

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, Lifetime};
use melos::{CipherSuite, CryptoProvider};

const SUITE: CipherSuite = CipherSuite(1);

#[test]
fn a_group_lives_with_os_randomness() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let life = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let alice = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec())).unwrap();
    let bob = SigningIdentity::generate(cs, Credential::Basic(b"bob".to_vec())).unwrap();
    let bob_kp = bob.key_package(cs, life).unwrap();

    let config = GroupConfig::default();
    let mut a = Group::create(p.clone(), SUITE, b"smoke".to_vec(), alice, config.clone()).unwrap();
    let out = a
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone()),
        )
        .unwrap();
    a.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let mut b = Group::join(
        p.clone(),
        &welcome,
        &bob_kp,
        bob,
        None,
        config,
        &PskStore::new(),
    )
    .unwrap();

    let m = a.encrypt_application(b"hello", b"aad").unwrap();
    match b.process(&m, None).unwrap().content {
        ProcessedContent::Application(data) => assert_eq!(data.as_slice(), b"hello"),
        _ => panic!("expected application data"),
    }

    // Bob updates his keys with a path; Alice follows.
    let out = b.commit(CommitOptions::default()).unwrap();
    b.merge_pending_commit().unwrap();
    match a.process(&out.commit, None).unwrap().content {
        ProcessedContent::Commit(staged) => a.merge_staged_commit(*staged).unwrap(),
        _ => panic!("expected a commit"),
    }
    assert_eq!(a.epoch(), 2);
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    assert_eq!(
        a.export_secret(b"smoke", b"ctx", 32).unwrap().as_bytes(),
        b.export_secret(b"smoke", b"ctx", 32).unwrap().as_bytes()
    );

    let m = b.encrypt_application(b"back", b"").unwrap();
    match a.process(&m, None).unwrap().content {
        ProcessedContent::Application(data) => assert_eq!(data.as_slice(), b"back"),
        _ => panic!("expected application data"),
    }
}
