//! Checks of linked Welcomes that the public API cannot produce: a GroupInfo whose epoch is
//! not 1 (RFC 9420 §12.4.3.1).

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::crypto::Secret;
use crate::framing::MlsMessageBody;
use crate::group::ProcessedContent;
use crate::group::tests::group_of;
use crate::key_schedule::JoinerSecret;
use crate::key_schedule::psk::psk_secret;
use crate::messages::{Extension, ExtensionType, GroupInfo, Lifetime, NewMemberSecrets, Welcome};
use crate::ratchet_tree::TreeView;

/// Three members (group `g`, suite 1) after a Commit with a ReInit to group `new`.
fn reinitialized() -> Vec<Group> {
    let (_p, mut g) = group_of(2);
    let r = g[0]
        .reinit_proposal(b"new".to_vec(), CipherSuite(1), Extensions::default())
        .unwrap();
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(r))
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    for m in &mut g[1..] {
        let ProcessedContent::Commit(s) = m.process(&out.commit, None).unwrap().content else {
            panic!("not a commit")
        };
        m.merge_staged_commit(*s).unwrap();
    }
    g
}

/// A Welcome for `kp` into `group`'s current tree, but with a GroupInfo of `epoch`, signed
/// by leaf 0, carrying the `reinit` PSK of `old`'s current epoch.
fn welcome_with_epoch(group: &Group, old: &Group, kp: &KeyPackageBundle, epoch: u64) -> MlsMessage {
    let cs = group.provider.suite(group.cipher_suite()).unwrap();
    let mut context = group.group_context().clone();
    context.epoch = epoch;
    let mut gi = GroupInfo {
        group_context: context,
        extensions: Extensions(vec![Extension {
            extension_type: ExtensionType::RATCHET_TREE,
            extension_data: group.tree.encode_extension().unwrap(),
        }]),
        confirmation_tag: group.confirmation_tag.clone(),
        signer: group.own_leaf(),
        signature: Vec::new(),
    };
    gi.sign(cs, &group.identity.key_pair().unwrap().private_key)
        .unwrap();
    let id = PreSharedKeyId::resumption(
        ResumptionPskUsage::Reinit,
        old.group_id().to_vec(),
        old.epoch(),
        vec![1; cs.hash_len()],
    );
    let value = old.resumption_psk().as_bytes();
    let psk = psk_secret(cs, &[(&id, value)]).unwrap();
    let joiner = JoinerSecret::new(Secret::new(vec![2; cs.hash_len()]));
    let members = [NewMemberSecrets {
        key_package: &kp.key_package,
        path_secret: None,
    }];
    let w = Welcome::create(cs, &gi, &joiner, &[id], &psk, &members).unwrap();
    MlsMessage::new(MlsMessageBody::Welcome(w))
}

#[test]
fn reinit_welcome_of_epoch_other_than_1_is_refused() {
    let g = reinitialized();
    let cs = g[0].provider.suite(CipherSuite(1)).unwrap();
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let kps: Vec<KeyPackageBundle> = g[1..]
        .iter()
        .map(|m| m.identity().key_package(cs, lifetime).unwrap())
        .collect();
    let (new, _) = g[0]
        .reinit(
            g[0].identity().clone(),
            kps.iter().map(|b| b.key_package.clone()).collect(),
            GroupConfig::default(),
            CommitOptions::default(),
        )
        .unwrap();
    let w = welcome_with_epoch(&new, &g[0], &kps[0], 2);
    let got = g[1].join_reinit(
        &w,
        &kps[0],
        g[1].identity().clone(),
        None,
        GroupConfig::default(),
        &PskStore::new(),
    );
    assert_eq!(
        got.unwrap_err(),
        Error::Group(GroupError::ResumptionEpochMismatch)
    );
}

#[test]
fn reinit_proposal_needs_a_supported_suite() {
    let (_p, g) = group_of(1);
    assert!(
        g[0].reinit_proposal(b"n".to_vec(), CipherSuite(0x7777), Extensions::default())
            .is_err()
    );
}

#[test]
fn linked_group_refuses_proposals_in_options() {
    let g = reinitialized();
    let opts = CommitOptions::default().remove_member(crate::tree_math::LeafIndex(1));
    assert_eq!(
        g[0].reinit(
            g[0].identity().clone(),
            vec![],
            GroupConfig::default(),
            opts
        )
        .unwrap_err(),
        Error::Group(GroupError::InvalidCommitOptions)
    );
}
