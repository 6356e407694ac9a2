//! The caps on ratchet trees (melos issue #12, item 4): received trees past
//! [`TreeLimits`] are refused by Welcome and external joiners, in band and out of band,
//! each check with its own error; Adds and external joiners past `max_leaves` are refused
//! by committer and receiver alike, leaving the group's state as it was.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::tests::group_of;
use super::*;
use crate::error::TreeError;
use crate::messages::KeyPackageBundle;
use crate::ratchet_tree::{TreeLimits, TreeView};
use crate::{CryptoProvider, Error};

fn client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let id = super::tests::identity(p, name);
    let kp = super::tests::kp(p, &id);
    (id, kp)
}

fn limits(max_leaves: u32, max_encoded_len: usize) -> TreeLimits {
    TreeLimits {
        max_leaves,
        max_encoded_len,
    }
}

fn state(g: &Group) -> Vec<u8> {
    g.to_bytes().unwrap().as_bytes().to_vec()
}

/// A 4-member group whose first member commits the Add of a fifth (leaf 4: the tree spans
/// 5 leaves, 8 wide), the tree in the Welcome or not. Returns the provider, the Welcome,
/// the new tree's encoding and the joiner.
fn fifth_member_welcome(
    in_band: bool,
) -> (
    Arc<dyn CryptoProvider>,
    MlsMessage,
    Vec<u8>,
    (SigningIdentity, KeyPackageBundle),
) {
    let (p, mut groups) = group_of(3);
    let (id, kp) = client(&p, "e");
    let mut options = CommitOptions::default().add_member(kp.key_package.clone());
    if in_band {
        options = options.with_ratchet_tree();
    }
    let out = groups[0].commit(options).unwrap();
    groups[0].merge_pending_commit().unwrap();
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    (p, out.welcome.unwrap(), tree, (id, kp))
}

fn join_with(
    p: &Arc<dyn CryptoProvider>,
    welcome: &MlsMessage,
    tree: Option<&[u8]>,
    joiner: &(SigningIdentity, KeyPackageBundle),
    config: GroupConfig,
    tree_limits: Option<TreeLimits>,
) -> Result<Group, Error> {
    let options = JoinOptions {
        ratchet_tree: tree,
        tree_limits,
        ..JoinOptions::default()
    };
    Group::join_with_options(
        p.clone(),
        welcome,
        &joiner.1,
        joiner.0.clone(),
        config,
        &PskStore::new(),
        options,
    )
}

/// A Welcome joiner refuses a tree spanning more leaves than `max_leaves`
/// ([`TreeError::TooManyLeaves`]) and an encoding longer than `max_encoded_len`
/// ([`TreeError::RatchetTreeTooLarge`]), in the GroupInfo or out of band, from
/// [`JoinOptions::tree_limits`] or else [`GroupConfig::tree_limits`]; a tree exactly at
/// both caps is accepted.
#[test]
fn welcome_joiner_refuses_trees_past_the_caps() {
    for in_band in [true, false] {
        let (p, welcome, tree, joiner) = fifth_member_welcome(in_band);
        let oob = (!in_band).then_some(tree.as_slice());
        let len = tree.len();
        let join = |config: GroupConfig, l: Option<TreeLimits>| {
            join_with(&p, &welcome, oob, &joiner, config, l)
        };
        let leaves = Error::Tree(TreeError::TooManyLeaves);
        let bytes = Error::Tree(TreeError::RatchetTreeTooLarge);
        assert_eq!(
            join(GroupConfig::default(), Some(limits(4, len))).unwrap_err(),
            leaves
        );
        assert_eq!(
            join(GroupConfig::default(), Some(limits(5, len - 1))).unwrap_err(),
            bytes
        );
        let capped = GroupConfig {
            tree_limits: limits(4, len),
            ..GroupConfig::default()
        };
        assert_eq!(join(capped.clone(), None).unwrap_err(), leaves);
        // The join options override the config for the received tree.
        let g = join(capped, Some(limits(5, len))).unwrap();
        assert_eq!(g.member_count(), 5);
        let g = join(GroupConfig::default(), Some(limits(5, len))).unwrap();
        assert_eq!(g.member_count(), 5);
    }
}

/// An external joiner refuses a GroupInfo's tree (in band or out of band) past its
/// config's caps, each with its own error.
#[test]
fn external_joiner_refuses_trees_past_the_caps() {
    let (p, groups) = group_of(4);
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    let len = tree.len();
    for in_band in [true, false] {
        let gi = groups[0]
            .group_info(GroupInfoOptions {
                ratchet_tree: in_band,
                external_pub: true,
            })
            .unwrap();
        let oob = (!in_band).then_some(tree.as_slice());
        let join = |l: TreeLimits| {
            let config = GroupConfig {
                tree_limits: l,
                ..GroupConfig::default()
            };
            Group::join_by_external_commit(
                p.clone(),
                &gi,
                oob,
                client(&p, "x").0,
                config,
                &PskStore::new(),
                ExternalCommitOptions::default(),
            )
        };
        assert_eq!(
            join(limits(4, len)).unwrap_err(),
            Error::Tree(TreeError::TooManyLeaves)
        );
        assert_eq!(
            join(limits(8, len - 1)).unwrap_err(),
            Error::Tree(TreeError::RatchetTreeTooLarge)
        );
        // At the caps, with room for the joiner's own leaf (leaf 5).
        let (g, _) = join(limits(6, len)).unwrap();
        assert_eq!(g.member_count(), 6);
    }
}

/// A Commit adding a member at leaf index `max_leaves` is refused by its committer
/// ([`TreeError::LeafLimitReached`]) and, made by a member with a larger cap, by a
/// receiver; neither's state changes. Adds below the cap still pass.
#[test]
fn adds_past_max_leaves_are_refused_by_committer_and_receiver() {
    let (p, mut groups) = group_of(2);
    let capped = limits(3, usize::MAX);
    groups[0].config.tree_limits = capped;
    groups[1].config.tree_limits = capped;
    let kp = client(&p, "d").1.key_package;

    // The committer: leaf 3 is past the cap of 3 leaves.
    let before = state(&groups[0]);
    let err = groups[0]
        .commit(CommitOptions::default().add_member(kp.clone()))
        .unwrap_err();
    assert_eq!(err, Error::Tree(TreeError::LeafLimitReached));
    assert_eq!(state(&groups[0]), before);
    assert!(!groups[0].has_pending_commit());

    // A receiver, seeing the Commit of a member with the default caps.
    let out = groups[2]
        .commit(CommitOptions::default().add_member(kp))
        .unwrap();
    let before = state(&groups[1]);
    let err = groups[1].process(&out.commit, None).unwrap_err();
    assert_eq!(err, Error::Tree(TreeError::LeafLimitReached));
    assert_eq!(state(&groups[1]), before);

    // A Remove frees leaf 1; the Add that refills it is within the cap.
    groups[2].clear_pending_commit();
    let out = groups[0]
        .commit(
            CommitOptions::default()
                .remove_member(crate::tree_math::LeafIndex(1))
                .add_member(client(&p, "e").1.key_package),
        )
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    let ProcessedContent::Commit(staged) = groups[2].process(&out.commit, None).unwrap().content
    else {
        panic!("not a commit");
    };
    groups[2].merge_staged_commit(*staged).unwrap();
    assert_eq!(groups[0].ratchet_tree().size().leaf_count(), 4);
    assert_eq!(groups[0].member_count(), 3);
}

/// An external joiner whose leaf would go past a member's `max_leaves` is refused by that
/// member ([`TreeError::LeafLimitReached`]), whose state does not change.
#[test]
fn external_joiner_past_max_leaves_is_refused_by_receiver() {
    let (p, mut groups) = group_of(2);
    groups[1].config.tree_limits = limits(3, usize::MAX);
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let (_, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        client(&p, "x").0,
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    let before = state(&groups[1]);
    let err = groups[1].process(&out.commit, None).unwrap_err();
    assert_eq!(err, Error::Tree(TreeError::LeafLimitReached));
    assert_eq!(state(&groups[1]), before);
    // A member with the default caps takes it.
    assert!(groups[0].process(&out.commit, None).is_ok());
}

/// The default caps admit a 100,000-member group: its tree spans 100,000 leaves (199,999
/// nodes, or 200,000 with a parent last) in a tree 2^17 leaves wide, and encodes to about
/// 24.7 MB (247 bytes per member with Ed25519 keys and `basic` credentials, every parent
/// set). The arithmetic of the checks is tested here; building and hashing such a tree
/// takes minutes in the test profile (the `tree` bench decodes and validates one).
#[test]
fn default_caps_admit_a_100k_member_group() {
    let d = TreeLimits::default();
    assert!(d.check_node_count(199_999).is_ok());
    assert!(d.check_node_count(200_000).is_ok());
    assert!(d.check_encoded_len(24_700_000).is_ok());
    // The caps themselves: 2^18 leaves, 64 MiB.
    assert!(d.check_node_count((1 << 19) - 1).is_ok());
    assert_eq!(
        d.check_node_count(1 << 19),
        Err(TreeError::TooManyLeaves),
        "node 2^19 - 1 is the root of a tree 2^19 leaves wide"
    );
    assert!(d.check_encoded_len(64 << 20).is_ok());
    assert_eq!(
        d.check_encoded_len((64 << 20) + 1),
        Err(TreeError::RatchetTreeTooLarge)
    );
    assert!(d.admits_leaf(crate::tree_math::LeafIndex((1 << 18) - 1)));
    assert!(!d.admits_leaf(crate::tree_math::LeafIndex(1 << 18)));
}
