use super::*;
use alloc::vec;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

#[derive(Debug, PartialEq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
struct Sample {
    a: u16,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    data: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    list: Vec<u32>,
    opt: Option<u8>,
}

fn sample() -> Sample {
    Sample {
        a: 7,
        data: vec![1, 2, 3],
        list: vec![9, 10],
        opt: Some(5),
    }
}

#[test]
fn varint_boundaries_round_trip() {
    for v in [0u32, 1, 63, 64, 16383, 16384, MAX_VARINT] {
        let mut out = Vec::new();
        write_varint(v as usize, &mut out).unwrap();
        assert_eq!(out.len(), varint_len(v));
        assert_eq!(read_varint(&out).unwrap(), (v, &[][..]));
    }
    assert_eq!(
        write_varint(MAX_VARINT as usize + 1, &mut Vec::new()),
        Err(Error::Encode)
    );
}

#[test]
fn varint_rejects_bad_encodings() {
    assert_eq!(read_varint(&[]), Err(DecodeError::EndOfInput));
    assert_eq!(read_varint(&[0x40]), Err(DecodeError::EndOfInput));
    assert_eq!(read_varint(&[0x80, 0, 0]), Err(DecodeError::EndOfInput));
    assert_eq!(
        read_varint(&[0x40, 0x3f]),
        Err(DecodeError::NonMinimalVarint)
    );
    assert_eq!(
        read_varint(&[0x80, 0, 0x3f, 0xff]),
        Err(DecodeError::NonMinimalVarint)
    );
    assert_eq!(
        read_varint(&[0xc0, 0, 0, 0, 0, 0, 0, 1]),
        Err(DecodeError::InvalidVarintPrefix)
    );
}

#[test]
fn struct_round_trip() {
    let bytes = encode(&sample()).unwrap();
    assert_eq!(bytes, [0, 7, 3, 1, 2, 3, 8, 0, 0, 0, 9, 0, 0, 0, 10, 1, 5]);
    assert_eq!(decode_exact::<Sample>(&bytes).unwrap(), sample());
}

#[test]
fn trailing_bytes_rejected() {
    let mut bytes = encode(&sample()).unwrap();
    bytes.push(0);
    assert_eq!(
        decode_exact::<Sample>(&bytes),
        Err(Error::Decode(DecodeError::TrailingBytes))
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = encode(&sample()).unwrap();
    for i in 0..bytes.len() {
        let r = decode_exact::<Sample>(&bytes[..i]);
        assert_eq!(
            r,
            Err(Error::Decode(DecodeError::EndOfInput)),
            "prefix of {i} bytes"
        );
    }
}

#[test]
fn oversized_length_does_not_allocate_and_errors() {
    // data<V> claims 2^30-1 bytes but only 3 follow.
    let bytes = [0, 7, 0xbf, 0xff, 0xff, 0xff, 1, 2, 3];
    assert_eq!(
        decode_exact::<Sample>(&bytes),
        Err(Error::Decode(DecodeError::EndOfInput))
    );
}

#[test]
fn non_minimal_and_reserved_prefix_in_struct() {
    let bytes = [0, 7, 0x40, 0x03, 1, 2, 3, 8, 0, 0, 0, 9, 0, 0, 0, 10, 1, 5];
    assert_eq!(
        decode_exact::<Sample>(&bytes),
        Err(Error::Decode(DecodeError::NonMinimalVarint))
    );
    let bytes = [0, 7, 0xc0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    assert_eq!(
        decode_exact::<Sample>(&bytes),
        Err(Error::Decode(DecodeError::InvalidVarintPrefix))
    );
}

#[test]
fn vector_elements_must_fill_length_exactly() {
    // list<V> of u32 with a declared length of 6 bytes: one element and a half.
    let bytes = [0, 7, 0, 6, 0, 0, 0, 9, 0, 0, 0];
    assert!(decode_exact::<Sample>(&bytes).is_err());
}

#[test]
fn optional_presence_octet_must_be_0_or_1() {
    let mut bytes = encode(&sample()).unwrap();
    let n = bytes.len();
    bytes[n - 2] = 2;
    assert_eq!(
        decode_exact::<Sample>(&bytes),
        Err(Error::Decode(DecodeError::InvalidOptional))
    );
    bytes[n - 2] = 0;
    bytes.pop();
    assert_eq!(decode_exact::<Sample>(&bytes).unwrap().opt, None);
}
