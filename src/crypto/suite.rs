//! Cipher suites (RFC 9420 §5.1, §17.1) as open registry values.

registry_u16!(
    /// `CipherSuite` (RFC 9420 §17.1): an open `uint16`, so unknown suites round-trip.
    CipherSuite {
        /// 0x0001
        MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519 = 0x0001,
        /// 0x0002
        MLS_128_DHKEMP256_AES128GCM_SHA256_P256 = 0x0002,
        /// 0x0003
        MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 = 0x0003,
        /// 0x0004
        MLS_256_DHKEMX448_AES256GCM_SHA512_ED448 = 0x0004,
        /// 0x0005
        MLS_256_DHKEMP521_AES256GCM_SHA512_P521 = 0x0005,
        /// 0x0006
        MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448 = 0x0006,
        /// 0x0007
        MLS_256_DHKEMP384_AES256GCM_SHA384_P384 = 0x0007,
    }
);

registry_u16!(
    /// HPKE KEM identifier (RFC 9180 §7.1).
    KemId {
        /// DHKEM(P-256, HKDF-SHA256)
        DHKEM_P256 = 0x0010,
        /// DHKEM(P-384, HKDF-SHA384)
        DHKEM_P384 = 0x0011,
        /// DHKEM(P-521, HKDF-SHA512)
        DHKEM_P521 = 0x0012,
        /// DHKEM(X25519, HKDF-SHA256)
        DHKEM_X25519 = 0x0020,
        /// DHKEM(X448, HKDF-SHA512)
        DHKEM_X448 = 0x0021,
        /// ML-KEM-768 (draft-ietf-hpke-pq §3)
        ML_KEM_768 = 0x0041,
        /// ML-KEM-1024 (draft-ietf-hpke-pq §3)
        ML_KEM_1024 = 0x0042,
        /// MLKEM768-P256, the hybrid of ML-KEM-768 and P-256 (draft-ietf-hpke-pq §4)
        MLKEM768_P256 = 0x0050,
        /// MLKEM1024-P384, the hybrid of ML-KEM-1024 and P-384 (draft-ietf-hpke-pq §4)
        MLKEM1024_P384 = 0x0051,
        /// MLKEM768-X25519, X-Wing: the hybrid of ML-KEM-768 and X25519 (draft-ietf-hpke-pq §4)
        MLKEM768_X25519 = 0x647a,
    }
);

registry_u16!(
    /// HPKE AEAD identifier (RFC 9180 §7.3).
    AeadId {
        /// AES-128-GCM
        AES_128_GCM = 0x0001,
        /// AES-256-GCM
        AES_256_GCM = 0x0002,
        /// ChaCha20-Poly1305
        CHACHA20_POLY1305 = 0x0003,
    }
);

registry_u16!(
    /// HPKE KDF identifier (RFC 9180 §7.2); also fixes the MLS hash function.
    HashId {
        /// HKDF-SHA256
        SHA256 = 0x0001,
        /// HKDF-SHA384
        SHA384 = 0x0002,
        /// HKDF-SHA512
        SHA512 = 0x0003,
    }
);

registry_u16!(
    /// TLS `SignatureScheme` (RFC 8446 §4.2.3) used by a suite.
    SignatureScheme {
        /// ecdsa_secp256r1_sha256
        ECDSA_SECP256R1_SHA256 = 0x0403,
        /// ecdsa_secp384r1_sha384
        ECDSA_SECP384R1_SHA384 = 0x0503,
        /// ecdsa_secp521r1_sha512
        ECDSA_SECP521R1_SHA512 = 0x0603,
        /// ed25519
        ED25519 = 0x0807,
        /// ed448
        ED448 = 0x0808,
        /// mldsa44: ML-DSA-44 (FIPS 204), pure, empty context (draft-ietf-tls-mldsa)
        MLDSA44 = 0x0904,
        /// mldsa65: ML-DSA-65 (FIPS 204), pure, empty context (draft-ietf-tls-mldsa)
        MLDSA65 = 0x0905,
        /// mldsa87: ML-DSA-87 (FIPS 204), pure, empty context (draft-ietf-tls-mldsa)
        MLDSA87 = 0x0906,
    }
);

impl CipherSuite {
    /// The seven suites defined by RFC 9420 §17.1.
    pub const ALL: [CipherSuite; 7] = [
        Self::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        Self::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        Self::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
        Self::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448,
        Self::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
        Self::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
        Self::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    ];

    /// The KEM, AEAD, KDF/hash and signature scheme of an RFC 9420 suite, or `None` for an
    /// unknown one.
    pub const fn components(self) -> Option<(KemId, AeadId, HashId, SignatureScheme)> {
        Some(match self.0 {
            1 => (
                KemId::DHKEM_X25519,
                AeadId::AES_128_GCM,
                HashId::SHA256,
                SignatureScheme::ED25519,
            ),
            2 => (
                KemId::DHKEM_P256,
                AeadId::AES_128_GCM,
                HashId::SHA256,
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
            3 => (
                KemId::DHKEM_X25519,
                AeadId::CHACHA20_POLY1305,
                HashId::SHA256,
                SignatureScheme::ED25519,
            ),
            4 => (
                KemId::DHKEM_X448,
                AeadId::AES_256_GCM,
                HashId::SHA512,
                SignatureScheme::ED448,
            ),
            5 => (
                KemId::DHKEM_P521,
                AeadId::AES_256_GCM,
                HashId::SHA512,
                SignatureScheme::ECDSA_SECP521R1_SHA512,
            ),
            6 => (
                KemId::DHKEM_X448,
                AeadId::CHACHA20_POLY1305,
                HashId::SHA512,
                SignatureScheme::ED448,
            ),
            7 => (
                KemId::DHKEM_P384,
                AeadId::AES_256_GCM,
                HashId::SHA384,
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ),
            _ => return None,
        })
    }

    /// Whether this is one of the GREASE values of RFC 9420 §13.5 (0x0A0A, 0x1A1A, ...).
    pub const fn is_grease(self) -> bool {
        crate::messages::is_grease(self.0)
    }
}

impl HashId {
    /// `Nh`: output length of the hash / KDF in bytes.
    pub const fn output_len(self) -> Option<usize> {
        match self.0 {
            1 => Some(32),
            2 => Some(48),
            3 => Some(64),
            _ => None,
        }
    }
}

impl AeadId {
    /// `Nk`: AEAD key length in bytes.
    pub const fn key_len(self) -> Option<usize> {
        match self.0 {
            1 => Some(16),
            2 | 3 => Some(32),
            _ => None,
        }
    }

    /// `Nn`: AEAD nonce length in bytes.
    pub const fn nonce_len(self) -> Option<usize> {
        match self.0 {
            1..=3 => Some(12),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values() {
        assert!(CipherSuite(0x0a0a).is_grease());
        assert!(CipherSuite(0xeaea).is_grease());
        assert!(!CipherSuite(0x0001).is_grease());
        assert!(!CipherSuite(0x0a1a).is_grease());
    }

    #[test]
    fn unknown_suite_has_no_components() {
        assert!(CipherSuite(0x0008).components().is_none());
        assert_eq!(
            alloc::format!("{:?}", CipherSuite(0x1234)),
            "CipherSuite(0x1234)"
        );
    }
}
