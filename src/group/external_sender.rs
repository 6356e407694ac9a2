//! Proposals from outside the group (RFC 9420 §12.1.8): `external` senders listed in the
//! `external_senders` GroupContext extension (§12.1.8.1), and `new_member_proposal` Adds by
//! which a non-member asks to join.
//!
//! Both are PublicMessages without a membership tag, signed without the GroupContext
//! (§6.1). Members verify them with the `external_senders` entry or with the KeyPackage's
//! leaf signature key, store them by reference like any proposal, and a member commits them
//! later (§12.4).

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CipherSuite, CryptoProvider, Secret};
use crate::error::{Error, GroupError};
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, MlsMessage,
    MlsMessageBody, PublicMessage, Sender, WireFormat,
};
use crate::messages::{
    Add, Extensions, ExternalSender, ExternalSenders, GroupContext, GroupContextExtensions,
    KeyPackage, Proposal, ProposalType,
};

use super::Group;
use super::config::SigningIdentity;
use super::hooks::GroupHooks;
use super::join_checks::group_info_of;

/// Whether an `external` sender may send `proposal` (RFC 9420 §12.1.8): of RFC 9420's
/// types add, remove, psk, reinit and group_context_extensions
/// ([`GroupError::ExternalProposalTypeNotAllowed`] otherwise); a custom type if the
/// application's [`CustomProposalValidator::allowed_from_external_sender`] says so
/// ([`GroupError::ExternalCustomProposalNotAllowed`] otherwise).
///
/// [`CustomProposalValidator::allowed_from_external_sender`]:
///     super::hooks::CustomProposalValidator::allowed_from_external_sender
pub(super) fn check_external_sender_type(
    proposal: &Proposal,
    hooks: &GroupHooks,
) -> Result<(), Error> {
    let t = proposal.proposal_type();
    match t {
        ProposalType::ADD
        | ProposalType::REMOVE
        | ProposalType::PSK
        | ProposalType::REINIT
        | ProposalType::GROUP_CONTEXT_EXTENSIONS => Ok(()),
        // draft-ietf-mls-extensions: "SelfRemove cannot be sent as an external proposal".
        ProposalType::SELF_REMOVE => Err(GroupError::SelfRemoveFromNonMember.into()),
        _ if t.is_default() => Err(GroupError::ExternalProposalTypeNotAllowed.into()),
        // draft-ietf-mls-extensions § "MLS Proposal Types": "External: Y".
        _ if crate::components::is_app_proposal_type(t) => Ok(()),
        _ if hooks
            .custom_proposal_validator()
            .allowed_from_external_sender(t) =>
        {
            Ok(())
        }
        _ => Err(GroupError::ExternalCustomProposalNotAllowed.into()),
    }
}

/// Signs `proposal` from a non-member `sender` for group `group_id` at `epoch` and frames it
/// as a PublicMessage (RFC 9420 §6.1, §6.2: no GroupContext in the signed content, no
/// membership tag).
#[allow(clippy::too_many_arguments)]
fn sign_non_member(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    identity: &SigningIdentity,
    sender: Sender,
    group_id: &[u8],
    epoch: u64,
    proposal: Proposal,
    authenticated_data: &[u8],
) -> Result<MlsMessage, Error> {
    let cs = provider.suite(suite)?;
    // `external` and `new_member_proposal` signatures do not cover the GroupContext: only
    // its group id and epoch are used, to check the content against it.
    let context = FramingContext::new(GroupContext::new(
        suite,
        group_id.to_vec(),
        epoch,
        Vec::new(),
        Vec::new(),
        Extensions::default(),
    ))?;
    let content = FramedContent {
        group_id: group_id.to_vec(),
        epoch,
        sender,
        authenticated_data: authenticated_data.to_vec(),
        body: FramedContentBody::Proposal(proposal),
    };
    let ac = AuthenticatedContent::sign_by(
        WireFormat::MLS_PUBLIC_MESSAGE,
        content,
        &identity.signer(cs)?,
        &context,
    )?;
    let msg = PublicMessage::protect(cs, ac, &Secret::zero(cs.hash_len()), &context)?;
    Ok(MlsMessage::new(MlsMessageBody::PublicMessage(msg)))
}

/// A party outside the group that sends proposals as an `external` sender (RFC 9420
/// §12.1.8), e.g. a Delivery Service adding and removing members. Its
/// [`ExternalProposer::external_sender`] entry must be in the group's `external_senders`
/// extension; its position there is the `sender_index` of its proposals. Whether it may
/// send a custom proposal type is for its hooks to say ([`ExternalProposer::with_hooks`]),
/// as for the members (§12.1.8).
#[derive(Clone)]
pub struct ExternalProposer {
    provider: Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    identity: SigningIdentity,
    hooks: GroupHooks,
}

impl core::fmt::Debug for ExternalProposer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExternalProposer")
            .field("suite", &self.suite)
            .field("credential", &self.identity.credential)
            .finish_non_exhaustive()
    }
}

impl ExternalProposer {
    /// An external proposer signing with `identity` in cipher suite `suite` (the provider
    /// must support it, and the identity's signature scheme must be the suite's:
    /// [`GroupError::SignerSchemeMismatch`]).
    pub fn new(
        provider: Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        identity: SigningIdentity,
    ) -> Result<Self, Error> {
        identity.signer(provider.suite(suite)?)?;
        Ok(ExternalProposer {
            provider,
            suite,
            identity,
            hooks: GroupHooks::default(),
        })
    }

    /// This proposer with `hooks`, whose
    /// [`CustomProposalValidator::allowed_from_external_sender`] says which custom proposal
    /// types it may send (RFC 9420 §12.1.8; the default hooks allow none).
    ///
    /// [`CustomProposalValidator::allowed_from_external_sender`]:
    ///     super::hooks::CustomProposalValidator::allowed_from_external_sender
    pub fn with_hooks(mut self, hooks: GroupHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The `ExternalSender` entry (RFC 9420 §12.1.8.1) members add to `external_senders`.
    pub fn external_sender(&self) -> ExternalSender {
        ExternalSender {
            signature_key: self.identity.signature_public_key().clone(),
            credential: self.identity.credential.clone(),
        }
    }

    /// A proposal from `external` sender `sender_index` for group `group_id` at `epoch`
    /// (RFC 9420 §12.1.8), as a PublicMessage. Only add, remove, psk, reinit and
    /// group_context_extensions proposals ([`GroupError::ExternalProposalTypeNotAllowed`]),
    /// and custom types the proposer's hooks allow from external senders
    /// ([`GroupError::ExternalCustomProposalNotAllowed`]).
    pub fn propose(
        &self,
        group_id: &[u8],
        epoch: u64,
        sender_index: u32,
        proposal: Proposal,
        authenticated_data: &[u8],
    ) -> Result<MlsMessage, Error> {
        check_external_sender_type(&proposal, &self.hooks)?;
        sign_non_member(
            &self.provider,
            self.suite,
            &self.identity,
            Sender::External(sender_index),
            group_id,
            epoch,
            proposal,
            authenticated_data,
        )
    }

    /// [`ExternalProposer::propose`] for the group and epoch of a GroupInfo message (its
    /// signature is not checked here: the members check the proposal).
    pub fn propose_for(
        &self,
        group_info: &MlsMessage,
        sender_index: u32,
        proposal: Proposal,
    ) -> Result<MlsMessage, Error> {
        let gi = group_info_of(group_info)?;
        let ctx = &gi.group_context;
        self.propose(&ctx.group_id, ctx.epoch, sender_index, proposal, &[])
    }
}

/// A `new_member_proposal` (RFC 9420 §12.1.8): a non-member's Add of its own `key_package`
/// to the group and epoch of `group_info` (an `mls_group_info` message), signed with the
/// KeyPackage's leaf signature key, which `identity` must hold
/// ([`GroupError::SignerKeyMismatch`]). A member then commits it by reference and the joiner
/// gets a Welcome.
pub fn new_member_add_proposal(
    provider: &Arc<dyn CryptoProvider>,
    group_info: &MlsMessage,
    key_package: &KeyPackage,
    identity: &SigningIdentity,
    authenticated_data: &[u8],
) -> Result<MlsMessage, Error> {
    let gi = group_info_of(group_info)?;
    if &key_package.leaf_node.signature_key != identity.signature_public_key() {
        return Err(GroupError::SignerKeyMismatch.into());
    }
    let ctx = &gi.group_context;
    let proposal = Proposal::Add(alloc::boxed::Box::new(Add {
        key_package: key_package.clone(),
    }));
    sign_non_member(
        provider,
        ctx.cipher_suite,
        identity,
        Sender::NewMemberProposal,
        &ctx.group_id,
        ctx.epoch,
        proposal,
        authenticated_data,
    )
}

impl Group {
    /// The GroupContext extensions with `sender` appended to `external_senders` (created if
    /// absent), and the `sender_index` it gets (RFC 9420 §12.1.8.1): the content of a
    /// GroupContextExtensions proposal (§12.1.7).
    pub fn extensions_with_external_sender(
        &self,
        sender: ExternalSender,
    ) -> Result<(Extensions, u32), Error> {
        let mut extensions = self.group_context().extensions.clone();
        let mut senders = extensions.read::<ExternalSenders>()?.unwrap_or_default();
        let index = u32::try_from(senders.0.len()).map_err(|_| GroupError::InvalidState)?;
        senders.0.push(sender);
        extensions.write(&senders)?;
        Ok((extensions, index))
    }

    /// Proposes (RFC 9420 §12.1.7) adding `sender` to the group's `external_senders`
    /// (§12.1.8.1); returns the proposal message and the `sender_index` the external sender
    /// will have once a Commit covers it.
    pub fn propose_add_external_sender(
        &mut self,
        sender: ExternalSender,
    ) -> Result<(MlsMessage, u32), Error> {
        let (extensions, index) = self.extensions_with_external_sender(sender)?;
        let msg = self.propose(Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions,
        }))?;
        Ok((msg, index))
    }

    /// Structural checks of a PublicMessage from a non-member, before its signature (RFC
    /// 9420 §6.1, §12.1.8, §12.4.3.2): an `external` sender's proposal type and index, and
    /// an external Commit's proposal list and path (whose leaf key verifies the signature).
    pub(super) fn check_non_member(&self, message: &MlsMessage) -> Result<(), Error> {
        super::handshake_checks::check_non_member(message, self.group_context(), &self.config.hooks)
    }
}
