//! The group engine (RFC 9420 §11 to §14): create a group, add, update and remove members
//! by Commit, join by Welcome, exchange application messages, follow any commit.
//!
//! Sans-I/O: every call takes and returns messages; the caller moves them. The group holds
//! its provider as `Arc<dyn CryptoProvider>`; time is passed where lifetimes are checked.
//!
//! Every state change is staged, then merged: a Commit created by this member is kept
//! pending until [`Group::merge_pending_commit`] (or dropped by
//! [`Group::clear_pending_commit`]); a received Commit is fully validated into a
//! [`StagedCommit`] that [`Group::merge_staged_commit`] applies in one step. A failed call
//! leaves the group exactly as it was.
//!
//! Persistence is the caller's: [`Group::to_bytes`] encodes the whole member state (secret:
//! store it encrypted) and [`Group::from_bytes`] restores a group that behaves identically
//! (the format is described in `src/group/state/mod.rs`, versioned by
//! [`GROUP_STATE_VERSION`]). The saved state carries a checksum, verified before anything
//! is decoded, so damaged bytes are refused rather than restored with latent damage; with a
//! caller-supplied [`StorageKey`], [`Group::to_bytes_sealed`] encrypts and authenticates it
//! with the group's AEAD, and only [`Group::from_bytes_sealed`] with that key restores it.
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::group::{CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
//!
//! # let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! # let cs = provider.suite(suite)?;
//! # let alice_id = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec()))?;
//! # let bob_id = SigningIdentity::generate(cs, Credential::Basic(b"bob".to_vec()))?;
//! # let bob_kp = bob_id.key_package(cs, Lifetime { not_before: 0, not_after: u64::MAX })?;
//! let config = GroupConfig::default();
//! let mut alice = Group::create(provider.clone(), suite, b"group".to_vec(), alice_id, config.clone())?;
//! let out = alice.commit(CommitOptions::default().add_member(bob_kp.key_package.clone()).with_ratchet_tree())?;
//! alice.merge_pending_commit()?;
//! let welcome = out.welcome.expect("an Add yields a Welcome");
//! let mut bob = Group::join_builder(provider, &welcome, &bob_kp, bob_id)
//!     .config(config)
//!     .join()?;
//!
//! let msg = alice.encrypt_application(b"hi", b"")?;
//! let got = bob.process(&msg, None)?;
//! assert!(matches!(got.content, ProcessedContent::Application(ref data) if data == b"hi"));
//!
//! // A Commit is processed into a StagedCommit, inspected, then merged.
//! let out = bob.commit(CommitOptions::default())?;
//! bob.merge_pending_commit()?;
//! let ProcessedContent::Commit(staged) = alice.process(&out.commit, None)?.content else { unreachable!() };
//! assert_eq!(staged.committer(), bob.own_leaf());
//! alice.merge_staged_commit(*staged)?;
//! assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! See the [crate-level quick start](crate#quick-start) and the [guides](crate::guides).

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, HpkePublicKey, Secret, labels,
};
use crate::error::{Error, GroupError};
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, MlsMessage,
    MlsMessageBody, PrivateMessage, PublicMessage, Sender, WireFormat,
};
use crate::key_schedule::derive_epoch;
use crate::messages::{
    Credential, Extensions, GroupContext, LeafNode, LeafNodeSource, Lifetime, Proposal,
    ProposalRef, ReInit,
};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::transcript::{confirmation_tag, interim_transcript_hash};
use crate::tree_math::LeafIndex;
use crate::treekem::TreePrivateKeys;

pub mod client_material;
mod commit;
mod components_api;
mod config;
mod epoch;
mod external;
mod external_self_remove;
mod external_sender;
#[cfg(feature = "getrandom")]
pub(crate) mod fuzz_support;
mod handshake_checks;
mod hooks;
mod identity;
mod join;
mod join_builder;
mod join_checks;
mod multi_credential;
mod partial_switch;
mod pool;
mod process;
mod proposals;
mod psk;
mod public;
mod reinit;
mod self_removal;
pub(crate) mod self_remove;
#[cfg(all(test, feature = "rust-crypto", feature = "getrandom"))]
mod self_remove_tests;
mod sender;
mod state;

pub use client_material::CLIENT_MATERIAL_VERSION;
pub use commit::{CommitOptions, CommitOutput, PathChoice};

pub use crate::crypto::{RawKeySigner, Signer};
pub use config::{
    DEFAULT_MAX_HELD_PROPOSALS, DEFAULT_MAX_PENDING_PROPOSALS, DEFAULT_MAX_RESUMPTION_PSKS,
    GroupConfig, HandshakeFormat, KeyPackageOptions, Member, PskStore, SigningIdentity,
};
pub use external::{ExternalCommitOptions, GroupInfoOptions, PriorLeaf};
pub use external_sender::{ExternalProposer, new_member_add_proposal};
pub use hooks::{
    AcceptAllProposals, AcceptCustomProposals, BasicCredentialValidator, CredentialUse,
    CredentialValidator, CustomProposal, CustomProposalValidator, DefaultProposalPolicy,
    GroupHooks, ProposalDecision, ProposalInfo, ProposalPolicy, default_decision,
};
pub use join::{JoinOptions, TreeLifetimes};
pub use join_builder::JoinBuilder;
pub use multi_credential::MultiCredentialValidator;
pub use pool::{LeftOutProposal, PendingProposal, ProposalStatus};
pub use process::{ProcessedContent, ProcessedMessage, StagedCommit};
pub use public::{
    CachedProposal, EpochChange, PUBLIC_GROUP_STATE_VERSION, PublicGroup, PublicOutcome,
};
pub use self_removal::{SelfRemoval, SuccessorCheck, UnverifiedRemoval};
pub use sender::SenderIdentity;
#[cfg(feature = "getrandom")]
pub(crate) use state::rewrap_checksummed;
pub use state::{GROUP_STATE_VERSION, MIN_STORAGE_KEY_LEN, StorageKey};

use epoch::{EpochState, PastEpoch};

/// How [`Group::create_with_options`] sets up a new group (RFC 9420 §11).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// The epoch-0 GroupContext extensions (e.g. `required_capabilities`, §11.1).
    pub extensions: Extensions,
    /// The capabilities of the creator's leaf (§7.2); `None` is
    /// [`SigningIdentity::default_capabilities`] with every suite of the provider and the
    /// credential types of the config's hooks.
    pub capabilities: Option<crate::messages::Capabilities>,
    /// The extensions of the creator's leaf (their types must be in its capabilities).
    pub leaf_extensions: Extensions,
}

/// One member's state of an MLS group (RFC 9420 §8, §11, §12).
#[derive(Clone)]
pub struct Group {
    provider: Arc<dyn CryptoProvider>,
    config: GroupConfig,
    identity: SigningIdentity,
    tree: RatchetTree,
    keys: TreePrivateKeys,
    context: FramingContext,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Vec<u8>,
    epoch: EpochState,
    past_epochs: VecDeque<(u64, PastEpoch)>,
    proposals: Vec<PendingProposal>,
    /// Leaf keys of this member's own Update proposals, by public key.
    pending_updates: Vec<(HpkePublicKey, HpkePrivateKey)>,
    pending_commit: Option<alloc::boxed::Box<StagedCommit>>,
    psks: PskStore,
    /// Resumption PSKs of recent epochs of this group (§8.6), oldest first, at most
    /// `config.max_resumption_psks` (and at least the current epoch's).
    resumption_psks: VecDeque<(u64, Secret)>,
    active: bool,
    /// The ReInit proposal of the last merged Commit (§11.2): the group is inactive and
    /// waits to be replaced by the group it describes.
    reinit: Option<ReInit>,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.context.group_id())
            .field("epoch", &self.context.epoch())
            .field("own_leaf", &self.keys.own_leaf())
            .finish_non_exhaustive()
    }
}

impl Group {
    /// Creates a one-member group (RFC 9420 §11): the creator at leaf 0, epoch 0, a fresh
    /// random `init_secret`, an empty confirmed transcript hash, and the confirmation tag and
    /// interim transcript hash computed from them.
    pub fn create(
        provider: Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        group_id: Vec<u8>,
        identity: SigningIdentity,
        config: GroupConfig,
    ) -> Result<Group, Error> {
        Self::create_with_extensions(
            provider,
            suite,
            group_id,
            identity,
            config,
            Extensions::default(),
        )
    }

    /// Creates a one-member group (RFC 9420 §11) whose epoch-0 GroupContext carries
    /// `extensions` (e.g. `required_capabilities`, `external_senders`). The creator's leaf
    /// must satisfy them: its capabilities are the identity's defaults, checked against the
    /// group's `required_capabilities` ([`GroupError::RequiredCapabilitiesNotSupported`]).
    pub fn create_with_extensions(
        provider: Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        group_id: Vec<u8>,
        identity: SigningIdentity,
        config: GroupConfig,
        extensions: Extensions,
    ) -> Result<Group, Error> {
        let options = CreateOptions {
            extensions,
            ..CreateOptions::default()
        };
        Self::create_with_options(provider, suite, group_id, identity, config, options)
    }

    /// Creates a one-member group (RFC 9420 §11) as `options` say: the epoch-0 GroupContext
    /// extensions, and the capabilities and extensions of the creator's leaf (list custom
    /// proposal and credential types there, §7.2). By default the leaf lists every suite of
    /// `provider` and the credential types of `config.hooks`
    /// ([`SigningIdentity::default_capabilities`]). With `config.grease` its capabilities
    /// also get random GREASE values, with `config.grease_extensions` its extensions a
    /// GREASE extension (§13.5). The leaf is checked like any new leaf: its extensions
    /// and credential type in its capabilities, the group's `required_capabilities`, and its
    /// credential by `config.hooks` ([`GroupError::CredentialRejected`]); so is every entry
    /// of an `external_senders` extension (§5.3.1, §12.1.8.1,
    /// [`GroupError::ExternalSenderCredentialRejected`]).
    pub fn create_with_options(
        provider: Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        group_id: Vec<u8>,
        identity: SigningIdentity,
        config: GroupConfig,
        options: CreateOptions,
    ) -> Result<Group, Error> {
        let cs = provider.suite(suite)?;
        let pair = cs.kem_generate_key_pair()?;
        let CreateOptions {
            extensions,
            capabilities,
            leaf_extensions,
        } = options;
        let mut capabilities = capabilities.unwrap_or_else(|| {
            identity.default_capabilities(
                suite,
                &provider.supported_cipher_suites(),
                config.hooks.credential_validator(),
            )
        });
        let mut leaf_extensions = leaf_extensions;
        if config.grease {
            capabilities.add_grease(cs)?;
            // draft-ietf-mls-extensions § "GREASE".
            crate::components::add_component_grease(cs, &mut leaf_extensions, true)?;
        }
        if config.grease_extensions {
            leaf_extensions.add_grease(cs, Some(&mut capabilities))?;
        }
        let mut leaf = LeafNode {
            encryption_key: pair.public_key,
            signature_key: identity.signature_public_key().clone(),
            credential: identity.credential.clone(),
            capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            extensions: leaf_extensions,
            signature: Vec::new(),
        };
        proposals::validate_credential(&config.hooks, &leaf, CredentialUse::Creator)?;
        proposals::validate_external_senders(&config.hooks, &extensions)?;
        leaf.sign_by(&identity.signer(cs)?, &group_id, LeafIndex(0))?;
        let mut tree = RatchetTree::new(&leaf)?;
        let tree_hash = tree.tree_hash(cs)?;
        let context = GroupContext::new(suite, group_id, 0, tree_hash, Vec::new(), extensions);
        proposals::check_leaf_capabilities(&leaf, &context, &context.extensions)?;
        let context = FramingContext::new(context)?;
        let init_secret = cs.random_secret(cs.hash_len())?;
        let zero = Secret::zero(cs.hash_len());
        let derived = derive_epoch(cs, &init_secret, &zero, &zero, context.encoded())?;
        let tag = confirmation_tag(cs, &derived.epoch_secrets.confirmation_key, &[])?;
        let interim = interim_transcript_hash(cs, &[], &tag)?;
        let epoch = EpochState::new(derived.epoch_secrets, tree.size(), config.secret_tree);
        let mut group = Group {
            provider: provider.clone(),
            config,
            identity,
            tree,
            keys: TreePrivateKeys::new(LeafIndex(0), pair.private_key),
            context,
            interim_transcript_hash: interim,
            confirmation_tag: tag,
            epoch,
            past_epochs: VecDeque::new(),
            proposals: Vec::new(),
            pending_updates: Vec::new(),
            pending_commit: None,
            psks: PskStore::new(),
            resumption_psks: VecDeque::new(),
            active: true,
            reinit: None,
        };
        group.remember_resumption_psk();
        Ok(group)
    }

    /// The cipher suite provider of the group's suite.
    fn cs_of(
        provider: &Arc<dyn CryptoProvider>,
        suite: CipherSuite,
    ) -> Result<&dyn CipherSuiteProvider, Error> {
        provider.suite(suite)
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.context.group_context().cipher_suite
    }

    /// The group id (RFC 9420 §8.1).
    pub fn group_id(&self) -> &[u8] {
        self.context.group_id()
    }

    /// The current epoch (RFC 9420 §8.1).
    pub fn epoch(&self) -> u64 {
        self.context.epoch()
    }

    /// The current `GroupContext` (RFC 9420 §8.1).
    pub fn group_context(&self) -> &GroupContext {
        self.context.group_context()
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.keys.own_leaf()
    }

    /// This member's signing identity.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// The group's policy.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The public ratchet tree (RFC 9420 §7).
    pub fn ratchet_tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// Whether this member can still send (false once removed, RFC 9420 §12.4.2).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The members, by leaf index (RFC 9420 §4.1). O(n).
    pub fn members(&self) -> Vec<Member> {
        self.tree
            .leaves()
            .filter_map(|(l, _)| proposals::member_at(&self.tree, l))
            .collect()
    }

    /// The member at `leaf`, if that leaf is occupied.
    pub fn member(&self, leaf: LeafIndex) -> Option<Member> {
        proposals::member_at(&self.tree, leaf)
    }

    /// The member whose leaf carries `credential` (RFC 9420 §5.3), if any: the first such
    /// leaf by index (§5.3.3 lets several leaves share a credential only in ways the
    /// credential validator allows, e.g. one identity on several devices). O(n); the
    /// credentials are compared by encoding.
    pub fn member_by_credential(&self, credential: &Credential) -> Option<Member> {
        self.tree
            .leaves()
            .filter_map(|(l, _)| proposals::member_at(&self.tree, l))
            .find(|m| m.credential == *credential)
    }

    /// The members whose leaves carry `credential` (RFC 9420 §5.3), by leaf index: one
    /// identity may be a member on several devices. O(n).
    pub fn members_by_credential(&self, credential: &Credential) -> Vec<Member> {
        self.tree
            .leaves()
            .filter_map(|(l, _)| proposals::member_at(&self.tree, l))
            .filter(|m| m.credential == *credential)
            .collect()
    }

    /// The number of members. O(n).
    pub fn member_count(&self) -> u32 {
        self.tree.member_count()
    }

    /// `MLS-Exporter(label, context, length)` of the current epoch (RFC 9420 §8.5).
    pub fn export_secret(
        &self,
        label: &[u8],
        context: &[u8],
        length: usize,
    ) -> Result<Secret, Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        crate::key_schedule::mls_exporter(cs, &self.epoch.exporter_secret, label, context, length)
    }

    /// The `epoch_authenticator` of the current epoch (RFC 9420 §8.7).
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch.epoch_authenticator.as_bytes()
    }

    /// The current epoch's `resumption_psk` (RFC 9420 §8.6).
    pub fn resumption_psk(&self) -> &Secret {
        &self.epoch.resumption_psk
    }

    /// The external PSKs this member knows (RFC 9420 §8.4).
    pub fn psk_store_mut(&mut self) -> &mut PskStore {
        &mut self.psks
    }

    /// Whether a Commit of this member waits for [`Group::merge_pending_commit`].
    pub fn has_pending_commit(&self) -> bool {
        self.pending_commit.is_some()
    }

    /// Drops this member's pending Commit (e.g. the Delivery Service rejected it); the
    /// group stays in the current epoch.
    pub fn clear_pending_commit(&mut self) {
        self.pending_commit = None;
    }

    /// This member's pending Commit, staged (RFC 9420 §12.4): what it adds and removes, for
    /// the caller to report once it merges.
    pub fn pending_commit(&self) -> Option<&StagedCommit> {
        self.pending_commit.as_deref()
    }

    /// The numbers of the past epochs whose application secrets are kept (RFC 9420 §9.2),
    /// oldest first.
    pub fn past_epochs(&self) -> Vec<u64> {
        self.past_epochs.iter().map(|(e, _)| *e).collect()
    }

    /// Deletes the kept secrets of every past epoch numbered below `epoch` (RFC 9420 §9.2:
    /// the application decides how long they are kept; RFC 9750 recommends deleting them
    /// on a schedule). Returns how many were deleted; with none the group, and its
    /// [`Group::to_bytes`], are unchanged.
    pub fn drop_past_epochs_before(&mut self, epoch: u64) -> usize {
        let mut dropped = 0usize;
        while self.past_epochs.front().is_some_and(|(e, _)| *e < epoch) {
            self.past_epochs.pop_front();
            dropped = dropped.saturating_add(1);
        }
        dropped
    }

    /// Merges this member's pending Commit once the Delivery Service accepted it
    /// (RFC 9420 §12.4): the group moves to the new epoch. A refused pending Commit (see
    /// [`Group::merge_staged_commit`]) stays pending.
    pub fn merge_pending_commit(&mut self) -> Result<(), Error> {
        if let Some(staged) = &self.pending_commit {
            staged.check_base(self)?;
        }
        let staged = self
            .pending_commit
            .take()
            .ok_or(GroupError::NoPendingCommit)?;
        self.merge_staged_commit(*staged)
    }

    /// Encrypts application data as a PrivateMessage (RFC 9420 §6.3) with the next key of
    /// this member's application ratchet. Fails with [`GroupError::ProposalsPending`] while
    /// accepted proposals of this epoch are uncommitted (§12.4: commit them first, or
    /// [`Group::discard_proposal`]); held proposals ([`ProposalStatus::Held`]) do not count.
    pub fn encrypt_application(
        &mut self,
        plaintext: &[u8],
        authenticated_data: &[u8],
    ) -> Result<MlsMessage, Error> {
        self.check_active()?;
        if self.has_accepted_proposals() {
            return Err(GroupError::ProposalsPending.into());
        }
        let body = FramedContentBody::Application(plaintext.to_vec());
        let ac = self.sign_content(body, authenticated_data, WireFormat::MLS_PRIVATE_MESSAGE)?;
        self.protect(ac)
    }

    /// Sends `proposal` by itself as a handshake message (RFC 9420 §12.1) and stores it by
    /// reference, so that a later Commit (by anyone) can cover it. For an Update, see
    /// [`Group::propose_update`]. Proposing the same proposal twice in an epoch yields the
    /// same ProposalRef (signatures are deterministic) and stores it once; a full pool is
    /// [`GroupError::ProposalPoolFull`]. A SelfRemove proposal goes through
    /// [`Group::self_remove`].
    pub fn propose(&mut self, proposal: Proposal) -> Result<MlsMessage, Error> {
        if matches!(proposal, Proposal::SelfRemove) {
            return self.self_remove();
        }
        self.check_active()?;
        proposals::check_custom_type(&proposal)?;
        let format = self.handshake_wire_format();
        let ac = self.sign_content(FramedContentBody::Proposal(proposal.clone()), &[], format)?;
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(&ac)?)?);
        let sender = Sender::Member(self.own_leaf());
        if self.proposals.iter().all(|p| p.reference != reference)
            && self.has_accepted_count_at_cap()
        {
            return Err(GroupError::ProposalPoolFull.into());
        }
        let msg = self.protect(ac)?;
        self.pool_insert(reference, proposal, sender, true)?;
        Ok(msg)
    }

    /// Proposes an Update of this member's leaf with a fresh encryption key (RFC 9420
    /// §12.1.2); the private key is kept until a Commit covers the proposal.
    pub fn propose_update(&mut self) -> Result<MlsMessage, Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let current = self
            .tree
            .leaf(self.own_leaf())
            .ok_or(GroupError::NoSuchMember)?
            .to_leaf_node()?;
        let pair = cs.kem_generate_key_pair()?;
        let mut leaf = current;
        leaf.encryption_key = pair.public_key.clone();
        leaf.leaf_node_source = LeafNodeSource::Update;
        leaf.sign_by(&self.identity.signer(cs)?, self.group_id(), self.own_leaf())?;
        let msg = self.propose(Proposal::Update(alloc::boxed::Box::new(
            crate::messages::Update { leaf_node: leaf },
        )))?;
        self.pending_updates
            .push((pair.public_key, pair.private_key));
        Ok(msg)
    }

    fn check_active(&self) -> Result<(), Error> {
        if self.active {
            Ok(())
        } else {
            Err(GroupError::GroupInactive.into())
        }
    }

    fn handshake_wire_format(&self) -> WireFormat {
        match self.config.handshake_format {
            HandshakeFormat::Public => WireFormat::MLS_PUBLIC_MESSAGE,
            HandshakeFormat::Private => WireFormat::MLS_PRIVATE_MESSAGE,
        }
    }

    /// Frames and signs `body` as this member in the current epoch (RFC 9420 §6.1).
    fn sign_content(
        &self,
        body: FramedContentBody,
        authenticated_data: &[u8],
        wire_format: WireFormat,
    ) -> Result<AuthenticatedContent, Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        // draft-ietf-mls-extensions § "Safe AAD": with `safe_aad` in the GroupContext,
        // every authenticated_data is a SafeAAD (an empty one when none is given).
        let authenticated_data = crate::components::sender_aad(
            &self.context.group_context().extensions,
            authenticated_data,
        )?;
        let content = FramedContent {
            group_id: self.group_id().to_vec(),
            epoch: self.epoch(),
            sender: Sender::Member(self.own_leaf()),
            authenticated_data,
            body,
        };
        AuthenticatedContent::sign_by(
            wire_format,
            content,
            &self.identity.signer(cs)?,
            &self.context,
        )
    }

    /// Protects signed content with the current epoch's keys (RFC 9420 §6.2, §6.3).
    fn protect(&mut self, ac: AuthenticatedContent) -> Result<MlsMessage, Error> {
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        let body = if ac.wire_format == WireFormat::MLS_PRIVATE_MESSAGE {
            MlsMessageBody::PrivateMessage(PrivateMessage::protect(
                cs,
                &ac,
                &mut self.epoch.secret_tree,
                &self.epoch.sender_data_secret,
                self.config.padding,
            )?)
        } else {
            MlsMessageBody::PublicMessage(PublicMessage::protect(
                cs,
                ac,
                &self.epoch.membership_key,
                &self.context,
            )?)
        };
        Ok(MlsMessage::new(body))
    }
}

#[cfg(all(test, feature = "rust-crypto", feature = "getrandom"))]
mod components_tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tree_caps_tests;
