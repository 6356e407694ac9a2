//! The eleven post-quantum cipher suites of draft-ietf-mls-pq-ciphersuites (-06, §3 and
//! §4), whose `CipherSuite` values the draft leaves as TBD1 to TBD11.
//!
//! Each suite is a [`PqSuite`]; its wire value is chosen by the deployment. By default melos
//! numbers them in MLS's private-use range (RFC 9420 §17.1: 0xF000-0xFFFF) as
//! `0xFA00 + n` for TBD*n* ([`PqSuite::default_code_point`], the `CipherSuite` constants
//! below). A provider can register another value per suite at run time (for the RustCrypto
//! provider: `RustCrypto::with_pq_code_point`, feature `pq`), e.g. OpenMLS's values
//! ([`PqSuite::openmls_code_point`]) or the final IANA values.
//!
//! | TBD | suite | KEM | KDF | AEAD | hash | signature | default | OpenMLS 0.9.2 |
//! |---|---|---|---|---|---|---|---|---|
//! | 1 | MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 | 0x647a | 0x0001 | 0x0001 | SHA-256 | ed25519 | 0xFA01 | 0x004F |
//! | 2 | MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 | 0x647a | 0x0002 | 0x0002 | SHA-384 | ed25519 | 0xFA02 | 0x004E |
//! | 3 | MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 | 0x0050 | 0x0001 | 0x0001 | SHA-256 | ecdsa_secp256r1_sha256 | 0xFA03 | none |
//! | 4 | MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 | 0x0050 | 0x0002 | 0x0002 | SHA-384 | ecdsa_secp256r1_sha256 | 0xFA04 | none |
//! | 5 | MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 | 0x0051 | 0x0002 | 0x0002 | SHA-384 | ecdsa_secp384r1_sha384 | 0xFA05 | none |
//! | 6 | MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 | 0x0041 | 0x0002 | 0x0002 | SHA-384 | ed25519 | 0xFA06 | 0xF042 |
//! | 7 | MLS_128_MLKEM768_AES256GCM_SHA384_P256 | 0x0041 | 0x0002 | 0x0002 | SHA-384 | ecdsa_secp256r1_sha256 | 0xFA07 | 0x0050 |
//! | 8 | MLS_192_MLKEM1024_AES256GCM_SHA384_P384 | 0x0042 | 0x0002 | 0x0002 | SHA-384 | ecdsa_secp384r1_sha384 | 0xFA08 | 0x0042 |
//! | 9 | MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 | 0x647a | 0x0002 | 0x0003 | SHA-384 | mldsa44 | 0xFA09 | 0x0052 |
//! | 10 | MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 | 0x0041 | 0x0002 | 0x0002 | SHA-384 | mldsa65 | 0xFA0A | 0x0051 |
//! | 11 | MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 | 0x0042 | 0x0002 | 0x0002 | SHA-384 | mldsa87 | 0xFA0B | 0x0907 |
//!
//! OpenMLS 0.9.2 (`openmls_traits` 0.6.0, feature `draft-ietf-mls-pq-ciphersuites`) ships
//! eight of the eleven (none of the P-256/P-384 hybrids) at the values above, plus two the
//! draft does not define (0x004D MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519 and 0x0906
//! MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87). Its enum names X-Wing `XWingKemDraft6 =
//! 0x004D`, but `openmls_rust_crypto` 0.6.0 maps it to `hpke-rs`'s `XWingDraft06`, whose
//! identifier is 0x647a, the draft's. `hpke-rs` 0.7.0 derives ML-KEM and X-Wing key pairs
//! as plain `SHAKE256(ikm)` (`src/kem.rs`, `derive_key_pair`), not as draft-ietf-hpke-pq's
//! `SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", Nsk)` (§3, §4) that melos implements
//! and the hpke-pq vectors check. Run against melos (`interop/openmls-pq`, its
//! `DIFFERENCES.md`), in all eight shared suites: a Welcome without path secrets,
//! the key schedule, exporter and application messages (ML-DSA signatures included)
//! interoperate; every UpdatePath and Welcome path secret is refused by the other side,
//! because MLS derives each tree node's key pair from a path secret with `DeriveKeyPair`
//! (RFC 9420 §7.4). Its ML-DSA encodings (seed private key, `pkEncode`, `sigEncode`, pure
//! with an empty context) are melos's.

use super::{AeadId, CipherSuite, HashId, KemId, SignatureScheme};

/// One of the eleven suites of draft-ietf-mls-pq-ciphersuites, independent of the wire value
/// a deployment gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(non_camel_case_types)]
pub enum PqSuite {
    /// TBD1: X-Wing, AES-128-GCM, SHA-256, Ed25519.
    MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519,
    /// TBD2: X-Wing, AES-256-GCM, SHA-384, Ed25519.
    MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519,
    /// TBD3: MLKEM768-P256, AES-128-GCM, SHA-256, ECDSA P-256.
    MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
    /// TBD4: MLKEM768-P256, AES-256-GCM, SHA-384, ECDSA P-256.
    MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
    /// TBD5: MLKEM1024-P384, AES-256-GCM, SHA-384, ECDSA P-384.
    MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
    /// TBD6: ML-KEM-768, AES-256-GCM, SHA-384, Ed25519.
    MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519,
    /// TBD7: ML-KEM-768, AES-256-GCM, SHA-384, ECDSA P-256.
    MLS_128_MLKEM768_AES256GCM_SHA384_P256,
    /// TBD8: ML-KEM-1024, AES-256-GCM, SHA-384, ECDSA P-384.
    MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
    /// TBD9: X-Wing, ChaCha20-Poly1305, SHA-384, ML-DSA-44.
    MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
    /// TBD10: ML-KEM-768, AES-256-GCM, SHA-384, ML-DSA-65.
    MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
    /// TBD11: ML-KEM-1024, AES-256-GCM, SHA-384, ML-DSA-87.
    MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
}

/// The first value of melos's private-use block for the PQ suites: TBD*n* is
/// `PQ_PRIVATE_USE_BASE + n` (RFC 9420 §17.1 reserves 0xF000-0xFFFF for private use).
pub const PQ_PRIVATE_USE_BASE: u16 = 0xFA00;

impl CipherSuite {
    /// TBD1 (draft-ietf-mls-pq-ciphersuites §4) at melos's private-use value 0xFA01.
    pub const MLS_128_MLKEM768X25519_AES128GCM_SHA256_ED25519: CipherSuite = CipherSuite(0xFA01);
    /// TBD2 at melos's private-use value 0xFA02.
    pub const MLS_128_MLKEM768X25519_AES256GCM_SHA384_ED25519: CipherSuite = CipherSuite(0xFA02);
    /// TBD3 at melos's private-use value 0xFA03.
    pub const MLS_128_MLKEM768P256_AES128GCM_SHA256_P256: CipherSuite = CipherSuite(0xFA03);
    /// TBD4 at melos's private-use value 0xFA04.
    pub const MLS_128_MLKEM768P256_AES256GCM_SHA384_P256: CipherSuite = CipherSuite(0xFA04);
    /// TBD5 at melos's private-use value 0xFA05.
    pub const MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384: CipherSuite = CipherSuite(0xFA05);
    /// TBD6 at melos's private-use value 0xFA06.
    pub const MLS_128_MLKEM768_AES256GCM_SHA384_ED25519: CipherSuite = CipherSuite(0xFA06);
    /// TBD7 at melos's private-use value 0xFA07.
    pub const MLS_128_MLKEM768_AES256GCM_SHA384_P256: CipherSuite = CipherSuite(0xFA07);
    /// TBD8 at melos's private-use value 0xFA08.
    pub const MLS_192_MLKEM1024_AES256GCM_SHA384_P384: CipherSuite = CipherSuite(0xFA08);
    /// TBD9 at melos's private-use value 0xFA09.
    pub const MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44: CipherSuite =
        CipherSuite(0xFA09);
    /// TBD10 at melos's private-use value 0xFA0A.
    pub const MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65: CipherSuite = CipherSuite(0xFA0A);
    /// TBD11 at melos's private-use value 0xFA0B.
    pub const MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87: CipherSuite = CipherSuite(0xFA0B);
}

impl PqSuite {
    /// The eleven suites, TBD1 to TBD11.
    pub const ALL: [PqSuite; 11] = [
        Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519,
        Self::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519,
        Self::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
        Self::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
        Self::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
        Self::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519,
        Self::MLS_128_MLKEM768_AES256GCM_SHA384_P256,
        Self::MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
        Self::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
        Self::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
        Self::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
    ];

    /// *n* of the draft's placeholder TBD*n* (1 to 11).
    pub const fn tbd(self) -> u16 {
        match self {
            Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 => 1,
            Self::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 => 2,
            Self::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 => 3,
            Self::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 => 4,
            Self::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 => 5,
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 => 6,
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_P256 => 7,
            Self::MLS_192_MLKEM1024_AES256GCM_SHA384_P384 => 8,
            Self::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 => 9,
            Self::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 => 10,
            Self::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 => 11,
        }
    }

    /// melos's default wire value: `0xFA00 + n` for TBD*n*, in the private-use range.
    pub const fn default_code_point(self) -> CipherSuite {
        // `tbd()` is at most 11, below the block's low byte: OR is the sum.
        CipherSuite(PQ_PRIVATE_USE_BASE | self.tbd())
    }

    /// The value OpenMLS 0.9.2 gives this suite (`openmls_traits` 0.6.0, feature
    /// `draft-ietf-mls-pq-ciphersuites`), or `None` if it does not implement it. Registering
    /// it makes melos speak the same number; OpenMLS's KEM key derivation still differs from
    /// draft-ietf-hpke-pq (see the module documentation).
    pub const fn openmls_code_point(self) -> Option<CipherSuite> {
        Some(CipherSuite(match self {
            Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 => 0x004F,
            Self::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 => 0x004E,
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 => 0xF042,
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_P256 => 0x0050,
            Self::MLS_192_MLKEM1024_AES256GCM_SHA384_P384 => 0x0042,
            Self::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 => 0x0052,
            Self::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 => 0x0051,
            Self::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 => 0x0907,
            Self::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256
            | Self::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256
            | Self::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 => return None,
        }))
    }

    /// The suite at melos's default value `cs`, if it is one.
    pub fn from_default_code_point(cs: CipherSuite) -> Option<PqSuite> {
        Self::ALL.into_iter().find(|s| s.default_code_point() == cs)
    }

    /// KEM, AEAD, KDF/hash and signature scheme (draft-ietf-mls-pq-ciphersuites §4: the
    /// HPKE KDF is HKDF with the suite's hash).
    pub const fn components(self) -> (KemId, AeadId, HashId, SignatureScheme) {
        use SignatureScheme as S;
        match self {
            Self::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 => (
                KemId::MLKEM768_X25519,
                AeadId::AES_128_GCM,
                HashId::SHA256,
                S::ED25519,
            ),
            Self::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 => (
                KemId::MLKEM768_X25519,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ED25519,
            ),
            Self::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256 => (
                KemId::MLKEM768_P256,
                AeadId::AES_128_GCM,
                HashId::SHA256,
                S::ECDSA_SECP256R1_SHA256,
            ),
            Self::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256 => (
                KemId::MLKEM768_P256,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ECDSA_SECP256R1_SHA256,
            ),
            Self::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384 => (
                KemId::MLKEM1024_P384,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ECDSA_SECP384R1_SHA384,
            ),
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 => (
                KemId::ML_KEM_768,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ED25519,
            ),
            Self::MLS_128_MLKEM768_AES256GCM_SHA384_P256 => (
                KemId::ML_KEM_768,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ECDSA_SECP256R1_SHA256,
            ),
            Self::MLS_192_MLKEM1024_AES256GCM_SHA384_P384 => (
                KemId::ML_KEM_1024,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::ECDSA_SECP384R1_SHA384,
            ),
            Self::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 => (
                KemId::MLKEM768_X25519,
                AeadId::CHACHA20_POLY1305,
                HashId::SHA384,
                S::MLDSA44,
            ),
            Self::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 => (
                KemId::ML_KEM_768,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::MLDSA65,
            ),
            Self::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 => (
                KemId::ML_KEM_1024,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                S::MLDSA87,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_code_points_are_private_use_and_distinct() {
        for (i, s) in PqSuite::ALL.into_iter().enumerate() {
            let cs = s.default_code_point();
            assert!((0xF000..=0xFFFF).contains(&cs.0));
            assert_eq!(usize::from(s.tbd()), i + 1);
            assert_eq!(PqSuite::from_default_code_point(cs), Some(s));
            assert!(cs.components().is_none());
        }
        assert_eq!(
            PqSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87.default_code_point(),
            CipherSuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87
        );
        assert_eq!(PqSuite::from_default_code_point(CipherSuite(0x0001)), None);
    }
}
