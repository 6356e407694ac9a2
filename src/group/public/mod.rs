//! [`PublicGroup`]: a secret-free view of a group for servers (RFC 9420 §16.9), following
//! it from a GroupInfo and its PublicMessages.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CipherSuite, CryptoProvider};
use crate::error::Error;
use crate::framing::{FramingContext, MlsMessage, Sender};
use crate::messages::{GroupContext, Proposal, ProposalRef, ReInit};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::transcript::interim_transcript_hash;
use crate::tree_math::LeafIndex;

use super::config::{GroupConfig, Member};
use super::join_checks::{group_info_of, validated_tree};
use super::proposals::member_at;

mod outcome;
mod process;
mod state;

pub use outcome::{CachedProposal, EpochChange, PublicOutcome};
pub use state::PUBLIC_GROUP_STATE_VERSION;

/// A group as a server sees it (RFC 9420 §16.9): the public ratchet tree, the GroupContext,
/// the interim transcript hash and the proposals cached this epoch; no private key and no
/// epoch secret. What a Delivery Service or a MIMI hub needs: it follows the group from a
/// GroupInfo and then from the group's PublicMessages, validates every proposal and Commit
/// as far as public data allows, and tracks the ratchet tree, the GroupContext and the
/// membership.
///
/// What it checks, and what it cannot:
///
/// - **GroupInfo** ([`PublicGroup::from_group_info`]): the signature by the signer's leaf,
///   the whole tree as a joiner does (RFC 9420 §12.4.3.1: the tree hash against the
///   GroupContext, parent hashes, leaf signatures, unmerged leaves, key uniqueness,
///   credentials by the hooks). It cannot check the confirmation tag (that needs the
///   epoch's `confirmation_key`): it takes the interim transcript hash from it (§8.2)
///   unverified.
/// - **PublicMessages** ([`PublicGroup::process`]): group id and epoch, the content rules
///   of §6.1, the presence of the membership tag, and the signature with the sender's key.
///   It cannot check the *value* of a member's membership tag (that needs the epoch's
///   `membership_key`, §6.2): a member's message is authenticated by its signature only,
///   as OpenMLS's `PublicGroup` does. Anyone holding a member's signature private key can
///   therefore get a message past it that the members would refuse.
/// - **Proposals** (§12.1): valid on their own, then cached by ProposalRef for the Commits
///   of the epoch, like a member's pool (bounded by
///   [`GroupConfig::max_pending_proposals`] + [`GroupConfig::max_held_proposals`]).
/// - **Commits** (§12.4.2), from members and external joiners (§12.4.3.2): the proposal
///   list (§12.2, the hooks' policy), applied to a staged tree; the UpdatePath's leaf node
///   (§7.3) and parent hashes (§7.9), with nothing decrypted; the new GroupContext (tree
///   hash, confirmed and interim transcript hashes, epoch + 1). It cannot check the
///   confirmation tag (that needs the new epoch's `confirmation_key`), nor PSK values, nor
///   that the path secrets decrypt: a Commit whose signature, tree and proposals are valid
///   but whose encrypted contents are garbage is accepted by the public view and refused
///   by the members.
/// - **PrivateMessages** are refused ([`GroupError::PrivateMessageUnreadable`]): a group
///   followed this way sends handshake messages as PublicMessages
///   ([`HandshakeFormat::Public`](super::HandshakeFormat::Public)).
///
/// Every refused input leaves the view unchanged: a Commit is staged on a diff of the
/// tree and applied in one step only once every check passed.
///
/// [`PublicGroup::to_bytes`] and [`PublicGroup::from_bytes`] save and restore the view.
///
/// [`GroupError::PrivateMessageUnreadable`]: crate::error::GroupError::PrivateMessageUnreadable
#[derive(Clone)]
pub struct PublicGroup {
    provider: Arc<dyn CryptoProvider>,
    config: GroupConfig,
    tree: RatchetTree,
    context: FramingContext,
    /// The interim transcript hash of the current epoch (RFC 9420 §8.2), the input of the
    /// next Commit's confirmed transcript hash.
    interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the Commit (or GroupInfo) that started the epoch (unverified).
    confirmation_tag: Vec<u8>,
    /// The proposals received this epoch, by reference, in arrival order.
    proposals: Vec<CachedProposal>,
    /// The ReInit of the last Commit (RFC 9420 §11.2): the group takes no more messages.
    reinit: Option<ReInit>,
}

impl core::fmt::Debug for PublicGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicGroup")
            .field("group_id", &self.context.group_id())
            .field("epoch", &self.context.epoch())
            .field("leaves", &self.tree.size().leaf_count())
            .finish_non_exhaustive()
    }
}

impl PublicGroup {
    /// A public view of the group and epoch of `group_info` (an `mls_group_info` message,
    /// RFC 9420 §12.4.3), with the tree from its `ratchet_tree` extension or, if it has
    /// none, from `ratchet_tree` (the encoded `optional<Node> ratchet_tree<V>`,
    /// §12.4.3.3), decoded within `config.tree_limits`.
    ///
    /// Runs the joiner's checks (§12.4.3.1): the GroupInfo signature with the signer's
    /// leaf key, the tree hash against the GroupContext, parent hashes, every leaf's
    /// signature, unmerged leaves and key uniqueness, every credential and every
    /// `external_senders` entry by `config.hooks`. The confirmation tag cannot be checked
    /// (no `confirmation_key`); the interim transcript hash is computed from it (§8.2).
    /// Lifetimes of the tree's leaves are not checked (see
    /// [`PublicGroup::from_group_info_at`]).
    pub fn from_group_info(
        provider: Arc<dyn CryptoProvider>,
        group_info: &MlsMessage,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
    ) -> Result<PublicGroup, Error> {
        Self::from_group_info_at(provider, group_info, ratchet_tree, config, None)
    }

    /// [`PublicGroup::from_group_info`] that also checks the lifetime of every
    /// `key_package` leaf of the tree at `now` (seconds since the Unix epoch, RFC 9420
    /// §7.3): [`TreeError::LeafLifetimeInvalid`](crate::error::TreeError::LeafLifetimeInvalid)
    /// otherwise.
    pub fn from_group_info_at(
        provider: Arc<dyn CryptoProvider>,
        group_info: &MlsMessage,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        now: Option<u64>,
    ) -> Result<PublicGroup, Error> {
        let gi = group_info_of(group_info)?;
        let ctx = &gi.group_context;
        let cs = provider.suite(ctx.cipher_suite)?;
        let tree = validated_tree(
            cs,
            gi,
            ratchet_tree,
            now,
            &config.hooks,
            &config.tree_limits,
        )?;
        let interim =
            interim_transcript_hash(cs, &ctx.confirmed_transcript_hash, &gi.confirmation_tag)?;
        Ok(PublicGroup {
            provider,
            config,
            tree,
            context: FramingContext::new(ctx.clone())?,
            interim_transcript_hash: interim,
            confirmation_tag: gi.confirmation_tag.clone(),
            proposals: Vec::new(),
            reinit: None,
        })
    }

    /// The group id (RFC 9420 §8.1).
    pub fn group_id(&self) -> &[u8] {
        self.context.group_id()
    }

    /// The current epoch (RFC 9420 §8.1).
    pub fn epoch(&self) -> u64 {
        self.context.epoch()
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.context.group_context().cipher_suite
    }

    /// The current GroupContext (RFC 9420 §8.1).
    pub fn group_context(&self) -> &GroupContext {
        self.context.group_context()
    }

    /// The tree hash of the current tree (RFC 9420 §7.8), as in the GroupContext.
    pub fn tree_hash(&self) -> &[u8] {
        &self.context.group_context().tree_hash
    }

    /// The interim transcript hash of the current epoch (RFC 9420 §8.2).
    pub fn interim_transcript_hash(&self) -> &[u8] {
        &self.interim_transcript_hash
    }

    /// The confirmation tag of the Commit (or GroupInfo) that started the current epoch,
    /// as received: a public view cannot verify it (RFC 9420 §8.2).
    pub fn confirmation_tag(&self) -> &[u8] {
        &self.confirmation_tag
    }

    /// The view's policy (hooks, tree limits, pool bounds).
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The public ratchet tree (RFC 9420 §7).
    pub fn ratchet_tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// The encoded ratchet tree (`optional<Node> ratchet_tree<V>`, RFC 9420 §12.4.3.3),
    /// e.g. for a joiner whose Welcome or GroupInfo comes without one.
    pub fn export_tree(&self) -> Result<Vec<u8>, Error> {
        self.tree.encode_extension()
    }

    /// The members, by leaf index (RFC 9420 §4.1): leaf index, credential and signature
    /// key. O(n).
    pub fn members(&self) -> Vec<Member> {
        self.tree
            .leaves()
            .filter_map(|(l, _)| member_at(&self.tree, l))
            .collect()
    }

    /// The member at `leaf`, if that leaf is occupied.
    pub fn member(&self, leaf: LeafIndex) -> Option<Member> {
        member_at(&self.tree, leaf)
    }

    /// The number of members. O(n).
    pub fn member_count(&self) -> u32 {
        self.tree.member_count()
    }

    /// The proposals cached this epoch (RFC 9420 §12.1), in arrival order: a Commit may
    /// cover them by reference.
    pub fn cached_proposals(&self) -> &[CachedProposal] {
        &self.proposals
    }

    /// The ReInit proposal of the last Commit, if it reinitialized the group (RFC 9420
    /// §11.2): the view then takes no more handshake messages.
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// The cached proposal `reference` with its sender, if any.
    fn cached(&self, reference: &ProposalRef) -> Option<(&Proposal, Sender)> {
        self.proposals
            .iter()
            .find(|c| c.reference == *reference)
            .map(|c| (&c.proposal, c.sender))
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
