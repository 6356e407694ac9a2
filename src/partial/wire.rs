//! The wire structures of draft-ietf-mls-partial-02: `CopathHash`, `MembershipProof`,
//! `SenderAuthenticatedMessage<T>`, `AnnotatedWelcome` and `AnnotatedCommit`.
//!
//! They decode with the crate's discipline ([`crate::codec`]): minimal variable-length
//! integers, vectors that never allocate more than the bytes present, no trailing bytes at
//! the top level ([`crate::codec::decode_exact`]). The draft notes that these structures are
//! not signed or MACed as a whole; everything they carry is checked by the partial client
//! before use ([`super::proof`], [`super::sender_auth`]).

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use crate::framing::MlsMessage;
use crate::ratchet_tree::Node;
use crate::tree_math::LeafIndex;

/// `CopathHash` (draft-ietf-mls-partial §"Membership Proofs and Partial Trees"): the tree
/// hash (RFC 9420 §7.8) of one copath node.
///
/// ```text
/// struct {
///     opaque hash_value<V>;
/// } CopathHash;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct CopathHash {
    /// The tree hash of the copath node.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub hash_value: Vec<u8>,
}

/// `MembershipProof` (draft-ietf-mls-partial §"Membership Proofs and Partial Trees"): a tree
/// slice proving that a leaf node sits at `leaf_index` of a tree of `n_leaves` leaves with a
/// given root tree hash.
///
/// ```text
/// struct {
///   uint32 leaf_index;
///   uint32 n_leaves;
///   optional<Node> direct_path_nodes<V>;
///   CopathHash copath_hashes<V>;
/// } MembershipProof;
/// ```
///
/// `direct_path_nodes` runs from the leaf to the root (both included), `copath_hashes`
/// from the leaf's sibling up to the root's child.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct MembershipProof {
    /// The proven leaf.
    pub leaf_index: LeafIndex,
    /// The number of leaves of the tree (a power of two, RFC 9420 §7.8).
    pub n_leaves: u32,
    /// The nodes from the leaf to the root, `None` for a blank node.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub direct_path_nodes: Vec<Option<Node>>,
    /// The tree hashes of the copath nodes, bottom up.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub copath_hashes: Vec<CopathHash>,
}

/// `SenderAuthenticatedMessage<T>` (draft-ietf-mls-partial §"Sender-Authenticated
/// Messages"): a signed message with a proof of its sender's leaf.
///
/// ```text
/// struct {
///     T message;
///     MembershipProof sender_membership_proof;
/// } SenderAuthenticatedMessage<T>;
/// ```
///
/// `T` is [`crate::messages::Welcome`], [`crate::messages::GroupInfo`],
/// [`crate::framing::PublicMessage`] or [`crate::framing::PrivateMessage`] (the bare
/// structures, not wrapped in an `MLSMessage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderAuthenticatedMessage<T> {
    /// The message.
    pub message: T,
    /// The proof of the sender's leaf.
    pub sender_membership_proof: MembershipProof,
}

impl<T: Size> Size for SenderAuthenticatedMessage<T> {
    fn tls_serialized_len(&self) -> usize {
        self.message
            .tls_serialized_len()
            .saturating_add(self.sender_membership_proof.tls_serialized_len())
    }
}

impl<T: SerializeBytes> SerializeBytes for SenderAuthenticatedMessage<T> {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = self.message.tls_serialize_bytes()?;
        out.extend_from_slice(&self.sender_membership_proof.tls_serialize_bytes()?);
        Ok(out)
    }
}

impl<T: DeserializeBytes> DeserializeBytes for SenderAuthenticatedMessage<T> {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (message, rest) = T::tls_deserialize_bytes(bytes)?;
        let (sender_membership_proof, rest) = MembershipProof::tls_deserialize_bytes(rest)?;
        Ok((
            SenderAuthenticatedMessage {
                message,
                sender_membership_proof,
            },
            rest,
        ))
    }
}

/// `AnnotatedWelcome` (draft-ietf-mls-partial §"Joining via Annotated Welcome").
///
/// ```text
/// struct {
///     SenderAuthenticatedMessage<Welcome> welcome;
///     MembershipProof joiner_membership_proof;
/// } AnnotatedWelcome;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct AnnotatedWelcome {
    /// The Welcome with the proof of its sender (the committer) in the new tree.
    pub welcome: SenderAuthenticatedMessage<crate::messages::Welcome>,
    /// The proof of the joiner's leaf in the new tree.
    pub joiner_membership_proof: MembershipProof,
}

/// `AnnotatedCommit` (draft-ietf-mls-partial §"Annotated Commit").
///
/// ```text
/// struct {
///     MLSMessage commit;
///     optional<MembershipProof> sender_membership_proof;
///
///     opaque tree_hash_after<V>;
///     optional<uint32> resolution_index;
///
///     MembershipProof sender_membership_proof_after;
///     MembershipProof receiver_membership_proof_after;
/// } AnnotatedCommit;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct AnnotatedCommit {
    /// The Commit, as a PublicMessage or PrivateMessage.
    pub commit: MlsMessage,
    /// The committer's proof in the tree before the Commit; present exactly for a `member`
    /// sender.
    pub sender_membership_proof: Option<MembershipProof>,
    /// The tree hash after the Commit (authenticated by the Commit's confirmation tag).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub tree_hash_after: Vec<u8>,
    /// Which `HPKECiphertext` of the relevant `UpdatePathNode` is the receiver's; present
    /// exactly when the Commit has a path.
    pub resolution_index: Option<u32>,
    /// The committer's proof in the tree after the Commit.
    pub sender_membership_proof_after: MembershipProof,
    /// The receiver's proof in the tree after the Commit.
    pub receiver_membership_proof_after: MembershipProof,
}
