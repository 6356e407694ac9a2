//! Applying a received `UpdatePath` (RFC 9420 §7.5, §7.6, §7.9.2, §12.4.2).
//!
//! Two steps, mirroring the RFC's processing of a Commit:
//!
//! 1. [`merge_update_path`] validates the `UpdatePath` against the staged tree (whose
//!    proposals are applied) and merges it: blanks the sender's direct path, sets the new
//!    parent nodes, checks the leaf's parent hash and sets the leaf.
//! 2. The caller computes the provisional `GroupContext` from the new tree hash, then
//!    [`MergedPath::decrypt`] decrypts the path secret meant for the receiver, derives the
//!    rest of the path, checks every derived public key and returns the `commit_secret`.

use alloc::vec::Vec;

use super::{PathSecret, TreePrivateKeys};
use crate::crypto::{CipherSuiteProvider, HpkePrivateKey, Secret};
use crate::error::{CryptoError, Error, TreeKemError};
use crate::messages::{LeafNodeSource, UpdatePath};
use crate::ratchet_tree::{ParentNode, TreeDiff, TreeView};
use crate::tree_math::{LeafIndex, NodeIndex};

/// An `UpdatePath` merged into the staged tree, waiting for the provisional `GroupContext`
/// to decrypt the receiver's path secret (RFC 9420 §12.4.2).
#[derive(Clone, Debug)]
pub struct MergedPath<'p> {
    sender: LeafIndex,
    update_path: &'p UpdatePath,
    /// The sender's filtered direct path, bottom up, and for each node the resolution of
    /// its copath child minus the excluded (newly added) leaves: the recipients of the
    /// `encrypted_path_secret` entries, in order.
    path: Vec<(NodeIndex, Vec<NodeIndex>)>,
}

/// What a receiver learns from an `UpdatePath` (RFC 9420 §7.5, §12.4.2).
#[derive(Clone, Debug)]
pub struct ReceivedPath {
    /// The node whose path secret was decrypted: the lowest common ancestor of the sender
    /// and the receiver.
    pub node: NodeIndex,
    /// The decrypted path secret of `node`.
    pub path_secret: PathSecret,
    /// `commit_secret = DeriveSecret(path_secret[n], "path")` (RFC 9420 §12.4.2).
    pub commit_secret: Secret,
}

/// §12.4.2: "Verify that none of the public keys in the UpdatePath appear in any node of the
/// new ratchet tree", and that they are pairwise distinct. Each key is looked up in the
/// tree's encryption-key index ([`TreeView::contains_encryption_key`]): O(log n) per key.
fn check_keys_unused(tree: &TreeDiff<'_>, update_path: &UpdatePath) -> Result<(), Error> {
    let mut keys: Vec<&[u8]> = Vec::with_capacity(update_path.nodes.len().saturating_add(1));
    keys.push(update_path.leaf_node.encryption_key.as_bytes());
    keys.extend(
        update_path
            .nodes
            .iter()
            .map(|n| n.encryption_key.as_bytes()),
    );
    keys.sort_unstable();
    if keys.windows(2).any(|w| w.first() == w.get(1))
        || keys.iter().any(|k| tree.contains_encryption_key(k))
    {
        return Err(TreeKemError::DuplicateEncryptionKey.into());
    }
    Ok(())
}

/// Validates `update_path` from `sender` and merges it into `diff`, whose proposals must
/// already be applied (RFC 9420 §7.5 "merges UpdatePath into the tree", §12.4.2):
///
/// - `sender` is in the tree ([`TreeKemError::SenderOutOfRange`]);
/// - the leaf's source is `commit` ([`TreeKemError::LeafSourceNotCommit`]) and its
///   signature verifies over `group_id` and `sender` ([`TreeKemError::LeafSignatureInvalid`]);
/// - its `encryption_key` differs from the sender's current leaf's
///   ([`TreeKemError::LeafEncryptionKeyUnchanged`]);
/// - one `UpdatePathNode` per node of the filtered direct path
///   ([`TreeKemError::PathLengthMismatch`]), each with one ciphertext per node of the copath
///   child's resolution minus the leaves in `excluded` (those added by this Commit)
///   ([`TreeKemError::CiphertextCountMismatch`]);
/// - no public key of the path is already in the tree or repeated
///   ([`TreeKemError::DuplicateEncryptionKey`]);
/// - the leaf's `parent_hash` is the parent hash of the first node of its filtered direct
///   path once the new keys are in place ([`TreeKemError::ParentHashMismatch`], §7.9.2).
///
/// The rest of the §7.3 leaf validation (capabilities, credential, signature key
/// uniqueness, extensions) is the caller's. Nothing in `diff` changes unless every check
/// passes. Costs O(log n) hashes (the tree hash cache warm), the copath resolutions and
/// O(log² n) for the uniqueness check (one index lookup per path key).
pub fn merge_update_path<'p>(
    cs: &dyn CipherSuiteProvider,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    group_id: &[u8],
    update_path: &'p UpdatePath,
    excluded: &[LeafIndex],
) -> Result<MergedPath<'p>, Error> {
    merge(cs, diff, sender, group_id, update_path, excluded)
}

fn merge<'p>(
    cs: &dyn CipherSuiteProvider,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    group_id: &[u8],
    update_path: &'p UpdatePath,
    excluded: &[LeafIndex],
) -> Result<MergedPath<'p>, Error> {
    let leaf_x = match sender.node() {
        Some(x) if diff.size().contains_leaf(sender) => x,
        _ => return Err(TreeKemError::SenderOutOfRange.into()),
    };
    let leaf = &update_path.leaf_node;
    let LeafNodeSource::Commit(leaf_parent_hash) = &leaf.leaf_node_source else {
        return Err(TreeKemError::LeafSourceNotCommit.into());
    };
    if let Some(current) = diff.leaf(sender)
        && current.encryption_key() == leaf.encryption_key.as_bytes()
    {
        return Err(TreeKemError::LeafEncryptionKeyUnchanged.into());
    }

    let filtered = diff.filtered_direct_path(sender);
    if filtered.len() != update_path.nodes.len() {
        return Err(TreeKemError::PathLengthMismatch.into());
    }
    let mut excluded_nodes: Vec<NodeIndex> = excluded.iter().filter_map(|l| l.node()).collect();
    excluded_nodes.sort_unstable();
    let mut path = Vec::with_capacity(filtered.len());
    for (&(node, copath_child), upn) in filtered.iter().zip(&update_path.nodes) {
        let mut resolution = diff.resolution(copath_child);
        resolution.retain(|r| excluded_nodes.binary_search(r).is_err());
        if resolution.len() != upn.encrypted_path_secret.len() {
            return Err(TreeKemError::CiphertextCountMismatch.into());
        }
        path.push((node, resolution));
    }
    // The structural checks above are cheap; the signature and the key scan come next.
    leaf.verify_signature(cs, group_id, sender)
        .map_err(|e| match e {
            Error::Crypto(CryptoError::InvalidSignature | CryptoError::InvalidKey) => {
                Error::TreeKem(TreeKemError::LeafSignatureInvalid)
            }
            e => e,
        })?;
    check_keys_unused(diff, update_path)?;

    let keys: Vec<&[u8]> = update_path
        .nodes
        .iter()
        .map(|n| n.encryption_key.as_bytes())
        .collect();
    let hashes = diff.parent_hashes_for_path(cs, sender, &keys)?;
    if hashes.leaf != *leaf_parent_hash {
        return Err(TreeKemError::ParentHashMismatch.into());
    }

    diff.blank_direct_path(leaf_x)?;
    for ((node, _), (upn, parent_hash)) in
        path.iter().zip(update_path.nodes.iter().zip(hashes.nodes))
    {
        let parent = ParentNode {
            encryption_key: upn.encryption_key.clone(),
            parent_hash,
            unmerged_leaves: Vec::new(),
        };
        diff.set_parent_node(*node, &parent)?;
    }
    diff.set_leaf(sender, leaf)?;
    Ok(MergedPath {
        sender,
        update_path,
        path,
    })
}

impl MergedPath<'_> {
    /// The sender's leaf.
    pub fn sender(&self) -> LeafIndex {
        self.sender
    }

    /// The nodes of the sender's filtered direct path, bottom up.
    pub fn path_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.path.iter().map(|(n, _)| *n)
    }

    /// Decrypts the receiver's path secret with `DecryptWithLabel(.., "UpdatePathNode",
    /// group_context, ..)` (`group_context`: the encoded provisional `GroupContext`),
    /// derives the path secrets of the nodes above it, checks that each derived public key
    /// is the one sent ([`TreeKemError::PublicKeyMismatch`]) and computes the
    /// `commit_secret` (RFC 9420 §7.5, §12.4.2).
    ///
    /// `keys` is the receiver's private state. Only once everything checks out, its keys for
    /// the nodes the path replaced or blanked (from the common ancestor up) are deleted and
    /// the new ones stored (RFC 9420 §7.5: outdated key material MUST be deleted).
    pub fn decrypt(
        &self,
        cs: &dyn CipherSuiteProvider,
        group_context: &[u8],
        keys: &mut TreePrivateKeys,
    ) -> Result<ReceivedPath, Error> {
        self.decrypt_impl(cs, None::<&TreeDiff<'_>>, group_context, keys)
    }

    /// [`MergedPath::decrypt`] given `tree`, the tree the path was merged into: the
    /// receiver's decryption node is on the sender's copath, which the merge left as it
    /// was, so its `encryption_key` there is the key the sender encrypted to. It goes to
    /// HPKE with the private key ([`PathSecret::decrypt_with_public_key`]), which saves
    /// recomputing it (a scalar multiplication per processed Commit). Same result as
    /// [`MergedPath::decrypt`].
    pub fn decrypt_in<T: TreeView>(
        &self,
        cs: &dyn CipherSuiteProvider,
        tree: &T,
        group_context: &[u8],
        keys: &mut TreePrivateKeys,
    ) -> Result<ReceivedPath, Error> {
        self.decrypt_impl(cs, Some(tree), group_context, keys)
    }

    fn decrypt_impl<T: TreeView>(
        &self,
        cs: &dyn CipherSuiteProvider,
        tree: Option<&T>,
        group_context: &[u8],
        keys: &mut TreePrivateKeys,
    ) -> Result<ReceivedPath, Error> {
        let receiver = keys.own_leaf();
        if receiver == self.sender {
            return Err(TreeKemError::ReceiverIsSender.into());
        }
        let (Some(sx), Some(rx)) = (self.sender.node(), receiver.node()) else {
            return Err(TreeKemError::ReceiverNotInPath.into());
        };
        // Any tree containing both leaves has the same common ancestor.
        let ancestor = crate::tree_math::TreeSize::from_depth(31)
            .and_then(|s| s.common_ancestor(sx, rx))
            .ok_or(TreeKemError::ReceiverNotInPath)?;
        let start = self
            .path
            .iter()
            .position(|(n, _)| *n == ancestor)
            .ok_or(TreeKemError::ReceiverNotInPath)?;
        let (_, resolution) = self
            .path
            .get(start)
            .ok_or(TreeKemError::ReceiverNotInPath)?;
        let (index, node, private_key) = resolution
            .iter()
            .enumerate()
            .find_map(|(i, r)| keys.key_for(*r).map(|k| (i, *r, k)))
            .ok_or(TreeKemError::NoPrivateKey)?;
        let ciphertext = self
            .update_path
            .nodes
            .get(start)
            .and_then(|n| n.encrypted_path_secret.get(index))
            .ok_or(TreeKemError::CiphertextCountMismatch)?;
        let public_key = tree.and_then(|t| t.node_public_key(node));
        let first = match public_key {
            Some(pk) => {
                PathSecret::decrypt_with_public_key(cs, private_key, pk, group_context, ciphertext)?
            }
            None => PathSecret::decrypt(cs, private_key, group_context, ciphertext)?,
        };

        let mut new_keys: Vec<(NodeIndex, HpkePrivateKey)> = Vec::new();
        let mut secret = first.clone();
        let tail = self.path.iter().zip(&self.update_path.nodes).skip(start);
        for (i, ((node, _), upn)) in tail.enumerate() {
            if i > 0 {
                secret = secret.next(cs)?;
            }
            let pair = secret.node_key_pair(cs)?;
            if pair.public_key != upn.encryption_key {
                return Err(TreeKemError::PublicKeyMismatch.into());
            }
            new_keys.push((*node, pair.private_key));
        }
        let commit_secret = secret.next(cs)?;

        keys.remove_path_keys_from_level(ancestor.level());
        for (node, key) in new_keys {
            keys.insert_path_key(node, key);
        }
        Ok(ReceivedPath {
            node: ancestor,
            path_secret: first,
            commit_secret: commit_secret.as_secret().clone(),
        })
    }
}
