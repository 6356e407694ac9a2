//! Membership proofs and sender-authenticated messages on trees built by the group engine:
//! blank leaves (removed members), blank parents and unmerged leaves (an Add without path).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::*;
use crate::codec;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use crate::error::{Error, PartialError, TreeError};
use crate::framing::{FramingContext, MlsMessageBody, Sender};
use crate::group::{
    CommitOptions, Group, GroupConfig, GroupInfoOptions, PathChoice, SigningIdentity,
};
use crate::messages::{Credential, Lifetime};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::LeafIndex;

const SUITE: CipherSuite = CipherSuite(1);

pub(super) fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

fn add(p: &Arc<dyn CryptoProvider>, opts: CommitOptions, name: &str) -> CommitOptions {
    let cs = p.suite(SUITE).unwrap();
    let id = identity(p, name);
    let kp = id
        .key_package(
            cs,
            Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        )
        .unwrap();
    opts.add_member(kp.key_package)
}

/// Alice's group of 8 leaves: 7 added with a path, leaves 2 and 5 removed (blank leaves and
/// blanked parents), then 2 added without a path (unmerged leaves on the parents above
/// them), then one more without a path into a fresh leaf.
pub(super) fn shaped_group() -> (Arc<dyn CryptoProvider>, Group) {
    let p = provider();
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"partial".to_vec(),
        identity(&p, "alice"),
        GroupConfig::default(),
    )
    .unwrap();
    let mut opts = CommitOptions::default();
    for i in 0..7 {
        opts = add(&p, opts, &format!("m{i}"));
    }
    alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let opts = CommitOptions::default()
        .remove_member(LeafIndex(2))
        .remove_member(LeafIndex(5));
    alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let opts = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    };
    let opts = add(&p, add(&p, add(&p, opts, "n0"), "n1"), "n2");
    alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    (p, alice)
}

fn cs(p: &Arc<dyn CryptoProvider>) -> &dyn CipherSuiteProvider {
    p.suite(SUITE).unwrap()
}

fn tree_of(g: &Group) -> RatchetTree {
    g.ratchet_tree().clone()
}

fn proof_of(p: &Arc<dyn CryptoProvider>, g: &Group, leaf: u32) -> MembershipProof {
    let mut tree = tree_of(g);
    MembershipProof::create(cs(p), &mut tree, LeafIndex(leaf)).unwrap()
}

fn partial_err(r: Result<impl core::fmt::Debug, Error>) -> PartialError {
    match r {
        Err(Error::Partial(e)) => e,
        other => panic!("expected a PartialError, got {other:?}"),
    }
}

#[test]
fn every_leaf_of_a_shaped_tree_is_proven() {
    let (p, g) = shaped_group();
    let cs = cs(&p);
    let mut tree = tree_of(&g);
    let root = tree.tree_hash(cs).unwrap();
    assert_eq!(root, g.group_context().tree_hash);
    let size = tree.size();
    // The shape is what the test says: blank leaves, unmerged leaves.
    let unmerged = (0..size.node_width())
        .filter_map(|x| tree.parent_node(crate::tree_math::NodeIndex(x)))
        .any(|pn| pn.unmerged_count() > 0);
    assert!(unmerged, "the tree has unmerged leaves");
    let mut proven = 0;
    let mut previous: Option<MembershipProof> = None;
    for l in 0..size.leaf_count() {
        let leaf = LeafIndex(l);
        if tree.leaf(leaf).is_none() {
            assert_eq!(
                MembershipProof::create(cs, &mut tree, leaf).unwrap_err(),
                Error::Tree(TreeError::LeafIsBlank)
            );
            continue;
        }
        let proof = MembershipProof::create(cs, &mut tree, leaf).unwrap();
        proof.verify(cs, &root).unwrap();
        let bytes = codec::encode(&proof).unwrap();
        let back: MembershipProof = codec::decode_exact(&bytes).unwrap();
        assert_eq!(back, proof);
        if let Some(prev) = &previous {
            assert_eq!(prev.verify_same_tree(cs, &proof).unwrap(), root);
        }
        previous = Some(proof);
        proven += 1;
    }
    assert_eq!(proven, g.member_count());
    assert!(
        size.leaf_count() > g.member_count(),
        "the tree has blank leaves"
    );
    assert_eq!(
        MembershipProof::create(cs, &mut tree, LeafIndex(size.leaf_count())).unwrap_err(),
        Error::Tree(TreeError::LeafOutOfRange)
    );
}

#[test]
fn proof_shape_checks() {
    let (p, g) = shaped_group();
    let cs = cs(&p);
    let root = g.group_context().tree_hash.clone();
    let good = proof_of(&p, &g, 3);
    good.verify(cs, &root).unwrap();

    let mut bad = good.clone();
    bad.n_leaves = 6;
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofLeafCountInvalid
    );
    let mut bad = good.clone();
    bad.n_leaves = 0;
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofLeafCountInvalid
    );

    let mut bad = good.clone();
    bad.leaf_index = LeafIndex(good.n_leaves);
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofLeafOutOfRange
    );

    let mut bad = good.clone();
    bad.direct_path_nodes.pop();
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofPathLengthMismatch
    );

    let mut bad = good.clone();
    bad.copath_hashes.pop();
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofCopathLengthMismatch
    );

    let mut bad = good.clone();
    bad.copath_hashes[0].hash_value.push(0);
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::CopathHashLengthInvalid
    );

    let mut bad = good.clone();
    bad.direct_path_nodes[1] = bad.direct_path_nodes[0].clone();
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofNodeTypeMismatch
    );

    let mut bad = good.clone();
    bad.direct_path_nodes[0] = None;
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofLeafBlank
    );

    let mut bad = good.clone();
    bad.copath_hashes[1].hash_value[0] ^= 1;
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofTreeHashMismatch
    );

    // The same proof moved to another leaf index proves nothing.
    let mut bad = good.clone();
    bad.leaf_index = LeafIndex(1);
    assert_eq!(
        partial_err(bad.verify(cs, &root)),
        PartialError::ProofTreeHashMismatch
    );
}

#[test]
fn proofs_of_different_trees_are_refused() {
    let (p, g) = shaped_group();
    let cs = cs(&p);
    let a = proof_of(&p, &g, 0);
    let b = proof_of(&p, &g, 1);
    a.verify_same_tree(cs, &b).unwrap();
    let mut other = b.clone();
    other.copath_hashes[0].hash_value[0] ^= 1;
    assert_eq!(
        partial_err(a.verify_same_tree(cs, &other)),
        PartialError::ProofsReferenceDifferentTrees
    );
}

#[test]
fn oversized_proof_is_refused_before_allocation() {
    // A direct_path_nodes length prefix larger than the input: refused, nothing allocated.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0u32.to_be_bytes());
    bytes.extend_from_slice(&2u32.to_be_bytes());
    bytes.extend_from_slice(&[0x80, 0x10, 0, 0]);
    assert!(codec::decode_exact::<MembershipProof>(&bytes).is_err());
    // A trailing byte after a proof is refused.
    let (p, g) = shaped_group();
    let mut enc = codec::encode(&proof_of(&p, &g, 0)).unwrap();
    enc.push(0);
    assert!(codec::decode_exact::<MembershipProof>(&enc).is_err());
}

fn public_proposal(g: &mut Group) -> crate::framing::PublicMessage {
    match g.propose_update().unwrap().body {
        MlsMessageBody::PublicMessage(m) => m,
        other => panic!("expected a PublicMessage, got {other:?}"),
    }
}

#[test]
fn sender_authenticated_public_message() {
    let (p, mut g) = shaped_group();
    let cs = cs(&p);
    let context = FramingContext::new(g.group_context().clone()).unwrap();
    let msg = public_proposal(&mut g);
    let mut tree = tree_of(&g);
    let sam = SenderAuthenticatedMessage::<crate::framing::PublicMessage>::create(
        cs,
        msg.clone(),
        &mut tree,
    )
    .unwrap();
    let bytes = codec::encode(&sam).unwrap();
    let back: SenderAuthenticatedMessage<crate::framing::PublicMessage> =
        codec::decode_exact(&bytes).unwrap();
    back.clone()
        .verify_without_membership_key(cs, &context)
        .unwrap();

    // The proof of another member: the sender is not the proven leaf.
    let mut bad = back.clone();
    bad.sender_membership_proof = proof_of(&p, &g, 1);
    assert_eq!(
        partial_err(bad.verify_without_membership_key(cs, &context)),
        PartialError::SenderLeafMismatch
    );
    // A proof that does not match the epoch's tree hash.
    let mut bad = back.clone();
    bad.sender_membership_proof.copath_hashes[0].hash_value[0] ^= 1;
    assert_eq!(
        partial_err(bad.verify_without_membership_key(cs, &context)),
        PartialError::ProofTreeHashMismatch
    );
    // Not a member sender.
    let mut bad = back.clone();
    bad.message.content.sender = Sender::NewMemberProposal;
    assert_eq!(
        partial_err(bad.verify_without_membership_key(cs, &context)),
        PartialError::SenderNotMember
    );
    // A proven leaf whose key did not sign: the proof's leaf swapped for another
    // member's, the proof then no longer matches the tree hash.
    let mut bad = back;
    let other = proof_of(&p, &g, 1);
    bad.sender_membership_proof.direct_path_nodes[0] = other.direct_path_nodes[0].clone();
    assert_eq!(
        partial_err(bad.verify_without_membership_key(cs, &context)),
        PartialError::ProofTreeHashMismatch
    );
}

#[test]
fn sender_authenticated_group_info() {
    let (p, g) = shaped_group();
    let cs = cs(&p);
    let gi = g
        .group_info(GroupInfoOptions::default())
        .unwrap()
        .into_group_info()
        .unwrap();
    let mut tree = tree_of(&g);
    let sam = SenderAuthenticatedMessage::<crate::messages::GroupInfo>::create(cs, gi, &mut tree)
        .unwrap();
    sam.verify(cs).unwrap();
    let mut bad = sam.clone();
    bad.sender_membership_proof = proof_of(&p, &g, 1);
    assert_eq!(
        partial_err(bad.verify(cs)),
        PartialError::GroupInfoSignerMismatch
    );
    let mut bad = sam;
    bad.message.signature[0] ^= 1;
    assert_eq!(
        bad.verify(cs).unwrap_err(),
        Error::Message(crate::error::MessageError::GroupInfoSignatureInvalid)
    );
}
