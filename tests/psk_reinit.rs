//! Pre-shared keys (RFC 9420 §8.4, §8.6, §12.1.4), reinitialization (§11.2, §12.1.5) and
//! subgroup branching (§11.3) through the public `Group` API, with one test per receiver
//! check.

use std::sync::Arc;

use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::key_schedule::{PreSharedKeyId, ResumptionPskUsage};
use melos::messages::{
    Credential, Extension, ExtensionType, Extensions, KeyPackageBundle, Lifetime, PreSharedKey,
    Proposal, RequiredCapabilities,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError};

const S1: CipherSuite = CipherSuite(1);
const S3: CipherSuite = CipherSuite(3);

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

/// An identity usable in suites 1 and 3 (both Ed25519).
fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(S1).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

fn kp(p: &Arc<dyn CryptoProvider>, id: &SigningIdentity, suite: CipherSuite) -> KeyPackageBundle {
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    id.key_package(p.suite(suite).unwrap(), lifetime).unwrap()
}

fn err(g: GroupError) -> Error {
    Error::Group(g)
}

/// A group `group_id` in suite 1 of `n` members named `m0..`, all in epoch 1.
fn group(p: &Arc<dyn CryptoProvider>, group_id: &[u8], n: usize) -> Vec<Group> {
    group_with(p, group_id, n, &GroupConfig::default())
}

/// [`group`] with every member's `config`.
fn group_with(
    p: &Arc<dyn CryptoProvider>,
    group_id: &[u8],
    n: usize,
    config: &GroupConfig,
) -> Vec<Group> {
    let ids: Vec<SigningIdentity> = (0..n).map(|i| identity(p, &format!("m{i}"))).collect();
    let mut first = Group::create(
        p.clone(),
        S1,
        group_id.to_vec(),
        ids[0].clone(),
        config.clone(),
    )
    .unwrap();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    let mut bundles = Vec::new();
    for id in &ids[1..] {
        let b = kp(p, id, S1);
        opts = opts.add_member(b.key_package.clone());
        bundles.push((id.clone(), b));
    }
    let out = first.commit(opts).unwrap();
    first.merge_pending_commit().unwrap();
    let mut groups = vec![first];
    for (id, b) in bundles {
        let w = out.welcome.as_ref().unwrap();
        let g = Group::join(p.clone(), w, &b, id, None, config.clone(), &PskStore::new()).unwrap();
        groups.push(g);
    }
    groups
}

/// `groups[from]` commits with `opts`; everyone merges.
fn commit_all(groups: &mut [Group], from: usize, opts: CommitOptions) {
    let out = groups[from].commit(opts).unwrap();
    deliver(groups, from, &out.commit);
}

fn deliver(groups: &mut [Group], from: usize, commit: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
        } else {
            let m = g.process(commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!("not a commit")
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
}

/// Every group is in the same epoch with the same authenticator, and messages flow.
fn agree(groups: &mut [Group]) {
    let a = groups[0].epoch_authenticator().to_vec();
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), a.as_slice());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
    for i in 0..groups.len() {
        let msg = groups[i].encrypt_application(b"hello", b"").unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if j != i {
                let got = g.process(&msg, None).unwrap();
                assert!(matches!(got.content, ProcessedContent::Application(d) if d == b"hello"));
            }
        }
    }
}

fn secret(b: u8) -> Secret {
    Secret::from(vec![b; 32])
}

// ---------------------------------------------------------------------------------------
// PSKs
// ---------------------------------------------------------------------------------------

#[test]
fn join_with_external_psk() {
    let p = provider();
    let mut a = group(&p, b"g", 1).remove(0);
    a.psk_store_mut().insert(b"ext".to_vec(), secret(7));
    let bob = identity(&p, "bob");
    let b = kp(&p, &bob, S1);
    let opts = CommitOptions::default()
        .with_ratchet_tree()
        .add_member(b.key_package.clone())
        .with_proposal(a.external_psk_proposal(b"ext").unwrap());
    let out = a.commit(opts).unwrap();
    a.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let config = GroupConfig::default();
    let none = PskStore::new();
    assert_eq!(
        Group::join(p.clone(), &w, &b, bob.clone(), None, config.clone(), &none).unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    let mut store = PskStore::new();
    store.insert(b"ext".to_vec(), secret(7));
    let bob_g = Group::join(p.clone(), &w, &b, bob, None, config, &store).unwrap();
    agree(&mut [a, bob_g]);
}

#[test]
fn join_with_resumption_psk_of_another_group() {
    let p = provider();
    let mut g1 = group(&p, b"g1", 2);
    let epoch = g1[0].epoch();
    // Alice starts g2 and injects g1's resumption PSK into its first Commit.
    let alice = g1[0].identity().clone();
    let mut g2 =
        Group::create(p.clone(), S1, b"g2".to_vec(), alice, GroupConfig::default()).unwrap();
    let value = g1[0].resumption_psk_at(epoch).unwrap().clone();
    g2.psk_store_mut()
        .insert_resumption(b"g1".to_vec(), epoch, value);
    let bob = g1[1].identity().clone();
    let b = kp(&p, &bob, S1);
    let proposal = g2.resumption_psk_proposal_of(b"g1", epoch).unwrap();
    let opts = CommitOptions::default()
        .with_ratchet_tree()
        .add_member(b.key_package.clone())
        .with_proposal(proposal);
    let out = g2.commit(opts).unwrap();
    g2.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let config = GroupConfig::default();
    assert_eq!(
        Group::join(
            p.clone(),
            &w,
            &b,
            bob.clone(),
            None,
            config.clone(),
            &PskStore::new()
        )
        .unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    // Bob takes the PSK from his own state of g1.
    let mut store = PskStore::new();
    let own = g1[1].resumption_psk_at(epoch).unwrap().clone();
    store.insert_resumption(b"g1".to_vec(), epoch, own);
    let bob_g2 = Group::join(p.clone(), &w, &b, bob, None, config, &store).unwrap();
    agree(&mut [g2, bob_g2]);
    agree(&mut g1);
}

#[test]
fn commit_with_resumption_psk_of_an_earlier_epoch() {
    let p = provider();
    let mut g = group(&p, b"g", 3);
    commit_all(&mut g, 1, CommitOptions::default());
    commit_all(&mut g, 2, CommitOptions::default());
    assert_eq!(g[0].epoch(), 3);
    // By reference: Bob proposes epoch 1's PSK, Alice commits it.
    let prop = g[1].propose_resumption_psk(1).unwrap();
    for i in [0, 2] {
        g[i].process(&prop, None).unwrap();
    }
    commit_all(&mut g, 0, CommitOptions::default());
    agree(&mut g);
    // By value, together with an external PSK everyone knows.
    for m in g.iter_mut() {
        m.psk_store_mut().insert(b"x".to_vec(), secret(1));
    }
    let opts = CommitOptions::default()
        .with_proposal(g[2].resumption_psk_proposal(2).unwrap())
        .with_proposal(g[2].external_psk_proposal(b"x").unwrap());
    commit_all(&mut g, 2, opts);
    agree(&mut g);
}

#[test]
fn unknown_psk_on_commit_process_and_proposal() {
    let p = provider();
    let mut g = group(&p, b"g", 2);
    // Proposal helpers refuse PSKs the member does not have.
    assert_eq!(
        g[0].external_psk_proposal(b"nope").unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    assert_eq!(
        g[0].resumption_psk_proposal(99).unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    // Commit: an external PSK the committer does not have.
    let unknown = Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId::external(b"nope".to_vec(), vec![0; 32]),
    });
    assert_eq!(
        g[0].commit(CommitOptions::default().with_proposal(unknown))
            .unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    assert!(!g[0].has_pending_commit());
    // Process: the committer has the PSK, the receiver does not.
    g[0].psk_store_mut().insert(b"only-a".to_vec(), secret(3));
    let opts =
        CommitOptions::default().with_proposal(g[0].external_psk_proposal(b"only-a").unwrap());
    let out = g[0].commit(opts).unwrap();
    assert_eq!(
        g[1].process(&out.commit, None).unwrap_err(),
        err(GroupError::UnknownPsk)
    );
    // Once Bob has it, the same Commit processes.
    g[1].psk_store_mut().insert(b"only-a".to_vec(), secret(3));
    deliver(&mut g, 0, &out.commit);
    agree(&mut g);
}

#[test]
fn reinit_or_branch_usage_in_a_normal_commit_is_invalid() {
    let p = provider();
    let mut g = group(&p, b"g", 2);
    for usage in [ResumptionPskUsage::Reinit, ResumptionPskUsage::Branch] {
        let psk = Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId::resumption(usage, b"g".to_vec(), 1, vec![0; 32]),
        });
        assert_eq!(
            g[0].commit(CommitOptions::default().with_proposal(psk))
                .unwrap_err(),
            err(GroupError::InvalidPskUsage)
        );
    }
}

#[test]
fn resumption_psks_are_kept_for_max_resumption_psks_epochs() {
    let p = provider();
    let mut g = group(&p, b"g", 1);
    let config = GroupConfig {
        max_past_epochs: 0,
        max_resumption_psks: 3,
        ..GroupConfig::default()
    };
    let alice = g[0].identity().clone();
    let mut a = Group::create(p.clone(), S1, b"h".to_vec(), alice, config).unwrap();
    for _ in 0..5 {
        a.commit(CommitOptions::default()).unwrap();
        a.merge_pending_commit().unwrap();
    }
    assert_eq!(a.resumption_psk_epochs().collect::<Vec<_>>(), vec![3, 4, 5]);
    assert!(a.resumption_psk_at(2).is_none());
    let restored = Group::from_bytes(p.clone(), a.to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(
        restored.resumption_psk_epochs().collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    // The default keeps 8, independently of max_past_epochs.
    for _ in 0..10 {
        g[0].commit(CommitOptions::default()).unwrap();
        g[0].merge_pending_commit().unwrap();
    }
    assert_eq!(g[0].resumption_psk_epochs().count(), 8);
}

// ---------------------------------------------------------------------------------------
// ReInit
// ---------------------------------------------------------------------------------------

/// Three members after Bob's ReInit proposal (new id `new`, suite 3) committed by Alice.
fn reinitialized(p: &Arc<dyn CryptoProvider>) -> Vec<Group> {
    let mut g = group(p, b"old", 3);
    let prop = g[1]
        .propose_reinit(b"new".to_vec(), S3, Extensions::default())
        .unwrap();
    for i in [0, 2] {
        g[i].process(&prop, None).unwrap();
    }
    commit_all(&mut g, 0, CommitOptions::default());
    g
}

#[test]
fn reinit_from_suite_1_to_suite_3() {
    let p = provider();
    let g = reinitialized(&p);
    let old_epoch = g[0].epoch();
    for m in &g {
        assert!(!m.is_active());
        assert_eq!(m.pending_reinit().unwrap().cipher_suite, S3);
    }
    // The state of an inactive group round-trips.
    let restored = Group::from_bytes(p.clone(), g[2].to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(restored.pending_reinit(), g[2].pending_reinit());
    assert!(!restored.is_active());
    // Carol (not the committer) creates the new group.
    let bundles: Vec<KeyPackageBundle> = g[..2].iter().map(|m| kp(&p, m.identity(), S3)).collect();
    let (carol, out) = restored
        .reinit(
            g[2].identity().clone(),
            bundles.iter().map(|b| b.key_package.clone()).collect(),
            GroupConfig::default(),
            CommitOptions::default().with_ratchet_tree(),
        )
        .unwrap();
    assert_eq!(carol.epoch(), 1);
    assert_eq!(carol.cipher_suite(), S3);
    assert_eq!(carol.group_id(), b"new");
    let w = out.welcome.unwrap();
    let mut new = Vec::new();
    for (m, b) in g[..2].iter().zip(&bundles) {
        let joined = m
            .join_reinit(
                &w,
                b,
                m.identity().clone(),
                None,
                GroupConfig::default(),
                &PskStore::new(),
            )
            .unwrap();
        new.push(joined);
    }
    new.push(carol);
    agree(&mut new);
    // The new group goes on: a commit and more messages.
    commit_all(&mut new, 1, CommitOptions::default());
    agree(&mut new);
    assert_eq!(g[0].epoch(), old_epoch);
}

#[test]
fn old_group_is_inactive_after_reinit() {
    let p = provider();
    let mut g = reinitialized(&p);
    let inactive = err(GroupError::GroupInactive);
    assert_eq!(
        g[0].encrypt_application(b"late", b"").unwrap_err(),
        inactive
    );
    assert_eq!(g[1].propose_update().unwrap_err(), inactive);
    assert_eq!(g[2].commit(CommitOptions::default()).unwrap_err(), inactive);
    assert_eq!(
        g[2].branch(
            b"b".to_vec(),
            Extensions::default(),
            vec![],
            GroupConfig::default(),
            CommitOptions::default()
        )
        .unwrap_err(),
        inactive
    );
}

#[test]
fn reinit_with_other_proposals_is_refused() {
    let p = provider();
    let mut g = group(&p, b"g", 2);
    let reinit = g[0]
        .reinit_proposal(b"n".to_vec(), S3, Extensions::default())
        .unwrap();
    let opts = CommitOptions::default()
        .with_proposal(reinit)
        .remove_member(LeafIndex(1));
    assert_eq!(
        g[0].commit(opts).unwrap_err(),
        err(GroupError::ReInitWithOtherProposals)
    );
    // A Commit with the ReInit alone (by value) works, and only its members go inactive.
    let reinit = g[0]
        .reinit_proposal(b"n".to_vec(), S3, Extensions::default())
        .unwrap();
    commit_all(&mut g, 0, CommitOptions::default().with_proposal(reinit));
    assert!(g.iter().all(|m| m.pending_reinit().is_some()));
}

#[test]
fn reinit_needs_a_pending_reinit() {
    let p = provider();
    let g = group(&p, b"g", 2);
    let b = kp(&p, g[1].identity(), S1);
    assert_eq!(
        g[0].reinit(
            g[0].identity().clone(),
            vec![],
            GroupConfig::default(),
            CommitOptions::default()
        )
        .unwrap_err(),
        err(GroupError::NoPendingReInit)
    );
    // A branch Welcome given to join_reinit of a group without ReInit.
    let (_, out) = g[0]
        .branch(
            b"b".to_vec(),
            Extensions::default(),
            vec![b.key_package.clone()],
            GroupConfig::default(),
            CommitOptions::default().with_ratchet_tree(),
        )
        .unwrap();
    let w = out.welcome.unwrap();
    assert_eq!(
        g[1].join_reinit(
            &w,
            &b,
            g[1].identity().clone(),
            None,
            GroupConfig::default(),
            &PskStore::new()
        )
        .unwrap_err(),
        err(GroupError::NoPendingReInit)
    );
}

/// A Welcome for `kps` of a new group `group_id` in `suite` with `extensions`, whose first
/// Commit injects `psk` (if any) as a resumption PSK with `value`: a hand-made new group,
/// to test what joiners check.
#[allow(clippy::too_many_arguments)]
fn linked_welcome(
    p: &Arc<dyn CryptoProvider>,
    creator: &SigningIdentity,
    suite: CipherSuite,
    group_id: &[u8],
    extensions: Extensions,
    psk: Option<(ResumptionPskUsage, &[u8], u64, &Secret)>,
    kps: &[&KeyPackageBundle],
) -> MlsMessage {
    let mut g = Group::create_with_extensions(
        p.clone(),
        suite,
        group_id.to_vec(),
        creator.clone(),
        GroupConfig::default(),
        extensions,
    )
    .unwrap();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for b in kps {
        opts = opts.add_member(b.key_package.clone());
    }
    if let Some((usage, psk_group, psk_epoch, value)) = psk {
        g.psk_store_mut()
            .insert_resumption(psk_group.to_vec(), psk_epoch, value.clone());
        let nh = p.suite(suite).unwrap().hash_len();
        opts = opts.with_proposal(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId::resumption(usage, psk_group.to_vec(), psk_epoch, vec![9; nh]),
        }));
    }
    let out = g.commit(opts).unwrap();
    out.welcome.unwrap()
}

#[test]
fn welcome_that_does_not_match_the_reinit_is_refused() {
    let p = provider();
    let g = reinitialized(&p);
    let bob = &g[1];
    let carol = g[2].identity().clone();
    let e = bob.epoch();
    let psk_now = bob.resumption_psk_at(e).unwrap().clone();
    let psk_before = bob.resumption_psk_at(e - 1).unwrap().clone();
    let b3 = kp(&p, bob.identity(), S3);
    let a3 = kp(&p, g[0].identity(), S3);
    let join = |w: &MlsMessage, b: &KeyPackageBundle| {
        bob.join_reinit(
            w,
            b,
            bob.identity().clone(),
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap_err()
    };
    let reinit = Some((ResumptionPskUsage::Reinit, &b"old"[..], e, &psk_now));
    let none = Extensions::default();
    // The control: this hand-made Welcome is accepted.
    let ok = linked_welcome(&p, &carol, S3, b"new", none.clone(), reinit, &[&a3, &b3]);
    bob.join_reinit(
        &ok,
        &b3,
        bob.identity().clone(),
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    // Wrong cipher suite.
    let b1 = kp(&p, bob.identity(), S1);
    let w = linked_welcome(&p, &carol, S1, b"new", none.clone(), None, &[&b1]);
    assert_eq!(join(&w, &b1), err(GroupError::ReInitCipherSuiteMismatch));
    // Wrong group id.
    let w = linked_welcome(&p, &carol, S3, b"other", none.clone(), reinit, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::ReInitGroupIdMismatch));
    // Wrong extensions.
    let rc = RequiredCapabilities {
        extension_types: vec![],
        proposal_types: vec![],
        credential_types: vec![],
    };
    let ext = Extensions(vec![Extension {
        extension_type: ExtensionType::REQUIRED_CAPABILITIES,
        extension_data: melos::codec::encode(&rc).unwrap(),
    }]);
    let w = linked_welcome(&p, &carol, S3, b"new", ext, reinit, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::ReInitExtensionsMismatch));
    // No reinit PSK at all.
    let w = linked_welcome(&p, &carol, S3, b"new", none.clone(), None, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::MissingReInitPsk));
    // A branch PSK instead of a reinit PSK.
    let branch = Some((ResumptionPskUsage::Branch, &b"old"[..], e, &psk_now));
    let w = linked_welcome(&p, &carol, S3, b"new", none.clone(), branch, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::MissingReInitPsk));
    // The reinit PSK of the epoch before the ReInit Commit.
    let before = Some((ResumptionPskUsage::Reinit, &b"old"[..], e - 1, &psk_before));
    let w = linked_welcome(&p, &carol, S3, b"new", none.clone(), before, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::ReInitPskWrongEpoch));
    // The reinit PSK of another group.
    let other = Some((ResumptionPskUsage::Reinit, &b"zzz"[..], e, &psk_now));
    let w = linked_welcome(&p, &carol, S3, b"new", none.clone(), other, &[&a3, &b3]);
    assert_eq!(join(&w, &b3), err(GroupError::ReInitPskWrongGroup));
    // A member of the old group (Alice) left out.
    let w = linked_welcome(&p, &carol, S3, b"new", none.clone(), reinit, &[&b3]);
    assert_eq!(join(&w, &b3), err(GroupError::ReInitMemberMissing));
    // A plain join cannot check a reinit PSK.
    let mut store = PskStore::new();
    store.insert_resumption(b"old".to_vec(), e, psk_now.clone());
    assert_eq!(
        Group::join(
            p.clone(),
            &ok,
            &b3,
            bob.identity().clone(),
            None,
            GroupConfig::default(),
            &store
        )
        .unwrap_err(),
        err(GroupError::ResumptionPskNeedsOldGroup)
    );
}

// ---------------------------------------------------------------------------------------
// Branch
// ---------------------------------------------------------------------------------------

#[test]
fn branch_three_of_five_members() {
    let p = provider();
    let mut g = group(&p, b"big", 5);
    commit_all(&mut g, 3, CommitOptions::default());
    // Member 2 branches with members 0 and 4.
    let b0 = kp(&p, g[0].identity(), S1);
    let b4 = kp(&p, g[4].identity(), S1);
    let (m2, out) = g[2]
        .branch(
            b"small".to_vec(),
            Extensions::default(),
            vec![b0.key_package.clone(), b4.key_package.clone()],
            GroupConfig::default(),
            CommitOptions::default(),
        )
        .unwrap();
    let w = out.welcome.unwrap();
    let tree = m2.ratchet_tree().encode_extension().unwrap();
    let mut sub = vec![m2];
    for (i, b) in [(0, &b0), (4, &b4)] {
        let joined = g[i]
            .join_branch(
                &w,
                b,
                g[i].identity().clone(),
                Some(&tree),
                GroupConfig::default(),
                &PskStore::new(),
            )
            .unwrap();
        sub.push(joined);
    }
    assert_eq!(sub[0].member_count(), 3);
    agree(&mut sub);
    // The parent group is untouched and still works.
    agree(&mut g);
    commit_all(
        &mut g,
        1,
        CommitOptions::default().remove_member(LeafIndex(3)),
    );
}

#[test]
fn branch_welcome_checks() {
    let p = provider();
    // Everyone keeps a single resumption PSK (the current epoch's).
    let config = GroupConfig {
        max_resumption_psks: 1,
        ..GroupConfig::default()
    };
    let mut g = group_with(&p, b"parent", 3, &config);
    let e = g[1].epoch();
    let psk_now = g[1].resumption_psk_at(e).unwrap().clone();
    let alice = g[0].identity().clone();
    let b1 = kp(&p, g[1].identity(), S1);
    let join = |old: &Group, w: &MlsMessage, b: &KeyPackageBundle| {
        old.join_branch(
            w,
            b,
            old.identity().clone(),
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap_err()
    };
    let none = Extensions::default();
    // No branch PSK.
    let w = linked_welcome(&p, &alice, S1, b"sub", none.clone(), None, &[&b1]);
    assert_eq!(join(&g[1], &w, &b1), err(GroupError::MissingBranchPsk));
    // A reinit PSK instead of a branch PSK.
    let reinit = Some((ResumptionPskUsage::Reinit, &b"parent"[..], e, &psk_now));
    let w = linked_welcome(&p, &alice, S1, b"sub", none.clone(), reinit, &[&b1]);
    assert_eq!(join(&g[1], &w, &b1), err(GroupError::MissingBranchPsk));
    // A branch PSK of another group.
    let other = Some((ResumptionPskUsage::Branch, &b"zzz"[..], e, &psk_now));
    let w = linked_welcome(&p, &alice, S1, b"sub", none.clone(), other, &[&b1]);
    assert_eq!(join(&g[1], &w, &b1), err(GroupError::BranchPskWrongGroup));
    // A branch PSK of an epoch Bob does not know.
    let future = Some((ResumptionPskUsage::Branch, &b"parent"[..], e + 5, &psk_now));
    let w = linked_welcome(&p, &alice, S1, b"sub", none.clone(), future, &[&b1]);
    assert_eq!(join(&g[1], &w, &b1), err(GroupError::BranchPskUnknownEpoch));
    // Another cipher suite.
    let b3 = kp(&p, g[1].identity(), S3);
    let branch = Some((ResumptionPskUsage::Branch, &b"parent"[..], e, &psk_now));
    let w = linked_welcome(&p, &alice, S3, b"sub", none.clone(), branch, &[&b3]);
    assert_eq!(
        join(&g[1], &w, &b3),
        err(GroupError::BranchCipherSuiteMismatch)
    );
    // An outsider in the branch.
    let dave = identity(&p, "dave");
    let d1 = kp(&p, &dave, S1);
    let (_, out) = g[0]
        .branch(
            b"sub".to_vec(),
            none.clone(),
            vec![b1.key_package.clone(), d1.key_package.clone()],
            GroupConfig::default(),
            CommitOptions::default().with_ratchet_tree(),
        )
        .unwrap();
    let w = out.welcome.unwrap();
    assert_eq!(
        join(&g[1], &w, &b1),
        err(GroupError::BranchMemberNotInGroup)
    );
    // A plain join cannot check a branch PSK.
    let mut store = PskStore::new();
    store.insert_resumption(b"parent".to_vec(), e, psk_now.clone());
    assert_eq!(
        Group::join(
            p.clone(),
            &w,
            &b1,
            g[1].identity().clone(),
            None,
            GroupConfig::default(),
            &store
        )
        .unwrap_err(),
        err(GroupError::ResumptionPskNeedsOldGroup)
    );
    // A branch of an epoch Bob no longer keeps: Alice branches, then the parent moves on
    // before Bob joins.
    let b1 = kp(&p, g[1].identity(), S1);
    let (_, out) = g[0]
        .branch(
            b"late".to_vec(),
            none,
            vec![b1.key_package.clone()],
            GroupConfig::default(),
            CommitOptions::default().with_ratchet_tree(),
        )
        .unwrap();
    let w = out.welcome.unwrap();
    let before = g[1].clone();
    commit_all(&mut g, 2, CommitOptions::default());
    assert_eq!(join(&g[1], &w, &b1), err(GroupError::BranchPskUnknownEpoch));
    // The same Welcome joins from the state before that commit.
    before
        .join_branch(
            &w,
            &b1,
            before.identity().clone(),
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
}
