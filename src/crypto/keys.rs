//! Key types at the provider boundary (RFC 9420 §5.1).

use alloc::vec::Vec;
use core::fmt;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! public_bytes {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
        pub struct $name(#[tls_codec(with = "crate::codec::vl_bytes")] pub Vec<u8>);

        impl $name {
            /// The encoded key bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<Vec<u8>> for $name {
            fn from(v: Vec<u8>) -> Self {
                $name(v)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                for b in self.0.iter().take(8) {
                    write!(f, "{b:02x}")?;
                }
                if self.0.len() > 8 {
                    f.write_str("…")?;
                }
                f.write_str(")")
            }
        }
    };
}

macro_rules! private_bytes {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(Vec<u8>);

        impl $name {
            /// Wraps encoded private key bytes.
            pub fn new(bytes: Vec<u8>) -> Self {
                $name(bytes)
            }

            /// The encoded private key bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
    };
}

public_bytes!(
    /// `HPKEPublicKey` (RFC 9420 §5.1.1): a KEM public key in the HPKE `SerializePublicKey` form.
    HpkePublicKey
);
public_bytes!(
    /// `SignaturePublicKey` (RFC 9420 §5.1.1): Ed25519/Ed448 raw keys, ECDSA uncompressed
    /// SEC1 points.
    SignaturePublicKey
);
private_bytes!(
    /// An HPKE private key in the HPKE `SerializePrivateKey` form.
    HpkePrivateKey
);
private_bytes!(
    /// A signature private key (Ed25519/Ed448 seed, ECDSA scalar bytes, ML-DSA seed `ξ`).
    SignaturePrivateKey
);

/// An HPKE key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpkeKeyPair {
    /// The private key.
    pub private_key: HpkePrivateKey,
    /// The public key.
    pub public_key: HpkePublicKey,
}

/// A signature key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureKeyPair {
    /// The private key.
    pub private_key: SignaturePrivateKey,
    /// The public key.
    pub public_key: SignaturePublicKey,
}

/// `HPKECiphertext` (RFC 9420 §5.1.3):
///
/// ```text
/// struct {
///     opaque kem_output<V>;
///     opaque ciphertext<V>;
/// } HPKECiphertext;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct HpkeCiphertext {
    /// The KEM encapsulation (`enc`).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub kem_output: Vec<u8>,
    /// The AEAD ciphertext.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub ciphertext: Vec<u8>,
}
