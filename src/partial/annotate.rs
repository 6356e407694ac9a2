//! The annotating side (draft-ietf-mls-partial §"Protocol Overview"): a party that holds
//! the full ratchet tree (a full member or the Delivery Service) produces the
//! [`AnnotatedWelcome`] and [`AnnotatedCommit`] each partial member needs.

use alloc::vec::Vec;

use super::wire::{AnnotatedCommit, AnnotatedWelcome, MembershipProof, SenderAuthenticatedMessage};
use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, PartialError, TreeError};
use crate::framing::MlsMessage;
use crate::messages::Welcome;
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::{LeafIndex, NodeIndex};

/// Annotates a Welcome for the joiner at `joiner`: the proofs of the Welcome's sender (the
/// committer, `signer` of its GroupInfo) and of the joiner in `tree`, the ratchet tree of
/// the epoch the Welcome starts.
pub fn annotate_welcome(
    cs: &dyn CipherSuiteProvider,
    tree: &mut RatchetTree,
    welcome: Welcome,
    sender: LeafIndex,
    joiner: LeafIndex,
) -> Result<AnnotatedWelcome, Error> {
    let sender_proof = MembershipProof::create(cs, tree, sender)?;
    let joiner_proof = MembershipProof::create(cs, tree, joiner)?;
    Ok(AnnotatedWelcome {
        welcome: SenderAuthenticatedMessage::new(welcome, sender_proof),
        joiner_membership_proof: joiner_proof,
    })
}

/// What an annotator knows about one Commit: the trees around it and its committer.
pub struct CommitAnnotator<'a> {
    /// The ratchet tree of the epoch the Commit was sent in.
    pub tree_before: &'a mut RatchetTree,
    /// The ratchet tree after the Commit.
    pub tree_after: &'a mut RatchetTree,
    /// The committer's leaf: its leaf before the Commit for a `member` sender, its new leaf
    /// for a `new_member_commit`.
    pub committer: LeafIndex,
    /// Whether the Commit is a `new_member_commit` (then no pre-commit proof).
    pub new_member: bool,
    /// Whether the Commit has a path.
    pub has_path: bool,
    /// The leaves the Commit's Add proposals filled (excluded from the resolutions the
    /// path secrets are encrypted to, RFC 9420 §12.4.2).
    pub added: Vec<LeafIndex>,
}

impl CommitAnnotator<'_> {
    /// The AnnotatedCommit of `commit` for the partial member at `receiver`
    /// (draft-ietf-mls-partial §"Annotated Commit"): the committer's proof before the
    /// Commit (for a `member` sender), the tree hash after, the receiver's
    /// `resolution_index` if the Commit has a path, and the proofs of the committer and
    /// the receiver after. [`PartialError::ReceiverIsCommitter`] for the committer itself,
    /// [`PartialError::NoDecryptionKey`] if no node of the resolution is the receiver's.
    pub fn annotate(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        commit: MlsMessage,
        receiver: LeafIndex,
    ) -> Result<AnnotatedCommit, Error> {
        if receiver == self.committer {
            return Err(PartialError::ReceiverIsCommitter.into());
        }
        let sender_membership_proof = if self.new_member {
            None
        } else {
            Some(MembershipProof::create(
                cs,
                self.tree_before,
                self.committer,
            )?)
        };
        let resolution_index = if self.has_path {
            Some(self.resolution_index(receiver)?)
        } else {
            None
        };
        Ok(AnnotatedCommit {
            commit,
            sender_membership_proof,
            tree_hash_after: self.tree_after.tree_hash(cs)?,
            resolution_index,
            sender_membership_proof_after: MembershipProof::create(
                cs,
                self.tree_after,
                self.committer,
            )?,
            receiver_membership_proof_after: MembershipProof::create(
                cs,
                self.tree_after,
                receiver,
            )?,
        })
    }

    /// The index, in the resolution of the copath child below the committer's and the
    /// receiver's lowest common ancestor (minus the leaves added by the Commit), of the
    /// node through which the receiver gets the path secret: its leaf if listed (as an
    /// unmerged leaf), else its ancestor in the resolution.
    fn resolution_index(&self, receiver: LeafIndex) -> Result<u32, Error> {
        let tree = &*self.tree_after;
        let size = tree.size();
        let (Some(s), Some(r)) = (self.committer.node(), receiver.node()) else {
            return Err(TreeError::LeafOutOfRange.into());
        };
        if !size.is_in_tree(s) || !size.is_in_tree(r) {
            return Err(TreeError::LeafOutOfRange.into());
        }
        let lca = size
            .common_ancestor(s, r)
            .ok_or(TreeError::LeafOutOfRange)?;
        // The child of the LCA on the receiver's side.
        let mut child = r;
        while let Some(p) = size.parent(child) {
            if p == lca {
                break;
            }
            child = p;
        }
        let added: Vec<NodeIndex> = self.added.iter().filter_map(|l| l.node()).collect();
        let resolution: Vec<NodeIndex> = tree
            .resolution(child)
            .into_iter()
            .filter(|x| !added.contains(x))
            .collect();
        let position = resolution.iter().position(|&x| x == r).or_else(|| {
            resolution.iter().position(|&x| {
                x.level() > 0
                    && size.common_ancestor(x, r) == Some(x)
                    && !tree
                        .parent_node(x)
                        .is_some_and(|p| p.has_unmerged(receiver))
            })
        });
        let position = position.ok_or(PartialError::NoDecryptionKey)?;
        u32::try_from(position).map_err(|_| Error::Encode)
    }
}
