//! `Welcome` and `GroupSecrets` (RFC 9420 §12.4.3.1): creating a Welcome for new members
//! and processing one down to the decrypted, signature-checked `GroupInfo`.

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{GroupInfo, KeyPackage, KeyPackageRef};
use crate::codec::{self, vl_bytes, vl_vec};
use crate::crypto::labels;
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret,
    SignaturePublicKey,
};
use crate::error::{CryptoError, Error, MessageError};
use crate::key_schedule::{EpochSecrets, JoinerSecret, PreSharedKeyId, Psk, ResumptionPskUsage};

/// The `EncryptWithLabel` label of `GroupSecrets` (RFC 9420 §12.4.3.1).
const WELCOME_LABEL: &[u8] = b"Welcome";

/// `PathSecret` (RFC 9420 §12.4.3.1):
///
/// ```text
/// struct {
///   opaque path_secret<V>;
/// } PathSecret;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSecret {
    /// The path secret of the lowest common ancestor of the committer and the new member.
    pub path_secret: Secret,
}

impl Size for PathSecret {
    fn tls_serialized_len(&self) -> usize {
        vl_bytes::tls_serialized_len(self.path_secret.as_bytes())
    }
}

impl SerializeBytes for PathSecret {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        vl_bytes::tls_serialize_bytes(self.path_secret.as_bytes())
    }
}

impl DeserializeBytes for PathSecret {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (v, rest) = vl_bytes::tls_deserialize_bytes(bytes)?;
        Ok((
            PathSecret {
                path_secret: Secret::new(v),
            },
            rest,
        ))
    }
}

/// `GroupSecrets` (RFC 9420 §12.4.3.1):
///
/// ```text
/// struct {
///   opaque joiner_secret<V>;
///   optional<PathSecret> path_secret;
///   PreSharedKeyID psks<V>;
/// } GroupSecrets;
/// ```
///
/// The secrets are zeroized on drop. [`GroupSecrets::encode_secret`] encodes into a
/// zeroizing [`Secret`]; the `tls_codec` encoding returns plain bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSecrets {
    /// The `joiner_secret` of the new epoch.
    pub joiner_secret: Secret,
    /// The path secret for the new member's lowest common ancestor with the committer.
    pub path_secret: Option<PathSecret>,
    /// The PSKs of the epoch, in order.
    pub psks: Vec<PreSharedKeyId>,
}

/// Appends the `GroupSecrets` encoding, with `psks` already encoded as `PreSharedKeyID<V>`.
fn write_group_secrets(
    joiner_secret: &[u8],
    path_secret: Option<&[u8]>,
    encoded_psks: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    codec::write_opaque(joiner_secret, out)?;
    match path_secret {
        Some(p) => {
            out.push(1);
            codec::write_opaque(p, out)?;
        }
        None => out.push(0),
    }
    out.extend_from_slice(encoded_psks);
    Ok(())
}

impl GroupSecrets {
    /// The PSKs the new member must hold to join (RFC 9420 §12.4.3.1), in the order
    /// [`crate::key_schedule::psk::psk_secret`] takes them.
    pub fn required_psks(&self) -> &[PreSharedKeyId] {
        &self.psks
    }

    /// At most one PSK is a resumption PSK of usage `reinit` or `branch` (RFC 9420
    /// §12.4.3.1); otherwise [`MessageError::MultipleReinitOrBranchPsks`].
    pub fn check_psks(&self) -> Result<(), Error> {
        let special = self
            .psks
            .iter()
            .filter(|id| {
                matches!(&id.psk, Psk::Resumption(r)
                    if matches!(r.usage, ResumptionPskUsage::Reinit | ResumptionPskUsage::Branch))
            })
            .count();
        if special > 1 {
            return Err(MessageError::MultipleReinitOrBranchPsks.into());
        }
        Ok(())
    }

    /// The encoding, as a zeroizing [`Secret`].
    pub fn encode_secret(&self) -> Result<Secret, Error> {
        let psks = codec::encode(&PsksRef(&self.psks))?;
        let mut out = Vec::with_capacity(self.tls_serialized_len());
        write_group_secrets(
            self.joiner_secret.as_bytes(),
            self.path_secret.as_ref().map(|p| p.path_secret.as_bytes()),
            &psks,
            &mut out,
        )?;
        Ok(Secret::new(out))
    }
}

/// `PreSharedKeyID psks<V>` by reference, for encoding.
struct PsksRef<'a>(&'a [PreSharedKeyId]);

impl Size for PsksRef<'_> {
    fn tls_serialized_len(&self) -> usize {
        vl_vec::tls_serialized_len(self.0)
    }
}

impl SerializeBytes for PsksRef<'_> {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        vl_vec::tls_serialize_bytes(self.0)
    }
}

impl Size for GroupSecrets {
    fn tls_serialized_len(&self) -> usize {
        vl_bytes::tls_serialized_len(self.joiner_secret.as_bytes())
            .saturating_add(self.path_secret.tls_serialized_len())
            .saturating_add(vl_vec::tls_serialized_len(&self.psks))
    }
}

impl SerializeBytes for GroupSecrets {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = vl_bytes::tls_serialize_bytes(self.joiner_secret.as_bytes())?;
        out.extend_from_slice(&self.path_secret.tls_serialize_bytes()?);
        out.extend_from_slice(&vl_vec::tls_serialize_bytes(&self.psks)?);
        Ok(out)
    }
}

impl DeserializeBytes for GroupSecrets {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (joiner, rest) = vl_bytes::tls_deserialize_bytes(bytes)?;
        let joiner_secret = Secret::new(joiner);
        let (path_secret, rest) = Option::<PathSecret>::tls_deserialize_bytes(rest)?;
        let (psks, rest) = vl_vec::tls_deserialize_bytes(rest)?;
        Ok((
            GroupSecrets {
                joiner_secret,
                path_secret,
                psks,
            },
            rest,
        ))
    }
}

/// `EncryptedGroupSecrets` (RFC 9420 §12.4.3.1):
///
/// ```text
/// struct {
///   KeyPackageRef new_member;
///   HPKECiphertext encrypted_group_secrets;
/// } EncryptedGroupSecrets;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct EncryptedGroupSecrets {
    /// The reference of the KeyPackage the secrets are encrypted to.
    pub new_member: KeyPackageRef,
    /// `EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets)`.
    pub encrypted_group_secrets: HpkeCiphertext,
}

/// `Welcome` (RFC 9420 §12.4.3.1):
///
/// ```text
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets<V>;
///   opaque encrypted_group_info<V>;
/// } Welcome;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Welcome {
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// One entry per new member.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// The GroupInfo, AEAD-encrypted with the `welcome_key` and `welcome_nonce`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub encrypted_group_info: Vec<u8>,
}

/// One new member of a Welcome (RFC 9420 §12.4.3.1): its KeyPackage and, if the Commit has
/// a path, the path secret of its lowest common ancestor with the committer.
#[derive(Clone, Copy, Debug)]
pub struct NewMemberSecrets<'a> {
    /// The new member's KeyPackage (from the Add proposal).
    pub key_package: &'a KeyPackage,
    /// The path secret to give this member, if any.
    pub path_secret: Option<&'a Secret>,
}

/// The result of decrypting our `EncryptedGroupSecrets` (RFC 9420 §12.4.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedGroupSecrets {
    /// Which of the candidate KeyPackages the Welcome is for.
    pub key_package_index: usize,
    /// The decrypted secrets.
    pub group_secrets: GroupSecrets,
}

/// A Welcome processed down to the verified GroupInfo (RFC 9420 §12.4.3.1), for the group
/// engine to continue with the ratchet tree and the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedWelcome {
    /// Which of the candidate KeyPackages the Welcome is for.
    pub key_package_index: usize,
    /// The decrypted secrets.
    pub group_secrets: GroupSecrets,
    /// The `psk_secret` of `group_secrets.psks`.
    pub psk_secret: Secret,
    /// The decrypted GroupInfo, whose signature verified.
    pub group_info: GroupInfo,
}

impl ProcessedWelcome {
    /// The epoch secrets from the `joiner_secret`, the `psk_secret` and the GroupInfo's
    /// GroupContext (RFC 9420 §8).
    pub fn epoch_secrets(&self, cs: &dyn CipherSuiteProvider) -> Result<EpochSecrets, Error> {
        let joiner = JoinerSecret::new(self.group_secrets.joiner_secret.clone());
        let context = self.group_info.group_context.encode()?;
        joiner.epoch_secrets(cs, &self.psk_secret, &context)
    }
}

fn check_suite(cs: &dyn CipherSuiteProvider, suite: CipherSuite) -> Result<(), Error> {
    if cs.cipher_suite() == suite {
        Ok(())
    } else {
        Err(MessageError::WelcomeCipherSuiteMismatch.into())
    }
}

impl Welcome {
    /// Creates a Welcome (RFC 9420 §12.4.3.1): encrypts `group_info` once with the
    /// `welcome_key`/`welcome_nonce` of `joiner_secret` and `psk_secret`, then
    /// `GroupSecrets { joiner_secret, path_secret, psks }` to each new member's `init_key`.
    ///
    /// The `EncryptContext`, which holds the whole encrypted GroupInfo, is encoded once and
    /// all members' `GroupSecrets` are sealed in one
    /// [`CipherSuiteProvider::hpke_seal_batch`] call, so a provider that overrides it hashes
    /// the GroupInfo once rather than once per member (`O(k + |GroupInfo|)` for `k` new
    /// members). A KeyPackage of another suite than `cs` is
    /// [`MessageError::KeyPackageCipherSuiteMismatch`].
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        group_info: &GroupInfo,
        joiner_secret: &JoinerSecret,
        psks: &[PreSharedKeyId],
        psk_secret: &Secret,
        new_members: &[NewMemberSecrets<'_>],
    ) -> Result<Welcome, Error> {
        let key_nonce = joiner_secret
            .welcome_secret(cs, psk_secret)?
            .key_nonce(cs)?;
        let group_info_bytes = Secret::new(codec::encode(group_info)?);
        let encrypted_group_info = cs.aead_seal(
            key_nonce.key.as_bytes(),
            key_nonce.nonce.as_bytes(),
            &[],
            group_info_bytes.as_bytes(),
        )?;
        let encoded_psks = codec::encode(&PsksRef(psks))?;
        let joiner = joiner_secret.as_secret().as_bytes();
        let mut plaintexts = Vec::with_capacity(new_members.len());
        let mut new_member_refs = Vec::with_capacity(new_members.len());
        for member in new_members {
            let kp = member.key_package;
            if kp.cipher_suite != cs.cipher_suite() {
                return Err(MessageError::KeyPackageCipherSuiteMismatch.into());
            }
            // Sized up front so that no reallocation leaves copies of the secrets behind.
            let mut plaintext = Vec::with_capacity(
                joiner
                    .len()
                    .saturating_add(member.path_secret.map_or(0, Secret::len))
                    .saturating_add(encoded_psks.len())
                    .saturating_add(16),
            );
            write_group_secrets(
                joiner,
                member.path_secret.map(Secret::as_bytes),
                &encoded_psks,
                &mut plaintext,
            )?;
            plaintexts.push(Secret::new(plaintext));
            new_member_refs.push(kp.key_package_ref(cs)?);
        }
        let recipients: Vec<(&HpkePublicKey, &[u8])> = new_members
            .iter()
            .zip(&plaintexts)
            .map(|(m, pt)| (&m.key_package.init_key, pt.as_bytes()))
            .collect();
        let ciphertexts = labels::encrypt_with_label_batch(
            cs,
            WELCOME_LABEL,
            &encrypted_group_info,
            &recipients,
        )?;
        if ciphertexts.len() != new_members.len() {
            // A provider that returns fewer or more ciphertexts than recipients is broken.
            return Err(CryptoError::EncryptionFailed.into());
        }
        let secrets = new_member_refs
            .into_iter()
            .zip(ciphertexts)
            .map(
                |(new_member, encrypted_group_secrets)| EncryptedGroupSecrets {
                    new_member,
                    encrypted_group_secrets,
                },
            )
            .collect();
        Ok(Welcome {
            cipher_suite: cs.cipher_suite(),
            secrets,
            encrypted_group_info,
        })
    }

    /// The entry addressed to the KeyPackage with reference `key_package_ref`, if any.
    pub fn find_secrets(&self, key_package_ref: &KeyPackageRef) -> Option<&EncryptedGroupSecrets> {
        self.secrets
            .iter()
            .find(|s| s.new_member == *key_package_ref)
    }

    /// Finds the entry addressed to one of `candidates` (our KeyPackages with their init
    /// private keys) and decrypts its `GroupSecrets` (RFC 9420 §12.4.3.1).
    ///
    /// `cs` must implement the Welcome's cipher suite, and the chosen KeyPackage must be of
    /// that suite ([`MessageError::WelcomeCipherSuiteMismatch`]); no entry for us is
    /// [`MessageError::WelcomeNotForUs`]; more than one `reinit`/`branch` resumption PSK is
    /// [`MessageError::MultipleReinitOrBranchPsks`].
    pub fn open_group_secrets(
        &self,
        cs: &dyn CipherSuiteProvider,
        candidates: &[(&KeyPackage, &HpkePrivateKey)],
    ) -> Result<OpenedGroupSecrets, Error> {
        check_suite(cs, self.cipher_suite)?;
        for (key_package_index, (kp, init_private_key)) in candidates.iter().enumerate() {
            let kp_ref = kp.key_package_ref(cs)?;
            let Some(entry) = self.find_secrets(&kp_ref) else {
                continue;
            };
            if kp.cipher_suite != self.cipher_suite {
                return Err(MessageError::WelcomeCipherSuiteMismatch.into());
            }
            let plaintext = labels::decrypt_with_label_and_public_key(
                cs,
                init_private_key,
                kp.init_key.as_bytes(),
                WELCOME_LABEL,
                &self.encrypted_group_info,
                &entry.encrypted_group_secrets,
            )?;
            let group_secrets = codec::decode_exact::<GroupSecrets>(plaintext.as_bytes())?;
            group_secrets.check_psks()?;
            return Ok(OpenedGroupSecrets {
                key_package_index,
                group_secrets,
            });
        }
        Err(MessageError::WelcomeNotForUs.into())
    }

    /// Decrypts the GroupInfo with the `welcome_key`/`welcome_nonce` derived from the
    /// `joiner_secret` of `group_secrets` and `psk_secret` (RFC 9420 §12.4.3.1), and checks
    /// that its cipher suite is the Welcome's ([`MessageError::GroupInfoCipherSuiteMismatch`]).
    /// The signature is not checked here: see [`GroupInfo::verify_signature`].
    pub fn open_group_info(
        &self,
        cs: &dyn CipherSuiteProvider,
        group_secrets: &GroupSecrets,
        psk_secret: &Secret,
    ) -> Result<GroupInfo, Error> {
        check_suite(cs, self.cipher_suite)?;
        let joiner = JoinerSecret::new(group_secrets.joiner_secret.clone());
        let key_nonce = joiner.welcome_secret(cs, psk_secret)?.key_nonce(cs)?;
        let plaintext = cs.aead_open(
            key_nonce.key.as_bytes(),
            key_nonce.nonce.as_bytes(),
            &[],
            &self.encrypted_group_info,
        )?;
        let group_info = codec::decode_exact::<GroupInfo>(plaintext.as_bytes())?;
        if group_info.group_context.cipher_suite != self.cipher_suite {
            return Err(MessageError::GroupInfoCipherSuiteMismatch.into());
        }
        Ok(group_info)
    }

    /// Processes a Welcome down to the verified GroupInfo (RFC 9420 §12.4.3.1):
    /// [`Self::open_group_secrets`], then `psk_secret` computes the `psk_secret` of the
    /// required PSKs (failing if a PSK is unknown), then [`Self::open_group_info`], then
    /// `signer_key` returns the key of leaf `GroupInfo.signer` (from the ratchet tree) and
    /// the GroupInfo signature is verified with it.
    ///
    /// The ratchet-tree checks, `group_id` uniqueness and the epoch set-up are left to the
    /// caller.
    pub fn process(
        &self,
        cs: &dyn CipherSuiteProvider,
        candidates: &[(&KeyPackage, &HpkePrivateKey)],
        psk_secret: &mut dyn FnMut(&[PreSharedKeyId]) -> Result<Secret, Error>,
        signer_key: &mut dyn FnMut(&GroupInfo) -> Result<SignaturePublicKey, Error>,
    ) -> Result<ProcessedWelcome, Error> {
        let opened = self.open_group_secrets(cs, candidates)?;
        let psk_secret = psk_secret(opened.group_secrets.required_psks())?;
        let group_info = self.open_group_info(cs, &opened.group_secrets, &psk_secret)?;
        let key = signer_key(&group_info)?;
        group_info.verify_signature(cs, &key)?;
        Ok(ProcessedWelcome {
            key_package_index: opened.key_package_index,
            group_secrets: opened.group_secrets,
            psk_secret,
            group_info,
        })
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
#[path = "tests_welcome.rs"]
mod tests;

/// Timing of [`Welcome::create`] for many new members (run in release with `--ignored
/// --nocapture`); the GroupInfo carries ~250 bytes per member, as a ratchet tree would.
#[cfg(all(test, feature = "rust-crypto"))]
mod timing {
    use super::*;
    use crate::CryptoProvider;
    use crate::crypto::rust_crypto::RustCrypto;
    use crate::messages::key_package::tests::{UNKNOWN_EXT, params};
    use crate::messages::{Extension, Extensions, GroupContext};
    use crate::tree_math::LeafIndex;

    #[test]
    #[ignore = "timing; run in release"]
    fn welcome_create_timing() {
        let provider = RustCrypto::new();
        let suite = CipherSuite(1);
        let cs = provider.cipher_suite_provider(suite).unwrap();
        let signer = cs.signature_generate_key_pair().unwrap();
        for n in [1_000usize, 10_000] {
            let kps: Vec<_> = (0..n)
                .map(|_| KeyPackage::generate(cs, &signer, params(suite)).unwrap())
                .collect();
            let mut gi = GroupInfo {
                group_context: GroupContext::new(
                    suite,
                    b"group".to_vec(),
                    1,
                    vec![1; 32],
                    vec![2; 32],
                    Extensions::default(),
                ),
                extensions: Extensions(vec![Extension {
                    extension_type: UNKNOWN_EXT,
                    extension_data: vec![0x5a; n * 250],
                }]),
                confirmation_tag: vec![3; 32],
                signer: LeafIndex(0),
                signature: vec![],
            };
            gi.sign(cs, &signer.private_key).unwrap();
            let members: Vec<NewMemberSecrets<'_>> = kps
                .iter()
                .map(|b| NewMemberSecrets {
                    key_package: &b.key_package,
                    path_secret: None,
                })
                .collect();
            let joiner = JoinerSecret::new(Secret::new(vec![7; 32]));
            let psk = Secret::zero(32);
            let start = std::time::Instant::now();
            let w = Welcome::create(cs, &gi, &joiner, &[], &psk, &members).unwrap();
            let elapsed = start.elapsed();
            assert_eq!(w.secrets.len(), n);
            std::println!(
                "Welcome::create, {n} new members, GroupInfo {} bytes: {elapsed:?}",
                w.encrypted_group_info.len()
            );
        }
    }
}
