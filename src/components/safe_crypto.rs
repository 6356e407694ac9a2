//! The labelled operations of the safe application interface (draft-ietf-mls-extensions
//! § "Component IDs", § "Hybrid Public Key Encryption (HPKE) Keys", § "Signature Keys").
//!
//! Each is RFC 9420's operation (§5.1.2, §5.1.3) with the encoded
//! [`ComponentOperationLabel`] as its `Label`, so that the full label is
//! `"MLS 1.0 " + ComponentOperationLabel` and never collides with a label of MLS itself or
//! of another component.

use alloc::vec::Vec;

use super::ComponentId;
use crate::codec::write_opaque;
use crate::crypto::{CipherSuiteProvider, HpkeCiphertext, HpkePrivateKey, Secret, Signer, labels};
use crate::error::{Error, ExtensionError};

/// The fixed `base_label` of every [`ComponentOperationLabel`] (editor's copy; draft-08
/// and earlier used `"Application"`).
pub const COMPONENT_BASE_LABEL: &[u8] = b"MLS Component";

/// `ComponentOperationLabel`:
///
/// ```text
/// struct {
///   opaque base_label<V>; /* = "MLS Component" */
///   ComponentID component_id;
///   opaque label<V>;
/// } ComponentOperationLabel;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComponentOperationLabel<'a> {
    /// The component performing the operation.
    pub component_id: ComponentId,
    /// The operation.
    pub label: &'a [u8],
}

impl ComponentOperationLabel<'_> {
    /// The TLS encoding, used as the `Label` of the underlying MLS operation. Component ID
    /// 0x0000 is RESERVED ([`ExtensionError::ReservedComponentId`]).
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        if self.component_id == 0 {
            return Err(ExtensionError::ReservedComponentId.into());
        }
        let mut out = Vec::with_capacity(
            COMPONENT_BASE_LABEL
                .len()
                .saturating_add(self.label.len())
                .saturating_add(8),
        );
        write_opaque(COMPONENT_BASE_LABEL, &mut out)?;
        out.extend_from_slice(&self.component_id.to_be_bytes());
        write_opaque(self.label, &mut out)?;
        Ok(out)
    }
}

/// `SafeEncryptWithLabel(PublicKey, ComponentID, Label, Context, Plaintext) =
/// EncryptWithLabel(PublicKey, ComponentOperationLabel, Context, Plaintext)`.
pub fn safe_encrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    component_id: ComponentId,
    label: &[u8],
    context: &[u8],
    plaintext: &[u8],
) -> Result<HpkeCiphertext, Error> {
    let l = ComponentOperationLabel {
        component_id,
        label,
    }
    .encode()?;
    labels::encrypt_with_label(cs, public_key, &l, context, plaintext)
}

/// `SafeDecryptWithLabel(PrivateKey, ComponentID, Label, Context, KEMOutput, Ciphertext) =
/// DecryptWithLabel(PrivateKey, ComponentOperationLabel, Context, KEMOutput, Ciphertext)`.
/// `component_id` must be the decrypting component's own.
pub fn safe_decrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    private_key: &HpkePrivateKey,
    component_id: ComponentId,
    label: &[u8],
    context: &[u8],
    ciphertext: &HpkeCiphertext,
) -> Result<Secret, Error> {
    let l = ComponentOperationLabel {
        component_id,
        label,
    }
    .encode()?;
    labels::decrypt_with_label(cs, private_key, &l, context, ciphertext)
}

/// `SafeSignWithLabel(SignatureKey, ComponentID, Label, Content) =
/// SignWithLabel(SignatureKey, ComponentOperationLabel, Content)`. `component_id` must be
/// the signing component's own.
pub fn safe_sign_with_label(
    signer: &dyn Signer,
    component_id: ComponentId,
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, Error> {
    let l = ComponentOperationLabel {
        component_id,
        label,
    }
    .encode()?;
    labels::sign_with_label_by(signer, &l, content)
}

/// `SafeVerifyWithLabel(VerificationKey, ComponentID, Label, Content, SignatureValue) =
/// VerifyWithLabel(VerificationKey, ComponentOperationLabel, Content, SignatureValue)`.
pub fn safe_verify_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    component_id: ComponentId,
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let l = ComponentOperationLabel {
        component_id,
        label,
    }
    .encode()?;
    labels::verify_with_label(cs, public_key, &l, content, signature)
}
