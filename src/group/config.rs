//! The caller-facing settings of a group: the signing identity (RFC 9420 §5.3), the group
//! policy, members as seen through the API, and the PSK store (§8.4, §8.6).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::crypto::{CipherSuite, CipherSuiteProvider, Secret, SignaturePublicKey};
use crate::error::Error;
use crate::framing::PaddingPolicy;
use crate::messages::{
    Capabilities, Credential, ExtensionType, Extensions, KeyPackage, KeyPackageBundle,
    KeyPackageParams, Lifetime, ProposalType, is_grease,
};
use crate::ratchet_tree::TreeLimits;
use crate::secret_tree::SecretTreeConfig;
use crate::tree_math::LeafIndex;

use super::hooks::{CredentialValidator, GroupHooks};
pub use super::identity::SigningIdentity;

impl SigningIdentity {
    /// The capabilities this identity's leaves list by default (RFC 9420 §7.2: a client
    /// "MUST list all values it supports"): version MLS 1.0; `suite` and then every other
    /// suite of `suites` (what the crypto provider implements); the credential's own type
    /// and then every other type `validator` accepts
    /// ([`CredentialValidator::supported_credential_types`]); the `self_remove` proposal type
    /// of draft-ietf-mls-extensions and no extension type (the default ones are never
    /// listed, §7.2). GREASE values
    /// (§13.5) are not added here; duplicates and GREASE values in `suites` or among the
    /// validator's types are skipped.
    pub fn default_capabilities(
        &self,
        suite: CipherSuite,
        suites: &[CipherSuite],
        validator: &dyn CredentialValidator,
    ) -> Capabilities {
        let mut capabilities = Capabilities::minimal(suite, self.credential.credential_type());
        // draft-ietf-mls-extensions: melos processes SelfRemove proposals.
        capabilities.proposals.push(ProposalType::SELF_REMOVE);
        for &s in suites {
            if !s.is_grease() && !capabilities.cipher_suites.contains(&s) {
                capabilities.cipher_suites.push(s);
            }
        }
        for t in validator.supported_credential_types() {
            if !is_grease(t.0) && !capabilities.credentials.contains(&t) {
                capabilities.credentials.push(t);
            }
        }
        capabilities
    }

    /// Creates a KeyPackage (RFC 9420 §10) for this identity with default capabilities and
    /// `lifetime`, with GREASE values (§13.5) in its capabilities but no GREASE extension
    /// (see [`KeyPackageOptions::grease_extensions`]). See
    /// [`SigningIdentity::key_package_with`] for the other choices.
    pub fn key_package(
        &self,
        cs: &dyn CipherSuiteProvider,
        lifetime: Lifetime,
    ) -> Result<KeyPackageBundle, Error> {
        self.key_package_with(cs, KeyPackageOptions::new(lifetime))
    }

    /// Creates a KeyPackage (RFC 9420 §10) for this identity as `options` say. Default
    /// capabilities list every suite of the backend of `cs`
    /// ([`CipherSuiteProvider::backend_cipher_suites`]) and the credential types of
    /// `options.hooks` (see [`SigningIdentity::default_capabilities`]). With
    /// `options.grease`, one random GREASE value (§13.5) goes into each list of the leaf's
    /// capabilities; with `options.grease_extensions`, one GREASE extension goes into the
    /// leaf's extensions and one into the KeyPackage's extensions, their types listed in the
    /// capabilities (§7.2, §10).
    pub fn key_package_with(
        &self,
        cs: &dyn CipherSuiteProvider,
        options: KeyPackageOptions,
    ) -> Result<KeyPackageBundle, Error> {
        let mut capabilities = options.capabilities.unwrap_or_else(|| {
            self.default_capabilities(
                cs.cipher_suite(),
                &cs.backend_cipher_suites(),
                options.hooks.credential_validator(),
            )
        });
        let mut leaf_extensions = options.leaf_extensions;
        let mut extensions = options.extensions;
        if options.last_resort {
            crate::messages::mark_last_resort(&mut extensions)?;
            let t = ExtensionType::APP_DATA_DICTIONARY;
            if !capabilities.extensions.contains(&t) {
                capabilities.extensions.push(t);
            }
        }
        if options.grease {
            capabilities.add_grease(cs)?;
            // draft-ietf-mls-extensions § "GREASE": GREASE components in the dictionaries
            // (and the leaf's component lists) that are present.
            crate::components::add_component_grease(cs, &mut leaf_extensions, true)?;
            crate::components::add_component_grease(cs, &mut extensions, false)?;
        }
        if options.grease_extensions {
            leaf_extensions.add_grease(cs, Some(&mut capabilities))?;
            extensions.add_grease(cs, Some(&mut capabilities))?;
        }
        let params = KeyPackageParams {
            credential: self.credential.clone(),
            capabilities,
            lifetime: options.lifetime,
            leaf_extensions,
            extensions,
        };
        KeyPackage::generate_by(cs, &self.signer(cs)?, params)
    }
}

/// What [`SigningIdentity::key_package_with`] puts into a KeyPackage (RFC 9420 §10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackageOptions {
    /// The leaf's lifetime (§7.2).
    pub lifetime: Lifetime,
    /// The leaf's capabilities; `None` is [`SigningIdentity::default_capabilities`] with
    /// every suite of the backend and the credential types of `hooks`. List custom proposal
    /// and credential types here (§7.2).
    pub capabilities: Option<Capabilities>,
    /// The leaf node's extensions (their types must be in the capabilities).
    pub leaf_extensions: Extensions,
    /// The KeyPackage's extensions (their types must be in the capabilities).
    pub extensions: Extensions,
    /// Add a random GREASE value (RFC 9420 §13.5) to each list of the leaf's capabilities
    /// (cipher suites, extensions, proposals, credentials), and GREASE component IDs
    /// (draft-ietf-mls-extensions § "GREASE") to the `app_data_dictionary` of the leaf and
    /// of the KeyPackage, and to the leaf's `app_components` and `safe_aad` lists, where
    /// these are present ([`add_component_grease`](crate::components::add_component_grease)).
    /// Default true.
    pub grease: bool,
    /// Add a GREASE extension (RFC 9420 §13.5) to the leaf's extensions and one to the
    /// KeyPackage's extensions. Default **false**: OpenMLS 0.9 refuses every KeyPackage that
    /// carries one (it decodes a received GREASE extension as an unknown type, which never
    /// equals the GREASE type it decodes from the capabilities, so the extension looks
    /// unsupported, §7.2, §10). §13.5 requires receivers to accept them; turn this on to
    /// test peers that do.
    pub grease_extensions: bool,
    /// The hooks of the groups the KeyPackage is meant for (normally their
    /// [`GroupConfig::hooks`]): default capabilities list the credential types their
    /// validator accepts ([`CredentialValidator::supported_credential_types`]).
    pub hooks: GroupHooks,
    /// Mark the KeyPackage as a last-resort KeyPackage (draft-ietf-mls-extensions,
    /// "Last-Resort KeyPackages"): the `last_resort_key_package` component goes into an
    /// `app_data_dictionary` KeyPackage extension (added to `extensions` or merged into
    /// the one there), and `app_data_dictionary` into the capabilities. Default false.
    pub last_resort: bool,
}

impl KeyPackageOptions {
    /// Default capabilities, no extensions, GREASE values in the capabilities but no GREASE
    /// extensions, the default hooks, and `lifetime`.
    pub fn new(lifetime: Lifetime) -> Self {
        KeyPackageOptions {
            lifetime,
            capabilities: None,
            leaf_extensions: Extensions::default(),
            extensions: Extensions::default(),
            grease: true,
            grease_extensions: false,
            hooks: GroupHooks::default(),
            last_resort: false,
        }
    }
}

/// Which wire format handshake messages (proposals and commits) are sent in (RFC 9420 §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HandshakeFormat {
    /// `PublicMessage` with a membership tag (§6.2).
    #[default]
    Public,
    /// `PrivateMessage`, encrypted with the handshake ratchet (§6.3).
    Private,
}

/// The default of [`GroupConfig::max_resumption_psks`].
pub const DEFAULT_MAX_RESUMPTION_PSKS: usize = 8;

/// The default of [`GroupConfig::max_pending_proposals`].
pub const DEFAULT_MAX_PENDING_PROPOSALS: usize = 256;

/// The default of [`GroupConfig::max_held_proposals`].
pub const DEFAULT_MAX_HELD_PROPOSALS: usize = 64;

/// A group's local policy (nothing here is sent on the wire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupConfig {
    /// The wire format of handshake messages this member sends.
    pub handshake_format: HandshakeFormat,
    /// Whether handshake messages in the other wire format are accepted too.
    pub accept_both_handshake_formats: bool,
    /// How many past epochs keep their application secrets, so that late application
    /// messages still decrypt (RFC 9420 §9.2 leaves the window to the application).
    pub max_past_epochs: usize,
    /// The receive window of each hash ratchet (§9.1).
    pub secret_tree: SecretTreeConfig,
    /// Padding of PrivateMessages (§6.3.1).
    pub padding: PaddingPolicy,
    /// How many epochs' `resumption_psk` this member keeps, the current one included, for
    /// resumption PSK proposals and branches of earlier epochs (RFC 9420 §8.6: "the
    /// application SHOULD specify an upper limit"). Independent of `max_past_epochs`; the
    /// current epoch's is always kept, so 0 acts as 1. Default 8.
    pub max_resumption_psks: usize,
    /// Put random GREASE values (RFC 9420 §13.5) into the structures this member creates:
    /// into each list of the capabilities of its own new leaves (group creation, external
    /// join) and a GREASE extension into every GroupInfo it signs (OpenMLS 0.9 accepts
    /// both), and GREASE component IDs (draft-ietf-mls-extensions § "GREASE") into the
    /// `app_data_dictionary` of those leaves and their `app_components` and `safe_aad`
    /// lists, where present. Default true. GREASE extensions in leaves are
    /// [`grease_extensions`](GroupConfig::grease_extensions). (KeyPackages are made outside
    /// a group: see [`KeyPackageOptions::grease`].)
    pub grease: bool,
    /// The most proposals of this epoch the pool keeps accepted (RFC 9420 §12.1; members'
    /// proposals and approved ones): one more is refused
    /// ([`GroupError::ProposalPoolFull`](crate::error::GroupError::ProposalPoolFull)) until
    /// a Commit empties the pool. It also bounds the work of building a valid list when
    /// committing. Default [`DEFAULT_MAX_PENDING_PROPOSALS`].
    pub max_pending_proposals: usize,
    /// The most held proposals (outsiders' by the default
    /// [`ProposalPolicy`](super::ProposalPolicy)) the pool keeps; kept apart from
    /// `max_pending_proposals` so that outsiders flooding the group with proposals cannot
    /// crowd out members' proposals. Default [`DEFAULT_MAX_HELD_PROPOSALS`].
    pub max_held_proposals: usize,
    /// The application's credential validator and custom proposal rules (RFC 9420 §5.3.1,
    /// §12.1). Not saved by [`Group::to_bytes`](super::Group::to_bytes): see
    /// [`Group::from_bytes_with_hooks`](super::Group::from_bytes_with_hooks).
    pub hooks: GroupHooks,
    /// Put a GREASE extension (RFC 9420 §13.5) into the extensions of this member's own new
    /// leaves (group creation, external join). Default **false**: OpenMLS 0.9 refuses every
    /// LeafNode that carries one (it decodes a received GREASE extension as an unknown
    /// type, which never equals the GREASE type it decodes from the capabilities, so the
    /// extension looks unsupported, §7.2), so no OpenMLS client could join or add to a
    /// group with such a leaf. §13.5 requires receivers to accept them; turn this on to test
    /// peers that do.
    pub grease_extensions: bool,
    /// Caps on the ratchet tree: on every tree this member receives when it joins (by
    /// Welcome, unless [`JoinOptions::tree_limits`](super::JoinOptions::tree_limits) says
    /// otherwise, or by external Commit), checked before the tree is decoded; and on the
    /// group's tree as Adds grow it (a Commit adding a member at leaf index
    /// `max_leaves` or above is refused, by its committer and by every receiver:
    /// [`TreeError::LeafLimitReached`](crate::error::TreeError::LeafLimitReached)). The
    /// defaults admit a 100,000-member group: see [`TreeLimits`].
    pub tree_limits: TreeLimits,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            handshake_format: HandshakeFormat::Public,
            accept_both_handshake_formats: true,
            max_past_epochs: 2,
            secret_tree: SecretTreeConfig::default(),
            padding: PaddingPolicy::None,
            max_resumption_psks: DEFAULT_MAX_RESUMPTION_PSKS,
            grease: true,
            max_pending_proposals: DEFAULT_MAX_PENDING_PROPOSALS,
            max_held_proposals: DEFAULT_MAX_HELD_PROPOSALS,
            hooks: GroupHooks::default(),
            grease_extensions: false,
            tree_limits: TreeLimits::default(),
        }
    }
}

/// A member of the group as the API shows it (RFC 9420 §4.1: the member at a leaf).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's leaf index.
    pub index: LeafIndex,
    /// The member's credential.
    pub credential: Credential,
    /// The member's `signature_key`.
    pub signature_key: SignaturePublicKey,
}

/// Pre-shared keys known to this client (RFC 9420 §8.4): external PSKs by `psk_id`, and
/// resumption PSKs (§8.6) of other groups (or of epochs of this group it no longer keeps)
/// by `(psk_group_id, psk_epoch)`.
///
/// A group resolves a PreSharedKeyID of a Commit or Welcome as follows: `external` from
/// this store; `resumption` from the group's own kept epochs if `psk_group_id` is the
/// group's id, else from this store. An unknown PSK is [`GroupError::UnknownPsk`].
///
/// `application` PSKs (draft-ietf-mls-extensions § "Pre-Shared Keys (PSKs)") come from this
/// store by `(component_id, psk_id)`. They are **not** part of a group's saved state
/// ([`Group::to_bytes`](super::Group::to_bytes)): insert them again after a restore.
///
/// [`GroupError::UnknownPsk`]: crate::error::GroupError::UnknownPsk
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PskStore {
    external: BTreeMap<Vec<u8>, Secret>,
    resumption: BTreeMap<(Vec<u8>, u64), Secret>,
    application: BTreeMap<(u16, Vec<u8>), Secret>,
}

impl PskStore {
    /// An empty store.
    pub fn new() -> Self {
        PskStore::default()
    }

    /// Stores (or replaces) the external PSK `psk_id` (§8.4).
    pub fn insert(&mut self, psk_id: Vec<u8>, psk: Secret) {
        self.external.insert(psk_id, psk);
    }

    /// The external PSK `psk_id`, if known.
    pub fn get(&self, psk_id: &[u8]) -> Option<&Secret> {
        self.external.get(psk_id)
    }

    /// Removes the external PSK `psk_id`, returning it if it was known.
    pub fn remove(&mut self, psk_id: &[u8]) -> Option<Secret> {
        self.external.remove(psk_id)
    }

    /// Every external PSK, in `psk_id` order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Secret)> {
        self.external.iter()
    }

    /// Stores (or replaces) the `resumption_psk` of epoch `epoch` of group `group_id`
    /// (§8.6), e.g. from [`Group::resumption_psk_at`](super::Group::resumption_psk_at) of
    /// that group.
    pub fn insert_resumption(&mut self, group_id: Vec<u8>, epoch: u64, psk: Secret) {
        self.resumption.insert((group_id, epoch), psk);
    }

    /// The stored `resumption_psk` of epoch `epoch` of group `group_id`, if known.
    pub fn get_resumption(&self, group_id: &[u8], epoch: u64) -> Option<&Secret> {
        self.resumption.get(&(group_id.to_vec(), epoch))
    }

    /// Removes a stored resumption PSK, returning it if it was known.
    pub fn remove_resumption(&mut self, group_id: &[u8], epoch: u64) -> Option<Secret> {
        self.resumption.remove(&(group_id.to_vec(), epoch))
    }

    /// Stores (or replaces) the application PSK `psk_id` of component `component_id`
    /// (draft-ietf-mls-extensions § "Pre-Shared Keys (PSKs)"). Not saved with the group.
    pub fn insert_application(&mut self, component_id: u16, psk_id: Vec<u8>, psk: Secret) {
        self.application.insert((component_id, psk_id), psk);
    }

    /// The application PSK `psk_id` of component `component_id`, if known.
    pub fn get_application(&self, component_id: u16, psk_id: &[u8]) -> Option<&Secret> {
        self.application.get(&(component_id, psk_id.to_vec()))
    }

    /// Removes an application PSK, returning it if it was known.
    pub fn remove_application(&mut self, component_id: u16, psk_id: &[u8]) -> Option<Secret> {
        self.application.remove(&(component_id, psk_id.to_vec()))
    }

    /// Every stored resumption PSK as `((group_id, epoch), psk)`, in that order.
    pub fn iter_resumption(&self) -> impl Iterator<Item = (&(Vec<u8>, u64), &Secret)> {
        self.resumption.iter()
    }
}
