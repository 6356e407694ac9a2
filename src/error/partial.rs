//! Partial MLS errors (draft-ietf-mls-partial-02): one variant per check a partial client
//! makes on a membership proof, a sender-authenticated message, an AnnotatedWelcome or an
//! AnnotatedCommit.

/// A Partial MLS structure failed a check (draft-ietf-mls-partial §"Membership Proofs and
/// Partial Trees", §"Sender-Authenticated Messages", §"Joining via Annotated Welcome",
/// §"Annotated Commit").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartialError {
    /// A proof's `n_leaves` is not a power of two between 1 and 2^31 (MLS trees are full,
    /// RFC 9420 §7.8).
    ProofLeafCountInvalid,
    /// A proof's `leaf_index` is not below its `n_leaves`.
    ProofLeafOutOfRange,
    /// A proof's `direct_path_nodes` does not hold one entry per node from the leaf to the
    /// root (the tree depth plus one).
    ProofPathLengthMismatch,
    /// A proof's `copath_hashes` does not hold one hash per copath node (the tree depth).
    ProofCopathLengthMismatch,
    /// A `CopathHash` does not have the hash length of the cipher suite.
    CopathHashLengthInvalid,
    /// A proof has a parent node at the leaf's position or a leaf node above it.
    ProofNodeTypeMismatch,
    /// The proven leaf is blank: a blank leaf proves no membership.
    ProofLeafBlank,
    /// The root tree hash recomputed from a proof differs from the expected tree hash.
    ProofTreeHashMismatch,
    /// Two proofs that must reference the same tree differ in `n_leaves` or in the root
    /// tree hash they produce.
    ProofsReferenceDifferentTrees,
    /// The sender of a sender-authenticated message or Commit is not the leaf its
    /// membership proof proves (`Sender.leaf_index` differs from the proof's `leaf_index`).
    SenderLeafMismatch,
    /// A sender-authenticated message's sender is not a `member` (only a member's leaf can
    /// be proven).
    SenderNotMember,
    /// The GroupInfo's `signer` differs from the `leaf_index` of the sender's proof.
    GroupInfoSignerMismatch,
    /// The joiner's proof does not prove the joiner's own leaf (its LeafNode differs from
    /// the KeyPackage's, or its index from the expected one).
    JoinerLeafMismatch,
    /// An AnnotatedCommit's `commit` is not a PublicMessage or PrivateMessage carrying a
    /// Commit.
    NotACommit,
    /// A `member` Commit comes without a `sender_membership_proof`.
    MissingSenderProof,
    /// A `new_member_commit` comes with a `sender_membership_proof` (it MUST be absent).
    UnexpectedSenderProof,
    /// The Commit's sender type is neither `member` nor `new_member_commit`.
    UnsupportedCommitSender,
    /// The Commit has a path but the AnnotatedCommit no `resolution_index`.
    MissingResolutionIndex,
    /// The Commit has no path but the AnnotatedCommit has a `resolution_index`.
    UnexpectedResolutionIndex,
    /// `resolution_index` does not select an `encrypted_path_secret` of the UpdatePath node.
    ResolutionIndexOutOfRange,
    /// The UpdatePath does not have one node per non-blank node of the committer's new
    /// direct path (as given by `sender_membership_proof_after`).
    UpdatePathLengthMismatch,
    /// The committer and the receiver are the same leaf.
    ReceiverIsCommitter,
    /// No non-blank node of the receiver's direct path below the lowest common ancestor,
    /// whose private key the receiver holds, is in the resolution the path secret is
    /// encrypted to.
    NoDecryptionKey,
    /// A public key derived from a decrypted path secret differs from the one in the
    /// receiver's post-commit proof or in the UpdatePath.
    PathPublicKeyMismatch,
    /// An AnnotatedCommit's proofs disagree with the Commit (the receiver's proof is not for
    /// this client, or the sender's post-commit proof not for the committer).
    ProofLeafIndexMismatch,
    /// A sender-authenticated message opened as application data carries a handshake
    /// message.
    NotApplicationMessage,
    /// A sender-authenticated message given to a partial member as a proposal carries
    /// something else.
    NotAProposal,
    /// Upgrade to a full member (draft-ietf-mls-partial §"Upgrading and Downgrading"): the
    /// tree hash of the given ratchet tree differs from the `tree_hash` of the member's
    /// GroupContext (RFC 9420 §12.4.3.1).
    UpgradeTreeHashMismatch,
    /// Upgrade: the member's own leaf is blank in the given ratchet tree.
    UpgradeOwnLeafBlank,
    /// Upgrade: the `encryption_key` of the member's own leaf in the given ratchet tree is
    /// not the public key of the leaf private key the member holds.
    UpgradeLeafKeyMismatch,
    /// Upgrade: the `signature_key` of the member's own leaf in the given ratchet tree is not
    /// the public key of the signing identity given for the full member.
    UpgradeSignatureKeyMismatch,
    /// Upgrade: a private key the member holds for a node of its direct path does not match
    /// that node in the given ratchet tree (blank, or another public key).
    UpgradePathKeyMismatch,
    /// Upgrade: the member's confirmation tag is unknown (a member restored by
    /// `PartialMember::from_state` before it processed a Commit), so a full member could not
    /// sign GroupInfos (RFC 9420 §12.4.3).
    UpgradeConfirmationTagUnknown,
    /// Downgrade to a partial member: the full member has a pending Commit or pending
    /// Update proposals of its own, which a partial member cannot carry; merge or clear them
    /// first.
    DowngradePendingState,
}

impl core::fmt::Display for PartialError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PartialError::ProofLeafCountInvalid => {
                "a membership proof's leaf count is not a power of two within range"
            }
            PartialError::ProofLeafOutOfRange => {
                "a membership proof's leaf index is not below its leaf count"
            }
            PartialError::ProofPathLengthMismatch => {
                "a membership proof does not hold one node per level from the leaf to the root"
            }
            PartialError::ProofCopathLengthMismatch => {
                "a membership proof does not hold one copath hash per level"
            }
            PartialError::CopathHashLengthInvalid => {
                "a copath hash does not have the cipher suite's hash length"
            }
            PartialError::ProofNodeTypeMismatch => {
                "a membership proof has a node of the wrong type at a position of its path"
            }
            PartialError::ProofLeafBlank => "a membership proof proves a blank leaf",
            PartialError::ProofTreeHashMismatch => {
                "the tree hash recomputed from a membership proof differs from the group's"
            }
            PartialError::ProofsReferenceDifferentTrees => {
                "two membership proofs do not reference the same tree"
            }
            PartialError::SenderLeafMismatch => {
                "the message's sender is not the leaf its membership proof proves"
            }
            PartialError::SenderNotMember => {
                "a sender-authenticated message's sender is not a member"
            }
            PartialError::GroupInfoSignerMismatch => {
                "the GroupInfo's signer is not the leaf of the sender's membership proof"
            }
            PartialError::JoinerLeafMismatch => {
                "the joiner's membership proof does not prove the joiner's own leaf"
            }
            PartialError::NotACommit => "an annotated commit does not carry a Commit",
            PartialError::MissingSenderProof => {
                "a member's commit comes without the sender's membership proof"
            }
            PartialError::UnexpectedSenderProof => {
                "a new member's commit comes with a sender membership proof"
            }
            PartialError::UnsupportedCommitSender => {
                "the commit's sender is neither a member nor a new member"
            }
            PartialError::MissingResolutionIndex => {
                "the commit has an update path but no resolution index is given"
            }
            PartialError::UnexpectedResolutionIndex => {
                "the commit has no update path but a resolution index is given"
            }
            PartialError::ResolutionIndexOutOfRange => {
                "the resolution index selects no encrypted path secret"
            }
            PartialError::UpdatePathLengthMismatch => {
                "the update path's length differs from the committer's non-blank direct path"
            }
            PartialError::ReceiverIsCommitter => "the receiver of the commit is its committer",
            PartialError::NoDecryptionKey => {
                "this partial member holds no private key for the node its path secret is \
                 encrypted to"
            }
            PartialError::PathPublicKeyMismatch => {
                "a public key derived from the path secret differs from the proven one"
            }
            PartialError::ProofLeafIndexMismatch => {
                "an annotated commit's membership proofs are not for the committer and this \
                 member"
            }
            PartialError::NotApplicationMessage => {
                "a sender-authenticated application message carries a handshake message"
            }
            PartialError::NotAProposal => {
                "a sender-authenticated message given as a proposal does not carry a proposal"
            }
            PartialError::UpgradeTreeHashMismatch => {
                "the ratchet tree given for the upgrade does not have the group's tree hash"
            }
            PartialError::UpgradeOwnLeafBlank => {
                "the member's own leaf is blank in the ratchet tree given for the upgrade"
            }
            PartialError::UpgradeLeafKeyMismatch => {
                "the member's leaf in the ratchet tree given for the upgrade does not have the \
                 encryption key of the member's leaf private key"
            }
            PartialError::UpgradeSignatureKeyMismatch => {
                "the member's leaf in the ratchet tree given for the upgrade does not have the \
                 signature key of the given signing identity"
            }
            PartialError::UpgradePathKeyMismatch => {
                "a path private key the member holds does not match its node in the ratchet \
                 tree given for the upgrade"
            }
            PartialError::UpgradeConfirmationTagUnknown => {
                "the partial member does not know its epoch's confirmation tag, needed to \
                 become a full member"
            }
            PartialError::DowngradePendingState => {
                "a member with a pending commit or pending update cannot become a partial member"
            }
        })
    }
}

impl core::error::Error for PartialError {}

impl From<PartialError> for crate::error::Error {
    fn from(e: PartialError) -> Self {
        crate::error::Error::Partial(e)
    }
}
