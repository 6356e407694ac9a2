//! Multi-credential errors (draft-ietf-mls-extensions, "Multi-Credentials"): one variant
//! per check of a `multi` or `weak-multi` credential and its credential bindings.

/// A `multi` or `weak-multi` credential fails a rule of draft-ietf-mls-extensions
/// ("Verifying a Multi-Credential").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialBindingError {
    /// The credential's bindings do not decode as `CredentialBinding bindings<V>`.
    Malformed,
    /// The credential holds no binding, or more than
    /// [`MAX_CREDENTIAL_BINDINGS`](crate::messages::MAX_CREDENTIAL_BINDINGS).
    BindingCount,
    /// A binding of a `multi` credential has a cipher suite or credential type this client
    /// does not support ("Every member of the group supports the cipher suite and
    /// credential type values for the binding").
    UnsupportedBinding,
    /// This client supports no binding of a `weak-multi` credential ("Each member of the
    /// group supports at least one binding").
    NoSupportedBinding,
    /// The Authentication Service (the `CredentialValidator`) refused a binding's
    /// credential or its `credential_key`.
    CredentialRejected,
    /// A binding's signature over the `CredentialBindingTBS` does not verify.
    SignatureInvalid,
    /// A member of the group does not list a cipher suite or credential type of a binding
    /// of a `multi` credential in its capabilities.
    BindingNotSupportedByMember,
    /// A member of the group lists no binding of a `weak-multi` credential (cipher suite and
    /// credential type) in its capabilities.
    NoBindingSupportedByMember,
}

impl core::fmt::Display for CredentialBindingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            CredentialBindingError::Malformed => {
                "the multi-credential's bindings do not decode"
            }
            CredentialBindingError::BindingCount => {
                "the multi-credential has no binding or too many bindings"
            }
            CredentialBindingError::UnsupportedBinding => {
                "a binding of the multi-credential has a cipher suite or credential type this client does not support"
            }
            CredentialBindingError::NoSupportedBinding => {
                "this client supports no binding of the weak multi-credential"
            }
            CredentialBindingError::CredentialRejected => {
                "the credential validator refused a binding's credential or key"
            }
            CredentialBindingError::SignatureInvalid => {
                "a credential binding's signature does not verify"
            }
            CredentialBindingError::BindingNotSupportedByMember => {
                "a member does not support the cipher suite or credential type of a binding of the multi-credential"
            }
            CredentialBindingError::NoBindingSupportedByMember => {
                "a member supports no binding of the weak multi-credential"
            }
        })
    }
}

impl core::error::Error for CredentialBindingError {}
