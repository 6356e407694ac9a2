//! Encoding helpers shared by the framing types: they write straight into one output buffer,
//! so a message is encoded without intermediate allocations per field.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, SerializeBytes, Size};

use crate::codec;
use crate::error::Error;

/// A framing type that appends its encoding to a buffer.
pub(crate) trait WriteTo: Size {
    /// Appends the encoding of `self` to `out`.
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error>;

    /// The encoding of `self` in a fresh, exactly sized buffer.
    fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.tls_serialized_len());
        self.write_to(&mut out)?;
        Ok(out)
    }
}

/// Implements `tls_codec::SerializeBytes` through [`WriteTo`].
macro_rules! serialize_via_write_to {
    ($t:ty) => {
        impl tls_codec::SerializeBytes for $t {
            fn tls_serialize_bytes(&self) -> Result<alloc::vec::Vec<u8>, tls_codec::Error> {
                $crate::framing::wire::WriteTo::to_bytes(self)
                    .map_err($crate::framing::wire::encode_error)
            }
        }
    };
}
pub(crate) use serialize_via_write_to;

/// Maps a melos encoding error to a `tls_codec` one.
pub(crate) fn encode_error(_: Error) -> tls_codec::Error {
    tls_codec::Error::EncodingError(alloc::string::String::from("melos: encoding failed"))
}

/// Appends the `tls_codec` encoding of a foreign type.
pub(crate) fn put<T: SerializeBytes + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    out.extend_from_slice(&value.tls_serialize_bytes()?);
    Ok(())
}

/// Appends `opaque data<V>`.
pub(crate) fn put_opaque(data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    codec::write_opaque(data, out)
}

/// The encoded size of `opaque data<V>`.
pub(crate) fn opaque_len(data: &[u8]) -> usize {
    codec::vl_bytes::tls_serialized_len(data)
}

/// Decodes `opaque data<V>`.
pub(crate) fn get_opaque(bytes: &[u8]) -> Result<(Vec<u8>, &[u8]), tls_codec::Error> {
    codec::vl_bytes::tls_deserialize_bytes(bytes)
}

/// Decodes a `tls_codec` value.
pub(crate) fn get<T: DeserializeBytes>(bytes: &[u8]) -> Result<(T, &[u8]), tls_codec::Error> {
    T::tls_deserialize_bytes(bytes)
}

/// The `tls_codec` error for an enumerated value that is not allowed.
pub(crate) fn unknown_value(v: u64) -> tls_codec::Error {
    tls_codec::Error::UnknownValue(v)
}
