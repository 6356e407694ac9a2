//! Fuzz entry point and test fixture for TreeKEM (RFC 9420 §7.5, §7.6, §12.4.2).

use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, SignatureKeyPair};
use crate::error::{Error, TreeKemError};
use crate::messages::{
    Capabilities, Credential, CredentialType, Extensions, GroupContext, LeafNode, LeafNodeSource,
    Lifetime,
};
use crate::ratchet_tree::{Node, RatchetTree, TreeView};
use crate::tree_math::LeafIndex;
use crate::treekem::{NewLeaf, PathSecret, TreePrivateKeys, prepare_update_path};

/// The group id of the fixture.
pub const GROUP_ID: &[u8] = b"melos treekem fixture";

/// One member of a fixture group: its private view of the tree and its signature keys.
#[derive(Clone, Debug)]
pub struct Member {
    /// The member's tree keys.
    pub keys: TreePrivateKeys,
    /// The member's signature key pair.
    pub signature: SignatureKeyPair,
}

/// A signed `key_package`-source leaf for member `i` whose HPKE key pair is derived from
/// `seed` (deterministic), with a fresh signature key pair.
pub fn member_leaf(
    cs: &dyn CipherSuiteProvider,
    i: u32,
    seed: &[u8],
) -> Result<(LeafNode, crate::crypto::HpkePrivateKey, SignatureKeyPair), Error> {
    let hpke = cs.kem_derive_key_pair(seed)?;
    let signature = cs.signature_generate_key_pair()?;
    let mut leaf = LeafNode {
        encryption_key: hpke.public_key,
        signature_key: signature.public_key.clone(),
        credential: Credential::Basic(i.to_be_bytes().to_vec()),
        capabilities: Capabilities::minimal(cs.cipher_suite(), CredentialType::BASIC),
        leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: Extensions::default(),
        signature: Vec::new(),
    };
    leaf.sign(cs, &signature.private_key, GROUP_ID, LeafIndex(i))?;
    Ok((leaf, hpke.private_key, signature))
}

/// A deterministic key-derivation seed.
fn seed(tag: u8, i: u32, round: usize) -> Vec<u8> {
    let mut s = alloc::vec![tag];
    s.extend_from_slice(&i.to_be_bytes());
    s.extend_from_slice(&(round as u64).to_be_bytes());
    s
}

/// The provisional `GroupContext` of the fixture for a tree hash (RFC 9420 §12.4.2).
pub fn group_context(cs: &dyn CipherSuiteProvider, tree_hash: Vec<u8>) -> Result<Vec<u8>, Error> {
    GroupContext::new(
        cs.cipher_suite(),
        GROUP_ID.to_vec(),
        1,
        tree_hash,
        Vec::new(),
        Extensions::default(),
    )
    .encode()
}

/// A group of `n` members (leaves `0..n`, parents blank), in which each leaf of
/// `committers` in turn commits with an `UpdatePath`; every member's keys follow along.
/// Leaf HPKE keys and path secrets are derived from fixed seeds.
pub fn fixture(
    cs: &dyn CipherSuiteProvider,
    n: u32,
    committers: &[u32],
) -> Result<(RatchetTree, Vec<Member>), Error> {
    let mut nodes: Vec<Option<Node>> = Vec::new();
    let mut members = Vec::new();
    for i in 0..n {
        let (leaf, key, signature) = member_leaf(cs, i, &seed(b'L', i, 0))?;
        if i > 0 {
            nodes.push(None);
        }
        nodes.push(Some(Node::Leaf(leaf)));
        members.push(Member {
            keys: TreePrivateKeys::new(LeafIndex(i), key),
            signature,
        });
    }
    let mut tree = RatchetTree::from_nodes(&nodes)?;
    for (round, &c) in committers.iter().enumerate() {
        commit(cs, &mut tree, &mut members, c, round)?;
    }
    Ok((tree, members))
}

/// Leaf `c` commits with an `UpdatePath` (no proposals) and everyone else takes the path
/// secret of their common ancestor with `c`.
fn commit(
    cs: &dyn CipherSuiteProvider,
    tree: &mut RatchetTree,
    members: &mut [Member],
    c: u32,
    round: usize,
) -> Result<(), Error> {
    let sender = LeafIndex(c);
    let me = members
        .get(c as usize)
        .ok_or(TreeKemError::SenderOutOfRange)?;
    let current = tree
        .leaf(sender)
        .ok_or(TreeKemError::SenderOutOfRange)?
        .to_leaf_node()?;
    let fresh = cs.kem_derive_key_pair(&seed(b'C', c, round))?;
    let mut leaf_node = current;
    leaf_node.encryption_key = fresh.public_key;
    let new_leaf = NewLeaf {
        leaf_node,
        encryption_private_key: fresh.private_key,
    };
    let first = PathSecret::new(crate::crypto::Secret::new(
        alloc::vec![round.to_be_bytes().last().copied().unwrap_or(0); cs.hash_len()],
    ));
    let mut diff = tree.diff();
    let prepared = prepare_update_path(
        cs,
        &mut diff,
        sender,
        GROUP_ID,
        new_leaf,
        &me.signature.private_key,
        Some(first),
    )?;
    let gc = group_context(cs, diff.tree_hash(cs)?)?;
    let out = prepared.encrypt(cs, &gc, &[])?;
    let staged = diff.into_staged();
    tree.merge(staged)?;
    let size = tree.size();
    for m in members.iter_mut() {
        if m.keys.own_leaf() == sender {
            m.keys = out.private_keys.clone();
            continue;
        }
        let (Some(sx), Some(rx)) = (sender.node(), m.keys.own_leaf().node()) else {
            continue;
        };
        let Some(lca) = size.common_ancestor(sx, rx) else {
            continue;
        };
        m.keys.remove_path_keys_from_level(lca.level());
        if let Some((_, secret)) = out.path_secrets.iter().find(|(n, _)| *n == lca) {
            m.keys.apply_path_secret(cs, &*tree, lca, secret.clone())?;
        }
    }
    Ok(())
}

/// Decodes an `UpdatePath` from `data[1..]` and applies it to a fixed 5-member group (leaf
/// 0 and 3 have committed) as sent by leaf `data[0] >> 2` (modulo 10, so out-of-range and
/// blank senders occur), then lets every member decrypt it. `data[0] & 3` picks how much of
/// the path is repaired first so that the deeper checks are reached: 0 as is, 1 the leaf is
/// re-signed with the sender's key, 2 the leaf's parent hash is also recomputed. Must never
/// panic.
#[cfg(feature = "rust-crypto")]
pub fn update_path(data: &[u8]) {
    use crate::codec;
    use crate::crypto::{CipherSuite, CryptoProvider};
    use crate::messages::UpdatePath;
    use crate::treekem::merge_update_path;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(mut path) = codec::decode_exact::<UpdatePath>(rest) else {
        return;
    };
    let provider = crate::crypto::rust_crypto::RustCrypto::new();
    let Some(cs) = provider.cipher_suite_provider(CipherSuite(1)) else {
        return;
    };
    let Ok((tree, mut members)) = fixture(cs, 5, &[0, 3]) else {
        return;
    };
    let sender = LeafIndex(u32::from(mode >> 2) % 10);
    if mode & 3 != 0 {
        if mode & 3 == 2 {
            let keys: Vec<&[u8]> = path
                .nodes
                .iter()
                .map(|n| n.encryption_key.as_bytes())
                .collect();
            if let Ok(h) = tree.diff().parent_hashes_for_path(cs, sender, &keys) {
                path.leaf_node.leaf_node_source = LeafNodeSource::Commit(h.leaf);
            }
        }
        if let Some(m) = members.get(sender.0 as usize) {
            path.leaf_node.signature_key = m.signature.public_key.clone();
            let _ = path
                .leaf_node
                .sign(cs, &m.signature.private_key, GROUP_ID, sender);
        }
    }
    let mut diff = tree.diff();
    let Ok(merged) = merge_update_path(cs, &mut diff, sender, GROUP_ID, &path, &[]) else {
        return;
    };
    let Ok(gc) = diff.tree_hash(cs).and_then(|h| group_context(cs, h)) else {
        return;
    };
    for m in &mut members {
        let _ = merged.decrypt(cs, &gc, &mut m.keys);
    }
}
