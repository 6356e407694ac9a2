//! `OpenBase` with the recipient's public key supplied (the provider's
//! `hpke_open_with_public_key`).
//!
//! DHKEM's `Decap(enc, skR)` (RFC 9180 §4.1) is
//!
//! ```text
//! dh = DH(skR, DeserializePublicKey(enc))
//! kem_context = concat(enc, SerializePublicKey(pk(skR)))
//! shared_secret = ExtractAndExpand(dh, kem_context)
//! ```
//!
//! A receiver in MLS always holds `pk(skR)` already: the tree node or KeyPackage key the
//! sender encrypted to. Taking it from the caller leaves one scalar multiplication (the DH)
//! instead of two. With a `pkR` that is not `pk(skR)` the `kem_context`, hence the key and
//! nonce, differ from the sender's, and the AEAD refuses the ciphertext.

use super::hpke::{self, Kdf, Kem};
use super::kems::{DhKemP256, DhKemP384, DhKemP521, DhKemX448, DhKemX25519};
use super::kems::{HkdfSha256, HkdfSha384, HkdfSha512};
use crate::crypto::{AeadId, CipherSuite, HashId, HpkeCiphertext, HpkePrivateKey, KemId, Secret};
use crate::error::CryptoError;

/// `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1) of the DHKEM suites of RFC 9420
/// (1 to 7), with `pk_r` as `pk(skR)`. Every failure is the opaque
/// [`CryptoError::DecryptionFailed`]; another suite is [`CryptoError::Unsupported`].
pub(crate) fn open_with_public_key(
    suite: CipherSuite,
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    let (kem, aead, hash, _) = suite.components().ok_or(CryptoError::Unsupported)?;
    match (kem, hash) {
        (KemId::DHKEM_X25519, HashId::SHA256) => {
            open_with::<DhKemX25519, HkdfSha256>(aead, ct, sk_r, pk_r, info, aad)
        }
        (KemId::DHKEM_P256, HashId::SHA256) => {
            open_with::<DhKemP256, HkdfSha256>(aead, ct, sk_r, pk_r, info, aad)
        }
        (KemId::DHKEM_P384, HashId::SHA384) => {
            open_with::<DhKemP384, HkdfSha384>(aead, ct, sk_r, pk_r, info, aad)
        }
        (KemId::DHKEM_P521, HashId::SHA512) => {
            open_with::<DhKemP521, HkdfSha512>(aead, ct, sk_r, pk_r, info, aad)
        }
        (KemId::DHKEM_X448, HashId::SHA512) => {
            open_with::<DhKemX448, HkdfSha512>(aead, ct, sk_r, pk_r, info, aad)
        }
        _ => Err(CryptoError::Unsupported),
    }
}

fn open_with<K: Kem, F: Kdf>(
    aead: AeadId,
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    let enc = ct.kem_output.as_slice();
    if pk_r.len() != K::N_PK {
        return Err(CryptoError::DecryptionFailed);
    }
    let dh = hpke::dh::<K>(sk_r.as_bytes(), enc).map_err(|_| CryptoError::DecryptionFailed)?;
    let shared_secret =
        hpke::extract_and_expand::<K>(&dh, enc, pk_r).map_err(|_| CryptoError::DecryptionFailed)?;
    let context = hpke::key_schedule::<K, F>(aead, &shared_secret, info)
        .map_err(|_| CryptoError::DecryptionFailed)?;
    context
        .open(aad, &ct.ciphertext)
        .map_err(|_| CryptoError::DecryptionFailed)
}
