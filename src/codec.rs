//! Wire encoding (RFC 9420 §2.1) on top of [`tls_codec`].
//!
//! Wire structures derive `tls_codec`'s `TlsSize`, `TlsSerializeBytes` and
//! `TlsDeserializeBytes` (the `no_std` forms). Variable-size vectors (`opaque x<V>` and
//! `T x<V>`, RFC 9420 §2.1.2) go through the field codecs [`vl_bytes`] and [`vl_vec`] of this
//! module (`#[tls_codec(with = "crate::codec::vl_bytes")]`) rather than `tls_codec`'s own, so
//! that decoding:
//!
//! - rejects the reserved `11` length prefix and non-minimal lengths,
//! - never allocates more than the bytes actually present (a length prefix is checked against
//!   the remaining input before anything is allocated),
//! - never panics, in debug or release builds.
//!
//! [`decode_exact`] decodes a top-level value and rejects trailing bytes.

use alloc::string::String;
use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, SerializeBytes, Size};

use crate::error::{DecodeError, Error};

/// Largest value of an MLS variable-length integer (30 bits, RFC 9420 §2.1.2).
pub const MAX_VARINT: u32 = (1 << 30) - 1;

const MSG_PREFIX: &str = "melos: varint prefix 0b11";
const MSG_NON_MINIMAL: &str = "melos: non-minimal varint";
const MSG_LENGTH_MISMATCH: &str = "melos: vector length mismatch";
const MSG_END: &str = "melos: end of input";

/// Decodes an MLS variable-length integer (RFC 9420 §2.1.2) and returns it with the rest of
/// the input.
///
/// ```
/// use melos::codec::read_varint;
/// assert_eq!(read_varint(&[0x40, 0x40, 0xff]).unwrap(), (64, &[0xff][..]));
/// assert!(read_varint(&[0x40, 0x01]).is_err()); // 1 must be encoded in one byte
/// assert!(read_varint(&[0xc0, 0, 0, 0, 0, 0, 0, 1]).is_err()); // the 11 prefix is reserved
/// ```
pub fn read_varint(bytes: &[u8]) -> Result<(u32, &[u8]), DecodeError> {
    let (&first, rest) = bytes.split_first().ok_or(DecodeError::EndOfInput)?;
    let (len, mut value) = match first >> 6 {
        0 => (1usize, u32::from(first & 0x3f)),
        1 => (2, u32::from(first & 0x3f)),
        2 => (4, u32::from(first & 0x3f)),
        _ => return Err(DecodeError::InvalidVarintPrefix),
    };
    let tail_len = len.saturating_sub(1);
    let tail = rest.get(..tail_len).ok_or(DecodeError::EndOfInput)?;
    for &b in tail {
        value = (value << 8) | u32::from(b);
    }
    if varint_len(value) != len {
        return Err(DecodeError::NonMinimalVarint);
    }
    let rest = rest.get(tail_len..).ok_or(DecodeError::EndOfInput)?;
    Ok((value, rest))
}

/// The number of bytes the minimal encoding of `value` takes (1, 2 or 4).
pub const fn varint_len(value: u32) -> usize {
    if value <= 0x3f {
        1
    } else if value <= 0x3fff {
        2
    } else {
        4
    }
}

/// Appends the minimal MLS variable-length encoding of `value` (RFC 9420 §2.1.2).
///
/// Fails with [`Error::Encode`] when `value` exceeds [`MAX_VARINT`].
pub fn write_varint(value: usize, out: &mut Vec<u8>) -> Result<(), Error> {
    let v = u32::try_from(value).map_err(|_| Error::Encode)?;
    if v > MAX_VARINT {
        return Err(Error::Encode);
    }
    let [b0, b1, b2, b3] = v.to_be_bytes();
    match varint_len(v) {
        1 => out.push(b3),
        2 => out.extend_from_slice(&[b2 | 0x40, b3]),
        _ => out.extend_from_slice(&[b0 | 0x80, b1, b2, b3]),
    }
    Ok(())
}

/// Appends `data` as an `opaque data<V>` (varint length, then the bytes).
pub fn write_opaque(data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    write_varint(data.len(), out)?;
    out.extend_from_slice(data);
    Ok(())
}

/// Maps a `tls_codec` error (possibly raised by this module's field codecs) to a
/// [`DecodeError`].
pub fn decode_error(e: &tls_codec::Error) -> DecodeError {
    match e {
        tls_codec::Error::EndOfStream => DecodeError::EndOfInput,
        tls_codec::Error::TrailingData => DecodeError::TrailingBytes,
        tls_codec::Error::UnknownValue(_) => DecodeError::UnknownValue,
        tls_codec::Error::InvalidVectorLength => DecodeError::VectorLengthMismatch,
        tls_codec::Error::DecodingError(s) => match s.as_str() {
            MSG_PREFIX => DecodeError::InvalidVarintPrefix,
            MSG_NON_MINIMAL => DecodeError::NonMinimalVarint,
            MSG_LENGTH_MISMATCH => DecodeError::VectorLengthMismatch,
            MSG_END => DecodeError::EndOfInput,
            s if s.starts_with("Trying to decode Option") => DecodeError::InvalidOptional,
            _ => DecodeError::Malformed,
        },
        _ => DecodeError::Malformed,
    }
}

impl From<tls_codec::Error> for Error {
    fn from(e: tls_codec::Error) -> Self {
        match e {
            tls_codec::Error::EncodingError(_) | tls_codec::Error::InvalidWriteLength(_) => {
                Error::Encode
            }
            e => Error::Decode(decode_error(&e)),
        }
    }
}

fn to_tls(e: DecodeError) -> tls_codec::Error {
    let msg = match e {
        DecodeError::InvalidVarintPrefix => MSG_PREFIX,
        DecodeError::NonMinimalVarint => MSG_NON_MINIMAL,
        DecodeError::VectorLengthMismatch => MSG_LENGTH_MISMATCH,
        _ => MSG_END,
    };
    tls_codec::Error::DecodingError(String::from(msg))
}

fn split_vector(bytes: &[u8]) -> Result<(&[u8], &[u8]), tls_codec::Error> {
    let (len, rest) = read_varint(bytes).map_err(to_tls)?;
    let len = len as usize;
    if len > rest.len() {
        return Err(to_tls(DecodeError::EndOfInput));
    }
    Ok(rest.split_at(len))
}

/// Encodes `value` into a fresh byte vector.
pub fn encode<T: SerializeBytes + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    value.tls_serialize_bytes().map_err(Error::from)
}

/// Decodes a top-level value that must use all of `bytes` (trailing bytes are an error).
pub fn decode_exact<T: DeserializeBytes>(bytes: &[u8]) -> Result<T, Error> {
    let (value, rest) = T::tls_deserialize_bytes(bytes)?;
    if !rest.is_empty() {
        return Err(Error::Decode(DecodeError::TrailingBytes));
    }
    Ok(value)
}

/// Decodes a value from the front of `bytes` and returns it with the rest.
pub fn decode_prefix<T: DeserializeBytes>(bytes: &[u8]) -> Result<(T, &[u8]), Error> {
    T::tls_deserialize_bytes(bytes).map_err(Error::from)
}

/// Field codec for `opaque x<V>` held as `Vec<u8>`:
/// `#[tls_codec(with = "crate::codec::vl_bytes")]`.
pub mod vl_bytes {
    use super::*;

    /// Encoded size: varint length plus content.
    pub fn tls_serialized_len(v: &[u8]) -> usize {
        // Content longer than u32::MAX cannot be encoded anyway; serialization reports it.
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        varint_len(len).saturating_add(v.len())
    }

    /// Encodes `v` as `opaque<V>`.
    pub fn tls_serialize_bytes(v: &[u8]) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = Vec::with_capacity(tls_serialized_len(v));
        write_opaque(v, &mut out)
            .map_err(|_| tls_codec::Error::EncodingError(String::from("vector too long")))?;
        Ok(out)
    }

    /// Decodes an `opaque<V>`; allocates only after the length was checked against the input.
    pub fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Vec<u8>, &[u8]), tls_codec::Error> {
        let (content, rest) = split_vector(bytes)?;
        Ok((content.to_vec(), rest))
    }
}

/// Field codec for `T x<V>` held as `Vec<T>`: `#[tls_codec(with = "crate::codec::vl_vec")]`.
pub mod vl_vec {
    use super::*;

    fn content_len<T: Size>(v: &[T]) -> usize {
        v.iter()
            .fold(0usize, |acc, e| acc.saturating_add(e.tls_serialized_len()))
    }

    /// Encoded size: varint length plus the elements.
    pub fn tls_serialized_len<T: Size>(v: &[T]) -> usize {
        let len = content_len(v);
        varint_len(u32::try_from(len).unwrap_or(u32::MAX)).saturating_add(len)
    }

    /// Encodes `v` as `T<V>`.
    pub fn tls_serialize_bytes<T: SerializeBytes + Size>(
        v: &[T],
    ) -> Result<Vec<u8>, tls_codec::Error> {
        let len = content_len(v);
        let mut out = Vec::with_capacity(len.saturating_add(4));
        write_varint(len, &mut out)
            .map_err(|_| tls_codec::Error::EncodingError(String::from("vector too long")))?;
        for e in v {
            out.extend_from_slice(&e.tls_serialize_bytes()?);
        }
        Ok(out)
    }

    /// Decodes a `T<V>`: the elements must exactly fill the declared length. Elements are
    /// pushed as they are decoded, so memory stays proportional to the input.
    pub fn tls_deserialize_bytes<T: DeserializeBytes>(
        bytes: &[u8],
    ) -> Result<(Vec<T>, &[u8]), tls_codec::Error> {
        let (mut content, rest) = split_vector(bytes)?;
        let mut out = Vec::new();
        while !content.is_empty() {
            let (e, next) = T::tls_deserialize_bytes(content)?;
            if next.len() >= content.len() {
                // An element that consumes nothing would loop forever.
                return Err(to_tls(DecodeError::VectorLengthMismatch));
            }
            out.push(e);
            content = next;
        }
        Ok((out, rest))
    }
}

#[cfg(test)]
mod tests;
