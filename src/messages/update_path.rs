//! `UpdatePath` (RFC 9420 §7.6).

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::LeafNode;
use crate::crypto::{HpkeCiphertext, HpkePublicKey};

/// `UpdatePathNode` (RFC 9420 §7.6):
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     HPKECiphertext encrypted_path_secret<V>;
/// } UpdatePathNode;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct UpdatePathNode {
    /// The new public key of this node of the sender's filtered direct path.
    pub encryption_key: HpkePublicKey,
    /// The path secret, encrypted to each node of the copath child's resolution (minus the
    /// leaves added by the same Commit), in resolution order.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

/// `UpdatePath` (RFC 9420 §7.6):
///
/// ```text
/// struct {
///     LeafNode leaf_node;
///     UpdatePathNode nodes<V>;
/// } UpdatePath;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct UpdatePath {
    /// The sender's new leaf node (source `commit`).
    pub leaf_node: LeafNode,
    /// One node per entry of the sender's filtered direct path.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub nodes: Vec<UpdatePathNode>,
}
