//! SelfRemove proposals in external Commits (draft-ietf-mls-extensions, "SelfRemove
//! Proposal"): "Whenever a new joiner is about to join a self-remove-capable group with an
//! external Commit, the new joiner MUST fetch any pending SelfRemove Proposals along with
//! the GroupInfo object, and include the SelfRemove Proposals in its external Commit by
//! reference. ... The new joiner MUST validate the SelfRemove Proposal before including it
//! by reference, except that it skips the validation of the `membership_tag`."
//!
//! The joiner side is here ([`pending_self_removes`], used by
//! [`Group::join_by_external_commit`](super::Group::join_by_external_commit) with
//! [`ExternalCommitOptions::self_removes`](super::ExternalCommitOptions::self_removes));
//! receivers resolve the references against the proposals they hold
//! (`ExternalProposals::resolve`): only SelfRemove proposals may be given by reference.

use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, labels};
use crate::error::{Error, ExtensionError, GroupError};
use crate::framing::{FramedContentBody, FramingContext, MlsMessage, Sender};
use crate::messages::{Proposal, ProposalRef};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::LeafIndex;

use super::handshake_checks::sender_signature_key;

/// Validates the pending SelfRemove proposals an external joiner fetched with the
/// GroupInfo whose GroupContext `context` describes and whose (validated) tree is `tree`,
/// and returns each one's ProposalRef and the leaf it removes, in the order given.
///
/// Each must be a PublicMessage ([`GroupError::SelfRemoveNotPublic`]) of this group and
/// epoch (the framing errors), carrying a SelfRemove proposal
/// ([`ExtensionError::PendingProposalNotSelfRemove`]) from a member of `tree`
/// ([`GroupError::SelfRemoveFromNonMember`]) whose signature verifies; at most one per
/// member ([`GroupError::DuplicateSelfRemove`]). The `membership_tag` is not checked (the
/// joiner has no membership key), as the draft says.
pub(super) fn pending_self_removes(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    context: &FramingContext,
    messages: &[MlsMessage],
) -> Result<Vec<(ProposalRef, LeafIndex)>, Error> {
    let mut out: Vec<(ProposalRef, LeafIndex)> = Vec::with_capacity(messages.len());
    for m in messages {
        let pm = m
            .as_public_message()
            .ok_or(GroupError::SelfRemoveNotPublic)?;
        if !matches!(
            pm.content.body,
            FramedContentBody::Proposal(Proposal::SelfRemove)
        ) {
            return Err(ExtensionError::PendingProposalNotSelfRemove.into());
        }
        let Sender::Member(leaf) = pm.content.sender else {
            return Err(GroupError::SelfRemoveFromNonMember.into());
        };
        if tree.leaf(leaf).is_none() {
            return Err(GroupError::SelfRemoveFromNonMember.into());
        }
        let ac = pm
            .clone()
            .unprotect_without_membership_key(cs, context, |s, c| {
                sender_signature_key(tree, context.group_context(), s, c)
            })?;
        if out.iter().any(|(_, l)| *l == leaf) {
            return Err(GroupError::DuplicateSelfRemove.into());
        }
        let reference = ProposalRef(labels::make_proposal_ref(cs, &crate::codec::encode(&ac)?)?);
        out.push((reference, leaf));
    }
    Ok(out)
}
