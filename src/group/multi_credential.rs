//! Multi-credentials in the group engine (draft-ietf-mls-extensions, "Verifying a
//! Multi-Credential"): [`MultiCredentialValidator`], a [`CredentialValidator`] that checks
//! the credential bindings of `multi` and `weak-multi` credentials (each binding's
//! credential through an inner validator, each signature with the binding's suite), and the
//! group-wide support rules, checked for every new or changed leaf against the members'
//! capabilities.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CryptoProvider, SignaturePublicKey};
use crate::error::{CredentialBindingError, Error};
use crate::messages::{Credential, CredentialType, LeafNode, MultiCredential};
use crate::ratchet_tree::TreeView;
use crate::tree_math::LeafIndex;

use super::hooks::{CredentialUse, CredentialValidator};

/// A [`CredentialValidator`] that understands `multi` and `weak-multi` credentials
/// (draft-ietf-mls-extensions, "Multi-Credentials") and hands every other credential, and
/// the credential of every binding, to `inner` (the application's Authentication Service).
/// A binding is supported if the provider implements its cipher suite and `inner` lists
/// its credential type ([`CredentialValidator::supported_credential_types`]); a binding
/// that is itself a multi-credential is not supported.
///
/// Group-wide support of the bindings (every member's capabilities) is checked by the
/// group engine for every credential type, with or without this validator.
#[derive(Clone)]
pub struct MultiCredentialValidator {
    provider: Arc<dyn CryptoProvider>,
    inner: Arc<dyn CredentialValidator>,
}

impl MultiCredentialValidator {
    /// Bindings verified with `provider`'s suites; other credentials go to `inner`.
    pub fn new(provider: Arc<dyn CryptoProvider>, inner: Arc<dyn CredentialValidator>) -> Self {
        MultiCredentialValidator { provider, inner }
    }

    /// [`CredentialValidator::validate`] with the reason of a refusal: a
    /// [`CredentialBindingError`] for a multi-credential,
    /// [`GroupError::CredentialRejected`](crate::GroupError::CredentialRejected) when
    /// `inner` refuses another credential.
    pub fn verify(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
        usage: CredentialUse,
    ) -> Result<(), Error> {
        let Some(multi) = MultiCredential::from_credential(credential)? else {
            return if self.inner.validate(credential, signature_key, usage) {
                Ok(())
            } else {
                Err(crate::GroupError::CredentialRejected.into())
            };
        };
        let types = self.inner.supported_credential_types();
        let supported = |t: CredentialType| !is_multi(t) && types.contains(&t);
        let valid = |c: &Credential, k: &SignaturePublicKey| {
            !is_multi(c.credential_type()) && self.inner.validate(c, k, usage)
        };
        multi.verify(self.provider.as_ref(), signature_key, &supported, &valid)
    }
}

impl CredentialValidator for MultiCredentialValidator {
    fn validate(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
        usage: CredentialUse,
    ) -> bool {
        self.verify(credential, signature_key, usage).is_ok()
    }

    /// `inner` decides (a multi-credential's successor is the application's call).
    fn valid_successor(&self, predecessor: &Credential, successor: &Credential) -> bool {
        self.inner.valid_successor(predecessor, successor)
    }

    /// `inner`'s types, then `multi` and `weak-multi`.
    fn supported_credential_types(&self) -> Vec<CredentialType> {
        let mut types = self.inner.supported_credential_types();
        for t in [CredentialType::MULTI, CredentialType::WEAK_MULTI] {
            if !types.contains(&t) {
                types.push(t);
            }
        }
        types
    }
}

fn is_multi(t: CredentialType) -> bool {
    t == CredentialType::MULTI || t == CredentialType::WEAK_MULTI
}

/// The group-wide rules of a multi-credential in `leaf` (draft-ietf-mls-extensions,
/// "Verifying a Multi-Credential"), against the members of `tree` other than `replaced`
/// (the leaf's own index when it replaces a member's leaf) and `leaf` itself: for `multi`,
/// every one of them lists each binding's cipher suite and credential type
/// ([`CredentialBindingError::BindingNotSupportedByMember`]); for `weak-multi`, every one
/// lists both of at least one binding
/// ([`CredentialBindingError::NoBindingSupportedByMember`]). Support of the `multi` type
/// itself is RFC 9420 §7.3's credential type check. O(n·b) for n members and b bindings,
/// only for multi-credentials.
pub(crate) fn check_group_support<T: TreeView + ?Sized>(
    tree: &T,
    leaf: &LeafNode,
    replaced: Option<LeafIndex>,
) -> Result<(), Error> {
    let Some(multi) = MultiCredential::from_credential(&leaf.credential)? else {
        return Ok(());
    };
    let own = (
        leaf.capabilities.cipher_suites.clone(),
        leaf.capabilities.credentials.clone(),
    );
    let members = tree
        .leaves()
        .filter(|(l, _)| Some(*l) != replaced)
        .map(|(_, n)| {
            (
                n.cipher_suites().collect::<Vec<_>>(),
                n.capability_credentials().collect::<Vec<_>>(),
            )
        });
    for (suites, creds) in core::iter::once(own).chain(members) {
        let supports = |b: &crate::messages::CredentialBinding| {
            suites.contains(&b.cipher_suite) && creds.contains(&b.credential.credential_type())
        };
        if multi.weak {
            if !multi.bindings.iter().any(supports) {
                return Err(CredentialBindingError::NoBindingSupportedByMember.into());
            }
        } else if !multi.bindings.iter().all(supports) {
            return Err(CredentialBindingError::BindingNotSupportedByMember.into());
        }
    }
    Ok(())
}
