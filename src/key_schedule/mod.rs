//! The key schedule (RFC 9420 §8): epoch secrets, the exporter (§8.5), external
//! initialization (§8.3), pre-shared keys (§8.4, in [`psk`]) and the Welcome and sender-data
//! key derivations (§12.4.3.1, §6.3.2).
//!
//! One epoch transition runs
//!
//! ```text
//! init_secret_[n-1], commit_secret  --Extract-->  ExpandWithLabel(., "joiner", GroupContext_[n])
//!                                                 = joiner_secret
//! joiner_secret, psk_secret         --Extract-->  DeriveSecret(., "welcome") = welcome_secret
//!                                                 ExpandWithLabel(., "epoch", GroupContext_[n])
//!                                                 = epoch_secret --> EpochSecrets
//! ```
//!
//! A member runs [`derive_epoch`]; a new member holding the `joiner_secret` of a Welcome
//! wraps it in [`JoinerSecret::new`], opens the GroupInfo with
//! [`JoinerSecret::welcome_secret`], then derives the epoch with
//! [`JoinerSecret::epoch_secrets`].
//!
//! Every function takes the suite as a `&dyn CipherSuiteProvider`, and every secret is a
//! zeroizing [`Secret`]; intermediate secrets (the `epoch_secret`, the extracted values) are
//! dropped, and so zeroized, as soon as they are consumed (§9.2).

use alloc::vec::Vec;

use crate::crypto::labels::{derive_secret, expand_with_label};
use crate::crypto::{CipherSuiteProvider, HpkeKeyPair, HpkePrivateKey, Secret};
use crate::error::{Error, KeyScheduleError};

pub mod psk;

pub use psk::{
    ApplicationPsk, ExternalPsk, PreSharedKeyId, Psk, PskType, ResumptionPsk, ResumptionPskUsage,
};

/// The HPKE exporter context of external initialization (RFC 9420 §8.3).
pub const EXTERNAL_INIT_EXPORTER_CONTEXT: &[u8] = b"MLS 1.0 external init secret";

/// An AEAD key and nonce (the Welcome key, a sender-data key or a hash-ratchet key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AeadKeyNonce {
    /// The key, `AEAD.Nk` bytes.
    pub key: Secret,
    /// The nonce, `AEAD.Nn` bytes.
    pub nonce: Secret,
}

fn check_len(cs: &dyn CipherSuiteProvider, secret: &[u8]) -> Result<(), Error> {
    if secret.len() == cs.hash_len() {
        Ok(())
    } else {
        Err(KeyScheduleError::InvalidSecretLength.into())
    }
}

/// The `joiner_secret` of an epoch (RFC 9420 §8), shared with new members in the Welcome's
/// `GroupSecrets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinerSecret(Secret);

impl JoinerSecret {
    /// Wraps a received `joiner_secret` (e.g. from `GroupSecrets`, RFC 9420 §12.4.3.1).
    pub fn new(secret: Secret) -> Self {
        JoinerSecret(secret)
    }

    /// `joiner_secret = ExpandWithLabel(KDF.Extract(init_secret, commit_secret), "joiner",
    /// GroupContext_[n], KDF.Nh)` (RFC 9420 §8), where `group_context` is the encoded
    /// `GroupContext` of the new epoch.
    ///
    /// `init_secret` and `commit_secret` must be `KDF.Nh` bytes (the `commit_secret` of a
    /// Commit without a path is `KDF.Nh` zero bytes).
    pub fn derive(
        cs: &dyn CipherSuiteProvider,
        init_secret: &Secret,
        commit_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, Error> {
        check_len(cs, init_secret.as_bytes())?;
        check_len(cs, commit_secret.as_bytes())?;
        let extracted = cs.kdf_extract(init_secret.as_bytes(), commit_secret.as_bytes())?;
        let joiner = expand_with_label(
            cs,
            extracted.as_bytes(),
            b"joiner",
            group_context,
            cs.hash_len(),
        )?;
        Ok(JoinerSecret(joiner))
    }

    /// The secret bytes.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// `KDF.Extract(joiner_secret, psk_secret)`, the value both the Welcome secret and the
    /// epoch secret come from.
    fn member_secret(
        &self,
        cs: &dyn CipherSuiteProvider,
        psk_secret: &Secret,
    ) -> Result<Secret, Error> {
        check_len(cs, self.0.as_bytes())?;
        check_len(cs, psk_secret.as_bytes())?;
        Ok(cs.kdf_extract(self.0.as_bytes(), psk_secret.as_bytes())?)
    }

    /// `welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")`
    /// (RFC 9420 §8). `psk_secret` is `KDF.Nh` zero bytes when no PSK is used (see
    /// [`psk::psk_secret`]).
    pub fn welcome_secret(
        &self,
        cs: &dyn CipherSuiteProvider,
        psk_secret: &Secret,
    ) -> Result<WelcomeSecret, Error> {
        let member = self.member_secret(cs, psk_secret)?;
        Ok(WelcomeSecret(derive_secret(
            cs,
            member.as_bytes(),
            b"welcome",
        )?))
    }

    /// `epoch_secret = ExpandWithLabel(KDF.Extract(joiner_secret, psk_secret), "epoch",
    /// GroupContext_[n], KDF.Nh)` and the secrets derived from it (RFC 9420 §8).
    pub fn epoch_secrets(
        &self,
        cs: &dyn CipherSuiteProvider,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<EpochSecrets, Error> {
        let member = self.member_secret(cs, psk_secret)?;
        let epoch_secret = expand_with_label(
            cs,
            member.as_bytes(),
            b"epoch",
            group_context,
            cs.hash_len(),
        )?;
        EpochSecrets::from_epoch_secret(cs, &epoch_secret)
    }
}

/// The `welcome_secret` of an epoch (RFC 9420 §8), which protects the Welcome's GroupInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeSecret(Secret);

impl WelcomeSecret {
    /// Wraps a `welcome_secret`.
    pub fn new(secret: Secret) -> Self {
        WelcomeSecret(secret)
    }

    /// The secret bytes.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// The key and nonce that encrypt the GroupInfo of a Welcome (RFC 9420 §12.4.3.1):
    ///
    /// ```text
    /// welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
    /// welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
    /// ```
    pub fn key_nonce(&self, cs: &dyn CipherSuiteProvider) -> Result<AeadKeyNonce, Error> {
        Ok(AeadKeyNonce {
            key: expand_with_label(cs, self.0.as_bytes(), b"key", &[], cs.aead_key_len())?,
            nonce: expand_with_label(cs, self.0.as_bytes(), b"nonce", &[], cs.aead_nonce_len())?,
        })
    }
}

/// The secrets derived from an `epoch_secret` (RFC 9420 §8, "Epoch-Derived Secrets"), plus
/// the next epoch's `init_secret`.
///
/// The group engine moves each secret to where it is used, e.g. the `encryption_secret` into
/// a [`crate::secret_tree::SecretTree`], and drops (zeroizes) the rest when the epoch ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochSecrets {
    /// `DeriveSecret(epoch_secret, "sender data")`: keys for sender data (§6.3.2).
    pub sender_data_secret: Secret,
    /// `DeriveSecret(epoch_secret, "encryption")`: the root of the secret tree (§9).
    pub encryption_secret: Secret,
    /// `DeriveSecret(epoch_secret, "exporter")`: the exporter (§8.5).
    pub exporter_secret: Secret,
    /// `DeriveSecret(epoch_secret, "external")`: the external key pair (§8.3).
    pub external_secret: Secret,
    /// `DeriveSecret(epoch_secret, "confirm")`: the confirmation tag MAC key (§6.1).
    pub confirmation_key: Secret,
    /// `DeriveSecret(epoch_secret, "membership")`: the membership tag MAC key (§6.2).
    pub membership_key: Secret,
    /// `DeriveSecret(epoch_secret, "resumption")`: this epoch's resumption PSK (§8.6).
    pub resumption_psk: Secret,
    /// `DeriveSecret(epoch_secret, "authentication")`: the epoch authenticator (§8.7).
    pub epoch_authenticator: Secret,
    /// `DeriveSecret(epoch_secret, "init")`: the `init_secret` of the next epoch.
    pub init_secret: Secret,
    /// `DeriveSecret(epoch_secret, "application_export")`: the root of the Exporter Tree
    /// of draft-ietf-mls-extensions § "Exported Secrets". `None` for secrets restored from
    /// saved state (the tree is not saved: its secrets stay forward-secure).
    pub application_export_secret: Option<Secret>,
}

impl EpochSecrets {
    /// Moves the `encryption_secret` out (leaving an empty secret), for the secret tree that
    /// becomes its only holder (RFC 9420 §9.2).
    pub(crate) fn take_encryption_secret(&mut self) -> Secret {
        core::mem::replace(&mut self.encryption_secret, Secret::zero(0))
    }

    /// Derives every epoch secret from an `epoch_secret` (RFC 9420 §8).
    pub fn from_epoch_secret(
        cs: &dyn CipherSuiteProvider,
        epoch_secret: &Secret,
    ) -> Result<Self, Error> {
        check_len(cs, epoch_secret.as_bytes())?;
        let d = |label: &[u8]| derive_secret(cs, epoch_secret.as_bytes(), label);
        Ok(EpochSecrets {
            sender_data_secret: d(b"sender data")?,
            encryption_secret: d(b"encryption")?,
            exporter_secret: d(b"exporter")?,
            external_secret: d(b"external")?,
            confirmation_key: d(b"confirm")?,
            membership_key: d(b"membership")?,
            resumption_psk: d(b"resumption")?,
            epoch_authenticator: d(b"authentication")?,
            init_secret: d(b"init")?,
            application_export_secret: Some(d(b"application_export")?),
        })
    }

    /// `MLS-Exporter(label, context, length)` with this epoch's `exporter_secret` (§8.5).
    pub fn export(
        &self,
        cs: &dyn CipherSuiteProvider,
        label: &[u8],
        context: &[u8],
        length: usize,
    ) -> Result<Secret, Error> {
        mls_exporter(cs, &self.exporter_secret, label, context, length)
    }

    /// The external key pair `KEM.DeriveKeyPair(external_secret)` (§8.3).
    pub fn external_key_pair(&self, cs: &dyn CipherSuiteProvider) -> Result<HpkeKeyPair, Error> {
        external_key_pair(cs, &self.external_secret)
    }
}

/// Everything one epoch transition derives (RFC 9420 §8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochDerivation {
    /// The `joiner_secret`, for the `GroupSecrets` of new members.
    pub joiner_secret: JoinerSecret,
    /// The `welcome_secret`, to encrypt the Welcome's GroupInfo.
    pub welcome_secret: WelcomeSecret,
    /// The epoch's secrets.
    pub epoch_secrets: EpochSecrets,
}

/// Runs the key schedule for a new epoch (RFC 9420 §8).
///
/// - `init_secret`: the previous epoch's [`EpochSecrets::init_secret`], the random initial
///   secret of a new group (§11), or the result of external initialization (§8.3);
/// - `commit_secret`: the Commit's path secret output, or `KDF.Nh` zero bytes;
/// - `psk_secret`: from [`psk::psk_secret`] (`KDF.Nh` zero bytes without PSKs);
/// - `group_context`: the encoded `GroupContext` of the new epoch.
///
/// All secrets must be `KDF.Nh` bytes long ([`KeyScheduleError::InvalidSecretLength`]).
pub fn derive_epoch(
    cs: &dyn CipherSuiteProvider,
    init_secret: &Secret,
    commit_secret: &Secret,
    psk_secret: &Secret,
    group_context: &[u8],
) -> Result<EpochDerivation, Error> {
    let joiner_secret = JoinerSecret::derive(cs, init_secret, commit_secret, group_context)?;
    let member = joiner_secret.member_secret(cs, psk_secret)?;
    let welcome_secret = WelcomeSecret(derive_secret(cs, member.as_bytes(), b"welcome")?);
    let epoch_secret = expand_with_label(
        cs,
        member.as_bytes(),
        b"epoch",
        group_context,
        cs.hash_len(),
    )?;
    let epoch_secrets = EpochSecrets::from_epoch_secret(cs, &epoch_secret)?;
    Ok(EpochDerivation {
        joiner_secret,
        welcome_secret,
        epoch_secrets,
    })
}

/// `MLS-Exporter(Label, Context, Length)` (RFC 9420 §8.5):
///
/// ```text
/// MLS-Exporter(Label, Context, Length) =
///        ExpandWithLabel(DeriveSecret(exporter_secret, Label),
///                          "exported", Hash(Context), Length)
/// ```
pub fn mls_exporter(
    cs: &dyn CipherSuiteProvider,
    exporter_secret: &Secret,
    label: &[u8],
    context: &[u8],
    length: usize,
) -> Result<Secret, Error> {
    let derived = derive_secret(cs, exporter_secret.as_bytes(), label)?;
    let context_hash = cs.hash(context)?;
    expand_with_label(cs, derived.as_bytes(), b"exported", &context_hash, length)
}

/// `external_priv, external_pub = KEM.DeriveKeyPair(external_secret)` (RFC 9420 §8.3).
pub fn external_key_pair(
    cs: &dyn CipherSuiteProvider,
    external_secret: &Secret,
) -> Result<HpkeKeyPair, Error> {
    Ok(cs.kem_derive_key_pair(external_secret.as_bytes())?)
}

/// The joiner's side of external initialization (RFC 9420 §8.3):
///
/// ```text
/// kem_output, context = SetupBaseS(external_pub, "")
/// init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
/// ```
///
/// Returns `(kem_output, init_secret)`; `kem_output` goes into the ExternalInit proposal.
pub fn external_init_sender(
    cs: &dyn CipherSuiteProvider,
    external_pub: &[u8],
) -> Result<(Vec<u8>, Secret), Error> {
    Ok(cs.hpke_export_sender(
        external_pub,
        &[],
        EXTERNAL_INIT_EXPORTER_CONTEXT,
        cs.hash_len(),
    )?)
}

/// The group's side of external initialization (RFC 9420 §8.3): the `init_secret` from an
/// ExternalInit proposal's `kem_output` and the external private key.
///
/// ```text
/// context = SetupBaseR(kem_output, external_priv, "")
/// init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
/// ```
pub fn external_init_receiver(
    cs: &dyn CipherSuiteProvider,
    external_priv: &HpkePrivateKey,
    kem_output: &[u8],
) -> Result<Secret, Error> {
    Ok(cs.hpke_export_receiver(
        kem_output,
        external_priv,
        &[],
        EXTERNAL_INIT_EXPORTER_CONTEXT,
        cs.hash_len(),
    )?)
}

/// The key and nonce that protect a PrivateMessage's sender data (RFC 9420 §6.3.2):
///
/// ```text
/// ciphertext_sample = ciphertext[0..KDF.Nh-1]
/// sender_data_key = ExpandWithLabel(sender_data_secret, "key",
///                       ciphertext_sample, AEAD.Nk)
/// sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce",
///                       ciphertext_sample, AEAD.Nn)
/// ```
///
/// A ciphertext shorter than `KDF.Nh` is used whole. Returns `(key, nonce)`.
pub fn sender_data_key_nonce(
    cs: &dyn CipherSuiteProvider,
    sender_data_secret: &Secret,
    ciphertext: &[u8],
) -> Result<(Secret, Secret), Error> {
    let sample = ciphertext.get(..cs.hash_len()).unwrap_or(ciphertext);
    let secret = sender_data_secret.as_bytes();
    Ok((
        expand_with_label(cs, secret, b"key", sample, cs.aead_key_len())?,
        expand_with_label(cs, secret, b"nonce", sample, cs.aead_nonce_len())?,
    ))
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
