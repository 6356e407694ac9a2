//! MLS wire structures (RFC 9420 §5.3, §7.2, §10, §12, §13) shared by the ratchet tree, framing and
//! the group engine. Each type quotes its RFC `struct` in its doc comment; registry values
//! are open `u16` newtypes so unknown values round-trip.

mod commit;
mod content_advertisement;
mod credential;
mod extension_types;
mod extensions;
mod grease;
mod group_context;
mod group_info;
mod key_package;
mod last_resort;
mod leaf_node;
mod multi_credential;
mod proposals;
mod update_path;
mod welcome;

pub use credential::{Certificate, Credential};
pub use extensions::{Extension, Extensions};
pub use group_context::GroupContext;
pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, Lifetime};
pub use update_path::{UpdatePath, UpdatePathNode};

pub use commit::Commit;
pub(crate) use content_advertisement::check_wire_formats;
pub use content_advertisement::{
    ApplicationFraming, CONTENT_MEDIA_TYPES_COMPONENT, MediaType, MediaTypeList,
    MediaTypeParameter, RequiredWireFormats, SupportedWireFormats,
};
pub use extension_types::{
    ApplicationId, ExtensionContent, ExternalPub, ExternalSender, ExternalSenders,
    RequiredCapabilities,
};
pub use grease::GREASE_VALUES;
pub use group_info::GroupInfo;
pub use key_package::{KeyPackage, KeyPackageBundle, KeyPackageParams, KeyPackageRef};
pub use last_resort::LAST_RESORT_KEY_PACKAGE_COMPONENT;
pub(crate) use last_resort::{check_last_resort, mark_last_resort};
pub use multi_credential::{
    CREDENTIAL_BINDING_LABEL, CredentialBinding, MAX_CREDENTIAL_BINDINGS, MultiCredential,
};
pub use proposals::{
    Add, ExternalInit, GroupContextExtensions, PreSharedKey, Proposal, ProposalOrRef, ProposalRef,
    ReInit, Remove, Update,
};
pub use welcome::{
    EncryptedGroupSecrets, GroupSecrets, NewMemberSecrets, OpenedGroupSecrets, PathSecret,
    ProcessedWelcome, Welcome,
};

registry_u16!(
    /// `ProtocolVersion` (RFC 9420 §6).
    ProtocolVersion {
        /// `mls10`
        MLS10 = 0x0001,
    }
);

registry_u16!(
    /// `ProposalType` (RFC 9420 §17.4).
    ProposalType {
        /// `add`
        ADD = 0x0001,
        /// `update`
        UPDATE = 0x0002,
        /// `remove`
        REMOVE = 0x0003,
        /// `psk`
        PSK = 0x0004,
        /// `reinit`
        REINIT = 0x0005,
        /// `external_init`
        EXTERNAL_INIT = 0x0006,
        /// `group_context_extensions`
        GROUP_CONTEXT_EXTENSIONS = 0x0007,
        /// `self_remove` (draft-ietf-mls-extensions, "SelfRemove Proposal", IANA
        /// "MLS Proposal Types")
        SELF_REMOVE = 0x000a,
    }
);

registry_u16!(
    /// `CredentialType` (RFC 9420 §17.5).
    CredentialType {
        /// `basic`
        BASIC = 0x0001,
        /// `x509`
        X509 = 0x0002,
        /// `multi` (draft-ietf-mls-extensions, IANA "MLS Credential Types")
        MULTI = 0x0003,
        /// `weak-multi` (draft-ietf-mls-extensions, IANA "MLS Credential Types")
        WEAK_MULTI = 0x0004,
    }
);

registry_u16!(
    /// `ExtensionType` (RFC 9420 §17.3).
    ExtensionType {
        /// `application_id`
        APPLICATION_ID = 0x0001,
        /// `ratchet_tree`
        RATCHET_TREE = 0x0002,
        /// `required_capabilities`
        REQUIRED_CAPABILITIES = 0x0003,
        /// `external_pub`
        EXTERNAL_PUB = 0x0004,
        /// `external_senders`
        EXTERNAL_SENDERS = 0x0005,
        /// `app_data_dictionary` (draft-ietf-mls-extensions, IANA "MLS Extension Types")
        APP_DATA_DICTIONARY = 0x0006,
        /// `supported_wire_formats` (draft-ietf-mls-extensions, IANA "MLS Extension Types")
        SUPPORTED_WIRE_FORMATS = 0x0007,
        /// `required_wire_formats` (draft-ietf-mls-extensions, IANA "MLS Extension Types")
        REQUIRED_WIRE_FORMATS = 0x0008,
    }
);

/// Whether `value` is one of the GREASE values of RFC 9420 §13.5
/// (0x0A0A, 0x1A1A, ..., 0xEAEA).
pub const fn is_grease(value: u16) -> bool {
    let [hi, lo] = value.to_be_bytes();
    hi == lo && lo & 0x0f == 0x0a && hi != 0xfa
}

impl ProposalType {
    /// The proposal types every client supports and that MUST NOT be listed in
    /// `Capabilities` (RFC 9420 §7.2).
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0007)
    }
}

impl ExtensionType {
    /// The extension types every client supports and that MUST NOT be listed in
    /// `Capabilities` (RFC 9420 §7.2).
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0005)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_wire;
