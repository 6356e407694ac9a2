//! Fuzz entry points: KeyPackages, proposals, Commits, GroupInfo and Welcome (RFC 9420 §10,
//! §12). Each decodes arbitrary bytes; what decodes must re-encode to the same bytes, and
//! validation or processing must return (an error), never panic.

use super::round_trip;
use crate::messages::{
    Commit, GroupInfo, GroupSecrets, KeyPackage, Proposal, ProposalOrRef, Welcome,
};

/// Fuzzes `KeyPackage` (RFC 9420 §10): decode, re-encode, and if the suite is supported,
/// compute its reference and validate it (at time 0).
pub fn key_package(data: &[u8]) {
    round_trip::<KeyPackage>(data);
    #[cfg(feature = "rust-crypto")]
    if let Ok(kp) = crate::codec::decode_exact::<KeyPackage>(data) {
        use crate::crypto::CryptoProvider;
        let provider = crate::crypto::rust_crypto::RustCrypto::new();
        if let Some(cs) = provider.cipher_suite_provider(kp.cipher_suite) {
            let _ = kp.key_package_ref(cs);
            let _ = kp.validate(cs, 0);
        }
    }
}

/// Fuzzes `Welcome` (RFC 9420 §12.4.3.1): decode, re-encode, and if the suite is
/// supported, process it with a fixed KeyPackage whose reference replaces the first
/// entry's `new_member` (so the HPKE decryption of fuzzed `kem_output`s is reached).
pub fn welcome(data: &[u8]) {
    round_trip::<Welcome>(data);
    #[cfg(feature = "rust-crypto")]
    if let Ok(w) = crate::codec::decode_exact::<Welcome>(data) {
        process_welcome(w);
    }
}

#[cfg(feature = "rust-crypto")]
fn process_welcome(mut w: Welcome) {
    use crate::crypto::{CryptoProvider, Secret, SignaturePublicKey};
    use crate::messages::{
        Capabilities, Credential, Extensions, LeafNode, LeafNodeSource, Lifetime, ProtocolVersion,
    };
    let provider = crate::crypto::rust_crypto::RustCrypto::new();
    let Some(cs) = provider.cipher_suite_provider(w.cipher_suite) else {
        return;
    };
    let Ok(init) = cs.kem_derive_key_pair(&[7; 32]) else {
        return;
    };
    let kp = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: w.cipher_suite,
        init_key: init.public_key.clone(),
        leaf_node: LeafNode {
            encryption_key: init.public_key.clone(),
            signature_key: SignaturePublicKey(alloc::vec::Vec::new()),
            credential: Credential::Basic(alloc::vec::Vec::new()),
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: 0,
            }),
            extensions: Extensions::default(),
            signature: alloc::vec::Vec::new(),
        },
        extensions: Extensions::default(),
        signature: alloc::vec::Vec::new(),
    };
    if let (Some(first), Ok(r)) = (w.secrets.first_mut(), kp.key_package_ref(cs)) {
        first.new_member = r;
    }
    let _ = w.process(
        cs,
        &[(&kp, &init.private_key)],
        &mut |_| Ok(Secret::zero(cs.hash_len())),
        &mut |_| Ok(SignaturePublicKey(alloc::vec::Vec::new())),
    );
}

/// Fuzzes `GroupInfo` (RFC 9420 §12.4.3): decode and re-encode.
pub fn group_info(data: &[u8]) {
    round_trip::<GroupInfo>(data);
}

/// Fuzzes `GroupSecrets` (RFC 9420 §12.4.3.1): decode and re-encode.
pub fn group_secrets(data: &[u8]) {
    round_trip::<GroupSecrets>(data);
}

/// Fuzzes `Proposal`, `ProposalOrRef` and `Commit` (RFC 9420 §12.1, §12.4): the first byte
/// picks the type, the rest is decoded and re-encoded.
pub fn proposals(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => round_trip::<Proposal>(rest),
        1 => round_trip::<ProposalOrRef>(rest),
        _ => round_trip::<Commit>(rest),
    }
}

/// Fuzzes saved client material (`SigningIdentity::from_bytes`,
/// `KeyPackageBundle::from_bytes`): decoding returns (an error), never panics, and what
/// decodes re-encodes to the same bytes.
pub fn client_material(data: &[u8]) {
    if let Ok(id) = crate::group::SigningIdentity::from_bytes(data) {
        let again = id.to_bytes();
        assert_eq!(
            again.as_ref().ok().map(|s| s.as_bytes()),
            Some(data),
            "identity round trip differs"
        );
    }
    if let Ok(bundle) = crate::messages::KeyPackageBundle::from_bytes(data) {
        let again = bundle.to_bytes();
        assert_eq!(
            again.as_ref().ok().map(|s| s.as_bytes()),
            Some(data),
            "bundle round trip differs"
        );
    }
}
