//! A member's side of the safe application interface (draft-ietf-mls-extensions § "The
//! Safe Application Interface"): its application components sign, verify, encrypt and
//! decrypt with the group's keys under their [`ComponentId`], and read the
//! `app_data_dictionary` of the GroupContext.

use alloc::vec::Vec;

use crate::components::{
    AppDataDictionary, ComponentId, safe_decrypt_with_label, safe_encrypt_with_label,
    safe_sign_with_label, safe_verify_with_label,
};
use crate::crypto::{CipherSuiteProvider, HpkeCiphertext, HpkeKeyPair, Secret};
use crate::error::{Error, ExtensionError, GroupError};
use crate::key_schedule::external_key_pair;
use crate::ratchet_tree::TreeView;
use crate::tree_math::{LeafIndex, NodeIndex};

use super::Group;

impl Group {
    /// The GroupContext's `app_data_dictionary` (draft-ietf-mls-extensions § "Attaching
    /// Application Data to MLS Messages"), as it stands in this epoch (after the last merged
    /// Commit's AppDataUpdate proposals), or `None` when the group has none.
    pub fn app_data_dictionary(&self) -> Result<Option<AppDataDictionary>, Error> {
        AppDataDictionary::from_extensions(&self.context.group_context().extensions)
    }

    /// The data of `component_id` in the GroupContext's `app_data_dictionary`, if any.
    pub fn component_data(&self, component_id: ComponentId) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .app_data_dictionary()?
            .and_then(|d| d.get(component_id).map(<[u8]>::to_vec)))
    }

    /// `SafeExportSecret(component_id)` of this epoch (§ "Exported Secrets"): the leaf
    /// secret of the Exporter Tree, handed out once per epoch and component
    /// ([`ExtensionError::ExportedSecretConsumed`] the second time; the secrets on its path
    /// are deleted). Not available in an epoch restored from saved state
    /// ([`ExtensionError::ExporterUnavailable`]).
    pub fn safe_export_secret(&mut self, component_id: ComponentId) -> Result<Secret, Error> {
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        self.epoch
            .app_exporter
            .as_mut()
            .ok_or(ExtensionError::ExporterUnavailable)?
            .export(cs, component_id)
    }

    /// SafeSignWithLabel with this member's signature key (§ "Signature Keys");
    /// `component_id` must be the signing component's own.
    pub fn safe_sign_with_label(
        &self,
        component_id: ComponentId,
        label: &[u8],
        content: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let cs = self.component_suite()?;
        safe_sign_with_label(&self.identity.signer(cs)?, component_id, label, content)
    }

    /// SafeVerifyWithLabel with the signature key of the member at `leaf`
    /// ([`GroupError::NoSuchMember`] for a blank or absent leaf).
    pub fn safe_verify_with_label(
        &self,
        leaf: LeafIndex,
        component_id: ComponentId,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let (cs, node) = self.suite_and(self.tree.leaf(leaf), GroupError::NoSuchMember)?;
        safe_verify_with_label(
            cs,
            node.signature_key(),
            component_id,
            label,
            content,
            signature,
        )
    }

    /// SafeEncryptWithLabel to the HPKE key of the ratchet tree node `node` (§ "Hybrid
    /// Public Key Encryption (HPKE) Keys"): a leaf's key reaches that member only, a parent
    /// node's key the members below it ([`GroupError::NoSuchMember`] for a blank node).
    pub fn safe_encrypt_to_node(
        &self,
        node: NodeIndex,
        component_id: ComponentId,
        label: &[u8],
        context: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeCiphertext, Error> {
        let (cs, key) =
            self.suite_and(self.tree.node_public_key(node), GroupError::NoSuchMember)?;
        safe_encrypt_with_label(cs, key, component_id, label, context, plaintext)
    }

    /// SafeDecryptWithLabel with this member's private key of tree node `node` (its own
    /// leaf or a node of its direct path; [`ExtensionError::NoNodePrivateKey`] otherwise).
    /// `component_id` must be the decrypting component's own.
    pub fn safe_decrypt_with_node_key(
        &self,
        node: NodeIndex,
        component_id: ComponentId,
        label: &[u8],
        context: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Secret, Error> {
        let (cs, key) =
            self.suite_and(self.keys.key_for(node), ExtensionError::NoNodePrivateKey)?;
        safe_decrypt_with_label(cs, key, component_id, label, context, ciphertext)
    }

    /// SafeEncryptWithLabel to this epoch's `external_pub` (the draft prefers it to the
    /// root's key): every member of the epoch can decrypt.
    pub fn safe_encrypt_to_group(
        &self,
        component_id: ComponentId,
        label: &[u8],
        context: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeCiphertext, Error> {
        let (cs, pair) = self.external_pair()?;
        safe_encrypt_with_label(
            cs,
            pair.public_key.as_bytes(),
            component_id,
            label,
            context,
            plaintext,
        )
    }

    /// SafeDecryptWithLabel with this epoch's `external_priv` (a ciphertext of
    /// [`Group::safe_encrypt_to_group`] in the same epoch).
    pub fn safe_decrypt_from_group(
        &self,
        component_id: ComponentId,
        label: &[u8],
        context: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<Secret, Error> {
        let (cs, pair) = self.external_pair()?;
        safe_decrypt_with_label(
            cs,
            &pair.private_key,
            component_id,
            label,
            context,
            ciphertext,
        )
    }

    /// The group's cipher suite provider, with which every component operation works.
    fn component_suite(&self) -> Result<&dyn CipherSuiteProvider, Error> {
        Self::cs_of(&self.provider, self.cipher_suite())
    }

    /// The group's suite and the key (or leaf) a lookup `found`, or `missing` if it found
    /// none: the first half of the operations with a member's or a node's key.
    fn suite_and<T>(
        &self,
        found: Option<T>,
        missing: impl Into<Error>,
    ) -> Result<(&dyn CipherSuiteProvider, T), Error> {
        let cs = self.component_suite()?;
        Ok((cs, found.ok_or_else(|| missing.into())?))
    }

    /// The group's suite and this epoch's external key pair (`external_pub` and
    /// `external_priv`, RFC 9420 §8), the keys of the operations with the whole group.
    fn external_pair(&self) -> Result<(&dyn CipherSuiteProvider, HpkeKeyPair), Error> {
        let cs = self.component_suite()?;
        Ok((cs, external_key_pair(cs, &self.epoch.external_secret)?))
    }
}
