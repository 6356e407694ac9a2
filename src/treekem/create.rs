//! Creating an `UpdatePath` (RFC 9420 §7.4, §7.5, §7.6, §7.9, §12.4.1).
//!
//! Two steps, because the path secrets are encrypted under the provisional `GroupContext`,
//! whose `tree_hash` covers the tree after the path is merged:
//!
//! 1. [`prepare_update_path`] changes the staged tree: blanks the sender's direct path, sets
//!    the new parent nodes with their parent hashes, signs and sets the new leaf.
//! 2. The caller computes the tree hash and the provisional `GroupContext`, then
//!    [`PreparedPath::encrypt`] encrypts each path secret to the copath resolutions and
//!    returns the `UpdatePath`, the `commit_secret` and the committer's new private keys.

use alloc::vec::Vec;

use super::{PathSecret, TreePrivateKeys};
use crate::crypto::{
    CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret, SignaturePrivateKey, Signer,
    SuiteSigner,
};
use crate::error::{DecodeError, Error, TreeKemError};
use crate::messages::{LeafNode, LeafNodeSource, UpdatePath, UpdatePathNode};
use crate::ratchet_tree::{ParentNode, TreeDiff, TreeView};
use crate::tree_math::{LeafIndex, NodeIndex};

/// One node of the sender's filtered direct path while an `UpdatePath` is being built.
#[derive(Clone, Debug)]
struct PathNode {
    node: NodeIndex,
    path_secret: PathSecret,
    public_key: HpkePublicKey,
    private_key: HpkePrivateKey,
    /// The resolution of the copath child with each node's public key, in order.
    resolution: Vec<(NodeIndex, HpkePublicKey)>,
}

/// An `UpdatePath` whose nodes are already in the staged tree but whose path secrets are not
/// encrypted yet (RFC 9420 §12.4.1: the provisional `GroupContext` needs the new tree hash).
#[derive(Clone, Debug)]
pub struct PreparedPath {
    sender: LeafIndex,
    leaf_node: LeafNode,
    leaf_private_key: HpkePrivateKey,
    nodes: Vec<PathNode>,
    commit_secret: PathSecret,
}

/// The committer's side of a finished `UpdatePath` (RFC 9420 §7.5, §12.4.1).
#[derive(Clone, Debug)]
pub struct CommitterPath {
    /// The `UpdatePath` for the Commit's `path` field.
    pub update_path: UpdatePath,
    /// `commit_secret = DeriveSecret(path_secret[n], "path")` for the last path secret
    /// `path_secret[n]` (RFC 9420 §12.4.1). With an empty filtered direct path (no other
    /// member) it is `DeriveSecret(path_secret[0], "path")`.
    pub commit_secret: Secret,
    /// The path secret of each node of the filtered direct path, bottom up: the Welcome
    /// gives each new member the one of its lowest common ancestor with the committer
    /// (RFC 9420 §12.4.3.1).
    pub path_secrets: Vec<(NodeIndex, PathSecret)>,
    /// The committer's private keys after the Commit: its new leaf key and the keys of its
    /// filtered direct path (older keys of its direct path are gone, RFC 9420 §7.5).
    pub private_keys: TreePrivateKeys,
}

/// The new leaf of a committer (RFC 9420 §7.5): a `LeafNode` with a fresh `encryption_key`
/// whose private key is `encryption_private_key`. Its `leaf_node_source` and `signature` are
/// set by [`prepare_update_path`].
#[derive(Clone, Debug)]
pub struct NewLeaf {
    /// The leaf node: `encryption_key`, `signature_key`, credential, capabilities and
    /// extensions as the committer wants them.
    pub leaf_node: LeafNode,
    /// The private key of `leaf_node.encryption_key`.
    pub encryption_private_key: HpkePrivateKey,
}

impl NewLeaf {
    /// A copy of `current` with a fresh HPKE key pair from the provider (RFC 9420 §7.5:
    /// "Set the `encryption_key` to the public key of a freshly sampled key pair").
    pub fn refresh(cs: &dyn CipherSuiteProvider, current: &LeafNode) -> Result<Self, Error> {
        let pair = cs.kem_generate_key_pair()?;
        let mut leaf_node = current.clone();
        leaf_node.encryption_key = pair.public_key;
        Ok(NewLeaf {
            leaf_node,
            encryption_private_key: pair.private_key,
        })
    }
}

/// Updates the direct path of `sender` in `diff` (RFC 9420 §7.5, §12.4.1), whose proposals
/// must already be applied:
///
/// - generates the path secrets of the filtered direct path (`path_secret[0]` is
///   `first_path_secret` if given, else `KDF.Nh` random bytes) and the node key pairs;
/// - blanks the direct path, then sets each filtered-path node to its new public key with
///   no unmerged leaves and the parent hash chained from the root down (§7.9);
/// - sets `new_leaf` with `leaf_node_source = commit(parent_hash)`, signed with
///   `signature_key` over `group_id` and `sender`.
///
/// Then compute the provisional `GroupContext` from the diff's tree hash and call
/// [`PreparedPath::encrypt`]. On error the diff may be partly changed: drop it.
pub fn prepare_update_path(
    cs: &dyn CipherSuiteProvider,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    group_id: &[u8],
    new_leaf: NewLeaf,
    signature_key: &SignaturePrivateKey,
    first_path_secret: Option<PathSecret>,
) -> Result<PreparedPath, Error> {
    let public_key = new_leaf.leaf_node.signature_key.clone();
    let signer = SuiteSigner {
        cs,
        private_key: signature_key,
        public_key: &public_key,
    };
    prepare_update_path_by(
        cs,
        diff,
        sender,
        group_id,
        new_leaf,
        &signer,
        first_path_secret,
    )
}

/// [`prepare_update_path`] with the new leaf signed by `signer` (the key of its
/// `signature_key`).
pub fn prepare_update_path_by(
    cs: &dyn CipherSuiteProvider,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    group_id: &[u8],
    new_leaf: NewLeaf,
    signer: &dyn Signer,
    first_path_secret: Option<PathSecret>,
) -> Result<PreparedPath, Error> {
    let leaf_x = match sender.node() {
        Some(x) if diff.size().contains_leaf(sender) => x,
        _ => return Err(TreeKemError::SenderOutOfRange.into()),
    };
    let path = diff.filtered_direct_path(sender);
    let mut nodes = Vec::with_capacity(path.len());
    let mut secret = match first_path_secret {
        Some(s) => s,
        None => PathSecret::random(cs)?,
    };
    for (i, &(node, copath_child)) in path.iter().enumerate() {
        if i > 0 {
            secret = secret.next(cs)?;
        }
        let pair = secret.node_key_pair(cs)?;
        let mut resolution = Vec::new();
        for r in diff.resolution(copath_child) {
            // A node in a resolution is non-blank, so it has a key.
            let key = diff.node_public_key(r).ok_or(DecodeError::Malformed)?;
            resolution.push((r, HpkePublicKey(key.to_vec())));
        }
        nodes.push(PathNode {
            node,
            path_secret: secret.clone(),
            public_key: pair.public_key,
            private_key: pair.private_key,
            resolution,
        });
    }

    let commit_secret = secret.next(cs)?;
    let keys: Vec<&[u8]> = nodes.iter().map(|n| n.public_key.as_bytes()).collect();
    let hashes = diff.parent_hashes_for_path(cs, sender, &keys)?;
    diff.blank_direct_path(leaf_x)?;
    for (n, parent_hash) in nodes.iter().zip(hashes.nodes) {
        let parent = ParentNode {
            encryption_key: n.public_key.clone(),
            parent_hash,
            unmerged_leaves: Vec::new(),
        };
        diff.set_parent_node(n.node, &parent)?;
    }
    let NewLeaf {
        mut leaf_node,
        encryption_private_key,
    } = new_leaf;
    leaf_node.leaf_node_source = LeafNodeSource::Commit(hashes.leaf);
    leaf_node.sign_by(signer, group_id, sender)?;
    diff.set_leaf(sender, &leaf_node)?;
    Ok(PreparedPath {
        sender,
        leaf_node,
        leaf_private_key: encryption_private_key,
        nodes,
        commit_secret,
    })
}

impl PreparedPath {
    /// The committer's leaf.
    pub fn sender(&self) -> LeafIndex {
        self.sender
    }

    /// The committer's new, signed leaf node.
    pub fn leaf_node(&self) -> &LeafNode {
        &self.leaf_node
    }

    /// The nodes of the filtered direct path, bottom up.
    pub fn path_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.nodes.iter().map(|n| n.node)
    }

    /// Encrypts each path secret to every node of its copath child's resolution, minus the
    /// leaves in `excluded` (those added by the same Commit), in resolution order, with
    /// `EncryptWithLabel(node_public_key, "UpdatePathNode", group_context, path_secret)`
    /// (RFC 9420 §7.5, §7.6). `group_context` is the encoded provisional `GroupContext`.
    pub fn encrypt(
        self,
        cs: &dyn CipherSuiteProvider,
        group_context: &[u8],
        excluded: &[LeafIndex],
    ) -> Result<CommitterPath, Error> {
        let mut excluded_nodes: Vec<NodeIndex> = excluded.iter().filter_map(|l| l.node()).collect();
        excluded_nodes.sort_unstable();
        // Every (recipient key, path secret) of the whole path, in path and resolution
        // order, sealed in one batch: the EncryptContext is the same for all of them.
        let mut recipients = Vec::new();
        let mut counts = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let before = recipients.len();
            for (r, key) in &n.resolution {
                if excluded_nodes.binary_search(r).is_err() {
                    recipients.push((key, &n.path_secret));
                }
            }
            counts.push(recipients.len().saturating_sub(before));
        }
        let ciphertexts = PathSecret::encrypt_batch(cs, &recipients, group_context)?;
        drop(recipients);
        if ciphertexts.len() != counts.iter().sum::<usize>() {
            return Err(crate::error::CryptoError::EncryptionFailed.into());
        }
        let mut ciphertexts = ciphertexts.into_iter();
        let mut path_nodes = Vec::with_capacity(self.nodes.len());
        let mut path_secrets = Vec::with_capacity(self.nodes.len());
        let mut private_keys = TreePrivateKeys::new(self.sender, self.leaf_private_key);
        for (n, count) in self.nodes.into_iter().zip(counts) {
            let encrypted_path_secret: Vec<_> = ciphertexts.by_ref().take(count).collect();
            path_nodes.push(UpdatePathNode {
                encryption_key: n.public_key,
                encrypted_path_secret,
            });
            private_keys.insert_path_key(n.node, n.private_key);
            path_secrets.push((n.node, n.path_secret));
        }
        Ok(CommitterPath {
            update_path: UpdatePath {
                leaf_node: self.leaf_node,
                nodes: path_nodes,
            },
            commit_secret: self.commit_secret.as_secret().clone(),
            path_secrets,
            private_keys,
        })
    }
}
