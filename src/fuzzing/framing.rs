//! Fuzz entry points: framing (RFC 9420 §6).

use crate::codec;
use crate::framing::MlsMessage;

/// Decodes any `MLSMessage`; a successful decode must re-encode to the same bytes.
pub fn mls_message(data: &[u8]) {
    if let Ok(msg) = codec::decode_exact::<MlsMessage>(data) {
        let encoded = msg.encode();
        assert_eq!(
            encoded.as_deref().ok(),
            Some(data),
            "MLSMessage round trip differs"
        );
        let _ = msg.validate();
    }
}

/// Unprotects attacker-chosen PrivateMessages against a fixed two-member group (suite 1).
/// The first byte picks what the rest of the input is:
///
/// - `0`: an encoded `PrivateMessage`;
/// - `1`: the plaintext `PrivateMessageContent`, correctly encrypted for leaf 1, generation 0
///   (the next byte is the content type), which exercises content decoding, the padding
///   check and signature verification;
/// - `2`: the plaintext `SenderData`, correctly encrypted around a valid content, which
///   exercises the sender and generation checks.
///
/// Nothing may panic.
#[cfg(feature = "rust-crypto")]
pub fn private_message(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Some(group) = fixed::Group::new() else {
        return;
    };
    let msg = match selector % 3 {
        0 => match codec::decode_exact::<crate::framing::PrivateMessage>(rest) {
            Ok(m) => m,
            Err(_) => return,
        },
        1 => {
            let Some((&ct, plaintext)) = rest.split_first() else {
                return;
            };
            match group.craft(ct, plaintext, None) {
                Some(m) => m,
                None => return,
            }
        }
        _ => match group.craft(1, &[0, 0], Some(rest)) {
            Some(m) => m,
            None => return,
        },
    };
    let _ = group.unprotect(msg);
}

#[cfg(feature = "rust-crypto")]
mod fixed {
    use alloc::vec::Vec;

    use crate::CipherSuite;
    use crate::codec;
    use crate::crypto::rust_crypto::RustCrypto;
    use crate::crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignaturePublicKey};
    use crate::error::Error;
    use crate::framing::wire::WriteTo;
    use crate::framing::{
        AuthenticatedContent, ContentType, FramingContext, PrivateContentAAD, PrivateMessage,
        SenderData, SenderDataAAD,
    };
    use crate::key_schedule::sender_data_key_nonce;
    use crate::messages::{Extensions, GroupContext};
    use crate::secret_tree::{ContentKind, SecretTree};
    use crate::tree_math::{LeafIndex, TreeSize};

    const GROUP_ID: &[u8] = b"fuzz group";
    const EPOCH: u64 = 5;

    pub(super) struct Group {
        provider: RustCrypto,
        ctx: FramingContext,
        public_key: SignaturePublicKey,
        encryption_secret: Secret,
        sender_data_secret: Secret,
    }

    impl Group {
        pub(super) fn new() -> Option<Self> {
            let provider = RustCrypto::new();
            let cs = provider.cipher_suite_provider(CipherSuite(1))?;
            let private = crate::crypto::SignaturePrivateKey::new(vec![7; 32]);
            let public_key = SignaturePublicKey(cs.signature_public_key(&private).ok()?);
            let gc = GroupContext::new(
                CipherSuite(1),
                GROUP_ID.to_vec(),
                EPOCH,
                vec![1; 32],
                vec![2; 32],
                Extensions::default(),
            );
            Some(Group {
                ctx: FramingContext::new(gc).ok()?,
                public_key,
                encryption_secret: Secret::from_slice(&[3; 32]),
                sender_data_secret: Secret::from_slice(&[4; 32]),
                provider,
            })
        }

        fn cs(&self) -> Option<&dyn CipherSuiteProvider> {
            self.provider.cipher_suite_provider(CipherSuite(1))
        }

        fn tree(&self) -> Option<SecretTree> {
            Some(SecretTree::new(
                self.encryption_secret.clone(),
                TreeSize::from_leaf_count(2)?,
            ))
        }

        /// Encrypts `plaintext` as the content of type `content_type` from leaf 1,
        /// generation 0, with `sender_data` (or a valid `SenderData`) as the sender data.
        pub(super) fn craft(
            &self,
            content_type: u8,
            plaintext: &[u8],
            sender_data: Option<&[u8]>,
        ) -> Option<PrivateMessage> {
            let cs = self.cs()?;
            let content_type = ContentType::from_u8((content_type % 3).saturating_add(1))?;
            let kind = if content_type.is_handshake() {
                ContentKind::Handshake
            } else {
                ContentKind::Application
            };
            let (generation, key) = self.tree()?.next_key(cs, LeafIndex(1), kind).ok()?;
            let aad = PrivateContentAAD {
                group_id: GROUP_ID,
                epoch: EPOCH,
                content_type,
                authenticated_data: &[],
            }
            .to_bytes()
            .ok()?;
            let ciphertext = cs
                .aead_seal(key.key.as_bytes(), key.nonce.as_bytes(), &aad, plaintext)
                .ok()?;
            let valid = SenderData {
                leaf_index: LeafIndex(1),
                generation,
                reuse_guard: [0; 4],
            };
            let sender_data: Vec<u8> = match sender_data {
                Some(sd) => sd.to_vec(),
                None => codec::encode(&valid).ok()?,
            };
            let sd_aad = SenderDataAAD {
                group_id: GROUP_ID,
                epoch: EPOCH,
                content_type,
            }
            .to_bytes()
            .ok()?;
            let (k, n) = sender_data_key_nonce(cs, &self.sender_data_secret, &ciphertext).ok()?;
            let encrypted_sender_data = cs
                .aead_seal(k.as_bytes(), n.as_bytes(), &sd_aad, &sender_data)
                .ok()?;
            Some(PrivateMessage {
                group_id: GROUP_ID.to_vec(),
                epoch: EPOCH,
                content_type,
                authenticated_data: Vec::new(),
                encrypted_sender_data,
                ciphertext,
            })
        }

        pub(super) fn unprotect(&self, msg: PrivateMessage) -> Result<AuthenticatedContent, Error> {
            let cs = self.cs().ok_or(Error::Encode)?;
            let mut tree = self.tree().ok_or(Error::Encode)?;
            msg.unprotect(cs, &self.ctx, &mut tree, &self.sender_data_secret, |leaf| {
                (leaf.0 < 2).then(|| self.public_key.clone())
            })
        }
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use super::*;

    #[test]
    fn entry_points_do_not_panic_on_seeds() {
        let group = fixed::Group::new().unwrap();
        let msg = group.craft(0, &[1, b'x', 0, 0, 0], None).unwrap();
        let encoded = codec::encode(&msg).unwrap();
        let mut data = vec![0u8];
        data.extend_from_slice(&encoded);
        private_message(&data);
        for seed in [
            &[][..],
            &[0],
            &[1, 0, 5, 1, 2],
            &[2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            private_message(seed);
        }
        // An encrypted SenderData naming an unknown leaf, and a truncated one.
        private_message(&[2, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]);
        private_message(&[2, 0, 0]);

        let mut mls = vec![0, 1, 0, 2];
        mls.extend_from_slice(&encoded);
        mls_message(&mls);
        mls_message(&[0, 1, 0, 9]);
        mls_message(&[]);
    }
}
