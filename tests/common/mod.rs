//! Helpers shared by integration test files: a suite-1 provider, clients with basic
//! credentials and KeyPackages valid forever, and a group built by one Welcome.

#![allow(dead_code)]

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, Group, GroupConfig, PskStore, SigningIdentity};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use melos::{CipherSuite, CryptoProvider};

pub const SUITE: CipherSuite = CipherSuite(1);

pub fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

/// A client named `name` (basic credential) and a KeyPackage valid forever.
pub fn new_client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let life = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let kp = id.key_package(cs, life).unwrap();
    (id, kp)
}

/// Alice creates `group_id` with `config` and adds `names` by one Welcome (the tree in it).
pub fn group_with(
    p: &Arc<dyn CryptoProvider>,
    group_id: &[u8],
    names: &[&str],
    config: &GroupConfig,
) -> Vec<Group> {
    let (alice, _) = new_client(p, "alice");
    let mut alice =
        Group::create(p.clone(), SUITE, group_id.to_vec(), alice, config.clone()).unwrap();
    let clients: Vec<_> = names.iter().map(|n| new_client(p, n)).collect();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in &clients {
        opts = opts.add_member(kp.key_package.clone());
    }
    let out = alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut groups = vec![alice];
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
