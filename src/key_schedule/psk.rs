//! Pre-shared keys (RFC 9420 §8.4): the `PreSharedKeyID` wire type and the `psk_secret`
//! that chains a list of PSKs into the key schedule.

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use crate::crypto::labels::expand_with_label;
use crate::crypto::{CipherSuiteProvider, Secret};
use crate::error::{Error, KeyScheduleError};

/// `PSKType` (RFC 9420 §8.4, with `application(3)` of draft-ietf-mls-extensions
/// § "Pre-Shared Keys (PSKs)"). Decoding any other value fails.
///
/// ```text
/// enum {
///   reserved(0),
///   external(1),
///   resumption(2),
///   application(3),
///   (255)
/// } PSKType;
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[repr(u8)]
pub enum PskType {
    /// A PSK provided by the application.
    External = 1,
    /// A `resumption_psk` from the key schedule of some group and epoch.
    Resumption = 2,
    /// A PSK of an application component (draft-ietf-mls-extensions).
    Application = 3,
}

/// `ResumptionPSKUsage` (RFC 9420 §8.4). Decoding any other value fails.
///
/// ```text
/// enum {
///   reserved(0),
///   application(1),
///   reinit(2),
///   branch(3),
///   (255)
/// } ResumptionPSKUsage;
/// ```
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
#[repr(u8)]
pub enum ResumptionPskUsage {
    /// Injected by the application (§8.6).
    Application = 1,
    /// Links a reinitialized group to the old one (§11.2).
    Reinit = 2,
    /// Links a subgroup branch to its parent group (§11.3).
    Branch = 3,
}

/// The `external` arm of `PreSharedKeyID`: `opaque psk_id<V>`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct ExternalPsk {
    /// The application's identifier of the PSK.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub psk_id: Vec<u8>,
}

/// The `resumption` arm of `PreSharedKeyID`: which group and epoch's `resumption_psk`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct ResumptionPsk {
    /// What the resumption PSK is used for.
    pub usage: ResumptionPskUsage,
    /// The group the PSK comes from.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub psk_group_id: Vec<u8>,
    /// The epoch the PSK comes from.
    pub psk_epoch: u64,
}

/// The `application` arm of `PreSharedKeyID` (draft-ietf-mls-extensions § "Pre-Shared
/// Keys (PSKs)"): a PSK of one application component, kept apart from external PSKs and
/// from other components' PSKs.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct ApplicationPsk {
    /// The component the PSK belongs to.
    pub component_id: u16,
    /// The component's identifier of the PSK.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub psk_id: Vec<u8>,
}

/// The `PSKType` and the matching `select` arm of `PreSharedKeyID`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
#[repr(u8)]
pub enum Psk {
    /// `psktype = external`.
    #[tls_codec(discriminant = 1)]
    External(ExternalPsk),
    /// `psktype = resumption`.
    #[tls_codec(discriminant = 2)]
    Resumption(ResumptionPsk),
    /// `psktype = application` (draft-ietf-mls-extensions).
    #[tls_codec(discriminant = 3)]
    Application(ApplicationPsk),
}

/// `PreSharedKeyID` (RFC 9420 §8.4):
///
/// ```text
/// struct {
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
///   opaque psk_nonce<V>;
/// } PreSharedKeyID;
/// ```
///
/// The `psk_nonce` of a PSK injected into a group must be a fresh random value of `KDF.Nh`
/// bytes; checking that is up to the proposal validation.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct PreSharedKeyId {
    /// The PSK type and its identification.
    pub psk: Psk,
    /// A fresh nonce, so that a PSK used twice gives different key-schedule inputs.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub psk_nonce: Vec<u8>,
}

impl PreSharedKeyId {
    /// An external PSK identifier.
    pub fn external(psk_id: Vec<u8>, psk_nonce: Vec<u8>) -> Self {
        PreSharedKeyId {
            psk: Psk::External(ExternalPsk { psk_id }),
            psk_nonce,
        }
    }

    /// An application PSK identifier of component `component_id`
    /// (draft-ietf-mls-extensions § "Pre-Shared Keys (PSKs)").
    pub fn application(component_id: u16, psk_id: Vec<u8>, psk_nonce: Vec<u8>) -> Self {
        PreSharedKeyId {
            psk: Psk::Application(ApplicationPsk {
                component_id,
                psk_id,
            }),
            psk_nonce,
        }
    }

    /// A resumption PSK identifier.
    pub fn resumption(
        usage: ResumptionPskUsage,
        psk_group_id: Vec<u8>,
        psk_epoch: u64,
        psk_nonce: Vec<u8>,
    ) -> Self {
        PreSharedKeyId {
            psk: Psk::Resumption(ResumptionPsk {
                usage,
                psk_group_id,
                psk_epoch,
            }),
            psk_nonce,
        }
    }

    /// The `psktype`.
    pub fn psk_type(&self) -> PskType {
        match self.psk {
            Psk::External(_) => PskType::External,
            Psk::Resumption(_) => PskType::Resumption,
            Psk::Application(_) => PskType::Application,
        }
    }
}

/// Encodes `PSKLabel` (RFC 9420 §8.4):
///
/// ```text
/// struct {
///     PreSharedKeyID id;
///     uint16 index;
///     uint16 count;
/// } PSKLabel;
/// ```
fn psk_label(id: &PreSharedKeyId, index: u16, count: u16) -> Result<Vec<u8>, Error> {
    let mut label = crate::codec::encode(id)?;
    label.extend_from_slice(&index.to_be_bytes());
    label.extend_from_slice(&count.to_be_bytes());
    Ok(label)
}

/// The `psk_secret` of a list of PSKs, in the order of the Commit's PreSharedKey proposals
/// or the `GroupSecrets.psks` (RFC 9420 §8.4):
///
/// ```text
/// psk_extracted_[i] = KDF.Extract(0, psk_[i])
/// psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk",
///                   PSKLabel, KDF.Nh)
///
/// psk_secret_[0] = 0
/// psk_secret_[i] = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
/// psk_secret     = psk_secret_[n]
/// ```
///
/// where `0` is `KDF.Nh` zero bytes, so an empty list gives the all-zero `psk_secret`.
/// More than 65,535 PSKs is [`KeyScheduleError::TooManyPsks`].
///
/// ```
/// # #[cfg(feature = "rust-crypto")] {
/// use melos::crypto::rust_crypto::RustCrypto;
/// use melos::key_schedule::psk::{psk_secret, PreSharedKeyId};
/// use melos::{CipherSuite, CryptoProvider};
///
/// let provider = RustCrypto::new();
/// let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
/// let id = PreSharedKeyId::external(b"psk id".to_vec(), vec![7; 32]);
/// let secret = psk_secret(cs, &[(&id, &[1u8; 32][..])]).unwrap();
/// assert_eq!(secret.len(), 32);
/// assert_eq!(psk_secret(cs, &[]).unwrap().as_bytes(), &[0u8; 32]);
/// # }
/// ```
pub fn psk_secret(
    cs: &dyn CipherSuiteProvider,
    psks: &[(&PreSharedKeyId, &[u8])],
) -> Result<Secret, Error> {
    let count = u16::try_from(psks.len()).map_err(|_| KeyScheduleError::TooManyPsks)?;
    let zero = Secret::zero(cs.hash_len());
    let mut secret = zero.clone();
    for (index, (id, psk)) in (0u16..).zip(psks) {
        let extracted = cs.kdf_extract(zero.as_bytes(), psk)?;
        let label = psk_label(id, index, count)?;
        let input = expand_with_label(
            cs,
            extracted.as_bytes(),
            b"derived psk",
            &label,
            cs.hash_len(),
        )?;
        secret = cs.kdf_extract(input.as_bytes(), secret.as_bytes())?;
    }
    Ok(secret)
}
