//! Entry points for the cargo-fuzz targets in `fuzz/`. Not a stable API.
//!
//! Each entry point must never panic on any input, except through the `assert!`s below,
//! which check properties (a successful decode re-encodes to the same bytes) and so turn
//! real bugs into fuzzer findings.

pub mod components;
pub mod extensions_members;
pub mod external;
pub mod framing;
pub mod group;
pub mod history;
pub mod member_ops;
pub mod messages;
pub mod tree;
pub mod treekem;

use tls_codec::{DeserializeBytes, SerializeBytes};

use crate::codec;
use crate::crypto::{HpkeCiphertext, HpkePublicKey, SignaturePublicKey};
use crate::key_schedule::PreSharedKeyId;
use crate::messages::{Credential, GroupContext, LeafNode};
use crate::tree_math::{NodeIndex, TreeSize};

/// Decodes `T` from `data`; if that succeeds, re-encoding must give back the same bytes.
pub fn round_trip<T: DeserializeBytes + SerializeBytes>(data: &[u8]) {
    if let Ok(value) = codec::decode_exact::<T>(data) {
        let encoded = codec::encode(&value);
        assert_eq!(
            encoded.as_deref().ok(),
            Some(data),
            "decode/encode round trip differs"
        );
    }
}

/// Fuzzes the MLS varint (RFC 9420 §2.1.2): a decoded value re-encodes to the same prefix.
pub fn varint(data: &[u8]) {
    if let Ok((value, rest)) = codec::read_varint(data) {
        let mut out = alloc::vec::Vec::new();
        assert!(codec::write_varint(value as usize, &mut out).is_ok());
        assert_eq!(
            Some(out.as_slice()),
            data.get(..data.len().saturating_sub(rest.len()))
        );
    }
}

/// Fuzzes the wire-type decoders: the first byte picks the type, the rest is decoded.
pub fn wire_types(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 7 {
        0 => round_trip::<HpkeCiphertext>(rest),
        1 => round_trip::<HpkePublicKey>(rest),
        2 => round_trip::<SignaturePublicKey>(rest),
        3 => round_trip::<PreSharedKeyId>(rest),
        4 => round_trip::<Credential>(rest),
        5 => round_trip::<GroupContext>(rest),
        _ => round_trip::<LeafNode>(rest),
    }
}

/// Fuzzes tree math (RFC 9420 Appendix C) on arbitrary tree sizes and node indices: nothing
/// panics, and parent, children, sibling, direct path and common ancestor agree.
pub fn tree_math(data: &[u8]) {
    let word = |i: usize| -> u32 {
        let mut b = [0u8; 4];
        if let Some(s) = data.get(i..i.saturating_add(4)) {
            b.copy_from_slice(s);
        }
        u32::from_be_bytes(b)
    };
    let Some(size) = TreeSize::from_leaf_count(word(0)) else {
        return;
    };
    let (x, y) = (NodeIndex(word(4)), NodeIndex(word(8)));
    let in_tree = size.is_in_tree(x);
    assert_eq!(size.level(x).is_some(), in_tree);
    if let Some(p) = size.parent(x) {
        assert!(size.left(p) == Some(x) || size.right(p) == Some(x));
        let s = size.sibling(x);
        assert!(s.is_some() && s != Some(x));
        assert_eq!(s.and_then(|s| size.parent(s)), Some(p));
    } else if in_tree {
        assert_eq!(x, size.root());
    }
    if let Some(path) = size.direct_path(x) {
        let mut last = x;
        for n in path {
            assert!(n.level() > last.level());
            last = n;
        }
        assert!(x == size.root() || last == size.root());
    }
    if let Some(a) = size.common_ancestor(x, y) {
        assert!(a.level() >= x.level() && a.level() >= y.level());
    }
}
