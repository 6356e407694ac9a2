//! Proposals sent outside Commits, for a partial member (draft-ietf-mls-partial §"Protocol
//! Overview": "Partial clients still need to be provided with access to any proposals sent
//! in a group outside of Commits. [...] They can, however, verify that these proposals were
//! included in a given Commit. And they need to see proposals such as PreSharedKey or
//! GroupContextExtensions so that they can update their state appropriately.").
//!
//! The draft says no more on how: its test vectors (§"Annotated Commits", §"Partial Passive
//! Client Scenarios") give the proposals a Commit references next to the AnnotatedCommit as
//! `MLSMessage(PublicMessage or PrivateMessage)`. A partial client has no tree to look a
//! member's signature key up in, so a member's proposal comes to it as a
//! [`SenderAuthenticatedMessage`] (§"Sender-Authenticated Messages", defined for both
//! PublicMessage and PrivateMessage): the sender's proof against the epoch's tree hash
//! gives the key the proposal's signature is verified with, as for an application message.
//! The proposal is then cached by its ProposalRef (RFC 9420 §5.2, §12.1), and a Commit that
//! covers it by reference takes it from the cache (`PartialMember::process_commit`).
//!
//! As the draft omits proposal list validation for a partial client (§"Annotated Commit"),
//! a cached proposal is not validated against the tree (the client has none); the
//! signature binds it to a proven member of the epoch, and the Commit's confirmation tag
//! binds the list the committer applied.

use super::member::PartialMember;
use super::wire::SenderAuthenticatedMessage;
use crate::crypto::{CipherSuiteProvider, labels};
use crate::error::{Error, GroupError, PartialError};
use crate::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, PrivateMessage, PublicMessage, Sender,
};
use crate::messages::{Proposal, ProposalRef};

/// The most proposals a partial member caches in one epoch (the full member's default
/// bound on its pool, [`crate::group::DEFAULT_MAX_PENDING_PROPOSALS`]).
pub const MAX_CACHED_PROPOSALS: usize = crate::group::DEFAULT_MAX_PENDING_PROPOSALS;

/// A proposal of the current epoch, received outside a Commit and verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedPartialProposal {
    /// Its ProposalRef (RFC 9420 §5.2).
    pub reference: ProposalRef,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it (a member proven by its membership proof).
    pub sender: Sender,
}

impl PartialMember {
    /// Verifies a member's proposal sent as a PublicMessage and caches it for the Commit
    /// that covers it by reference (draft-ietf-mls-partial §"Protocol Overview",
    /// §"Sender-Authenticated Messages"; RFC 9420 §12.1). The checks of
    /// [`SenderAuthenticatedMessage::<PublicMessage>::verify`] (sender proof against this
    /// epoch's tree hash, membership tag, signature with the proven key), then: the content
    /// is a proposal ([`PartialError::NotAProposal`]), not cached already
    /// ([`GroupError::DuplicateProposal`]), within [`MAX_CACHED_PROPOSALS`]
    /// ([`GroupError::ProposalPoolFull`]). Returns its ProposalRef. A refused message leaves
    /// the member as it was.
    pub fn cache_proposal(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        message: SenderAuthenticatedMessage<PublicMessage>,
    ) -> Result<ProposalRef, Error> {
        let context = FramingContext::new(self.group_context.clone())?;
        let ac = message.verify(cs, &context, &self.epoch.membership_key)?;
        self.insert_proposal(cs, &ac)
    }

    /// [`PartialMember::cache_proposal`] for a proposal sent as a PrivateMessage: the checks
    /// of [`SenderAuthenticatedMessage::<PrivateMessage>::verify`] (which consume the
    /// message key only on success), then those of `cache_proposal`. A refused message
    /// leaves the member (its secret tree included) as it was.
    pub fn cache_private_proposal(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        message: SenderAuthenticatedMessage<PrivateMessage>,
    ) -> Result<ProposalRef, Error> {
        let context = FramingContext::new(self.group_context.clone())?;
        let mut secret_tree = self.secret_tree.clone();
        let ac = message.verify(
            cs,
            &context,
            &mut secret_tree,
            &self.epoch.sender_data_secret,
        )?;
        let reference = self.insert_proposal(cs, &ac)?;
        self.secret_tree = secret_tree;
        Ok(reference)
    }

    /// The proposals cached in this epoch, in the order they arrived.
    pub fn cached_proposals(&self) -> &[CachedPartialProposal] {
        &self.proposals
    }

    /// The cache checks of [`PartialMember::cache_proposal`] and the insertion.
    fn insert_proposal(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        ac: &AuthenticatedContent,
    ) -> Result<ProposalRef, Error> {
        let FramedContentBody::Proposal(proposal) = &ac.content.body else {
            return Err(PartialError::NotAProposal.into());
        };
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(ac)?)?);
        if self.proposals.iter().any(|p| p.reference == reference) {
            return Err(GroupError::DuplicateProposal.into());
        }
        if self.proposals.len() >= MAX_CACHED_PROPOSALS {
            return Err(GroupError::ProposalPoolFull.into());
        }
        self.proposals.push(CachedPartialProposal {
            reference: reference.clone(),
            proposal: proposal.clone(),
            sender: ac.content.sender,
        });
        Ok(reference)
    }

    /// The cached proposal of `reference`, if any.
    pub(crate) fn cached(&self, reference: &ProposalRef) -> Option<&Proposal> {
        self.proposals
            .iter()
            .find(|p| p.reference == *reference)
            .map(|p| &p.proposal)
    }
}
