//! Saving and restoring a [`PublicGroup`] (the caller persists the bytes, as for
//! [`Group::to_bytes`](crate::group::Group::to_bytes)).
//!
//! The state is public (no secret is in it) but not authenticated: a server keeps it
//! where it trusts its integrity. Restoring decodes the tree within the config's tree
//! limits and checks it against the saved GroupContext's tree hash, so damaged bytes are
//! refused rather than restored with latent damage; the config (hooks, limits) is the
//! caller's, not saved.
//!
//! ```text
//! struct {
//!     uint16 version = 1;
//!     GroupContext group_context;
//!     opaque ratchet_tree<V>;            /* optional<Node> ratchet_tree<V>, §12.4.3.3 */
//!     opaque interim_transcript_hash<V>;
//!     opaque confirmation_tag<V>;
//!     CachedProposal proposals<V>;       /* ProposalRef, Sender, Proposal */
//!     optional<ReInit> reinit;
//! } PublicGroupState;
//! ```

use alloc::sync::Arc;
use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use crate::crypto::CryptoProvider;
use crate::error::{Error, GroupError, TreeError};
use crate::framing::{FramingContext, Sender};
use crate::messages::{GroupContext, Proposal, ProposalRef, ReInit};
use crate::ratchet_tree::{RatchetTree, TreeView};

use super::super::config::GroupConfig;
use super::{CachedProposal, PublicGroup};

/// The version of [`PublicGroup::to_bytes`]'s format.
pub const PUBLIC_GROUP_STATE_VERSION: u16 = 1;

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
struct CachedProposalState {
    reference: ProposalRef,
    sender: Sender,
    proposal: Proposal,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
struct PublicGroupState {
    version: u16,
    group_context: GroupContext,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    ratchet_tree: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    interim_transcript_hash: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    confirmation_tag: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    proposals: Vec<CachedProposalState>,
    reinit: Option<ReInit>,
}

impl PublicGroup {
    /// Encodes the view (format in `src/group/public/state.rs`, versioned by
    /// [`PUBLIC_GROUP_STATE_VERSION`]): GroupContext, tree, transcript hash, confirmation
    /// tag, cached proposals. Public data, not authenticated: see [`PublicGroup::from_bytes`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let state = PublicGroupState {
            version: PUBLIC_GROUP_STATE_VERSION,
            group_context: self.context.group_context().clone(),
            ratchet_tree: self.tree.encode_extension()?,
            interim_transcript_hash: self.interim_transcript_hash.clone(),
            confirmation_tag: self.confirmation_tag.clone(),
            proposals: self
                .proposals
                .iter()
                .map(|c| CachedProposalState {
                    reference: c.reference.clone(),
                    sender: c.sender,
                    proposal: c.proposal.clone(),
                })
                .collect(),
            reinit: self.reinit.clone(),
        };
        crate::codec::encode(&state)
    }

    /// Restores a view saved by [`PublicGroup::to_bytes`], with `config` (hooks and limits
    /// are not saved). Refused: another format version
    /// ([`GroupError::UnsupportedStateVersion`]), a tree beyond `config.tree_limits`, a
    /// tree that does not match the saved tree hash ([`TreeError::TreeHashMismatch`]: the
    /// bytes were damaged), more cached proposals than the config's pool bound
    /// ([`GroupError::ProposalPoolFull`]). The tree's signatures are not verified again
    /// (they were when the view received it): keep the bytes where their integrity is
    /// trusted.
    pub fn from_bytes(
        provider: Arc<dyn CryptoProvider>,
        bytes: &[u8],
        config: GroupConfig,
    ) -> Result<PublicGroup, Error> {
        let state: PublicGroupState = crate::codec::decode_exact(bytes)?;
        if state.version != PUBLIC_GROUP_STATE_VERSION {
            return Err(GroupError::UnsupportedStateVersion.into());
        }
        let cs = provider.suite(state.group_context.cipher_suite)?;
        let cap = config
            .max_pending_proposals
            .saturating_add(config.max_held_proposals);
        if state.proposals.len() > cap {
            return Err(GroupError::ProposalPoolFull.into());
        }
        let mut tree =
            RatchetTree::decode_extension_with_limits(&state.ratchet_tree, &config.tree_limits)?;
        if tree.tree_hash(cs)? != state.group_context.tree_hash {
            return Err(TreeError::TreeHashMismatch.into());
        }
        let proposals = state
            .proposals
            .into_iter()
            .map(|c| CachedProposal {
                reference: c.reference,
                proposal: c.proposal,
                sender: c.sender,
            })
            .collect();
        Ok(PublicGroup {
            provider,
            config,
            tree,
            context: FramingContext::new(state.group_context)?,
            interim_transcript_hash: state.interim_transcript_hash,
            confirmation_tag: state.confirmation_tag,
            proposals,
            reinit: state.reinit,
        })
    }
}
