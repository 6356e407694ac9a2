//! A partial client's processing of an `UpdatePath` (draft-ietf-mls-partial §"Annotated
//! Commit"): without the ratchet tree it cannot compute the committer's copath
//! resolutions, so the annotation says which ciphertext is its own (`resolution_index`)
//! and the post-commit membership proofs of the committer and the receiver give the
//! non-blank nodes of both direct paths.

use alloc::vec::Vec;

use super::wire::MembershipProof;
use crate::crypto::{CipherSuiteProvider, HpkePrivateKey};
use crate::error::{Error, PartialError};
use crate::messages::UpdatePath;
use crate::ratchet_tree::Node;
use crate::tree_math::NodeIndex;
use crate::treekem::PathSecret;

/// The receiver's private state for its direct path: the HPKE private key of each node
/// it holds one for (its leaf and the parent nodes whose path secrets it knows).
pub type PathKeys = Vec<(NodeIndex, HpkePrivateKey)>;

/// The outcome of [`process_update_path`]: the receiver's new path secrets (from the
/// lowest common ancestor up, one per non-blank node of its new direct path) and the
/// `commit_secret`.
#[derive(Clone, Debug)]
pub struct PartialPathSecrets {
    /// `(node, path secret)` for the non-blank nodes at and above the lowest common
    /// ancestor on the receiver's direct path, bottom up.
    pub path_secrets: Vec<(NodeIndex, PathSecret)>,
    /// `path_secret[n+1]`: one derivation past the root's path secret.
    pub commit_secret: PathSecret,
}

/// The encryption key of a proof's node.
fn node_key(node: &Node) -> &[u8] {
    match node {
        Node::Leaf(l) => l.encryption_key.as_bytes(),
        Node::Parent(p) => p.encryption_key.as_bytes(),
    }
}

/// Decrypts the receiver's path secret from `path` and derives the rest (draft-ietf-mls-partial
/// §"Annotated Commit", the replaced path node decryption steps):
///
/// 1. the lowest common ancestor of the committer (`sender_after.leaf_index`) and the
///    receiver (`receiver_after.leaf_index`) ([`PartialError::ReceiverIsCommitter`] if they
///    are the same leaf);
/// 2. its index among the non-blank nodes of the committer's direct path in
///    `sender_after` selects the `UpdatePathNode` ([`PartialError::UpdatePathLengthMismatch`]
///    if the path does not have one node per non-blank node), and `resolution_index` the
///    ciphertext ([`PartialError::ResolutionIndexOutOfRange`]);
/// 3. the decryption key is that of the highest non-blank node of the receiver's direct
///    path below the ancestor (leaf included) in `receiver_after` that the receiver is not
///    an unmerged leaf of and holds a key for ([`PartialError::NoDecryptionKey`]);
/// 4. the path secret is decrypted with `group_context` (the encoded provisional
///    GroupContext, whose `tree_hash` is `tree_hash_after`), then the next ones derived
///    for the non-blank nodes above, each checked against the public key in
///    `receiver_after` ([`PartialError::PathPublicKeyMismatch`]).
///
/// Both proofs must already be verified against `tree_hash_after` (see
/// [`MembershipProof::verify_same_tree`]).
pub fn process_update_path(
    cs: &dyn CipherSuiteProvider,
    path: &UpdatePath,
    resolution_index: u32,
    sender_after: &MembershipProof,
    receiver_after: &MembershipProof,
    keys: &[(NodeIndex, HpkePrivateKey)],
    group_context: &[u8],
) -> Result<PartialPathSecrets, Error> {
    if sender_after.n_leaves != receiver_after.n_leaves {
        return Err(PartialError::ProofsReferenceDifferentTrees.into());
    }
    let size = receiver_after.tree_size()?;
    let sender_path = sender_after.path_node_indices()?;
    let receiver_path = receiver_after.path_node_indices()?;
    let (Some(&s0), Some(&r0)) = (sender_path.first(), receiver_path.first()) else {
        return Err(PartialError::ProofPathLengthMismatch.into());
    };
    if s0 == r0 {
        return Err(PartialError::ReceiverIsCommitter.into());
    }
    let lca = size
        .common_ancestor(s0, r0)
        .ok_or(PartialError::ProofLeafOutOfRange)?;

    // The committer's non-blank direct path nodes (its leaf excluded), as in the UpdatePath.
    let sender_nonblank: Vec<NodeIndex> = sender_path
        .iter()
        .zip(&sender_after.direct_path_nodes)
        .skip(1)
        .filter(|(_, n)| n.is_some())
        .map(|(x, _)| *x)
        .collect();
    if sender_nonblank.len() != path.nodes.len() {
        return Err(PartialError::UpdatePathLengthMismatch.into());
    }
    let update_path_index = sender_nonblank
        .iter()
        .position(|&x| x == lca)
        .ok_or(PartialError::UpdatePathLengthMismatch)?;
    let upn = path
        .nodes
        .get(update_path_index)
        .ok_or(PartialError::UpdatePathLengthMismatch)?;
    let ciphertext = upn
        .encrypted_path_secret
        .get(resolution_index as usize)
        .ok_or(PartialError::ResolutionIndexOutOfRange)?;

    // The receiver's decryption node: the highest non-blank node below the LCA on its path
    // whose resolution it is part of with that node's own key.
    let own_leaf = receiver_after.leaf_index;
    let mut below: Vec<(NodeIndex, &Node)> = receiver_path
        .iter()
        .zip(&receiver_after.direct_path_nodes)
        .filter(|(x, _)| x.level() < lca.level())
        .filter_map(|(x, n)| n.as_ref().map(|n| (*x, n)))
        .collect();
    below.reverse();
    let mut key = None;
    for (x, node) in below {
        if let Node::Parent(p) = node
            && p.unmerged_leaves.contains(&own_leaf)
        {
            continue;
        }
        key = keys
            .iter()
            .find(|(k, _)| *k == x)
            .map(|(_, k)| (k, node_key(node)));
        break;
    }
    let (key, public_key) = key.ok_or(PartialError::NoDecryptionKey)?;
    let mut secret =
        PathSecret::decrypt_with_public_key(cs, key, public_key, group_context, ciphertext)?;

    // The non-blank nodes at and above the LCA on the receiver's path, bottom up.
    let mut path_secrets = Vec::new();
    for (x, node) in receiver_path
        .iter()
        .zip(&receiver_after.direct_path_nodes)
        .filter(|(x, _)| x.level() >= lca.level())
    {
        let Some(node) = node else {
            continue;
        };
        let pair = secret.node_key_pair(cs)?;
        if pair.public_key.as_bytes() != node_key(node) {
            return Err(PartialError::PathPublicKeyMismatch.into());
        }
        let next = secret.next(cs)?;
        path_secrets.push((*x, secret));
        secret = next;
    }
    Ok(PartialPathSecrets {
        path_secrets,
        commit_secret: secret,
    })
}
