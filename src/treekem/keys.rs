//! A member's private keys in the ratchet tree (RFC 9420 §4.1 tree invariant, §7.4).

use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, HpkePrivateKey};
use crate::error::{Error, TreeKemError};
use crate::ratchet_tree::TreeView;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

use super::PathSecret;

/// The private keys one member holds in the ratchet tree (RFC 9420 §4.1): the HPKE private
/// key of its own leaf and those of (some of) the parent nodes on its direct path. The tree
/// invariant says a member knows the private key of a node exactly when it is in the
/// node's subtree, so at most `depth` parent keys are held (at most 31).
///
/// Keys are zeroized when dropped (each [`HpkePrivateKey`] is).
#[derive(Clone, Debug)]
pub struct TreePrivateKeys {
    own_leaf: LeafIndex,
    leaf_key: HpkePrivateKey,
    /// `(node, key)` for parent nodes on the direct path of `own_leaf`, lowest first.
    path_keys: Vec<(NodeIndex, HpkePrivateKey)>,
}

impl TreePrivateKeys {
    /// The keys of leaf `own_leaf` with its HPKE private key, and no parent keys yet.
    pub fn new(own_leaf: LeafIndex, leaf_key: HpkePrivateKey) -> Self {
        TreePrivateKeys {
            own_leaf,
            leaf_key,
            path_keys: Vec::new(),
        }
    }

    /// The member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The private key of the member's leaf.
    pub fn leaf_key(&self) -> &HpkePrivateKey {
        &self.leaf_key
    }

    /// Replaces the leaf's private key (after an Update or a Commit with a path, §7.5).
    pub fn set_leaf_key(&mut self, key: HpkePrivateKey) {
        self.leaf_key = key;
    }

    /// The private key held for `node`: the leaf key for the member's own leaf node, else the
    /// key of a parent node on its direct path, if known.
    pub fn key_for(&self, node: NodeIndex) -> Option<&HpkePrivateKey> {
        if self.own_leaf.node() == Some(node) {
            return Some(&self.leaf_key);
        }
        self.path_keys
            .iter()
            .find(|(n, _)| *n == node)
            .map(|(_, k)| k)
    }

    /// The parent nodes whose private keys are held, lowest first.
    pub fn path_nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.path_keys.iter().map(|(n, _)| *n)
    }

    /// Stores the private key of parent node `node` (replacing any older key for it). The
    /// caller is responsible for `node` being on the member's direct path.
    pub fn insert_path_key(&mut self, node: NodeIndex, key: HpkePrivateKey) {
        match self.path_keys.iter_mut().find(|(n, _)| *n == node) {
            Some(entry) => entry.1 = key,
            None => {
                self.path_keys.push((node, key));
                self.path_keys.sort_by_key(|(n, _)| n.level());
            }
        }
    }

    /// Stores the key pair derived from `path_secret` as the private key of `node`
    /// (RFC 9420 §7.4), e.g. when joining from a Welcome's `path_secret`.
    pub fn insert_path_secret(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        node: NodeIndex,
        path_secret: &PathSecret,
    ) -> Result<(), Error> {
        let pair = path_secret.node_key_pair(cs)?;
        self.insert_path_key(node, pair.private_key);
        Ok(())
    }

    /// Deletes (zeroizes) the key of `node`, e.g. when the node is blanked (RFC 9420 §9.2).
    pub fn remove_path_key(&mut self, node: NodeIndex) {
        self.path_keys.retain(|(n, _)| *n != node);
    }

    /// Deletes the keys of every parent node at level `level` or above: the nodes an
    /// `UpdatePath` from another member replaces or blanks from the common ancestor up
    /// (RFC 9420 §7.5: outdated key pairs MUST be deleted).
    pub fn remove_path_keys_from_level(&mut self, level: u32) {
        self.path_keys.retain(|(n, _)| n.level() < level);
    }

    /// Deletes keys for nodes that are no longer on the member's direct path in a tree of
    /// `size` (after the tree was truncated or the key list was built by hand).
    pub fn retain_direct_path(&mut self, size: TreeSize) {
        let leaf = self.own_leaf.node();
        self.path_keys.retain(|(n, _)| {
            leaf.and_then(|l| size.direct_path(l))
                .is_some_and(|mut p| p.any(|x| x == *n))
        });
    }

    /// Takes the path secret of `node`, an ancestor of the member's leaf, and derives the
    /// path secrets and key pairs of `node` and of every node above it on the member's
    /// filtered direct path in `tree` (RFC 9420 §12.4.3.1: a new member given `path_secret`
    /// in its Welcome; the nodes above the lowest common ancestor with the committer are on
    /// both filtered direct paths). Each derived public key must equal the tree's
    /// ([`TreeKemError::PublicKeyMismatch`]); only then are the keys stored, replacing any
    /// held for those nodes. Returns the path secret one past the root's (the
    /// `commit_secret` of the Commit that set these nodes).
    pub fn apply_path_secret<T: TreeView + ?Sized>(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        tree: &T,
        node: NodeIndex,
        path_secret: PathSecret,
    ) -> Result<PathSecret, Error> {
        let path = tree.filtered_direct_path(self.own_leaf);
        let start = path
            .iter()
            .position(|(n, _)| *n == node)
            .ok_or(TreeKemError::ReceiverNotInPath)?;
        let mut derived = Vec::new();
        let mut secret = path_secret;
        for (i, (n, _)) in path.iter().skip(start).enumerate() {
            if i > 0 {
                secret = secret.next(cs)?;
            }
            let pair = secret.node_key_pair(cs)?;
            if tree.node_public_key(*n) != Some(pair.public_key.as_bytes()) {
                return Err(TreeKemError::PublicKeyMismatch.into());
            }
            derived.push((*n, pair.private_key));
        }
        for (n, key) in derived {
            self.insert_path_key(n, key);
        }
        secret.next(cs)
    }
}
