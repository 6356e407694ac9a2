//! Fuzz entry points: the ratchet tree (RFC 9420 §7, §12.4.3.3).

use crate::codec;
use crate::messages::LeafNode;
use crate::ratchet_tree::{LeafNodeRef, RatchetTree, TreeView};
#[cfg(feature = "rust-crypto")]
use crate::tree_math::LeafIndex;

/// The group id the fuzz targets validate against.
#[cfg(feature = "rust-crypto")]
const GROUP_ID: &[u8] = b"melos fuzz group";

/// Decodes a `ratchet_tree` extension; when it decodes, re-encoding gives back the input,
/// every stored leaf decodes as a [`LeafNode`] that re-encodes to the stored bytes, and the
/// full validation (suite 1, a fixed group id) runs without panicking.
pub fn ratchet_tree(data: &[u8]) {
    let Ok(tree) = RatchetTree::decode_extension(data) else {
        return;
    };
    let encoded = tree.encode_extension();
    assert_eq!(
        encoded.as_deref().ok(),
        Some(data),
        "ratchet_tree round trip differs"
    );
    for (_, leaf) in tree.leaves() {
        let decoded = leaf.to_leaf_node();
        assert!(decoded.is_ok(), "stored leaf does not decode");
        if let Ok(l) = decoded {
            assert_eq!(codec::encode(&l).ok().as_deref(), Some(leaf.encoded()));
        }
    }
    #[cfg(feature = "rust-crypto")]
    {
        let mut tree = tree;
        use crate::crypto::{CipherSuite, CryptoProvider};
        let provider = crate::crypto::rust_crypto::RustCrypto::new();
        if let Some(cs) = provider.cipher_suite_provider(CipherSuite(1)) {
            let params = crate::ratchet_tree::TreeValidation::new(GROUP_ID);
            let _ = tree.validate(cs, &params);
            let _ = tree.resolution(tree.size().root());
            let _ = tree.filtered_direct_path(LeafIndex(0));
        }
    }
}

/// Decodes a `LeafNode` and verifies its signature (suite 1, a fixed group id, leaf 0).
/// The zero-copy [`LeafNodeRef`] parser must accept exactly what the decoder accepts, and
/// both signature paths must agree.
pub fn leaf_node(data: &[u8]) {
    let decoded = codec::decode_exact::<LeafNode>(data);
    let view = LeafNodeRef::parse(data);
    assert_eq!(
        decoded.is_ok(),
        view.is_some(),
        "LeafNodeRef and LeafNode disagree"
    );
    #[cfg(feature = "rust-crypto")]
    if let (Ok(leaf), Some(view)) = (decoded, view) {
        use crate::crypto::{CipherSuite, CryptoProvider};
        let provider = crate::crypto::rust_crypto::RustCrypto::new();
        if let Some(cs) = provider.cipher_suite_provider(CipherSuite(1)) {
            let a = leaf.verify_signature(cs, GROUP_ID, LeafIndex(0)).is_ok();
            let tbs = view.to_be_signed(GROUP_ID, LeafIndex(0));
            assert_eq!(tbs.ok(), leaf.to_be_signed(GROUP_ID, LeafIndex(0)).ok());
            let _ = a;
        }
    }
}

/// Builds a valid, signed tree of `n` members for tests and benches (RFC 9420 §12.4.3.1
/// passes on it): every member gets a fresh signature key and a `basic` credential, then
/// every other member commits a full path in turn (random parent keys, parent hashes chained
/// as in §7.9), so that every parent whose subtree needs one holds a key.
#[cfg(feature = "rust-crypto")]
pub fn generate_tree(
    cs: &dyn crate::crypto::CipherSuiteProvider,
    n: u32,
    group_id: &[u8],
) -> Result<RatchetTree, crate::error::Error> {
    use crate::crypto::{HpkePublicKey, SignaturePrivateKey};
    use crate::messages::{Capabilities, Credential, CredentialType, LeafNodeSource, Lifetime};
    use crate::ratchet_tree::{Node, ParentNode};
    use alloc::vec::Vec;

    let random_key = |len: usize| -> Result<HpkePublicKey, crate::error::Error> {
        let mut k = alloc::vec![0u8; len];
        cs.random_bytes(&mut k)?;
        Ok(HpkePublicKey(k))
    };
    let mut keys: Vec<SignaturePrivateKey> = Vec::new();
    let mut leaves: Vec<LeafNode> = Vec::new();
    for i in 0..n {
        let kp = cs.signature_generate_key_pair()?;
        let mut leaf = LeafNode {
            encryption_key: random_key(32)?,
            signature_key: kp.public_key,
            credential: Credential::Basic(i.to_be_bytes().to_vec()),
            capabilities: Capabilities::minimal(cs.cipher_suite(), CredentialType::BASIC),
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            extensions: Default::default(),
            signature: Vec::new(),
        };
        leaf.sign(cs, &kp.private_key, group_id, LeafIndex(i))?;
        keys.push(kp.private_key);
        leaves.push(leaf);
    }
    let mut nodes: Vec<Option<Node>> = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        if i > 0 {
            nodes.push(None);
        }
        nodes.push(Some(Node::Leaf(leaf.clone())));
    }
    let mut tree = RatchetTree::from_nodes(&nodes)?;
    tree.tree_hash(cs)?;
    for (i, (mut leaf, key)) in leaves.into_iter().zip(keys).enumerate().step_by(2) {
        let l = LeafIndex(u32::try_from(i).map_err(|_| crate::error::Error::Encode)?);
        let mut diff = tree.diff();
        let path = diff.filtered_direct_path(l);
        let path_keys: Vec<HpkePublicKey> = path
            .iter()
            .map(|_| random_key(32))
            .collect::<Result<_, _>>()?;
        let key_refs: Vec<&[u8]> = path_keys.iter().map(HpkePublicKey::as_bytes).collect();
        let hashes = diff.parent_hashes_for_path(cs, l, &key_refs)?;
        if let Some(x) = l.node() {
            diff.blank_direct_path(x)?;
        }
        for ((&(p, _), k), ph) in path.iter().zip(path_keys).zip(hashes.nodes) {
            let node = ParentNode {
                encryption_key: k,
                parent_hash: ph,
                unmerged_leaves: Vec::new(),
            };
            diff.set_parent_node(p, &node)?;
        }
        leaf.encryption_key = random_key(32)?;
        leaf.leaf_node_source = LeafNodeSource::Commit(hashes.leaf);
        leaf.sign(cs, &key, group_id, l)?;
        diff.set_leaf(l, &leaf)?;
        diff.tree_hash(cs)?;
        let staged = diff.into_staged();
        tree.merge(staged)?;
    }
    Ok(tree)
}
