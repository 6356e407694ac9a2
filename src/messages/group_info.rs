//! `GroupInfo` (RFC 9420 §12.4.3).

use alloc::vec::Vec;

use tls_codec::{SerializeBytes, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{Capabilities, Extensions, GroupContext};
use crate::crypto::{CipherSuiteProvider, SignaturePrivateKey, SignaturePublicKey, Signer, labels};
use crate::error::{Error, MessageError};
use crate::tree_math::LeafIndex;

/// The signature label of `GroupInfoTBS` (RFC 9420 §12.4.3, §17.6).
pub(crate) const GROUP_INFO_TBS_LABEL: &[u8] = b"GroupInfoTBS";

/// `GroupInfo` (RFC 9420 §12.4.3):
///
/// ```text
/// struct {
///     GroupContext group_context;
///     Extension extensions<V>;
///     MAC confirmation_tag;
///     uint32 signer;
///     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
///     opaque signature<V>;
/// } GroupInfo;
/// ```
///
/// `MAC` is `opaque MAC<V>` (§6.1).
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct GroupInfo {
    /// The group's current context.
    pub group_context: GroupContext,
    /// GroupInfo extensions (e.g. `ratchet_tree`, `external_pub`).
    pub extensions: Extensions,
    /// The confirmation tag of the Commit that started the epoch (§6.1).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub confirmation_tag: Vec<u8>,
    /// The leaf index of the member that signed the GroupInfo.
    pub signer: LeafIndex,
    /// `SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub signature: Vec<u8>,
}

impl GroupInfo {
    /// The encoded `GroupInfoTBS` (RFC 9420 §12.4.3), all fields but the signature:
    ///
    /// ```text
    /// struct {
    ///     GroupContext group_context;
    ///     Extension extensions<V>;
    ///     MAC confirmation_tag;
    ///     uint32 signer;
    /// } GroupInfoTBS;
    /// ```
    pub fn to_be_signed(&self) -> Result<Vec<u8>, Error> {
        let mut out = self.group_context.tls_serialize_bytes()?;
        out.extend_from_slice(&self.extensions.tls_serialize_bytes()?);
        crate::codec::write_opaque(&self.confirmation_tag, &mut out)?;
        out.extend_from_slice(&self.signer.0.to_be_bytes());
        Ok(out)
    }

    /// Signs the GroupInfo in place with the signer's key (RFC 9420 §12.4.3).
    pub fn sign(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        key: &SignaturePrivateKey,
    ) -> Result<(), Error> {
        let tbs = self.to_be_signed()?;
        self.signature = labels::sign_with_label(cs, key, GROUP_INFO_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Signs the GroupInfo in place by `signer`, the key of the leaf `signer` (RFC 9420
    /// §12.4.3).
    pub fn sign_by(&mut self, signer: &dyn Signer) -> Result<(), Error> {
        let tbs = self.to_be_signed()?;
        self.signature = labels::sign_with_label_by(signer, GROUP_INFO_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies the signature with the `signature_key` of the leaf `signer` (RFC 9420
    /// §12.4.3): [`MessageError::GroupInfoSignatureInvalid`] otherwise.
    pub fn verify_signature(
        &self,
        cs: &dyn CipherSuiteProvider,
        signer_key: &SignaturePublicKey,
    ) -> Result<(), Error> {
        let tbs = self.to_be_signed()?;
        labels::verify_with_label(
            cs,
            signer_key.as_bytes(),
            GROUP_INFO_TBS_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| MessageError::GroupInfoSignatureInvalid.into())
    }

    /// Checks that the joiner supports every extension of `group_context.extensions`
    /// (RFC 9420 §12.4.3: they "MUST be supported by the new joiner"), given the joiner's
    /// own `capabilities`: [`MessageError::UnsupportedGroupContextExtension`] otherwise.
    pub fn check_extensions_supported(&self, capabilities: &Capabilities) -> Result<(), Error> {
        if self
            .group_context
            .extensions
            .iter()
            .all(|e| capabilities.supports_extension(e.extension_type))
        {
            Ok(())
        } else {
            Err(MessageError::UnsupportedGroupContextExtension.into())
        }
    }

    /// Checks `confirmation_tag == MAC(confirmation_key, confirmed_transcript_hash)` in
    /// constant time (RFC 9420 §6.1, §12.4.3.1), with the epoch's `confirmation_key`.
    pub fn verify_confirmation_tag(
        &self,
        cs: &dyn CipherSuiteProvider,
        confirmation_key: &[u8],
    ) -> Result<(), Error> {
        let expected = cs.mac(
            confirmation_key,
            &self.group_context.confirmed_transcript_hash,
        )?;
        if crate::crypto::constant_time_eq(&expected, &self.confirmation_tag) {
            Ok(())
        } else {
            Err(MessageError::ConfirmationTagMismatch.into())
        }
    }
}
