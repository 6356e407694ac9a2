//! Application hooks of a group: credential validation (RFC 9420 §5.3.1, §5.3.2) and the
//! validation of custom proposal types (§12.1, §12.2, §13).
//!
//! Both are object-safe traits held as `Arc<dyn ...>` in [`GroupHooks`], which lives in
//! [`GroupConfig::hooks`](super::GroupConfig::hooks). Hooks are code, not data: group state
//! ([`Group::to_bytes`](super::Group::to_bytes)) records only *whether* a custom hook was
//! set, and a state saved with custom hooks restores only through
//! [`Group::from_bytes_with_hooks`](super::Group::from_bytes_with_hooks)
//! ([`GroupError::MissingHooks`](crate::error::GroupError::MissingHooks) otherwise), so a
//! restored group never silently falls back to the default policy.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::components::ComponentRegistry;
use crate::crypto::SignaturePublicKey;
use crate::framing::Sender;
use crate::messages::{
    Credential, CredentialType, GroupContext, Proposal, ProposalRef, ProposalType,
};
use crate::tree_math::LeafIndex;

/// Why a leaf's credential is presented to the [`CredentialValidator`] (RFC 9420 §5.3.1:
/// "whenever a new credential is introduced ... and whenever a credential is updated").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialUse {
    /// The creator's own leaf, when it creates a group (§11).
    Creator,
    /// A leaf of the ratchet tree a joiner receives, by Welcome (§12.4.3.1) or in the
    /// GroupInfo of an external join (§12.4.3.2).
    JoinTree,
    /// The leaf of an Add proposal's KeyPackage (§12.1.1).
    Add,
    /// The leaf of an Update proposal (§12.1.2).
    Update,
    /// The committer's new leaf in an UpdatePath (§12.4.2).
    CommitPath,
    /// The joiner's leaf in an external Commit (§12.4.3.2).
    ExternalCommit,
    /// An entry of an `external_senders` GroupContext extension (§12.1.8.1), whenever the
    /// extension is added or changed (§5.3.1): at group creation, in a committed
    /// GroupContextExtensions proposal, and in the GroupContext a joiner receives (Welcome
    /// or external join). The signature key is the entry's `signature_key`.
    ExternalSender,
}

/// The Authentication Service's judgement of credentials (RFC 9420 §5.3.1), supplied by
/// the application. A group calls [`validate`](CredentialValidator::validate) for every
/// new or updated leaf (see [`CredentialUse`]) and
/// [`valid_successor`](CredentialValidator::valid_successor) whenever a member's leaf is
/// replaced (Update, commit path, resync external Commit, §5.3.2).
///
/// A refusal is [`GroupError::CredentialRejected`],
/// [`GroupError::ExternalSenderCredentialRejected`] (an `external_senders` entry) or
/// [`GroupError::CredentialNotValidSuccessor`].
///
/// [`GroupError::CredentialRejected`]: crate::error::GroupError::CredentialRejected
/// [`GroupError::ExternalSenderCredentialRejected`]:
///     crate::error::GroupError::ExternalSenderCredentialRejected
/// [`GroupError::CredentialNotValidSuccessor`]:
///     crate::error::GroupError::CredentialNotValidSuccessor
pub trait CredentialValidator: Send + Sync {
    /// Whether `credential` is valid and binds `signature_key` (§5.3.1), for `usage`.
    fn validate(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
        usage: CredentialUse,
    ) -> bool;

    /// Whether `successor` may replace `predecessor` in a member's leaf: both must present
    /// the same client identity (§5.3.2: "the identity in the new credential is the same as
    /// ... the old one"). The default accepts only an identical credential.
    fn valid_successor(&self, predecessor: &Credential, successor: &Credential) -> bool {
        predecessor == successor
    }

    /// The credential types this validator accepts, listed in the member's own leaves'
    /// `capabilities.credentials` by default besides the member's own credential type
    /// (RFC 9420 §7.2: a client "MUST list all values it supports"). A type listed there lets
    /// members with credentials of that type be added to the group, so list only types
    /// [`validate`](CredentialValidator::validate) can accept. The default lists none: a
    /// custom validator that does not override this advertises only the member's own type.
    fn supported_credential_types(&self) -> Vec<CredentialType> {
        Vec::new()
    }
}

/// The default [`CredentialValidator`]: accepts `basic` credentials (their identity is the
/// application's business, §5.3) and `x509` credentials with at least one certificate, as
/// opaque bytes (**no certificate path validation**: an application using X.509 supplies its
/// own validator); refuses every other credential type, which only an application-supplied
/// validator understands. A successor must present the same `basic` identity, or for
/// `x509` the same end-entity certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BasicCredentialValidator;

impl CredentialValidator for BasicCredentialValidator {
    fn validate(
        &self,
        credential: &Credential,
        _signature_key: &SignaturePublicKey,
        _usage: CredentialUse,
    ) -> bool {
        match credential {
            Credential::Basic(_) => true,
            Credential::X509(chain) => !chain.is_empty(),
            Credential::Other { .. } => false,
        }
    }

    fn valid_successor(&self, predecessor: &Credential, successor: &Credential) -> bool {
        match (predecessor, successor) {
            (Credential::X509(a), Credential::X509(b)) => a.first() == b.first(),
            (a, b) => a == b,
        }
    }

    /// `basic` and `x509`, the types [`validate`](CredentialValidator::validate) accepts.
    fn supported_credential_types(&self) -> Vec<CredentialType> {
        alloc::vec![CredentialType::BASIC, CredentialType::X509]
    }
}

/// A proposal of a type outside RFC 9420's seven, as given to a
/// [`CustomProposalValidator`] (RFC 9420 §12.1).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct CustomProposal<'a> {
    /// The proposal type.
    pub proposal_type: ProposalType,
    /// The proposal's content (`opaque<V>`).
    pub data: &'a [u8],
    /// Who proposed it.
    pub sender: &'a Sender,
    /// The GroupContext of the epoch the proposal is committed (or received) in.
    pub context: &'a GroupContext,
}

/// The application's rules for its custom proposal types (RFC 9420 §12.1, §12.2, §13).
///
/// The group checks first that every member lists the type in its
/// `capabilities.proposals` ([`GroupError::UnsupportedProposalType`]); then it calls
/// [`validate`](CustomProposalValidator::validate) for every custom proposal it receives
/// and every one covered by a Commit it creates or processes
/// ([`GroupError::CustomProposalRejected`] on refusal). Custom proposals change nothing in
/// the group state that MLS maintains: the application acts on them after the Commit is
/// merged (see [`StagedCommit::custom_proposals`](super::StagedCommit::custom_proposals)).
///
/// [`GroupError::UnsupportedProposalType`]: crate::error::GroupError::UnsupportedProposalType
/// [`GroupError::CustomProposalRejected`]: crate::error::GroupError::CustomProposalRejected
pub trait CustomProposalValidator: Send + Sync {
    /// Whether `proposal` is valid in this group.
    fn validate(&self, proposal: &CustomProposal<'_>) -> bool;

    /// Whether a Commit covering a proposal of type `proposal_type` must carry a path
    /// (RFC 9420 §12.4: a proposal type that does not say otherwise requires one, the
    /// default). Every member must answer alike, or they disagree on the Commit's validity.
    fn path_required(&self, proposal_type: ProposalType) -> bool {
        let _ = proposal_type;
        true
    }

    /// Whether an `external` sender (an `external_senders` entry, RFC 9420 §12.1.8.1) may
    /// send proposals of type `proposal_type`. §12.1.8: "New proposal types defined in the
    /// future MUST define whether they may be sent by `external` senders"; the application
    /// defines its own types here. The default, `false`, refuses them
    /// ([`GroupError::ExternalCustomProposalNotAllowed`]). Only asked for custom types;
    /// every member must answer alike.
    ///
    /// [`GroupError::ExternalCustomProposalNotAllowed`]:
    ///     crate::error::GroupError::ExternalCustomProposalNotAllowed
    fn allowed_from_external_sender(&self, proposal_type: ProposalType) -> bool {
        let _ = proposal_type;
        false
    }
}

/// The default [`CustomProposalValidator`]: accepts every custom proposal whose type every
/// member supports, requires a path for all of them (RFC 9420 §12.4), and refuses them from
/// `external` senders (§12.1.8). Without custom
/// types in this member's own capabilities no custom proposal gets that far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptCustomProposals;

impl CustomProposalValidator for AcceptCustomProposals {
    fn validate(&self, _proposal: &CustomProposal<'_>) -> bool {
        true
    }
}

/// What a member does with a proposal it received on its own (RFC 9420 §12.1), once every
/// check of the protocol passed: the answer of [`ProposalPolicy::received`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalDecision {
    /// Store it in the pool: this member's next Commit covers it, and application messages
    /// wait until a Commit did (§12.4).
    Accept,
    /// Store it but hold it for the application: no Commit of this member covers it and it
    /// does not block application messages until the application calls
    /// [`Group::approve_proposal`](super::Group::approve_proposal). It stays referable, so a
    /// Commit of another member that covers it is still processed.
    Hold,
    /// Refuse it ([`GroupError::ProposalRejectedByPolicy`]); it is not stored.
    ///
    /// [`GroupError::ProposalRejectedByPolicy`]:
    ///     crate::error::GroupError::ProposalRejectedByPolicy
    Reject,
}

/// A proposal as a [`ProposalPolicy`] sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ProposalInfo<'a> {
    /// The proposal.
    pub proposal: &'a Proposal,
    /// Who proposed it (`new_member_proposal` and `external` senders are outsiders).
    pub sender: &'a Sender,
    /// Its ProposalRef (RFC 9420 §5.2), when it was sent on its own; `None` for a proposal
    /// carried by value in a Commit.
    pub reference: Option<&'a ProposalRef>,
    /// The GroupContext of the epoch it belongs to.
    pub context: &'a GroupContext,
}

/// The application's rules on who may propose what (RFC 9420 §12.2: "An application may
/// extend the above procedure by additional rules, for example, requiring
/// application-level permissions to add members").
///
/// The group calls [`received`](ProposalPolicy::received) for every proposal it receives
/// on its own, [`may_commit`](ProposalPolicy::may_commit) for every proposal of the pool a
/// Commit of this member would cover, and
/// [`commit_valid`](ProposalPolicy::commit_valid) for every proposal of a Commit it
/// receives. The default ([`DefaultProposalPolicy`]) accepts members' proposals and holds
/// those of outsiders (`new_member_proposal` Adds and `external` senders, §12.1.8) until the
/// application approves them, so nobody who merely holds a GroupInfo gets into the group
/// by the next plain Commit.
pub trait ProposalPolicy: Send + Sync {
    /// Whether to accept, hold or refuse a proposal received on its own. The default
    /// accepts members' proposals and holds everyone else's.
    fn received(&self, proposal: &ProposalInfo<'_>) -> ProposalDecision {
        default_decision(proposal.sender)
    }

    /// Whether a Commit of this member may cover this proposal of its pool (accepted or
    /// approved). `false` leaves it out of the Commit
    /// ([`GroupError::ProposalRejectedByPolicy`] in
    /// [`CommitOutput::left_out`](super::CommitOutput::left_out)). Default: `true`.
    ///
    /// [`GroupError::ProposalRejectedByPolicy`]:
    ///     crate::error::GroupError::ProposalRejectedByPolicy
    fn may_commit(&self, proposal: &ProposalInfo<'_>) -> bool {
        let _ = proposal;
        true
    }

    /// Whether a received Commit of member `committer` may cover this proposal; `false`
    /// refuses the Commit ([`GroupError::CommitRejectedByPolicy`]). Every member must
    /// answer alike, or the group forks (§12.2). Default: `true` (the committer decided).
    ///
    /// [`GroupError::CommitRejectedByPolicy`]:
    ///     crate::error::GroupError::CommitRejectedByPolicy
    fn commit_valid(&self, committer: LeafIndex, proposal: &ProposalInfo<'_>) -> bool {
        let _ = (committer, proposal);
        true
    }
}

/// The default answer of [`ProposalPolicy::received`]: members' proposals are accepted,
/// outsiders' (`new_member_proposal`, `external`) are held.
pub fn default_decision(sender: &Sender) -> ProposalDecision {
    match sender {
        Sender::Member(_) => ProposalDecision::Accept,
        _ => ProposalDecision::Hold,
    }
}

/// The default [`ProposalPolicy`]: members' proposals are accepted, outsiders' held for the
/// application; every held or accepted proposal may be committed, every received Commit is
/// acceptable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefaultProposalPolicy;

impl ProposalPolicy for DefaultProposalPolicy {}

/// A [`ProposalPolicy`] that accepts every valid proposal, outsiders' included (a test
/// harness, or a group whose Delivery Service vets external proposals itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptAllProposals;

impl ProposalPolicy for AcceptAllProposals {
    fn received(&self, _proposal: &ProposalInfo<'_>) -> ProposalDecision {
        ProposalDecision::Accept
    }
}

static BASIC_VALIDATOR: BasicCredentialValidator = BasicCredentialValidator;
static ACCEPT_CUSTOM: AcceptCustomProposals = AcceptCustomProposals;
static DEFAULT_POLICY: DefaultProposalPolicy = DefaultProposalPolicy;
static NO_COMPONENTS: ComponentRegistry = ComponentRegistry::EMPTY;

/// The application hooks of a group (see the module documentation); each unset hook is the
/// default ([`BasicCredentialValidator`], [`AcceptCustomProposals`],
/// [`DefaultProposalPolicy`]).
///
/// Two `GroupHooks` are equal when each hook is the default in both or the same `Arc` in
/// both.
#[derive(Clone, Default)]
pub struct GroupHooks {
    credential_validator: Option<Arc<dyn CredentialValidator>>,
    custom_proposal_validator: Option<Arc<dyn CustomProposalValidator>>,
    proposal_policy: Option<Arc<dyn ProposalPolicy>>,
    app_components: Option<Arc<ComponentRegistry>>,
}

impl GroupHooks {
    /// The default hooks.
    pub fn new() -> Self {
        GroupHooks::default()
    }

    /// These hooks with `validator` as the credential validator (RFC 9420 §5.3.1).
    pub fn with_credential_validator(mut self, validator: Arc<dyn CredentialValidator>) -> Self {
        self.credential_validator = Some(validator);
        self
    }

    /// These hooks with `validator` for custom proposal types (RFC 9420 §12.1).
    pub fn with_custom_proposal_validator(
        mut self,
        validator: Arc<dyn CustomProposalValidator>,
    ) -> Self {
        self.custom_proposal_validator = Some(validator);
        self
    }

    /// These hooks with `policy` deciding over received and committed proposals (RFC 9420
    /// §12.2).
    pub fn with_proposal_policy(mut self, policy: Arc<dyn ProposalPolicy>) -> Self {
        self.proposal_policy = Some(policy);
        self
    }

    /// These hooks with `components`, the application's components of the safe
    /// application interface (draft-ietf-mls-extensions § "The Safe Application
    /// Interface"): they decide over AppDataUpdate and AppEphemeral proposals.
    pub fn with_app_components(mut self, components: Arc<ComponentRegistry>) -> Self {
        self.app_components = Some(components);
        self
    }

    /// The application's components in use (without registration: only the built-in
    /// `app_components`, `safe_aad` and `app_ack`).
    pub fn app_components(&self) -> &ComponentRegistry {
        match &self.app_components {
            Some(c) => c.as_ref(),
            None => &NO_COMPONENTS,
        }
    }

    /// Whether application components are registered.
    pub fn has_app_components(&self) -> bool {
        self.app_components.is_some()
    }

    /// The proposal policy in use.
    pub fn proposal_policy(&self) -> &dyn ProposalPolicy {
        match &self.proposal_policy {
            Some(p) => p.as_ref(),
            None => &DEFAULT_POLICY,
        }
    }

    /// Whether a custom proposal policy is set.
    pub fn has_custom_proposal_policy(&self) -> bool {
        self.proposal_policy.is_some()
    }

    /// The credential validator in use.
    pub fn credential_validator(&self) -> &dyn CredentialValidator {
        match &self.credential_validator {
            Some(v) => v.as_ref(),
            None => &BASIC_VALIDATOR,
        }
    }

    /// The custom proposal validator in use.
    pub fn custom_proposal_validator(&self) -> &dyn CustomProposalValidator {
        match &self.custom_proposal_validator {
            Some(v) => v.as_ref(),
            None => &ACCEPT_CUSTOM,
        }
    }

    /// Whether a custom credential validator is set.
    pub fn has_custom_credential_validator(&self) -> bool {
        self.credential_validator.is_some()
    }

    /// Whether a custom proposal validator is set.
    pub fn has_custom_proposal_validator(&self) -> bool {
        self.custom_proposal_validator.is_some()
    }
}

impl core::fmt::Debug for GroupHooks {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupHooks")
            .field(
                "custom_credential_validator",
                &self.has_custom_credential_validator(),
            )
            .field(
                "custom_proposal_validator",
                &self.has_custom_proposal_validator(),
            )
            .field("custom_proposal_policy", &self.has_custom_proposal_policy())
            .field("app_components", &self.has_app_components())
            .finish()
    }
}

fn same<T: ?Sized>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
        _ => false,
    }
}

impl PartialEq for GroupHooks {
    fn eq(&self, other: &Self) -> bool {
        same(&self.credential_validator, &other.credential_validator)
            && same(
                &self.custom_proposal_validator,
                &other.custom_proposal_validator,
            )
            && same(&self.proposal_policy, &other.proposal_policy)
            && same(&self.app_components, &other.app_components)
    }
}

impl Eq for GroupHooks {}
