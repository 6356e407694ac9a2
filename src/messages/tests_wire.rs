//! Wire tests of the KeyPackage, proposal, Commit, GroupInfo and Welcome structures: the
//! IETF `messages.json` encodings round-trip exactly, and malformed input (truncated,
//! oversized lengths, forbidden enum values, trailing bytes) fails with an error.

extern crate std;

use alloc::string::String;
use alloc::vec::Vec;
use std::path::PathBuf;

use tls_codec::{DeserializeBytes, SerializeBytes};

use super::*;
use crate::codec::{decode_exact, encode};
use crate::error::{DecodeError, Error};

fn vectors_dir() -> PathBuf {
    match std::env::var_os("MELOS_TEST_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/test-vectors"),
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The `messages.json` cases as (field, bytes) lists, with the MLSMessage header of the
/// `mls_*` fields checked and stripped.
fn message_cases() -> Vec<Vec<(String, Vec<u8>)>> {
    let path = vectors_dir().join("messages.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let obj = case.as_object().unwrap();
            obj.iter()
                .map(|(k, v)| {
                    let mut b = unhex(v.as_str().unwrap());
                    let wire_format = match k.as_str() {
                        "mls_welcome" => Some(3u8),
                        "mls_group_info" => Some(4),
                        "mls_key_package" => Some(5),
                        _ => None,
                    };
                    if let Some(wf) = wire_format {
                        assert_eq!(&b[..4], &[0, 1, 0, wf], "{k}: MLSMessage header");
                        b.drain(..4);
                    }
                    (k.clone(), b)
                })
                .collect()
        })
        .collect()
}

fn round_trip<T: DeserializeBytes + SerializeBytes>(bytes: &[u8]) -> Result<(), String> {
    let v = decode_exact::<T>(bytes).map_err(|e| alloc::format!("decode: {e}"))?;
    let again = encode(&v).map_err(|e| alloc::format!("encode: {e}"))?;
    if again == bytes {
        Ok(())
    } else {
        Err(String::from("re-encoding differs"))
    }
}

#[test]
fn messages_json_round_trips_every_case() {
    let cases = message_cases();
    assert_eq!(cases.len(), 300);
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for (i, case) in cases.iter().enumerate() {
        for (field, bytes) in case {
            let r = match field.as_str() {
                "mls_welcome" => round_trip::<Welcome>(bytes),
                "mls_group_info" => round_trip::<GroupInfo>(bytes),
                "mls_key_package" => round_trip::<KeyPackage>(bytes),
                "group_secrets" => round_trip::<GroupSecrets>(bytes),
                "add_proposal" => round_trip::<Add>(bytes),
                "update_proposal" => round_trip::<Update>(bytes),
                "remove_proposal" => round_trip::<Remove>(bytes),
                "pre_shared_key_proposal" => round_trip::<PreSharedKey>(bytes),
                "re_init_proposal" => round_trip::<ReInit>(bytes),
                "external_init_proposal" => round_trip::<ExternalInit>(bytes),
                "group_context_extensions_proposal" => round_trip::<GroupContextExtensions>(bytes),
                "commit" => round_trip::<Commit>(bytes),
                _ => continue,
            };
            if let Err(e) = r {
                panic!("case {i} {field}: {e}");
            }
            *counts.entry(field_name(field)).or_default() += 1;
        }
    }
    std::println!("messages.json round trips: {counts:?}");
    assert_eq!(counts.len(), 12);
    assert!(counts.values().all(|n| *n == 300));
}

fn field_name(f: &str) -> &'static str {
    [
        "mls_welcome",
        "mls_group_info",
        "mls_key_package",
        "group_secrets",
        "add_proposal",
        "update_proposal",
        "remove_proposal",
        "pre_shared_key_proposal",
        "re_init_proposal",
        "external_init_proposal",
        "group_context_extensions_proposal",
        "commit",
    ]
    .into_iter()
    .find(|n| *n == f)
    .unwrap()
}

/// The first case's encoding of each top-level type, as `(name, bytes, decoder)`.
type Check = fn(&[u8]) -> Result<(), Error>;

fn decoders() -> Vec<(&'static str, Check)> {
    fn d<T: DeserializeBytes>(b: &[u8]) -> Result<(), Error> {
        decode_exact::<T>(b).map(|_| ())
    }
    vec![
        ("mls_welcome", d::<Welcome>),
        ("mls_group_info", d::<GroupInfo>),
        ("mls_key_package", d::<KeyPackage>),
        ("group_secrets", d::<GroupSecrets>),
        ("add_proposal", d::<Add>),
        ("update_proposal", d::<Update>),
        ("remove_proposal", d::<Remove>),
        ("pre_shared_key_proposal", d::<PreSharedKey>),
        ("re_init_proposal", d::<ReInit>),
        ("external_init_proposal", d::<ExternalInit>),
        (
            "group_context_extensions_proposal",
            d::<GroupContextExtensions>,
        ),
        ("commit", d::<Commit>),
    ]
}

fn first_case(field: &str) -> Vec<u8> {
    message_cases()
        .into_iter()
        .next()
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == field)
        .unwrap()
        .1
}

#[test]
fn every_truncation_and_trailing_byte_fails() {
    for (field, decode) in decoders() {
        let bytes = first_case(field);
        assert_eq!(decode(&bytes), Ok(()), "{field}");
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "{field} truncated to {n}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            decode(&long),
            Err(Error::Decode(DecodeError::TrailingBytes)),
            "{field}"
        );
    }
}

#[test]
fn oversized_lengths_fail() {
    // A 4-byte varint length far beyond the input, at the start of each type whose first
    // field is a vector, and inside the Welcome (its `secrets<V>` after the cipher suite).
    let huge = [0xbf, 0xff, 0xff, 0xff];
    for (field, decode) in decoders() {
        let mut bytes = first_case(field);
        let at = match field {
            "mls_welcome" => 2,
            "group_secrets" | "re_init_proposal" | "external_init_proposal" => 0,
            "commit" | "group_context_extensions_proposal" => 0,
            _ => continue,
        };
        bytes.splice(at..at + 1, huge);
        assert_eq!(
            decode(&bytes),
            Err(Error::Decode(DecodeError::EndOfInput)),
            "{field}"
        );
    }
}

#[test]
fn forbidden_enum_values_fail() {
    // ProposalOrRefType 0 and 3.
    for tag in [0u8, 3, 255] {
        let bytes = [tag, 0];
        assert_eq!(
            decode_exact::<ProposalOrRef>(&bytes),
            Err(Error::Decode(DecodeError::UnknownValue))
        );
    }
    // A reference round-trips, an inline Remove too.
    for bytes in [&[2u8, 2, 0xaa, 0xbb][..], &[1, 0, 3, 0, 0, 0, 9]] {
        let v = decode_exact::<ProposalOrRef>(bytes).unwrap();
        assert_eq!(encode(&v).unwrap(), bytes);
    }
    // optional<PathSecret> presence octet 2 in GroupSecrets.
    let bytes = [1, 0xaa, 2, 0];
    assert_eq!(
        decode_exact::<GroupSecrets>(&bytes),
        Err(Error::Decode(DecodeError::InvalidOptional))
    );
    // optional<UpdatePath> presence octet 2 in a Commit.
    assert_eq!(
        decode_exact::<Commit>(&[0, 2]),
        Err(Error::Decode(DecodeError::InvalidOptional))
    );
    // PSKType 4 in a PreSharedKey proposal (3 is draft-ietf-mls-extensions' application).
    assert_eq!(
        decode_exact::<PreSharedKey>(&[4, 0, 0]),
        Err(Error::Decode(DecodeError::UnknownValue))
    );
}

#[test]
fn unknown_proposal_types_round_trip_as_opaque() {
    let p = Proposal::Custom {
        proposal_type: ProposalType(0xf00d),
        data: vec![1, 2, 3],
    };
    let bytes = encode(&p).unwrap();
    assert_eq!(bytes, [0xf0, 0x0d, 3, 1, 2, 3]);
    assert_eq!(decode_exact::<Proposal>(&bytes).unwrap(), p);
    assert_eq!(p.proposal_type(), ProposalType(0xf00d));
    // Every known proposal body of messages.json round-trips inside a Proposal.
    let case = message_cases().into_iter().next().unwrap();
    for (field, t) in [
        ("add_proposal", 1u16),
        ("update_proposal", 2),
        ("remove_proposal", 3),
        ("pre_shared_key_proposal", 4),
        ("re_init_proposal", 5),
        ("external_init_proposal", 6),
        ("group_context_extensions_proposal", 7),
    ] {
        let body = &case.iter().find(|(k, _)| k == field).unwrap().1;
        let mut bytes = t.to_be_bytes().to_vec();
        bytes.extend_from_slice(body);
        let p = decode_exact::<Proposal>(&bytes).unwrap();
        assert_eq!(p.proposal_type(), ProposalType(t));
        assert_eq!(encode(&p).unwrap(), bytes);
    }
}

#[test]
fn extension_contents_round_trip_and_typed_access() {
    let mut exts = Extensions::default();
    let rc = RequiredCapabilities {
        extension_types: vec![ExtensionType(0xff00)],
        proposal_types: vec![ProposalType(0xff01)],
        credential_types: vec![CredentialType::BASIC],
    };
    exts.write(&rc).unwrap();
    exts.write(&ApplicationId(b"app".to_vec())).unwrap();
    exts.write(&ExternalPub {
        external_pub: crate::crypto::HpkePublicKey(vec![5; 32]),
    })
    .unwrap();
    let senders = ExternalSenders(vec![ExternalSender {
        signature_key: crate::crypto::SignaturePublicKey(vec![6; 32]),
        credential: Credential::Basic(b"ds".to_vec()),
    }]);
    exts.write(&senders).unwrap();
    exts.write(&ApplicationId(b"app2".to_vec())).unwrap(); // replaces in place
    assert_eq!(exts.len(), 4);
    assert!(!exts.has_duplicates());
    assert_eq!(
        exts.read::<RequiredCapabilities>().unwrap(),
        Some(rc.clone())
    );
    assert_eq!(
        exts.read::<ApplicationId>().unwrap(),
        Some(ApplicationId(b"app2".to_vec()))
    );
    assert_eq!(
        exts.read::<ExternalSenders>().unwrap(),
        Some(senders.clone())
    );
    assert_eq!(
        senders.get(0).unwrap().credential,
        Credential::Basic(b"ds".to_vec())
    );
    assert!(senders.get(1).is_none());
    assert_eq!(
        exts.read::<ExternalPub>().unwrap().unwrap().external_pub.0,
        vec![5; 32]
    );
    exts.remove(ExtensionType::EXTERNAL_PUB);
    assert_eq!(exts.read::<ExternalPub>().unwrap(), None);
    // Malformed content is its own error.
    exts.0[0].extension_data.push(0);
    assert_eq!(
        exts.read::<RequiredCapabilities>(),
        Err(Error::Message(
            crate::error::MessageError::MalformedExtension
        ))
    );
    // RequiredCapabilities against Capabilities.
    let mut caps = Capabilities {
        extensions: vec![ExtensionType(0xff00)],
        proposals: vec![ProposalType(0xff01)],
        credentials: vec![CredentialType::BASIC],
        ..Capabilities::default()
    };
    assert!(rc.is_supported_by(&caps));
    caps.proposals.clear();
    assert!(!rc.is_supported_by(&caps));
}

#[test]
fn fuzz_entry_points_accept_vectors_and_their_mutations() {
    use crate::fuzzing::messages as fz;
    for case in message_cases().into_iter().take(20) {
        for (field, bytes) in case {
            let f: fn(&[u8]) = match field.as_str() {
                "mls_key_package" => fz::key_package,
                "mls_welcome" => fz::welcome,
                "mls_group_info" => fz::group_info,
                "group_secrets" => fz::group_secrets,
                _ => continue,
            };
            f(&bytes);
            for i in (0..bytes.len()).step_by(7) {
                let mut m = bytes.clone();
                m[i] ^= 0x41;
                f(&m);
                f(&bytes[..i]);
            }
        }
    }
    fz::proposals(&[2, 0, 0]);
    fz::proposals(&[0, 0xff, 0xff, 1, 9]);
}
