//! Entry points for the cargo-fuzz targets in `fuzz/`. Not a stable API.
//!
//! Each entry point must never panic on any input, except through the `assert!`s below,
//! which check properties (a successful decode re-encodes to the same bytes) and so turn
//! real bugs into fuzzer findings.

use tls_codec::{DeserializeBytes, SerializeBytes};

use crate::codec;
use crate::crypto::{HpkeCiphertext, HpkePublicKey, SignaturePublicKey};

/// Decodes `T` from `data`; if that succeeds, re-encoding must give back the same bytes.
pub fn round_trip<T: DeserializeBytes + SerializeBytes>(data: &[u8]) {
    if let Ok(value) = codec::decode_exact::<T>(data) {
        let encoded = codec::encode(&value);
        assert_eq!(encoded.as_deref().ok(), Some(data), "decode/encode round trip differs");
    }
}

/// Fuzzes the MLS varint (RFC 9420 §2.1.2): a decoded value re-encodes to the same prefix.
pub fn varint(data: &[u8]) {
    if let Ok((value, rest)) = codec::read_varint(data) {
        let mut out = alloc::vec::Vec::new();
        assert!(codec::write_varint(value as usize, &mut out).is_ok());
        assert_eq!(Some(out.as_slice()), data.get(..data.len().saturating_sub(rest.len())));
    }
}

/// Fuzzes the wire-type decoders: the first byte picks the type, the rest is decoded.
pub fn wire_types(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => round_trip::<HpkeCiphertext>(rest),
        1 => round_trip::<HpkePublicKey>(rest),
        _ => round_trip::<SignaturePublicKey>(rest),
    }
}
