//! Membership proofs (draft-ietf-mls-partial §"Membership Proofs and Partial Trees"):
//! creation from a full ratchet tree, and verification by recomputing the root tree hash
//! (RFC 9420 §7.8) from the proof's direct path nodes and copath hashes.

use alloc::vec::Vec;

use super::wire::{CopathHash, MembershipProof};
use crate::codec;
use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, PartialError, TreeError};
use crate::messages::LeafNode;
use crate::ratchet_tree::{Node, ParentNode, RatchetTree, TreeView, hash_node};
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// The largest tree depth a proof may describe: `2^31` leaves, as for a full tree
/// ([`TreeSize`]). A proof therefore holds at most 32 nodes and 31 copath hashes.
pub const MAX_PROOF_DEPTH: u32 = 31;

impl MembershipProof {
    /// The size of the proof's tree: `n_leaves` must be a power of two of at most `2^31`
    /// ([`PartialError::ProofLeafCountInvalid`]).
    pub fn tree_size(&self) -> Result<TreeSize, Error> {
        if !self.n_leaves.is_power_of_two() {
            return Err(PartialError::ProofLeafCountInvalid.into());
        }
        TreeSize::from_leaf_count(self.n_leaves).ok_or(PartialError::ProofLeafCountInvalid.into())
    }

    /// The proven leaf node, if the proof is well formed and the leaf is not blank.
    pub fn leaf_node(&self) -> Option<&LeafNode> {
        match self.direct_path_nodes.first() {
            Some(Some(Node::Leaf(l))) => Some(l),
            _ => None,
        }
    }

    /// The node indices of the proof's direct path nodes, leaf first, root last.
    pub fn path_node_indices(&self) -> Result<Vec<NodeIndex>, Error> {
        let size = self.tree_size()?;
        let leaf = self
            .leaf_index
            .node()
            .filter(|x| size.is_in_tree(*x))
            .ok_or(PartialError::ProofLeafOutOfRange)?;
        let mut out = Vec::with_capacity(size.depth().saturating_add(1) as usize);
        out.push(leaf);
        if let Some(path) = size.direct_path(leaf) {
            out.extend(path);
        }
        Ok(out)
    }

    /// The proof's node at `x` of its direct path (`Ok(None)` for a blank node; an error if
    /// `x` is not on the path).
    pub fn node_at(&self, x: NodeIndex) -> Result<Option<&Node>, Error> {
        let indices = self.path_node_indices()?;
        let i = indices
            .iter()
            .position(|&n| n == x)
            .ok_or(TreeError::NodeOutOfRange)?;
        Ok(self.direct_path_nodes.get(i).and_then(Option::as_ref))
    }

    /// Checks the proof's shape: `n_leaves` a power of two, the leaf inside the tree, one
    /// node per level from the leaf to the root and one copath hash per level of `Nh`
    /// bytes, a leaf node at the leaf's position and parent nodes above, a non-blank leaf.
    pub fn check_shape(&self, cs: &dyn CipherSuiteProvider) -> Result<TreeSize, Error> {
        let size = self.tree_size()?;
        if self.leaf_index.0 >= self.n_leaves {
            return Err(PartialError::ProofLeafOutOfRange.into());
        }
        let depth = size.depth() as usize;
        if self.direct_path_nodes.len() != depth.saturating_add(1) {
            return Err(PartialError::ProofPathLengthMismatch.into());
        }
        if self.copath_hashes.len() != depth {
            return Err(PartialError::ProofCopathLengthMismatch.into());
        }
        if self
            .copath_hashes
            .iter()
            .any(|h| h.hash_value.len() != cs.hash_len())
        {
            return Err(PartialError::CopathHashLengthInvalid.into());
        }
        for (i, node) in self.direct_path_nodes.iter().enumerate() {
            match (i, node) {
                (0, Some(Node::Leaf(_))) | (1.., Some(Node::Parent(_))) | (1.., None) => {}
                (0, None) => return Err(PartialError::ProofLeafBlank.into()),
                _ => return Err(PartialError::ProofNodeTypeMismatch.into()),
            }
        }
        Ok(size)
    }

    /// Recomputes the root tree hash (RFC 9420 §7.8) from the proof, after
    /// [`MembershipProof::check_shape`]: the leaf's `LeafNodeHashInput`, then for each
    /// level the `ParentNodeHashInput` of the path node with the running hash on the
    /// path's side and the copath hash on the other.
    pub fn root_tree_hash(&self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>, Error> {
        self.check_shape(cs)?;
        let indices = self.path_node_indices()?;
        let mut buf = Vec::new();
        let mut nodes = self.direct_path_nodes.iter();
        let mut xs = indices.iter();
        let (Some(Some(Node::Leaf(leaf))), Some(&x0)) = (nodes.next(), xs.next()) else {
            return Err(PartialError::ProofLeafBlank.into());
        };
        let encoded = codec::encode(leaf)?;
        let mut hash = hash_node(cs, x0, Some(&encoded), None, &mut buf)?;
        let mut below = x0;
        for ((node, &x), copath) in nodes.zip(xs).zip(&self.copath_hashes) {
            let encoded = match node {
                Some(Node::Parent(p)) => Some(codec::encode(p)?),
                Some(Node::Leaf(_)) => return Err(PartialError::ProofNodeTypeMismatch.into()),
                None => None,
            };
            let sibling = copath.hash_value.as_slice();
            let children = if below.0 < x.0 {
                (hash.as_slice(), sibling)
            } else {
                (sibling, hash.as_slice())
            };
            hash = hash_node(cs, x, encoded.as_deref(), Some(children), &mut buf)?;
            below = x;
        }
        Ok(hash)
    }

    /// Verifies that the proof is valid relative to `tree_hash` (draft-ietf-mls-partial:
    /// "the tree hash recomputed in this way is equal to the given tree hash";
    /// [`PartialError::ProofTreeHashMismatch`]).
    pub fn verify(&self, cs: &dyn CipherSuiteProvider, tree_hash: &[u8]) -> Result<(), Error> {
        let root = self.root_tree_hash(cs)?;
        if root != tree_hash {
            return Err(PartialError::ProofTreeHashMismatch.into());
        }
        Ok(())
    }

    /// Verifies that this proof and `other` reference the same tree: equal `n_leaves` and
    /// identical root tree hashes ([`PartialError::ProofsReferenceDifferentTrees`]).
    /// Returns the common root tree hash.
    pub fn verify_same_tree(
        &self,
        cs: &dyn CipherSuiteProvider,
        other: &MembershipProof,
    ) -> Result<Vec<u8>, Error> {
        let a = self.root_tree_hash(cs)?;
        let b = other.root_tree_hash(cs)?;
        if self.n_leaves != other.n_leaves || a != b {
            return Err(PartialError::ProofsReferenceDifferentTrees.into());
        }
        Ok(a)
    }

    /// Creates the proof of `leaf` in `tree` (draft-ietf-mls-partial: anyone holding the
    /// tree's public data can): its direct path nodes from the tree, its copath hashes
    /// from the tree's hash cache. Any tree shape, blank nodes and unmerged leaves
    /// included. Fails with [`TreeError::LeafOutOfRange`] for a leaf outside the tree and
    /// [`TreeError::LeafIsBlank`] for a blank leaf.
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        tree: &mut RatchetTree,
        leaf: LeafIndex,
    ) -> Result<MembershipProof, Error> {
        let size = tree.size();
        let x = leaf
            .node()
            .filter(|x| size.is_in_tree(*x))
            .ok_or(TreeError::LeafOutOfRange)?;
        let leaf_node = tree
            .leaf(leaf)
            .ok_or(TreeError::LeafIsBlank)?
            .to_leaf_node()?;
        let mut direct_path_nodes = Vec::with_capacity(size.depth().saturating_add(1) as usize);
        direct_path_nodes.push(Some(Node::Leaf(leaf_node)));
        let mut copath_hashes = Vec::with_capacity(size.depth() as usize);
        if let (Some(path), Some(copath)) = (size.direct_path(x), size.copath(x)) {
            for (p, c) in path.zip(copath) {
                let node: Option<ParentNode> = match tree.parent_node(p) {
                    Some(r) => Some(r.to_parent_node()?),
                    None => None,
                };
                direct_path_nodes.push(node.map(Node::Parent));
                copath_hashes.push(CopathHash {
                    hash_value: tree.node_tree_hash(cs, c)?,
                });
            }
        }
        Ok(MembershipProof {
            leaf_index: leaf,
            n_leaves: size.leaf_count(),
            direct_path_nodes,
            copath_hashes,
        })
    }
}
