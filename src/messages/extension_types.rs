//! The content of the extensions RFC 9420 defines (§5.3.3, §11.1, §12.1.8.1, §12.4.3.2),
//! and typed access to them in an [`Extensions`] list. The `ratchet_tree` extension lives
//! with the ratchet tree.

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{Credential, CredentialType, Extension, ExtensionType, Extensions, ProposalType};
use crate::codec;
use crate::crypto::{HpkePublicKey, SignaturePublicKey};
use crate::error::{Error, MessageError};

/// The content of an extension of a fixed type (RFC 9420 §13).
pub trait ExtensionContent: SerializeBytes + DeserializeBytes {
    /// The extension type this content belongs to.
    const EXTENSION_TYPE: ExtensionType;
}

/// `application_id` (RFC 9420 §5.3.3): an application-defined identifier of the client,
/// not authenticated by the Authentication Service.
///
/// ```text
/// opaque application_id<V>;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ApplicationId(#[tls_codec(with = "crate::codec::vl_bytes")] pub Vec<u8>);

impl ExtensionContent for ApplicationId {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::APPLICATION_ID;
}

/// `required_capabilities` (RFC 9420 §11.1):
///
/// ```text
/// struct {
///     ExtensionType extension_types<V>;
///     ProposalType proposal_types<V>;
///     CredentialType credential_types<V>;
/// } RequiredCapabilities;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct RequiredCapabilities {
    /// Extension types every member must support.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub extension_types: Vec<ExtensionType>,
    /// Proposal types every member must support.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub proposal_types: Vec<ProposalType>,
    /// Credential types every member must support.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub credential_types: Vec<CredentialType>,
}

impl ExtensionContent for RequiredCapabilities {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::REQUIRED_CAPABILITIES;
}

impl RequiredCapabilities {
    /// Whether `capabilities` lists every required type (default extension and proposal
    /// types count as supported, RFC 9420 §7.2, §11.1).
    pub fn is_supported_by(&self, capabilities: &super::Capabilities) -> bool {
        self.extension_types
            .iter()
            .all(|t| capabilities.supports_extension(*t))
            && self
                .proposal_types
                .iter()
                .all(|t| capabilities.supports_proposal(*t))
            && self
                .credential_types
                .iter()
                .all(|t| capabilities.supports_credential(*t))
    }
}

/// `external_pub` (RFC 9420 §12.4.3.2): the public key for external joins.
///
/// ```text
/// struct {
///     HPKEPublicKey external_pub;
/// } ExternalPub;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ExternalPub {
    /// The group's external HPKE public key (§8.3).
    pub external_pub: HpkePublicKey,
}

impl ExtensionContent for ExternalPub {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_PUB;
}

/// `ExternalSender` (RFC 9420 §12.1.8.1):
///
/// ```text
/// struct {
///   SignaturePublicKey signature_key;
///   Credential credential;
/// } ExternalSender;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ExternalSender {
    /// The key external proposals of this sender are signed with.
    pub signature_key: SignaturePublicKey,
    /// The sender's credential.
    pub credential: Credential,
}

/// `external_senders` (RFC 9420 §12.1.8.1), indexed by `Sender.sender_index`:
///
/// ```text
/// ExternalSender external_senders<V>;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct ExternalSenders(#[tls_codec(with = "crate::codec::vl_vec")] pub Vec<ExternalSender>);

impl ExtensionContent for ExternalSenders {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_SENDERS;
}

impl ExternalSenders {
    /// The external sender with index `sender_index`, if any.
    pub fn get(&self, sender_index: u32) -> Option<&ExternalSender> {
        self.0.get(usize::try_from(sender_index).ok()?)
    }
}

impl Extensions {
    /// The content of the extension of type `T::EXTENSION_TYPE`, decoded, or `None` when
    /// absent (RFC 9420 §13). Content that does not decode exactly is
    /// [`MessageError::MalformedExtension`].
    pub fn read<T: ExtensionContent>(&self) -> Result<Option<T>, Error> {
        self.get(T::EXTENSION_TYPE)
            .map(|e| {
                codec::decode_exact::<T>(&e.extension_data)
                    .map_err(|_| Error::Message(MessageError::MalformedExtension))
            })
            .transpose()
    }

    /// Sets the extension of type `T::EXTENSION_TYPE` to `content`, replacing an existing
    /// one in place or appending it.
    pub fn write<T: ExtensionContent>(&mut self, content: &T) -> Result<(), Error> {
        let extension_data = codec::encode(content)?;
        match self
            .0
            .iter_mut()
            .find(|e| e.extension_type == T::EXTENSION_TYPE)
        {
            Some(e) => e.extension_data = extension_data,
            None => self.0.push(Extension {
                extension_type: T::EXTENSION_TYPE,
                extension_data,
            }),
        }
        Ok(())
    }

    /// Removes every extension of type `t`.
    pub fn remove(&mut self, t: ExtensionType) {
        self.0.retain(|e| e.extension_type != t);
    }
}
