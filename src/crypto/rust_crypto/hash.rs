//! Hash, HMAC and HKDF with SHA-256/384/512 (RFC 9420 §5.1: `Hash`, `MAC`, `KDF`).

use alloc::vec::Vec;

use hkdf::Hkdf;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroize;

use crate::crypto::{HashId, Secret};
use crate::error::CryptoError;

/// `Hash(data)` with the suite's hash function.
pub(crate) fn hash(id: HashId, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    match id {
        HashId::SHA256 => Ok(digest::<Sha256>(data)),
        HashId::SHA384 => Ok(digest::<Sha384>(data)),
        HashId::SHA512 => Ok(digest::<Sha512>(data)),
        _ => Err(CryptoError::Unsupported),
    }
}

/// `MAC(key, data)`: HMAC (RFC 2104) with the suite's hash.
pub(crate) fn mac(id: HashId, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    match id {
        HashId::SHA256 => hmac::<Sha256>(key, data),
        HashId::SHA384 => hmac::<Sha384>(key, data),
        HashId::SHA512 => hmac::<Sha512>(key, data),
        _ => Err(CryptoError::Unsupported),
    }
}

/// HKDF-Extract (RFC 5869 §2.2).
pub(crate) fn extract(id: HashId, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
    match id {
        HashId::SHA256 => Ok(hkdf_extract::<Sha256>(salt, ikm)),
        HashId::SHA384 => Ok(hkdf_extract::<Sha384>(salt, ikm)),
        HashId::SHA512 => Ok(hkdf_extract::<Sha512>(salt, ikm)),
        _ => Err(CryptoError::Unsupported),
    }
}

/// HKDF-Expand (RFC 5869 §2.3) with `info` given in parts. `prk` must be at least `Nh` bytes
/// and `len` at most `255 * Nh`; otherwise [`CryptoError::InvalidLength`].
pub(crate) fn expand(
    id: HashId,
    prk: &[u8],
    info: &[&[u8]],
    len: usize,
) -> Result<Secret, CryptoError> {
    match id {
        HashId::SHA256 => hkdf_expand::<Sha256>(prk, info, len),
        HashId::SHA384 => hkdf_expand::<Sha384>(prk, info, len),
        HashId::SHA512 => hkdf_expand::<Sha512>(prk, info, len),
        _ => Err(CryptoError::Unsupported),
    }
}

fn digest<H: EagerHash>(data: &[u8]) -> Vec<u8> {
    H::digest(data).to_vec()
}

fn hmac<H: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut m = <Hmac<H> as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidKey)?;
    m.update(data);
    Ok(m.finalize().into_bytes().to_vec())
}

fn hkdf_extract<H: EagerHash>(salt: &[u8], ikm: &[u8]) -> Secret {
    let (mut prk, _) = Hkdf::<H>::extract(Some(salt), ikm);
    let out = Secret::from_slice(&prk);
    prk.as_mut_slice().zeroize();
    out
}

fn hkdf_expand<H: EagerHash>(
    prk: &[u8],
    info: &[&[u8]],
    len: usize,
) -> Result<Secret, CryptoError> {
    let hkdf = Hkdf::<H>::from_prk(prk).map_err(|_| CryptoError::InvalidLength)?;
    let mut okm = vec![0u8; len];
    hkdf.expand_multi_info(info, &mut okm)
        .map_err(|_| CryptoError::InvalidLength)?;
    Ok(Secret::new(okm))
}
