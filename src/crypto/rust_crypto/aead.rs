//! AEAD (RFC 9420 §5.1, RFC 9180 §7.3): AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305
//! (RFC 8439), with the 16-byte tag appended to the ciphertext.

use alloc::vec::Vec;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, Nonce, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;

use crate::crypto::{AeadId, Secret};
use crate::error::CryptoError;

/// Encrypts `plaintext` under `key` and `nonce`; returns ciphertext || tag.
///
/// Wrong key or nonce lengths are [`CryptoError::InvalidKey`] / [`CryptoError::InvalidLength`].
pub(crate) fn seal(
    aead: AeadId,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match aead {
        AeadId::AES_128_GCM => seal_with::<Aes128Gcm>(key, nonce, aad, plaintext),
        AeadId::AES_256_GCM => seal_with::<Aes256Gcm>(key, nonce, aad, plaintext),
        AeadId::CHACHA20_POLY1305 => seal_with::<ChaCha20Poly1305>(key, nonce, aad, plaintext),
        _ => Err(CryptoError::Unsupported),
    }
}

/// Decrypts ciphertext || tag; any authentication failure is the opaque
/// [`CryptoError::DecryptionFailed`].
pub(crate) fn open(
    aead: AeadId,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Secret, CryptoError> {
    match aead {
        AeadId::AES_128_GCM => open_with::<Aes128Gcm>(key, nonce, aad, ciphertext),
        AeadId::AES_256_GCM => open_with::<Aes256Gcm>(key, nonce, aad, ciphertext),
        AeadId::CHACHA20_POLY1305 => open_with::<ChaCha20Poly1305>(key, nonce, aad, ciphertext),
        _ => Err(CryptoError::Unsupported),
    }
}

fn cipher_and_nonce<A: Aead + KeyInit>(
    key: &[u8],
    nonce: &[u8],
) -> Result<(A, Nonce<A>), CryptoError> {
    let cipher = A::new_from_slice(key).map_err(|_| CryptoError::InvalidKey)?;
    let nonce = Nonce::<A>::try_from(nonce).map_err(|_| CryptoError::InvalidLength)?;
    Ok((cipher, nonce))
}

fn seal_with<A: Aead + AeadCore + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (cipher, nonce) = cipher_and_nonce::<A>(key, nonce)?;
    cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::EncryptionFailed)
}

fn open_with<A: Aead + AeadCore + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Secret, CryptoError> {
    let (cipher, nonce) = cipher_and_nonce::<A>(key, nonce)?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Secret::new)
        .map_err(|_| CryptoError::DecryptionFailed)
}
