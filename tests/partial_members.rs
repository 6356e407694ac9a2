//! Partial MLS at scale (draft-ietf-mls-partial-02, issue 15 "Done when"): a group built by
//! one commit adding every member, with 10 partial members and 10 full members, across 50
//! epochs of commits (adds, removes, path updates, commits with and without path) by full
//! members. An annotator with the full tree turns every Commit into the AnnotatedCommit each
//! partial member needs, and after every commit every member, partial or full, has the same
//! epoch authenticator.
//!
//! Along the way partial members upgrade to full members given the full ratchet tree, and
//! full members downgrade to partial ones (draft-ietf-mls-partial §"Upgrading and
//! Downgrading"), and some Commits cover proposals by reference, which the partial members
//! cached from sender-authenticated PublicMessages.
//!
//! The group size is `MELOS_PARTIAL_SCALE_N` (default 1,000, the size: about 9 s
//! with the test profile on a loaded 2-core machine).

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessageBody, PrivateMessage, PublicMessage};
use melos::group::{
    CommitOptions, Group, GroupConfig, PathChoice, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackage, KeyPackageBundle, Lifetime};
use melos::partial::{
    CommitAnnotator, PartialMember, SenderAuthenticatedMessage, annotate_welcome,
};
use melos::ratchet_tree::{RatchetTree, TreeView};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};

const SUITE: CipherSuite = CipherSuite(1);
const PARTIAL: usize = 10;
const FULL: usize = 10;
const EPOCHS: usize = 50;

fn client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let kp = id
        .key_package(
            cs,
            Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        )
        .unwrap();
    (id, kp)
}

fn leaf_of(tree: &RatchetTree, kp: &KeyPackage) -> LeafIndex {
    tree.find_leaf(|l| l.signature_key() == kp.leaf_node.signature_key.as_bytes())
        .unwrap()
}

struct World {
    p: Arc<dyn CryptoProvider>,
    full: Vec<Group>,
    /// Partial members, with the signing identity they need to upgrade.
    partial: Vec<(PartialMember, SigningIdentity)>,
    /// Members with no client here: the ones commits remove.
    passive: Vec<KeyPackage>,
}

impl World {
    /// `full[from]` commits `opts`; the annotator annotates the Commit for every partial
    /// member; everyone processes it and agrees on the epoch authenticator.
    fn commit(&mut self, from: usize, opts: CommitOptions, added: &[KeyPackage]) {
        let cs = self.p.suite(SUITE).unwrap();
        let has_path = match opts.path {
            PathChoice::Always => true,
            _ => {
                opts.proposals.is_empty()
                    || opts.proposals.iter().any(|p| {
                        !matches!(
                            p,
                            melos::messages::Proposal::Add(_)
                                | melos::messages::Proposal::PreSharedKey(_)
                        )
                    })
            }
        };
        let mut before = self.full[from].ratchet_tree().clone();
        let committer = self.full[from].own_leaf();
        let out = self.full[from].commit(opts).unwrap();
        for (i, g) in self.full.iter_mut().enumerate() {
            if i == from {
                g.merge_pending_commit().unwrap();
            } else {
                let m = g.process(&out.commit, None).unwrap();
                let ProcessedContent::Commit(s) = m.content else {
                    panic!("not a commit")
                };
                g.merge_staged_commit(*s).unwrap();
            }
        }
        let mut after = self.full[from].ratchet_tree().clone();
        let added = added.iter().map(|kp| leaf_of(&after, kp)).collect();
        let mut annotator = CommitAnnotator {
            tree_before: &mut before,
            tree_after: &mut after,
            committer,
            new_member: false,
            has_path,
            added,
        };
        let auth = self.full[from].epoch_authenticator().to_vec();
        for (m, _) in &mut self.partial {
            let ac = annotator
                .annotate(cs, out.commit.clone(), m.own_leaf())
                .unwrap();
            assert_eq!(ac.resolution_index.is_some(), has_path);
            *m = m.process_commit(cs, &ac, &[]).unwrap().member;
        }
        for g in &self.full {
            assert_eq!(g.epoch_authenticator(), auth.as_slice());
        }
        for (m, _) in &self.partial {
            assert_eq!(m.epoch_authenticator(), auth.as_slice());
            assert_eq!(m.group_context(), self.full[from].group_context());
        }
    }
}

impl World {
    /// `full[from]` proposes removing `leaf`; the other full members receive the proposal,
    /// the partial members cache it as a sender-authenticated PublicMessage (its sender's
    /// membership proof made from the full tree).
    fn propose_remove(&mut self, from: usize, leaf: LeafIndex) {
        let cs = self.p.suite(SUITE).unwrap();
        let m = self.full[from]
            .propose(melos::messages::Proposal::Remove(melos::messages::Remove {
                removed: leaf,
            }))
            .unwrap();
        for (i, g) in self.full.iter_mut().enumerate() {
            if i != from {
                g.process(&m, None).unwrap();
            }
        }
        let MlsMessageBody::PublicMessage(pm) = m.body else {
            panic!("not a PublicMessage")
        };
        let mut tree = self.full[from].ratchet_tree().clone();
        let sam = SenderAuthenticatedMessage::<PublicMessage>::create(cs, pm, &mut tree).unwrap();
        for (m, _) in &mut self.partial {
            m.cache_proposal(cs, sam.clone()).unwrap();
        }
    }

    /// The partial member `i` becomes a full member, given the full tree.
    fn upgrade(&mut self, i: usize) {
        let (m, id) = self.partial.remove(i);
        let tree = self.full[0].ratchet_tree().encode_extension().unwrap();
        let g = m
            .upgrade(
                self.p.clone(),
                id,
                &tree,
                GroupConfig::default(),
                &PskStore::new(),
            )
            .unwrap();
        assert_eq!(g.epoch_authenticator(), self.full[0].epoch_authenticator());
        self.full.push(g);
    }

    /// The full member `i` becomes a partial member.
    fn downgrade(&mut self, i: usize) {
        let g = self.full.remove(i);
        let m = g.downgrade().unwrap();
        assert_eq!(m.epoch_authenticator(), g.epoch_authenticator());
        self.partial.push((m, g.identity().clone()));
    }
}

fn scale() -> usize {
    std::env::var("MELOS_PARTIAL_SCALE_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
        .max(PARTIAL + FULL + 10)
}

/// The group of `n` members: one commit by the creator adds everyone; the full members join
/// with the ratchet tree, the partial ones from annotated Welcomes.
fn build(n: usize) -> World {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let (creator_id, _) = client(&p, "full0");
    let mut creator = Group::create(
        p.clone(),
        SUITE,
        b"partial-scale".to_vec(),
        creator_id,
        GroupConfig::default(),
    )
    .unwrap();
    let full_clients: Vec<_> = (1..FULL).map(|i| client(&p, &format!("full{i}"))).collect();
    let partial_clients: Vec<_> = (0..PARTIAL)
        .map(|i| client(&p, &format!("partial{i}")))
        .collect();
    let passive: Vec<KeyPackage> = (0..n - FULL - PARTIAL)
        .map(|i| client(&p, &format!("passive{i}")).1.key_package)
        .collect();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in full_clients.iter().chain(&partial_clients) {
        opts = opts.add_member(kp.key_package.clone());
    }
    for kp in &passive {
        opts = opts.add_member(kp.clone());
    }
    let out = creator.commit(opts).unwrap();
    creator.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let mut full = vec![creator];
    for (id, kp) in full_clients {
        let g = Group::join(
            p.clone(),
            &welcome,
            &kp,
            id,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        full.push(g);
    }
    let mut tree = full[0].ratchet_tree().clone();
    let w = welcome.clone().into_welcome().unwrap();
    let mut partial = Vec::new();
    for (id, kp) in partial_clients {
        let joiner = leaf_of(&tree, &kp.key_package);
        let aw = annotate_welcome(cs, &mut tree, w.clone(), full[0].own_leaf(), joiner).unwrap();
        let m = PartialMember::join(
            cs,
            &aw,
            &kp.key_package,
            &kp.init_private_key,
            kp.encryption_private_key.clone(),
            &[],
        )
        .unwrap();
        assert_eq!(m.epoch_authenticator(), full[0].epoch_authenticator());
        partial.push((m, id));
    }
    assert!(full[0].ratchet_tree().size().leaf_count() as usize >= n);
    World {
        p,
        full,
        partial,
        passive,
    }
}

#[test]
fn partial_and_full_members_agree_across_50_epochs() {
    let n = scale();
    let mut w = build(n);
    let mut fresh = 0usize;
    for epoch in 0..EPOCHS {
        let from = epoch % w.full.len();
        // Every ten epochs, the oldest partial member upgrades and the member that upgraded
        // the previous time (the first time: a full member from the start) downgrades, so
        // members go partial -> full -> partial; each then follows the next commits (and
        // the full ones make them) in its new role.
        if epoch % 10 == 6 {
            w.upgrade(0);
            let down = w.full.len() - 2;
            w.downgrade(down);
        }
        let from = from % w.full.len();
        let mut new = |w: &World| {
            fresh += 1;
            client(&w.p, &format!("late{fresh}")).1.key_package
        };
        match epoch % 5 {
            // A path update of the committer's leaf (an empty commit with path).
            0 => w.commit(from, CommitOptions::default(), &[]),
            // Adds without path.
            1 => {
                let kps = [new(&w), new(&w)];
                let mut opts = CommitOptions {
                    path: PathChoice::WhenRequired,
                    ..CommitOptions::default()
                };
                for kp in &kps {
                    opts = opts.add_member(kp.clone());
                }
                w.commit(from, opts, &kps);
                w.passive.extend(kps);
            }
            // A remove (path required): by value, or every other time by reference, proposed
            // by another full member before the commit.
            2 => {
                let kp = w.passive.remove(epoch % w.passive.len());
                let leaf = leaf_of(w.full[from].ratchet_tree(), &kp);
                if epoch % 10 == 2 {
                    w.commit(from, CommitOptions::default().remove_member(leaf), &[]);
                } else {
                    w.propose_remove((from + 1) % w.full.len(), leaf);
                    w.commit(from, CommitOptions::default(), &[]);
                }
            }
            // An add and a remove in one commit with path (the add fills the blank).
            3 => {
                let gone = w.passive.remove(0);
                let leaf = leaf_of(w.full[from].ratchet_tree(), &gone);
                let kp = new(&w);
                let opts = CommitOptions::default()
                    .remove_member(leaf)
                    .add_member(kp.clone());
                w.commit(from, opts, std::slice::from_ref(&kp));
                w.passive.push(kp);
            }
            // An add with path.
            _ => {
                let kp = new(&w);
                let opts = CommitOptions::default().add_member(kp.clone());
                w.commit(from, opts, std::slice::from_ref(&kp));
                w.passive.push(kp);
            }
        }
    }
    assert_eq!(w.full[0].epoch(), EPOCHS as u64 + 1);
    assert_eq!(w.full.len(), FULL);
    assert_eq!(w.partial.len(), PARTIAL);
    // Every member that switched is still in the group and reads its messages.
    let cs = w.p.suite(SUITE).unwrap();
    let msg = w.full[FULL - 1].encrypt_application(b"after", b"").unwrap();
    let MlsMessageBody::PrivateMessage(pm) = &msg.body else {
        panic!("not a PrivateMessage")
    };
    let sender = w.full[FULL - 1].own_leaf();
    let mut tree = w.full[0].ratchet_tree().clone();
    let sam =
        SenderAuthenticatedMessage::<PrivateMessage>::create(cs, pm.clone(), &mut tree, sender)
            .unwrap();
    for (m, _) in &mut w.partial {
        assert_eq!(m.open_application(cs, sam.clone()).unwrap(), b"after");
    }
    for g in &mut w.full[..FULL - 1] {
        let got = g.process(&msg, None).unwrap();
        assert!(matches!(got.content, ProcessedContent::Application(ref d) if d == b"after"));
    }
}

/// The README's "Partial members" example (/work/notes/readme_partial.md), kept compiling.
#[test]
fn readme_partial_example() -> Result<(), melos::Error> {
    use melos::messages::Credential as C;
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let cs = provider.suite(suite)?;
    let forever = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };

    // Alice (a full member) adds Carol; Carol will join as a partial member.
    let alice_id = SigningIdentity::generate(cs, C::Basic(b"alice".to_vec()))?;
    let carol_kp =
        SigningIdentity::generate(cs, C::Basic(b"carol".to_vec()))?.key_package(cs, forever)?;
    let mut alice = Group::create(
        provider.clone(),
        suite,
        b"big".to_vec(),
        alice_id,
        GroupConfig::default(),
    )?;
    let out = alice.commit(CommitOptions::default().add_member(carol_kp.key_package.clone()))?;
    alice.merge_pending_commit()?;

    // The annotator (the delivery service, or any full member) holds the full tree and
    // attaches O(log n) membership proofs to the Welcome.
    let mut tree = alice.ratchet_tree().clone();
    let carol_leaf = tree
        .find_leaf(|l| l.signature_key() == carol_kp.key_package.leaf_node.signature_key.as_bytes())
        .expect("Carol's leaf");
    let welcome = out
        .welcome
        .and_then(|m| m.into_welcome())
        .expect("a Welcome");
    let annotated = annotate_welcome(cs, &mut tree, welcome, alice.own_leaf(), carol_leaf)?;
    let mut carol = PartialMember::join(
        cs,
        &annotated,
        &carol_kp.key_package,
        &carol_kp.init_private_key,
        carol_kp.encryption_private_key.clone(),
        &[],
    )?;
    assert_eq!(carol.epoch_authenticator(), alice.epoch_authenticator());

    // Alice commits; the annotator annotates the Commit for Carol, who follows it.
    let mut before = alice.ratchet_tree().clone();
    let out = alice.commit(CommitOptions::default())?;
    alice.merge_pending_commit()?;
    let mut after = alice.ratchet_tree().clone();
    let mut annotator = CommitAnnotator {
        tree_before: &mut before,
        tree_after: &mut after,
        committer: alice.own_leaf(),
        new_member: false,
        has_path: true,
        added: Vec::new(),
    };
    let annotated = annotator.annotate(cs, out.commit, carol.own_leaf())?;
    carol = carol.process_commit(cs, &annotated, &[])?.member;
    assert_eq!(carol.epoch_authenticator(), alice.epoch_authenticator());
    Ok(())
}
