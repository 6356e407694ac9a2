//! Errors of message-level validation (KeyPackages, LeafNodes, Welcome, GroupInfo):
//! one variant per RFC 9420 check.

/// A message is well-formed but fails a validation rule (RFC 9420 §7.3, §10.1, §12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// The KeyPackage's protocol version is not the expected one (§10.1).
    KeyPackageVersionMismatch,
    /// The KeyPackage's cipher suite is not the expected one (§10.1).
    KeyPackageCipherSuiteMismatch,
    /// The KeyPackage's `init_key` equals its leaf's `encryption_key` (§10.1).
    InitKeyEqualsEncryptionKey,
    /// The KeyPackage's signature does not verify with the leaf's `signature_key` (§10).
    KeyPackageSignatureInvalid,
    /// The `leaf_node_source` of a KeyPackage's leaf is not `key_package` (§7.3, §10).
    LeafNodeSourceNotKeyPackage,
    /// The KeyPackage leaf's signature does not verify with its `signature_key` (§7.3).
    LeafNodeSignatureInvalid,
    /// The current time is outside the leaf's `lifetime` (§7.3).
    LifetimeNotValid,
    /// The leaf's credential type is not in its `capabilities.credentials` (§7.2).
    CredentialTypeNotInCapabilities,
    /// A non-default extension of the leaf is not in its `capabilities.extensions` (§7.2,
    /// §7.3).
    LeafExtensionNotInCapabilities,
    /// A non-default extension of the KeyPackage is not in its leaf's
    /// `capabilities.extensions` (§10).
    KeyPackageExtensionNotInCapabilities,
    /// An extension type appears twice in one extension list (§13.4).
    DuplicateExtension,
    /// The KeyPackage's protocol version is not in its leaf's `capabilities.versions`
    /// (§10).
    VersionNotInCapabilities,
    /// The KeyPackage's cipher suite is not in its leaf's `capabilities.cipher_suites`
    /// (§10).
    CipherSuiteNotInCapabilities,
    /// No `EncryptedGroupSecrets` of the Welcome is addressed to one of our KeyPackages
    /// (§12.4.3.1).
    WelcomeNotForUs,
    /// The Welcome's cipher suite is not the one of the KeyPackage it is addressed to (or
    /// of the provider it is processed with) (§12.4.3.1).
    WelcomeCipherSuiteMismatch,
    /// More than one PSK of `GroupSecrets.psks` is a resumption PSK with usage `reinit` or
    /// `branch` (§12.4.3.1).
    MultipleReinitOrBranchPsks,
    /// A PSK listed in `GroupSecrets.psks` is not available to the new member
    /// (§12.4.3.1). Returned by the caller's PSK lookup.
    MissingPsk,
    /// The GroupInfo's signature does not verify with the signer's key (§12.4.3).
    GroupInfoSignatureInvalid,
    /// The GroupInfo's cipher suite is not the one of the KeyPackage (§12.4.3.1).
    GroupInfoCipherSuiteMismatch,
    /// A GroupContext extension of the GroupInfo is not supported by the joiner
    /// (§12.4.3).
    UnsupportedGroupContextExtension,
    /// The GroupInfo's `confirmation_tag` is not
    /// `MAC(confirmation_key, confirmed_transcript_hash)` (§8.1, §12.4.3.1).
    ConfirmationTagMismatch,
    /// An extension's content does not decode as the type its `extension_type` names
    /// (§13).
    MalformedExtension,
    /// A KeyPackage's `last_resort_key_package` component carries data
    /// (draft-ietf-mls-extensions, "Last-Resort KeyPackages": its `data` field is empty).
    LastResortComponentNotEmpty,
    /// A `content_media_types` component lists no media type (draft-ietf-mls-extensions,
    /// "Content Advertisement": "must contain at least one item").
    EmptyMediaTypeList,
    /// `application_data` of a group with `content_media_types` does not decode as
    /// `ApplicationFraming` (draft-ietf-mls-extensions, "Framing of application_data").
    MalformedApplicationFraming,
}

impl core::fmt::Display for MessageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            MessageError::KeyPackageVersionMismatch => {
                "the KeyPackage's protocol version is not the expected one"
            }
            MessageError::KeyPackageCipherSuiteMismatch => {
                "the KeyPackage's cipher suite is not the expected one"
            }
            MessageError::InitKeyEqualsEncryptionKey => {
                "the KeyPackage's init key equals its leaf's encryption key"
            }
            MessageError::KeyPackageSignatureInvalid => {
                "the KeyPackage's signature does not verify"
            }
            MessageError::LeafNodeSourceNotKeyPackage => {
                "the KeyPackage's leaf node was not made for a KeyPackage"
            }
            MessageError::LeafNodeSignatureInvalid => {
                "the KeyPackage's leaf node signature does not verify"
            }
            MessageError::LifetimeNotValid => {
                "the KeyPackage has expired or is not yet valid (its lifetime does not contain the \
                 current time)"
            }
            MessageError::CredentialTypeNotInCapabilities => {
                "the leaf's credential type is not in its own capabilities"
            }
            MessageError::LeafExtensionNotInCapabilities => {
                "the leaf carries an extension its own capabilities do not list"
            }
            MessageError::KeyPackageExtensionNotInCapabilities => {
                "the KeyPackage carries an extension its leaf's capabilities do not list"
            }
            MessageError::DuplicateExtension => {
                "an extension type appears twice in one extension list"
            }
            MessageError::VersionNotInCapabilities => {
                "the KeyPackage's protocol version is not in its leaf's capabilities"
            }
            MessageError::CipherSuiteNotInCapabilities => {
                "the KeyPackage's cipher suite is not in its leaf's capabilities"
            }
            MessageError::WelcomeNotForUs => {
                "the Welcome is not addressed to any of our KeyPackages"
            }
            MessageError::WelcomeCipherSuiteMismatch => {
                "the Welcome's cipher suite is not the one of the KeyPackage it is addressed to"
            }
            MessageError::MultipleReinitOrBranchPsks => {
                "the Welcome has more than one reinit or branch resumption PSK"
            }
            MessageError::MissingPsk => "a pre-shared key the Welcome needs is not available",
            MessageError::GroupInfoSignatureInvalid => "the GroupInfo's signature does not verify",
            MessageError::GroupInfoCipherSuiteMismatch => {
                "the GroupInfo's cipher suite is not the one of the KeyPackage"
            }
            MessageError::UnsupportedGroupContextExtension => {
                "the GroupInfo has a group context extension this client does not support"
            }
            MessageError::ConfirmationTagMismatch => {
                "the GroupInfo's confirmation tag does not verify"
            }
            MessageError::MalformedExtension => {
                "an extension's content does not decode as its type"
            }
            MessageError::LastResortComponentNotEmpty => {
                "the KeyPackage's last_resort_key_package component is not empty"
            }
            MessageError::EmptyMediaTypeList => "a content_media_types list is empty",
            MessageError::MalformedApplicationFraming => {
                "application data does not decode as ApplicationFraming"
            }
        })
    }
}

impl core::error::Error for MessageError {}
