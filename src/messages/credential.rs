//! `Credential` (RFC 9420 §5.3).

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::CredentialType;
use crate::codec::{vl_bytes, vl_vec};

/// `Certificate` (RFC 9420 §5.3): one DER-encoded X.509 certificate.
///
/// ```text
/// struct {
///     opaque cert_data<V>;
/// } Certificate;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Certificate {
    /// The DER-encoded certificate.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub cert_data: Vec<u8>,
}

/// `Credential` (RFC 9420 §5.3):
///
/// ```text
/// struct {
///     CredentialType credential_type;
///     select (Credential.credential_type) {
///         case basic:
///             opaque identity<V>;
///
///         case x509:
///             Certificate certificates<V>;
///     };
/// } Credential;
/// ```
///
/// Credential types other than `basic` and `x509` carry their content as one `opaque<V>`
/// (the convention of the MLS implementations), so they decode and re-encode unchanged and
/// a caller-supplied validator can interpret them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `basic`: an application-defined identity.
    Basic(Vec<u8>),
    /// `x509`: a certificate chain, end-entity certificate first.
    X509(Vec<Certificate>),
    /// Any other credential type, with its content.
    Other {
        /// The credential type.
        credential_type: CredentialType,
        /// The content, carried as `opaque<V>`.
        data: Vec<u8>,
    },
}

impl Credential {
    /// The credential type.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Credential::Basic(_) => CredentialType::BASIC,
            Credential::X509(_) => CredentialType::X509,
            Credential::Other {
                credential_type, ..
            } => *credential_type,
        }
    }
}

impl Size for Credential {
    fn tls_serialized_len(&self) -> usize {
        2usize.saturating_add(match self {
            Credential::Basic(id) => vl_bytes::tls_serialized_len(id),
            Credential::X509(certs) => vl_vec::tls_serialized_len(certs),
            Credential::Other { data, .. } => vl_bytes::tls_serialized_len(data),
        })
    }
}

impl SerializeBytes for Credential {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = self.credential_type().tls_serialize_bytes()?;
        out.extend_from_slice(&match self {
            Credential::Basic(id) => vl_bytes::tls_serialize_bytes(id)?,
            Credential::X509(certs) => vl_vec::tls_serialize_bytes(certs)?,
            Credential::Other { data, .. } => vl_bytes::tls_serialize_bytes(data)?,
        });
        Ok(out)
    }
}

impl DeserializeBytes for Credential {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (credential_type, rest) = CredentialType::tls_deserialize_bytes(bytes)?;
        Ok(match credential_type {
            CredentialType::BASIC => {
                let (id, rest) = vl_bytes::tls_deserialize_bytes(rest)?;
                (Credential::Basic(id), rest)
            }
            CredentialType::X509 => {
                let (certs, rest) = vl_vec::tls_deserialize_bytes(rest)?;
                (Credential::X509(certs), rest)
            }
            credential_type => {
                let (data, rest) = vl_bytes::tls_deserialize_bytes(rest)?;
                (
                    Credential::Other {
                        credential_type,
                        data,
                    },
                    rest,
                )
            }
        })
    }
}
