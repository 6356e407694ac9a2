//! A small, generic, base-mode single-shot HPKE (RFC 9180) over a DHKEM (§4.1).
//!
//! The code is generic over [`Kdf`] (the HKDF hash) and [`Kem`] (the Diffie-Hellman group and
//! its sizes); the groups (X25519, X448, P-256, P-384, P-521) are in [`super::kems`]. The
//! same key schedule is checked against the RFC 9180 Appendix A vectors in the tests, used for
//! X448 by the provider and for every KEM by the batch seal ([`super::batch`]). Only what MLS
//! needs is here: `mode_base`, one `Seal`/`Open` at sequence number 0 (§5.2, §6.1) and
//! `Export` (§5.3).

use alloc::vec::Vec;

use hkdf::hmac::EagerHash;
use hkdf::{Hkdf, HkdfExtract};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::crypto::{AeadId, HpkePrivateKey, HpkePublicKey, Secret};
use crate::error::CryptoError;

/// The version label prefixed to every labeled KDF input (RFC 9180 §4).
const HPKE_VERSION: &[u8] = b"HPKE-v1";

/// `mode_base` (RFC 9180 §5, Table 1).
const MODE_BASE: u8 = 0x00;

/// An HPKE KDF: HKDF with a given hash (RFC 9180 §4, §7.2).
pub(super) trait Kdf {
    /// `kdf_id` (RFC 9180 §7.2).
    const ID: u16;
    /// The hash HKDF is instantiated with.
    type Hash: EagerHash;
}

/// A Diffie-Hellman group for DHKEM (RFC 9180 §4.1). The defaults are the Montgomery-curve
/// key handling of RFC 9180 §7.1.2 to §7.1.4 (private keys are raw scalars, public keys raw
/// u-coordinates, all-zero DH outputs rejected); the NIST curves override them.
pub(super) trait Kem: Sized {
    /// `kem_id` (RFC 9180 §7.1).
    const ID: u16;
    /// `Nsecret`: length of the KEM shared secret.
    const N_SECRET: usize;
    /// `Npk` (= `Nenc`): length of a serialized public key.
    const N_PK: usize;
    /// `Nsk`: length of a serialized private key.
    const N_SK: usize;
    /// Whether [`dh`] rejects an all-zero output (RFC 9180 §7.1.4, for X25519 and X448). The
    /// NIST curves validate the public key in [`Kem::raw_dh`] instead.
    const REJECT_ZERO_DH: bool = true;
    /// The KDF the DHKEM uses internally (`ExtractAndExpand`, `DeriveKeyPair`).
    type Kdf: Kdf;

    /// The raw group operation `DH(skX, pkY)` on serialized keys. Montgomery curves (the
    /// RFC 7748 X25519/X448 function) only check lengths, the all-zero check of RFC 9180
    /// §7.1.4 is done by [`dh`]; NIST curves reject a `pkY` that is not an uncompressed point
    /// on the curve (§7.1.4) with [`CryptoError::InvalidKey`].
    fn raw_dh(sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError>;

    /// `SerializePublicKey(pk(skX))`: the public key of a serialized private key.
    fn raw_public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// The private key of `DeriveKeyPair` from `dkp_prk` (RFC 9180 §7.1.3). The default is
    /// the X25519/X448 rule `sk = LabeledExpand(dkp_prk, "sk", "", Nsk)`.
    fn derive_private_key(dkp_prk: &[u8]) -> Result<Secret, CryptoError> {
        labeled_expand::<Self::Kdf>(&kem_suite_id::<Self>(), dkp_prk, b"sk", &[], Self::N_SK)
    }
}

/// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (RFC 9180 §4.1).
pub(super) fn kem_suite_id<K: Kem>() -> [u8; 5] {
    let [a, b] = K::ID.to_be_bytes();
    [b'K', b'E', b'M', a, b]
}

/// `suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))`
/// (RFC 9180 §5.1).
fn hpke_suite_id<K: Kem, F: Kdf>(aead: AeadId) -> [u8; 10] {
    let [k0, k1] = K::ID.to_be_bytes();
    let [f0, f1] = F::ID.to_be_bytes();
    let [a0, a1] = aead.0.to_be_bytes();
    [b'H', b'P', b'K', b'E', k0, k1, f0, f1, a0, a1]
}

/// `LabeledExtract(salt, label, ikm) = Extract(salt, concat("HPKE-v1", suite_id, label, ikm))`
/// (RFC 9180 §4). The labeled IKM is fed to HMAC in parts, so no copy of `ikm` is made.
pub(super) fn labeled_extract<F: Kdf>(
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Secret {
    let mut ctx = HkdfExtract::<F::Hash>::new(Some(salt));
    ctx.input_ikm(HPKE_VERSION);
    ctx.input_ikm(suite_id);
    ctx.input_ikm(label);
    ctx.input_ikm(ikm);
    let (mut prk, _) = ctx.finalize();
    let out = Secret::from_slice(prk.as_slice());
    prk.as_mut_slice().zeroize();
    out
}

/// `LabeledExpand(prk, label, info, L) = Expand(prk, concat(I2OSP(L, 2), "HPKE-v1", suite_id,
/// label, info), L)` (RFC 9180 §4), with `info` given as the parts of its concatenation.
///
/// Fails with [`CryptoError::InvalidLength`] if `L` does not fit in two octets or exceeds
/// `255 * Nh`, or if `prk` is shorter than `Nh`.
pub(super) fn labeled_expand<F: Kdf>(
    suite_id: &[u8],
    prk: &[u8],
    label: &[u8],
    info: &[&[u8]],
    len: usize,
) -> Result<Secret, CryptoError> {
    let l = u16::try_from(len)
        .map_err(|_| CryptoError::InvalidLength)?
        .to_be_bytes();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(info.len().saturating_add(4));
    parts.extend_from_slice(&[&l[..], HPKE_VERSION, suite_id, label]);
    parts.extend_from_slice(info);
    let hk = Hkdf::<F::Hash>::from_prk(prk).map_err(|_| CryptoError::InvalidLength)?;
    let mut okm = vec![0u8; len];
    hk.expand_multi_info(&parts, &mut okm)
        .map_err(|_| CryptoError::InvalidLength)?;
    Ok(Secret::new(okm))
}

/// `DH(skX, pkY)` with the validation of RFC 9180 §7.1.4: an all-zero output (a low-order
/// `pkY`, for X25519 and X448) is rejected with [`CryptoError::InvalidKey`]. The check runs in
/// constant time. (NIST-curve public keys are validated by [`Kem::raw_dh`].)
pub(super) fn dh<K: Kem>(sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError> {
    if pk.len() != K::N_PK || sk.len() != K::N_SK {
        return Err(CryptoError::InvalidKey);
    }
    let out = K::raw_dh(sk, pk)?;
    let acc = out.as_bytes().iter().fold(0u8, |acc, b| acc | b);
    if K::REJECT_ZERO_DH && bool::from(acc.ct_eq(&0)) {
        return Err(CryptoError::InvalidKey);
    }
    Ok(out)
}

/// `pk(skX)` after checking the private key length (`DeserializePrivateKey`, RFC 9180 §7.1.2).
pub(super) fn public_key<K: Kem>(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sk.len() != K::N_SK {
        return Err(CryptoError::InvalidKey);
    }
    K::raw_public_key(sk)
}

/// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3), with the private key rule of the KEM
/// ([`Kem::derive_private_key`]):
///
/// ```text
/// dkp_prk = LabeledExtract("", "dkp_prk", ikm)
/// sk = LabeledExpand(dkp_prk, "sk", "", Nsk)      # X25519, X448
/// (or rejection sampling of "candidate" expansions for P-256, P-384, P-521)
/// return (sk, pk(sk))
/// ```
pub(super) fn derive_key_pair<K: Kem>(
    ikm: &[u8],
) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
    let sk = derive_private_key::<K>(ikm)?;
    let pk = public_key::<K>(sk.as_bytes())?;
    Ok((
        HpkePrivateKey::new(sk.as_bytes().to_vec()),
        HpkePublicKey(pk),
    ))
}

/// The private key of `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3):
/// `dkp_prk = LabeledExtract("", "dkp_prk", ikm)`, then [`Kem::derive_private_key`].
pub(super) fn derive_private_key<K: Kem>(ikm: &[u8]) -> Result<Secret, CryptoError> {
    let suite_id = kem_suite_id::<K>();
    let dkp_prk = labeled_extract::<K::Kdf>(&suite_id, b"", b"dkp_prk", ikm);
    K::derive_private_key(dkp_prk.as_bytes())
}

/// `ExtractAndExpand(dh, kem_context)` (RFC 9180 §4.1), with `kem_context = enc || pkRm`
/// given in its two parts:
///
/// ```text
/// eae_prk = LabeledExtract("", "eae_prk", dh)
/// shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
/// ```
pub(super) fn extract_and_expand<K: Kem>(
    dh: &Secret,
    enc: &[u8],
    pk_rm: &[u8],
) -> Result<Secret, CryptoError> {
    let suite_id = kem_suite_id::<K>();
    let eae_prk = labeled_extract::<K::Kdf>(&suite_id, b"", b"eae_prk", dh.as_bytes());
    labeled_expand::<K::Kdf>(
        &suite_id,
        eae_prk.as_bytes(),
        b"shared_secret",
        &[enc, pk_rm],
        K::N_SECRET,
    )
}

/// DHKEM `Encap(pkR)` (RFC 9180 §4.1) with the ephemeral key pair
/// `DeriveKeyPair(ephemeral_ikm)` in place of `GenerateKeyPair()` (as in the test vectors).
/// Returns `(shared_secret, enc)`.
pub(super) fn encap<K: Kem>(
    pk_r: &[u8],
    ephemeral_ikm: &[u8],
) -> Result<(Secret, Vec<u8>), CryptoError> {
    if pk_r.len() != K::N_PK {
        return Err(CryptoError::InvalidKey);
    }
    let (sk_e, pk_e) = derive_key_pair::<K>(ephemeral_ikm)?;
    let dh = dh::<K>(sk_e.as_bytes(), pk_r)?;
    let enc = pk_e.0;
    let shared_secret = extract_and_expand::<K>(&dh, &enc, pk_r)?;
    Ok((shared_secret, enc))
}

/// DHKEM `Decap(enc, skR)` (RFC 9180 §4.1). A malformed or low-order `enc` fails with
/// [`CryptoError::InvalidKey`].
pub(super) fn decap<K: Kem>(enc: &[u8], sk_r: &[u8]) -> Result<Secret, CryptoError> {
    if enc.len() != K::N_PK {
        return Err(CryptoError::InvalidKey);
    }
    let dh = dh::<K>(sk_r, enc)?;
    let pk_rm = public_key::<K>(sk_r)?;
    extract_and_expand::<K>(&dh, enc, &pk_rm)
}

/// `key_schedule_context = concat(mode, psk_id_hash, info_hash)` for `mode_base` with the
/// default (empty) `psk_id` (RFC 9180 §5.1).
pub(super) fn key_schedule_context<K: Kem, F: Kdf>(aead: AeadId, info: &[u8]) -> Vec<u8> {
    let suite_id = hpke_suite_id::<K, F>(aead);
    let psk_id_hash = labeled_extract::<F>(&suite_id, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract::<F>(&suite_id, b"", b"info_hash", info);
    let mut ctx = Vec::with_capacity(
        psk_id_hash
            .len()
            .saturating_add(info_hash.len())
            .saturating_add(1),
    );
    ctx.push(MODE_BASE);
    ctx.extend_from_slice(psk_id_hash.as_bytes());
    ctx.extend_from_slice(info_hash.as_bytes());
    ctx
}

/// `secret = LabeledExtract(shared_secret, "secret", psk)` with the default (empty) `psk`
/// (RFC 9180 §5.1).
pub(super) fn key_schedule_secret<K: Kem, F: Kdf>(aead: AeadId, shared_secret: &Secret) -> Secret {
    let suite_id = hpke_suite_id::<K, F>(aead);
    labeled_extract::<F>(&suite_id, shared_secret.as_bytes(), b"secret", b"")
}

/// The encryption context of RFC 9180 §5.1 (`Context<ROLE>`), without a sequence number:
/// the single-shot API only ever uses sequence number 0.
pub(super) struct Context {
    /// The AEAD (part of the suite id, and the cipher for `Seal`/`Open`).
    pub(super) aead: AeadId,
    /// `key` (`Nk` bytes).
    pub(super) key: Secret,
    /// `base_nonce` (`Nn` bytes).
    pub(super) base_nonce: Secret,
    /// `exporter_secret` (`Nh` bytes).
    pub(super) exporter_secret: Secret,
}

/// `KeySchedule<ROLE>(mode_base, shared_secret, info, default_psk, default_psk_id)`
/// (RFC 9180 §5.1):
///
/// ```text
/// key = LabeledExpand(secret, "key", key_schedule_context, Nk)
/// base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
/// exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
/// ```
///
/// An AEAD without known `Nk`/`Nn` (including export-only `0xFFFF`) fails with
/// [`CryptoError::Unsupported`].
pub(super) fn key_schedule<K: Kem, F: Kdf>(
    aead: AeadId,
    shared_secret: &Secret,
    info: &[u8],
) -> Result<Context, CryptoError> {
    let ctx = key_schedule_context::<K, F>(aead, info);
    key_schedule_with_context::<K, F>(aead, shared_secret, &ctx)
}

/// [`key_schedule`] with the `key_schedule_context` already computed (it depends only on the
/// mode, `psk_id` and `info`, RFC 9180 §5.1, so many encryptions with one `info` share it).
pub(super) fn key_schedule_with_context<K: Kem, F: Kdf>(
    aead: AeadId,
    shared_secret: &Secret,
    ctx: &[u8],
) -> Result<Context, CryptoError> {
    let nk = aead.key_len().ok_or(CryptoError::Unsupported)?;
    let nn = aead.nonce_len().ok_or(CryptoError::Unsupported)?;
    let suite_id = hpke_suite_id::<K, F>(aead);
    let secret = key_schedule_secret::<K, F>(aead, shared_secret);
    let prk = secret.as_bytes();
    // `Nh` is the Extract output length, i.e. the length of `secret`.
    let nh = secret.len();
    Ok(Context {
        aead,
        key: labeled_expand::<F>(&suite_id, prk, b"key", &[ctx], nk)?,
        base_nonce: labeled_expand::<F>(&suite_id, prk, b"base_nonce", &[ctx], nn)?,
        exporter_secret: labeled_expand::<F>(&suite_id, prk, b"exp", &[ctx], nh)?,
    })
}

impl Context {
    /// `Seal(aad, pt)` at sequence number 0 (RFC 9180 §5.2): the nonce is
    /// `ComputeNonce(0) = xor(base_nonce, I2OSP(0, Nn)) = base_nonce`.
    pub(super) fn seal(&self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, CryptoError> {
        super::super::aead::seal(
            self.aead,
            self.key.as_bytes(),
            self.base_nonce.as_bytes(),
            aad,
            pt,
        )
    }

    /// `Open(aad, ct)` at sequence number 0 (RFC 9180 §5.2); fails opaquely with
    /// [`CryptoError::DecryptionFailed`].
    pub(super) fn open(&self, aad: &[u8], ct: &[u8]) -> Result<Secret, CryptoError> {
        super::super::aead::open(
            self.aead,
            self.key.as_bytes(),
            self.base_nonce.as_bytes(),
            aad,
            ct,
        )
    }

    /// `Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context,
    /// L)` (RFC 9180 §5.3).
    pub(super) fn export<K: Kem, F: Kdf>(
        &self,
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        let suite_id = hpke_suite_id::<K, F>(self.aead);
        labeled_expand::<F>(
            &suite_id,
            self.exporter_secret.as_bytes(),
            b"sec",
            &[exporter_context],
            len,
        )
    }
}

/// `SetupBaseS(pkR, info)` (RFC 9180 §5.1.1) with the ephemeral key derived from
/// `ephemeral_ikm`; returns `(enc, context)`.
pub(super) fn setup_base_s<K: Kem, F: Kdf>(
    aead: AeadId,
    pk_r: &[u8],
    info: &[u8],
    ephemeral_ikm: &[u8],
) -> Result<(Vec<u8>, Context), CryptoError> {
    let (shared_secret, enc) = encap::<K>(pk_r, ephemeral_ikm)?;
    let ctx = key_schedule::<K, F>(aead, &shared_secret, info)?;
    Ok((enc, ctx))
}

/// `SetupBaseR(enc, skR, info)` (RFC 9180 §5.1.1).
pub(super) fn setup_base_r<K: Kem, F: Kdf>(
    aead: AeadId,
    enc: &[u8],
    sk_r: &[u8],
    info: &[u8],
) -> Result<Context, CryptoError> {
    let shared_secret = decap::<K>(enc, sk_r)?;
    key_schedule::<K, F>(aead, &shared_secret, info)
}
