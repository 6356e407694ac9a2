//! Wire and rule tests of the components module (draft-ietf-mls-extensions).

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::codec::{decode_exact, encode};
use crate::error::{Error, ExtensionError};
use crate::messages::Proposal;

fn ext(e: Error) -> ExtensionError {
    match e {
        Error::Extension(x) => x,
        e => panic!("not an extension error: {e:?}"),
    }
}

#[test]
fn dictionary_rules() {
    let mut d = AppDataDictionary::new();
    d.insert(0x8001, vec![2]);
    d.insert(0x0010, vec![1]);
    d.insert(0x8001, vec![3]);
    assert_eq!(d.component_ids().collect::<Vec<_>>(), [0x0010, 0x8001]);
    assert_eq!(d.get(0x8001), Some(&[3u8][..]));
    let bytes = encode(&d).unwrap();
    assert_eq!(AppDataDictionary::decode(&bytes).unwrap(), d);

    let unsorted = AppDataDictionary {
        component_data: vec![
            ComponentData {
                component_id: 2,
                data: vec![],
            },
            ComponentData {
                component_id: 1,
                data: vec![],
            },
        ],
    };
    let e = AppDataDictionary::decode(&encode(&unsorted).unwrap()).unwrap_err();
    assert_eq!(ext(e), ExtensionError::DictionaryNotSorted);
    let dup = AppDataDictionary {
        component_data: vec![
            ComponentData {
                component_id: 1,
                data: vec![],
            },
            ComponentData {
                component_id: 1,
                data: vec![1],
            },
        ],
    };
    let e = AppDataDictionary::decode(&encode(&dup).unwrap()).unwrap_err();
    assert_eq!(ext(e), ExtensionError::DictionaryDuplicateComponent);
    let e = AppDataDictionary::decode(&[5, 0]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::MalformedAppDataDictionary);
}

#[test]
fn app_proposals_round_trip_unwrapped() {
    let u = AppDataUpdate::update(0x8001, vec![9, 9]);
    let p = u.to_proposal().unwrap();
    let bytes = encode(&p).unwrap();
    // type, component_id, op, update<V>: no opaque<V> around the struct.
    assert_eq!(bytes, [0x00, 0x08, 0x80, 0x01, 1, 2, 9, 9]);
    assert_eq!(decode_exact::<Proposal>(&bytes).unwrap(), p);
    let r = AppDataUpdate::remove(7).to_proposal().unwrap();
    let bytes = encode(&r).unwrap();
    assert_eq!(bytes, [0x00, 0x08, 0x00, 0x07, 2]);
    assert_eq!(decode_exact::<Proposal>(&bytes).unwrap(), r);
    let e = AppEphemeral {
        component_id: APP_ACK,
        data: vec![0],
    }
    .to_proposal()
    .unwrap();
    let bytes = encode(&e).unwrap();
    assert_eq!(bytes, [0x00, 0x09, 0x00, 0x05, 1, 0]);
    assert_eq!(decode_exact::<Proposal>(&bytes).unwrap(), e);
    // op invalid(0) and an unknown op do not decode.
    for op in [0u8, 3] {
        assert!(decode_exact::<Proposal>(&[0x00, 0x08, 0, 1, op]).is_err());
        assert_eq!(
            ext(AppDataUpdate::decode(&[0, 1, op]).unwrap_err()),
            ExtensionError::MalformedAppDataUpdate
        );
    }
    assert_eq!(
        ext(AppEphemeral::decode(&[0, 1, 2, 0]).unwrap_err()),
        ExtensionError::MalformedAppEphemeral
    );
}

#[test]
fn safe_aad_rules() {
    let aad = SafeAad::new().with_item(9, vec![1]).with_item(3, vec![2]);
    let bytes = aad.encode().unwrap();
    assert_eq!(SafeAad::decode(&bytes).unwrap(), aad);
    assert_eq!(SafeAad::new().encode().unwrap(), [0]);
    let unsorted = SafeAad {
        aad_items: vec![
            SafeAadItem {
                component_id: 9,
                aad_item_data: vec![],
            },
            SafeAadItem {
                component_id: 3,
                aad_item_data: vec![],
            },
        ],
    };
    let e = SafeAad::decode(&encode(&unsorted).unwrap()).unwrap_err();
    assert_eq!(ext(e), ExtensionError::SafeAadNotSorted);
    let e = SafeAad::decode(b"plain text").unwrap_err();
    assert_eq!(ext(e), ExtensionError::UnsafeAuthenticatedData);
}

#[test]
fn app_ack_rules() {
    let ack = AppAck {
        received_ranges: vec![MessageRange {
            sender: 1,
            first_generation: 0,
            last_generation: 4,
        }],
    };
    let e = ack.to_app_ephemeral().unwrap();
    assert_eq!(e.component_id, APP_ACK);
    assert_eq!(AppAck::decode(&e.data).unwrap(), ack);
    let inverted = AppAck {
        received_ranges: vec![MessageRange {
            sender: 1,
            first_generation: 5,
            last_generation: 4,
        }],
    };
    let e = AppAck::decode(&encode(&inverted).unwrap()).unwrap_err();
    assert_eq!(ext(e), ExtensionError::AppAckRangeInverted);
    let e = AppAck::decode(&[4, 0, 0]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::MalformedAppAck);
}

#[test]
fn component_operation_label_encoding() {
    let l = ComponentOperationLabel {
        component_id: 0x0102,
        label: b"x",
    };
    let mut expect = vec![13u8];
    expect.extend_from_slice(b"MLS Component");
    expect.extend_from_slice(&[1, 2, 1, b'x']);
    assert_eq!(l.encode().unwrap(), expect);
    let zero = ComponentOperationLabel {
        component_id: 0,
        label: b"x",
    };
    assert_eq!(
        ext(zero.encode().unwrap_err()),
        ExtensionError::ReservedComponentId
    );
    assert_eq!(
        ext(ComponentsList::decode(&[3, 0]).unwrap_err()),
        ExtensionError::MalformedComponentsList
    );
}

/// The fuzz entry point accepts its seeds (each a valid structure that round-trips) and
/// garbage without panicking.
#[cfg(all(feature = "std", feature = "getrandom"))]
#[test]
fn fuzz_entry_point_round_trips_its_seeds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/components");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        crate::fuzzing::components::components(&data);
        n += 1;
    }
    assert!(n >= 8);
    for s in 0u8..7 {
        crate::fuzzing::components::components(&[s, 0xff, 0xff, 0xff]);
    }
}
