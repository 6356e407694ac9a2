//! Upgrading a partial member to a full one and downgrading a full one to partial
//! (draft-ietf-mls-partial §"Upgrading and Downgrading"), and proposals by reference cached
//! by a partial member (§"Protocol Overview"): the member stays the same member (epoch
//! authenticator, consumed message keys, in-flight messages), and every upgrade check is
//! fed a violating input and asserts its own error variant.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::tests::provider;
use super::*;
use crate::crypto::{CryptoProvider, Secret};
use crate::error::{Error, GroupError, PartialError};
use crate::framing::{MlsMessage, MlsMessageBody, PrivateMessage, PublicMessage, Sender};
use crate::group::{
    CommitOptions, Group, GroupConfig, HandshakeFormat, PathChoice, ProcessedContent, PskStore,
    SigningIdentity,
};
use crate::messages::ProposalRef;
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::LeafIndex;

use super::tests_member::{SUITE, bundle, cs, partial_err};

const PSK_ID: &[u8] = b"partial-psk";

fn psks() -> PskStore {
    let mut s = PskStore::new();
    s.insert(PSK_ID.to_vec(), Secret::new(b"a shared psk".to_vec()));
    s
}

struct World {
    p: Arc<dyn CryptoProvider>,
    config: GroupConfig,
    /// Full members: the creator and one that joined by Welcome.
    alice: Group,
    carol: Group,
    /// The partial member and its signing identity.
    bob: PartialMember,
    bob_id: SigningIdentity,
}

/// Alice creates the group with Carol and five passive members; Bob joins as a partial
/// member; one passive member is removed (a blank leaf). Every member holds `PSK_ID`.
fn world(format: HandshakeFormat) -> World {
    let p = provider();
    let config = GroupConfig {
        handshake_format: format,
        ..GroupConfig::default()
    };
    let (alice_id, _) = bundle(&p, "alice");
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"switch".to_vec(),
        alice_id,
        config.clone(),
    )
    .unwrap();
    *alice.psk_store_mut() = psks();
    let (carol_id, carol_kp) = bundle(&p, "carol");
    let (bob_id, bob_kp) = bundle(&p, "bob");
    let mut opts = CommitOptions::default()
        .add_member(carol_kp.key_package.clone())
        .add_member(bob_kp.key_package.clone())
        .with_ratchet_tree();
    for i in 0..5 {
        opts = opts.add_member(bundle(&p, &format!("m{i}")).1.key_package);
    }
    let out = alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let carol = Group::join(
        p.clone(),
        &welcome,
        &carol_kp,
        carol_id,
        None,
        config.clone(),
        &psks(),
    )
    .unwrap();
    let mut tree = alice.ratchet_tree().clone();
    let bob_leaf = leaf_of(&tree, &bob_id);
    let aw = annotate_welcome(
        cs(&p),
        &mut tree,
        welcome.into_welcome().unwrap(),
        alice.own_leaf(),
        bob_leaf,
    )
    .unwrap();
    let bob = PartialMember::join(
        cs(&p),
        &aw,
        &bob_kp.key_package,
        &bob_kp.init_private_key,
        bob_kp.encryption_private_key.clone(),
        &[],
    )
    .unwrap();
    let mut w = World {
        p,
        config,
        alice,
        carol,
        bob,
        bob_id,
    };
    // Remove the last passive member: its leaf is blank from then on.
    let last = LeafIndex(7);
    assert!(w.alice.ratchet_tree().leaf(last).is_some());
    w.commit(CommitOptions::default().remove_member(last));
    assert!(w.alice.ratchet_tree().leaf(last).is_none());
    w
}

fn leaf_of(tree: &RatchetTree, id: &SigningIdentity) -> LeafIndex {
    tree.find_leaf(|l| l.signature_key() == id.signature_public_key().as_bytes())
        .unwrap()
}

impl World {
    /// Alice commits `opts`; Carol merges it, Bob follows the annotated Commit; all agree.
    fn commit(&mut self, opts: CommitOptions) {
        let has_path = opts.path == PathChoice::Always
            || opts.proposals.is_empty()
            || opts.proposals.iter().any(|p| {
                !matches!(
                    p,
                    crate::messages::Proposal::Add(_) | crate::messages::Proposal::PreSharedKey(_)
                )
            });
        let mut before = self.alice.ratchet_tree().clone();
        let out = self.alice.commit(opts).unwrap();
        self.alice.merge_pending_commit().unwrap();
        let m = self.carol.process(&out.commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        self.carol.merge_staged_commit(*s).unwrap();
        let mut after = self.alice.ratchet_tree().clone();
        let mut annotator = CommitAnnotator {
            tree_before: &mut before,
            tree_after: &mut after,
            committer: self.alice.own_leaf(),
            new_member: false,
            has_path,
            added: Vec::new(),
        };
        let ac = annotator
            .annotate(cs(&self.p), out.commit, self.bob.own_leaf())
            .unwrap();
        let psk = b"a shared psk";
        self.bob = self
            .bob
            .process_commit(cs(&self.p), &ac, &[(PSK_ID, psk.as_slice())])
            .unwrap()
            .member;
        self.agree();
    }

    fn agree(&self) {
        assert_eq!(
            self.bob.epoch_authenticator(),
            self.alice.epoch_authenticator()
        );
        assert_eq!(
            self.carol.epoch_authenticator(),
            self.alice.epoch_authenticator()
        );
        assert_eq!(self.bob.group_context(), self.alice.group_context());
    }

    fn tree_bytes(&self) -> Vec<u8> {
        self.alice.ratchet_tree().encode_extension().unwrap()
    }

    fn upgrade(&self, bob: &PartialMember) -> Result<Group, Error> {
        bob.upgrade(
            self.p.clone(),
            self.bob_id.clone(),
            &self.tree_bytes(),
            self.config.clone(),
            &psks(),
        )
    }

    /// An application message from Alice, annotated for a partial receiver.
    fn app_from_alice(
        &mut self,
        data: &[u8],
    ) -> (MlsMessage, SenderAuthenticatedMessage<PrivateMessage>) {
        let m = self.alice.encrypt_application(data, b"").unwrap();
        let MlsMessageBody::PrivateMessage(pm) = &m.body else {
            panic!("not a PrivateMessage")
        };
        let mut tree = self.alice.ratchet_tree().clone();
        let sam = SenderAuthenticatedMessage::<PrivateMessage>::create(
            cs(&self.p),
            pm.clone(),
            &mut tree,
            self.alice.own_leaf(),
        )
        .unwrap();
        (m, sam)
    }
}

fn application(g: &mut Group, m: &MlsMessage) -> Result<Vec<u8>, Error> {
    match g.process(m, None)?.content {
        ProcessedContent::Application(d) => Ok(d),
        _ => panic!("not application data"),
    }
}

/// Bob upgrades (keeping his consumed message keys and reading an in-flight message),
/// follows and makes Commits as a full member, downgrades, follows annotated Commits again,
/// and upgrades once more: every step agrees with Alice and Carol.
#[test]
fn upgrade_and_downgrade_keep_the_group() {
    let mut w = world(HandshakeFormat::Public);
    let (m1, s1) = w.app_from_alice(b"one");
    let (m2, _) = w.app_from_alice(b"two");
    assert_eq!(w.bob.open_application(cs(&w.p), s1).unwrap(), b"one");

    let mut bob = w.upgrade(&w.bob).unwrap();
    assert_eq!(bob.epoch_authenticator(), w.alice.epoch_authenticator());
    assert_eq!(bob.resumption_psk(), w.alice.resumption_psk());
    assert_eq!(bob.own_leaf(), w.bob.own_leaf());
    // A message already decrypted as a partial member cannot be replayed; one in flight
    // still decrypts.
    assert!(application(&mut bob, &m1).is_err());
    assert_eq!(application(&mut bob, &m2).unwrap(), b"two");

    // Bob, full, follows a commit of Alice and commits himself.
    let out = w.alice.commit(CommitOptions::default()).unwrap();
    w.alice.merge_pending_commit().unwrap();
    for g in [&mut bob, &mut w.carol] {
        let ProcessedContent::Commit(s) = g.process(&out.commit, None).unwrap().content else {
            panic!()
        };
        g.merge_staged_commit(*s).unwrap();
    }
    assert_eq!(bob.epoch_authenticator(), w.alice.epoch_authenticator());
    let out = bob.commit(CommitOptions::default()).unwrap();
    bob.merge_pending_commit().unwrap();
    for g in [&mut w.alice, &mut w.carol] {
        let ProcessedContent::Commit(s) = g.process(&out.commit, None).unwrap().content else {
            panic!()
        };
        g.merge_staged_commit(*s).unwrap();
    }
    assert_eq!(bob.epoch_authenticator(), w.alice.epoch_authenticator());
    let hi = bob.encrypt_application(b"from full bob", b"").unwrap();
    assert_eq!(application(&mut w.alice, &hi).unwrap(), b"from full bob");

    // Downgrade: Bob follows annotated Commits again, with and without path.
    let (m3, _) = w.app_from_alice(b"three");
    assert_eq!(application(&mut bob, &m3).unwrap(), b"three");
    w.bob = bob.downgrade().unwrap();
    assert_eq!(w.bob.epoch_authenticator(), w.alice.epoch_authenticator());
    assert!(w.bob.key_nodes().count() >= 2);
    w.commit(CommitOptions::default());
    let (_, kp) = bundle(&w.p, "late");
    w.commit(CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default().add_member(kp.key_package)
    });
    let (_, s4) = w.app_from_alice(b"four");
    assert_eq!(w.bob.open_application(cs(&w.p), s4).unwrap(), b"four");

    // And up again.
    let mut bob = w.upgrade(&w.bob).unwrap();
    let hi = bob.encrypt_application(b"again", b"").unwrap();
    assert_eq!(application(&mut w.carol, &hi).unwrap(), b"again");
}

/// Every check of [`PartialMember::upgrade`] with its own error; a refused upgrade leaves
/// the partial member as it was (it still follows the next Commit).
#[test]
fn upgrade_checks() {
    let mut w = world(HandshakeFormat::Public);
    let p = w.p.clone();

    // A tree of the previous epoch: its hash is not the GroupContext's.
    let stale = w.tree_bytes();
    w.commit(CommitOptions::default());
    let before = w.bob.epoch_authenticator().to_vec();
    let r = w.bob.upgrade(
        p.clone(),
        w.bob_id.clone(),
        &stale,
        w.config.clone(),
        &psks(),
    );
    assert_eq!(partial_err(r), PartialError::UpgradeTreeHashMismatch);

    // A tree whose hash matches but that is not valid for this group (its committers'
    // leaves are signed for another group id): the joiner's tree validation refuses it.
    let other = world(HandshakeFormat::Public);
    let mut foreign = w.bob.clone();
    foreign.group_context.group_id = b"another group".to_vec();
    let mut other_tree = other.alice.ratchet_tree().clone();
    foreign.group_context.tree_hash = other_tree.tree_hash(cs(&p)).unwrap();
    let r = foreign.upgrade(
        p.clone(),
        w.bob_id.clone(),
        &other_tree.encode_extension().unwrap(),
        w.config.clone(),
        &psks(),
    );
    assert!(matches!(r, Err(Error::Tree(_))), "{r:?}");

    // The member's leaf is blank in the tree.
    let mut blank = w.bob.clone();
    blank.own_leaf = LeafIndex(7);
    assert_eq!(
        partial_err(w.upgrade(&blank)),
        PartialError::UpgradeOwnLeafBlank
    );

    // The leaf private key is not the leaf's.
    let mut wrong_leaf = w.bob.clone();
    wrong_leaf.keys[0].1 = cs(&p).kem_generate_key_pair().unwrap().private_key;
    assert_eq!(
        partial_err(w.upgrade(&wrong_leaf)),
        PartialError::UpgradeLeafKeyMismatch
    );
    // The member's index points at another member's leaf.
    let mut other_leaf = w.bob.clone();
    other_leaf.own_leaf = w.carol.own_leaf();
    assert_eq!(
        partial_err(w.upgrade(&other_leaf)),
        PartialError::UpgradeLeafKeyMismatch
    );

    // The signing identity is not the leaf's.
    let (stranger, _) = bundle(&p, "stranger");
    let r = w.bob.upgrade(
        p.clone(),
        stranger,
        &w.tree_bytes(),
        w.config.clone(),
        &psks(),
    );
    assert_eq!(partial_err(r), PartialError::UpgradeSignatureKeyMismatch);

    // A path private key that is not its node's.
    assert!(w.bob.keys.len() >= 2, "Bob holds path keys");
    let mut wrong_path = w.bob.clone();
    wrong_path.keys[1].1 = cs(&p).kem_generate_key_pair().unwrap().private_key;
    assert_eq!(
        partial_err(w.upgrade(&wrong_path)),
        PartialError::UpgradePathKeyMismatch
    );
    // A path key for a node off the member's direct path.
    let mut off_path = w.bob.clone();
    let carol_node = w.carol.own_leaf().node().unwrap();
    let k = off_path.keys[1].1.clone();
    off_path.keys[1] = (carol_node, k);
    assert_eq!(
        partial_err(w.upgrade(&off_path)),
        PartialError::UpgradePathKeyMismatch
    );

    // The confirmation tag is unknown (a member restored from saved parts).
    let mut no_tag = w.bob.clone();
    no_tag.confirmation_tag.clear();
    assert_eq!(
        partial_err(w.upgrade(&no_tag)),
        PartialError::UpgradeConfirmationTagUnknown
    );

    // Bob, refused every time, is unchanged and still follows the group.
    assert_eq!(w.bob.epoch_authenticator(), before.as_slice());
    w.commit(CommitOptions::default());
    assert!(w.upgrade(&w.bob).is_ok());
}

/// [`Group::downgrade`] refuses a member with a pending Commit or a pending Update.
#[test]
fn downgrade_checks() {
    let mut w = world(HandshakeFormat::Public);
    w.alice.commit(CommitOptions::default()).unwrap();
    assert_eq!(
        partial_err(w.alice.downgrade()),
        PartialError::DowngradePendingState
    );
    w.alice.clear_pending_commit();
    assert!(w.alice.downgrade().is_ok());
    w.carol.propose_update().unwrap();
    assert_eq!(
        partial_err(w.carol.downgrade()),
        PartialError::DowngradePendingState
    );
}

/// Proposals sent outside Commits, as sender-authenticated PublicMessages or
/// PrivateMessages, cached by the partial member and applied when a Commit covers them by
/// reference (a PreSharedKey and a Remove by Carol, a GroupContextExtensions by Alice).
fn proposals_by_reference(format: HandshakeFormat) {
    let mut w = world(format);
    let p = w.p.clone();
    let remove = w
        .carol
        .propose(crate::messages::Proposal::Remove(crate::messages::Remove {
            removed: LeafIndex(6),
        }));
    let psk = w.carol.propose_external_psk(PSK_ID);
    let gce = w
        .alice
        .propose(crate::messages::Proposal::GroupContextExtensions(
            crate::messages::GroupContextExtensions {
                extensions: w.alice.group_context().extensions.clone(),
            },
        ));
    let mut refs = Vec::new();
    let without = w.bob.clone();
    for (m, from) in [
        (remove.unwrap(), w.carol.own_leaf()),
        (psk.unwrap(), w.carol.own_leaf()),
        (gce.unwrap(), w.alice.own_leaf()),
    ] {
        for g in [&mut w.alice, &mut w.carol] {
            if g.own_leaf() != from {
                g.process(&m, None).unwrap();
            }
        }
        let mut tree = w.alice.ratchet_tree().clone();
        let r = match m.body {
            MlsMessageBody::PublicMessage(pm) => {
                let sam =
                    SenderAuthenticatedMessage::<PublicMessage>::create(cs(&p), pm, &mut tree)
                        .unwrap();
                let r = w.bob.cache_proposal(cs(&p), sam.clone()).unwrap();
                // A replay is a duplicate.
                assert_eq!(
                    w.bob.cache_proposal(cs(&p), sam).unwrap_err(),
                    Error::Group(GroupError::DuplicateProposal)
                );
                r
            }
            MlsMessageBody::PrivateMessage(pm) => {
                let sam = SenderAuthenticatedMessage::<PrivateMessage>::create(
                    cs(&p),
                    pm,
                    &mut tree,
                    from,
                )
                .unwrap();
                w.bob.cache_private_proposal(cs(&p), sam).unwrap()
            }
            _ => panic!("not a framed message"),
        };
        refs.push(r);
    }
    assert_eq!(w.bob.cached_proposals().len(), 3);
    let mut cached: Vec<ProposalRef> = w
        .alice
        .pending_proposals()
        .map(|p| p.reference.clone())
        .collect();
    cached.sort_by(|a, b| a.0.cmp(&b.0));
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(cached, refs);

    // Alice's Commit covers the three by reference.
    let mut before = w.alice.ratchet_tree().clone();
    let out = w.alice.commit(CommitOptions::default()).unwrap();
    w.alice.merge_pending_commit().unwrap();
    let ProcessedContent::Commit(s) = w.carol.process(&out.commit, None).unwrap().content else {
        panic!()
    };
    w.carol.merge_staged_commit(*s).unwrap();
    let mut after = w.alice.ratchet_tree().clone();
    let mut annotator = CommitAnnotator {
        tree_before: &mut before,
        tree_after: &mut after,
        committer: w.alice.own_leaf(),
        new_member: false,
        has_path: true,
        added: Vec::new(),
    };
    let ac = annotator
        .annotate(cs(&p), out.commit, w.bob.own_leaf())
        .unwrap();
    let psk_value = b"a shared psk";
    let psks = [(PSK_ID, psk_value.as_slice())];
    // Without the cached proposals the Commit cannot be processed.
    assert_eq!(
        without.process_commit(cs(&p), &ac, &psks).unwrap_err(),
        Error::Group(GroupError::UnknownProposalRef)
    );
    // Without the PSK either (the PSK proposal came by reference).
    assert!(w.bob.process_commit(cs(&p), &ac, &[]).is_err());
    w.bob = w.bob.process_commit(cs(&p), &ac, &psks).unwrap().member;
    w.agree();
    assert!(w.bob.cached_proposals().is_empty());
}

#[test]
fn partial_member_applies_public_proposals_by_reference() {
    proposals_by_reference(HandshakeFormat::Public);
}

#[test]
fn partial_member_applies_private_proposals_by_reference() {
    proposals_by_reference(HandshakeFormat::Private);
}

/// The cache's checks: a message that is not a proposal, and the cache's bound.
#[test]
fn proposal_cache_checks() {
    let mut w = world(HandshakeFormat::Public);
    let p = w.p.clone();
    let mut tree = w.alice.ratchet_tree().clone();

    // A Commit given as a proposal.
    let out = w.alice.commit(CommitOptions::default()).unwrap();
    w.alice.clear_pending_commit();
    let MlsMessageBody::PublicMessage(pm) = out.commit.body else {
        panic!()
    };
    let sam = SenderAuthenticatedMessage::<PublicMessage>::create(cs(&p), pm, &mut tree).unwrap();
    assert_eq!(
        partial_err(w.bob.cache_proposal(cs(&p), sam)),
        PartialError::NotAProposal
    );
    // An application message given as a proposal; the message key is not consumed.
    let (m, s) = w.app_from_alice(b"data");
    let _ = m;
    assert_eq!(
        partial_err(w.bob.cache_private_proposal(cs(&p), s.clone())),
        PartialError::NotAProposal
    );
    assert_eq!(w.bob.open_application(cs(&p), s).unwrap(), b"data");

    // A full cache.
    let m = w.carol.propose_external_psk(PSK_ID).unwrap();
    let MlsMessageBody::PublicMessage(pm) = m.body else {
        panic!()
    };
    let sam = SenderAuthenticatedMessage::<PublicMessage>::create(cs(&p), pm, &mut tree).unwrap();
    let mut full = w.bob.clone();
    let filler = CachedPartialProposal {
        reference: ProposalRef(Vec::new()),
        proposal: crate::messages::Proposal::Remove(crate::messages::Remove {
            removed: LeafIndex(7),
        }),
        sender: Sender::Member(LeafIndex(0)),
    };
    full.proposals = alloc::vec![filler; MAX_CACHED_PROPOSALS];
    assert_eq!(
        full.cache_proposal(cs(&p), sam.clone()).unwrap_err(),
        Error::Group(GroupError::ProposalPoolFull)
    );
    assert!(w.bob.cache_proposal(cs(&p), sam).is_ok());
}

/// The proposals of the epoch survive the switch: one cached as a partial member is in the
/// upgraded member's pool and its Commit by reference is processed; one in a full member's
/// pool is in the downgraded member's cache.
#[test]
fn cached_proposals_survive_the_switch() {
    let mut w = world(HandshakeFormat::Public);
    let p = w.p.clone();
    let m = w.carol.propose_external_psk(PSK_ID).unwrap();
    w.alice.process(&m, None).unwrap();
    let MlsMessageBody::PublicMessage(pm) = m.body else {
        panic!()
    };
    let mut tree = w.alice.ratchet_tree().clone();
    let sam = SenderAuthenticatedMessage::<PublicMessage>::create(cs(&p), pm, &mut tree).unwrap();
    let reference = w.bob.cache_proposal(cs(&p), sam).unwrap();

    // Downgrading Alice keeps her pool as the partial member's cache.
    let alice_partial = w.alice.downgrade().unwrap();
    assert_eq!(alice_partial.cached_proposals().len(), 1);
    assert_eq!(alice_partial.cached_proposals()[0].reference, reference);

    // Upgrading Bob puts the cached proposal into his pool.
    let mut bob = w.upgrade(&w.bob).unwrap();
    let pool: Vec<ProposalRef> = bob
        .pending_proposals()
        .map(|p| p.reference.clone())
        .collect();
    assert_eq!(pool, alloc::vec![reference]);
    let out = w.alice.commit(CommitOptions::default()).unwrap();
    w.alice.merge_pending_commit().unwrap();
    let ProcessedContent::Commit(s) = bob.process(&out.commit, None).unwrap().content else {
        panic!()
    };
    bob.merge_staged_commit(*s).unwrap();
    assert_eq!(bob.epoch_authenticator(), w.alice.epoch_authenticator());
}
