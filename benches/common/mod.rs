//! The fixture the group-level benches share (`group`, `partial`, `pq`; each includes this
//! file as `mod common;`): clients with a KeyPackage, applying a Commit, and a group whose
//! tree has settled.

use std::sync::Arc;

use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};

/// A lifetime that never runs out.
pub const LIFETIME: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

/// Client `i` of `suite`: a fresh identity (credential `m<i>`) and a KeyPackage.
pub fn client(
    p: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    i: usize,
) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(suite).unwrap();
    let id =
        SigningIdentity::generate(cs, Credential::Basic(format!("m{i}").into_bytes())).unwrap();
    let kp = id.key_package(cs, LIFETIME).unwrap();
    (id, kp)
}

/// `g` processes and merges `commit`.
pub fn apply(g: &mut Group, commit: &MlsMessage) {
    let ProcessedContent::Commit(s) = g.process(commit, None).unwrap().content else {
        panic!("not a commit")
    };
    g.merge_staged_commit(*s).unwrap();
}

/// A group whose tree has settled. `welcome` added `clients` at leaves 1, 2, ... to
/// `alice`'s group (leaf 0); `catch_up`, if given, is a Commit `alice` made after that
/// Welcome. The members at leaves 1, 2, 4, ..., 2^k <= `clients.len()` join (and apply
/// `catch_up`), then commit once each, from the largest subtree down, so that every copath
/// node of leaf 0 is non-blank (a long-lived group's shape, where a Commit encrypts to
/// O(log n) nodes). Returns the members in leaf order (leaf 0, 1, 2, 4, ...), all in the
/// latest epoch.
pub fn settle(
    p: &Arc<dyn CryptoProvider>,
    alice: &Group,
    welcome: &MlsMessage,
    catch_up: Option<&MlsMessage>,
    clients: &[(SigningIdentity, KeyPackageBundle)],
) -> Vec<Group> {
    let mut members = vec![alice.clone()];
    let mut leaf = 1usize;
    while leaf <= clients.len() {
        let (id, kp) = clients[leaf - 1].clone();
        let mut g = Group::join(
            p.clone(),
            welcome,
            &kp,
            id,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        assert_eq!(g.own_leaf(), LeafIndex(leaf as u32));
        if let Some(commit) = catch_up {
            apply(&mut g, commit);
        }
        members.push(g);
        leaf *= 2;
    }
    // members[0] is leaf 0, members[i] is leaf 2^(i-1): commit from the last one down.
    for committer in (1..members.len()).rev() {
        let out = members[committer].commit(CommitOptions::default()).unwrap();
        members[committer].merge_pending_commit().unwrap();
        for (i, m) in members.iter_mut().enumerate() {
            if i != committer {
                apply(m, &out.commit);
            }
        }
    }
    members
}

/// The members at leaf 0 and leaf 1 of [`settle`]'s group (at least one client), checked to
/// be in the same epoch.
#[allow(dead_code, reason = "the partial bench needs only leaf 0")]
pub fn settled_pair(
    p: &Arc<dyn CryptoProvider>,
    alice: &Group,
    welcome: &MlsMessage,
    catch_up: Option<&MlsMessage>,
    clients: &[(SigningIdentity, KeyPackageBundle)],
) -> (Group, Group) {
    let mut members = settle(p, alice, welcome, catch_up, clients).into_iter();
    let a = members.next().unwrap();
    let b = members.next().unwrap();
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    (a, b)
}
