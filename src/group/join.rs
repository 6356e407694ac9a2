//! Joining a group from a Welcome (RFC 9420 §12.4.3.1), including the reinitialization
//! (§11.2) and branch (§11.3) checks of a Welcome that carries a `reinit` or `branch`
//! resumption PSK.

use alloc::collections::{BTreeSet, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, CryptoProvider, Secret, SignaturePublicKey};
use crate::error::{Error, GroupError};
use crate::framing::{FramingContext, MlsMessage, MlsMessageBody};
use crate::key_schedule::{
    PreSharedKeyId, Psk, ResumptionPsk, ResumptionPskUsage, psk::psk_secret,
};
use crate::messages::{ExtensionType, GroupContext, GroupInfo, KeyPackageBundle};
use crate::ratchet_tree::{RatchetTree, TreeLimits, TreeValidation, TreeView};
use crate::transcript::interim_transcript_hash;
use crate::treekem::{PathSecret, TreePrivateKeys};

use super::Group;
use super::config::{GroupConfig, PskStore, SigningIdentity};
use super::epoch::EpochState;
use super::proposals::member_at;
use super::psk::resolve_psk;

/// How a joiner treats the lifetimes of the `key_package` leaves of the ratchet tree it
/// receives (RFC 9420 §7.3), when [`JoinOptions::now`] is given.
///
/// §7.3 only RECOMMENDS the check for received leaves, "because the LeafNode might have
/// expired in the time between when the message was sent and when it was received"; and a
/// member that joined by KeyPackage keeps that leaf (and its lifetime) until it next
/// updates or commits, so an expired lifetime in the tree usually means an idle member, not
/// an attack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TreeLifetimes {
    /// The default: a leaf whose lifetime has not started yet (`now < not_before`) is
    /// refused, an expired one (`now > not_after`) is accepted: expiry is what the RFC's
    /// leniency is for, and a lifetime from the future cannot come from delay.
    #[default]
    Lenient,
    /// Every `key_package` leaf's lifetime must contain `now`.
    Strict,
    /// No lifetime check of the tree's leaves.
    Ignore,
}

/// How [`Group::join_with_options`] joins (RFC 9420 §12.4.3.1); a
/// [`JoinBuilder`](super::JoinBuilder) sets the same options by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JoinOptions<'a> {
    /// The encoded ratchet tree (`optional<Node> ratchet_tree<V>`), for a Welcome whose
    /// GroupInfo has no `ratchet_tree` extension.
    pub ratchet_tree: Option<&'a [u8]>,
    /// The current time (seconds since the Unix epoch) for the lifetime checks of the
    /// tree's `key_package` leaves (§7.3), as `tree_lifetimes` says; `None` skips them (the
    /// library has no clock).
    pub now: Option<u64>,
    /// How strict the lifetime check of the tree's leaves is.
    pub tree_lifetimes: TreeLifetimes,
    /// Caps on the received ratchet tree (in the GroupInfo or `ratchet_tree`), checked
    /// before it is decoded: its encoded length
    /// ([`TreeError::RatchetTreeTooLarge`](crate::error::TreeError::RatchetTreeTooLarge))
    /// and the leaves it spans
    /// ([`TreeError::TooManyLeaves`](crate::error::TreeError::TooManyLeaves)). `None` (the
    /// default) uses the config's [`GroupConfig::tree_limits`], which also caps the group's
    /// growth afterwards.
    pub tree_limits: Option<TreeLimits>,
}

/// §7.3: the lifetimes of the `key_package` leaves of a received tree at `now`, per
/// `policy`: [`TreeError::LeafLifetimeInvalid`](crate::error::TreeError::LeafLifetimeInvalid)
/// otherwise. O(n).
fn check_tree_lifetimes(
    tree: &RatchetTree,
    now: Option<u64>,
    policy: TreeLifetimes,
) -> Result<(), Error> {
    let Some(now) = now else {
        return Ok(());
    };
    for (_, leaf) in tree.leaves() {
        if let Some(l) = leaf.lifetime() {
            let ok = match policy {
                TreeLifetimes::Lenient => l.not_before <= now,
                TreeLifetimes::Strict => l.contains(now),
                TreeLifetimes::Ignore => true,
            };
            if !ok {
                return Err(crate::error::TreeError::LeafLifetimeInvalid.into());
            }
        }
    }
    Ok(())
}

/// What a Welcome is joined as (RFC 9420 §12.4.3.1).
#[derive(Clone, Copy)]
pub(super) enum Link<'a> {
    /// A plain join: a `reinit` or `branch` resumption PSK cannot be checked and is refused.
    Plain,
    /// The group that replaces `old` after its ReInit Commit (§11.2).
    ReInit(&'a Group),
    /// A subgroup branched from `old` (§11.3).
    Branch(&'a Group),
}

impl Group {
    /// Joins a group from a Welcome (RFC 9420 §12.4.3.1): decrypts the GroupSecrets with
    /// the KeyPackage's init key, resolves the PSKs from `psks` (external PSKs, and
    /// resumption PSKs of usage `application` stored with [`PskStore::insert_resumption`]),
    /// decrypts the GroupInfo, takes the ratchet tree from its `ratchet_tree` extension or
    /// from `ratchet_tree` (the encoded `optional<Node> ratchet_tree<V>`), verifies the
    /// GroupInfo signature with the signer's leaf key, validates the whole tree (tree hash
    /// against the GroupContext, parent hashes, leaves, unmerged leaves, key uniqueness),
    /// finds the joiner's leaf, derives its path keys from the `path_secret`, derives the
    /// epoch and checks the confirmation tag. The new group keeps a copy of `psks`.
    ///
    /// A Welcome with a resumption PSK of usage `reinit` or `branch` is
    /// [`GroupError::ResumptionPskNeedsOldGroup`]: join it with [`Group::join_reinit`] or
    /// [`Group::join_branch`] on the old group. An unknown PSK is [`GroupError::UnknownPsk`].
    ///
    /// Every leaf's credential goes to `config.hooks`' credential validator (§5.3.1,
    /// [`GroupError::CredentialRejected`]), and so does every entry of the GroupContext's
    /// `external_senders` (§12.1.8.1, [`GroupError::ExternalSenderCredentialRejected`]).
    /// No lifetime is checked: see [`Group::join_with_options`].
    ///
    /// Prefer [`Group::join_builder`]: the same join with named options instead of seven
    /// positional arguments (`Group::join_builder(provider, &welcome, &bundle, identity)
    /// .ratchet_tree(&tree).config(config).psks(&psks).join()`).
    pub fn join(
        provider: Arc<dyn CryptoProvider>,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        psks: &PskStore,
    ) -> Result<Group, Error> {
        let options = JoinOptions {
            ratchet_tree,
            ..JoinOptions::default()
        };
        Self::join_with_options(
            provider,
            welcome,
            key_package,
            identity,
            config,
            psks,
            options,
        )
    }

    /// [`Group::join`] with `options`: the out-of-band ratchet tree, and the current time
    /// with the policy for the lifetimes of the tree's `key_package` leaves (RFC 9420 §7.3;
    /// [`TreeLifetimes`], lenient by default). A leaf that fails is
    /// [`TreeError::LeafLifetimeInvalid`](crate::error::TreeError::LeafLifetimeInvalid).
    ///
    /// Prefer [`Group::join_builder`], whose [`JoinBuilder::now`],
    /// [`JoinBuilder::tree_lifetimes`] and [`JoinBuilder::tree_limits`] set these options by
    /// name.
    ///
    /// [`JoinBuilder::now`]: super::JoinBuilder::now
    /// [`JoinBuilder::tree_lifetimes`]: super::JoinBuilder::tree_lifetimes
    /// [`JoinBuilder::tree_limits`]: super::JoinBuilder::tree_limits
    pub fn join_with_options(
        provider: Arc<dyn CryptoProvider>,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        config: GroupConfig,
        psks: &PskStore,
        options: JoinOptions<'_>,
    ) -> Result<Group, Error> {
        Self::join_with(
            provider,
            welcome,
            key_package,
            identity,
            options,
            config,
            psks,
            Link::Plain,
        )
    }

    /// [`Group::join`] with the checks of `link` (RFC 9420 §11.2, §11.3, §12.4.3.1).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn join_with(
        provider: Arc<dyn CryptoProvider>,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        options: JoinOptions<'_>,
        config: GroupConfig,
        psks: &PskStore,
        link: Link<'_>,
    ) -> Result<Group, Error> {
        let MlsMessageBody::Welcome(welcome) = &welcome.body else {
            return Err(GroupError::UnexpectedWireFormat.into());
        };
        check_link_suite(link, welcome.cipher_suite)?;
        let cs = provider.suite(welcome.cipher_suite)?;
        let kp = &key_package.key_package;
        let limits = options.tree_limits.unwrap_or(config.tree_limits);
        let mut tree: Option<RatchetTree> = None;
        let processed = welcome.process(
            cs,
            &[(kp, &key_package.init_private_key)],
            &mut |ids| linked_psk_secret(cs, psks, ids, link),
            &mut |gi: &GroupInfo| {
                let encoded = match gi.extensions.get(ExtensionType::RATCHET_TREE) {
                    Some(e) => e.extension_data.as_slice(),
                    None => options.ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
                };
                let t = RatchetTree::decode_extension_with_limits(encoded, &limits)?;
                let key = t
                    .leaf(gi.signer)
                    .map(|l| SignaturePublicKey(l.signature_key().to_vec()))
                    .ok_or(GroupError::SignerNotInTree)?;
                tree = Some(t);
                Ok(key)
            },
        )?;
        let mut tree = tree.ok_or(GroupError::MissingRatchetTree)?;
        let gi = &processed.group_info;
        let ctx = &gi.group_context;
        if processed
            .group_secrets
            .psks
            .iter()
            .any(|id| linking_psk(id).is_some())
            && ctx.epoch != 1
        {
            return Err(GroupError::ResumptionEpochMismatch.into());
        }
        tree.validate(
            cs,
            &TreeValidation {
                group_id: &ctx.group_id,
                version: ctx.version,
                tree_hash: Some(&ctx.tree_hash),
                now: None,
            },
        )?;
        check_tree_lifetimes(&tree, options.now, options.tree_lifetimes)?;
        super::external::validate_tree_credentials(&tree, &config.hooks)?;
        // §5.3.1, §12.1.8.1: the external senders the joiner learns of.
        super::proposals::validate_external_senders(&config.hooks, &ctx.extensions)?;
        // §13.5: the joiner's real capabilities, without the GREASE values it advertises.
        gi.check_extensions_supported(&kp.leaf_node.capabilities.without_grease())?;
        check_link_context(link, ctx, &tree)?;
        let own_leaf = crate::codec::encode(&kp.leaf_node)?;
        let me = tree
            .find_leaf(|l| l.encoded() == own_leaf.as_slice())
            .ok_or(GroupError::OwnLeafNotFound)?;
        let mut keys = TreePrivateKeys::new(me, key_package.encryption_private_key.clone());
        if let Some(p) = &processed.group_secrets.path_secret {
            let (Some(a), Some(b)) = (me.node(), gi.signer.node()) else {
                return Err(GroupError::PathSecretMismatch.into());
            };
            let ancestor = tree
                .size()
                .common_ancestor(a, b)
                .filter(|_| me != gi.signer)
                .ok_or(GroupError::PathSecretMismatch)?;
            keys.apply_path_secret(cs, &tree, ancestor, PathSecret::new(p.path_secret.clone()))?;
        }
        let secrets = processed.epoch_secrets(cs)?;
        gi.verify_confirmation_tag(cs, secrets.confirmation_key.as_bytes())?;
        let interim =
            interim_transcript_hash(cs, &ctx.confirmed_transcript_hash, &gi.confirmation_tag)?;
        let epoch = EpochState::new(secrets, tree.size(), config.secret_tree);
        Ok(Group::at_first_epoch(
            provider,
            config,
            identity,
            tree,
            keys,
            FramingContext::new(ctx.clone())?,
            interim,
            gi.confirmation_tag.clone(),
            epoch,
            psks,
        ))
    }

    /// A member in the first epoch it holds (joined by Welcome or external Commit, or
    /// upgraded from a partial member): no past epochs, nothing pending, an empty proposal
    /// pool, and the epoch's resumption PSK remembered (RFC 9420 §8.6).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn at_first_epoch(
        provider: Arc<dyn CryptoProvider>,
        config: GroupConfig,
        identity: SigningIdentity,
        tree: RatchetTree,
        keys: TreePrivateKeys,
        context: FramingContext,
        interim_transcript_hash: Vec<u8>,
        confirmation_tag: Vec<u8>,
        epoch: EpochState,
        psks: &PskStore,
    ) -> Group {
        let mut group = Group {
            provider,
            config,
            identity,
            tree,
            keys,
            context,
            interim_transcript_hash,
            confirmation_tag,
            epoch,
            past_epochs: VecDeque::new(),
            proposals: Vec::new(),
            pending_updates: Vec::new(),
            pending_commit: None,
            psks: psks.clone(),
            resumption_psks: VecDeque::new(),
            active: true,
            reinit: None,
        };
        group.remember_resumption_psk();
        group
    }
}

/// The resumption part of `id` if it is a PSK of usage `reinit` or `branch`.
fn linking_psk(id: &PreSharedKeyId) -> Option<&ResumptionPsk> {
    match &id.psk {
        Psk::Resumption(r)
            if matches!(
                r.usage,
                ResumptionPskUsage::Reinit | ResumptionPskUsage::Branch
            ) =>
        {
            Some(r)
        }
        _ => None,
    }
}

/// §11.2, §11.3: the Welcome's cipher suite is the ReInit's (and the old group has one), or
/// the old group's for a branch.
fn check_link_suite(link: Link<'_>, suite: crate::crypto::CipherSuite) -> Result<(), Error> {
    match link {
        Link::Plain => Ok(()),
        Link::ReInit(old) => {
            let reinit = old.reinit.as_ref().ok_or(GroupError::NoPendingReInit)?;
            if reinit.cipher_suite != suite {
                return Err(GroupError::ReInitCipherSuiteMismatch.into());
            }
            Ok(())
        }
        Link::Branch(old) => {
            if old.cipher_suite() != suite {
                return Err(GroupError::BranchCipherSuiteMismatch.into());
            }
            Ok(())
        }
    }
}

/// The `psk_secret` of a Welcome's PSKs (RFC 9420 §8.4, §12.4.3.1) after the `reinit` /
/// `branch` PSK checks of `link` (§11.2, §11.3): external PSKs and stored resumption PSKs
/// from `psks`, resumption PSKs of the old group from its kept epochs.
fn linked_psk_secret(
    cs: &dyn CipherSuiteProvider,
    psks: &PskStore,
    ids: &[PreSharedKeyId],
    link: Link<'_>,
) -> Result<Secret, Error> {
    let mut found = false;
    for r in ids.iter().filter_map(linking_psk) {
        found = true;
        match link {
            Link::Plain => return Err(GroupError::ResumptionPskNeedsOldGroup.into()),
            Link::ReInit(old) => {
                if r.usage != ResumptionPskUsage::Reinit {
                    return Err(GroupError::MissingReInitPsk.into());
                }
                if r.psk_group_id.as_slice() != old.group_id() {
                    return Err(GroupError::ReInitPskWrongGroup.into());
                }
                if r.psk_epoch != old.epoch() {
                    return Err(GroupError::ReInitPskWrongEpoch.into());
                }
            }
            Link::Branch(old) => {
                if r.usage != ResumptionPskUsage::Branch {
                    return Err(GroupError::MissingBranchPsk.into());
                }
                if r.psk_group_id.as_slice() != old.group_id() {
                    return Err(GroupError::BranchPskWrongGroup.into());
                }
                if old.resumption_psk_at(r.psk_epoch).is_none() {
                    return Err(GroupError::BranchPskUnknownEpoch.into());
                }
            }
        }
    }
    let own = match link {
        Link::Plain => None,
        Link::ReInit(old) => {
            if !found {
                return Err(GroupError::MissingReInitPsk.into());
            }
            Some((old.group_id(), &old.resumption_psks))
        }
        Link::Branch(old) => {
            if !found {
                return Err(GroupError::MissingBranchPsk.into());
            }
            Some((old.group_id(), &old.resumption_psks))
        }
    };
    let mut values: Vec<(&PreSharedKeyId, &[u8])> = Vec::with_capacity(ids.len());
    for id in ids {
        let v = resolve_psk(id, psks, own).ok_or(GroupError::UnknownPsk)?;
        values.push((id, v.as_bytes()));
    }
    psk_secret(cs, &values)
}

/// §11.2, §11.3, §12.4.3.1: the new GroupContext matches the ReInit (group id, version,
/// extensions; the suite was checked first) and every old member is in the new tree; or,
/// for a branch, the version is the old group's and every new member is an old member.
/// Members are matched by credential. O(n).
fn check_link_context(link: Link<'_>, ctx: &GroupContext, tree: &RatchetTree) -> Result<(), Error> {
    match link {
        Link::Plain => Ok(()),
        Link::ReInit(old) => {
            let reinit = old.reinit.as_ref().ok_or(GroupError::NoPendingReInit)?;
            if ctx.group_id != reinit.group_id {
                return Err(GroupError::ReInitGroupIdMismatch.into());
            }
            if ctx.version != reinit.version {
                return Err(GroupError::ReInitVersionMismatch.into());
            }
            if ctx.extensions != reinit.extensions {
                return Err(GroupError::ReInitExtensionsMismatch.into());
            }
            let new = credentials(tree)?;
            if !credentials(&old.tree)?.is_subset(&new) {
                return Err(GroupError::ReInitMemberMissing.into());
            }
            Ok(())
        }
        Link::Branch(old) => {
            if ctx.version != old.group_context().version {
                return Err(GroupError::BranchVersionMismatch.into());
            }
            if !credentials(tree)?.is_subset(&credentials(&old.tree)?) {
                return Err(GroupError::BranchMemberNotInGroup.into());
            }
            Ok(())
        }
    }
}

/// The encoded credentials of the members of `tree`.
fn credentials(tree: &RatchetTree) -> Result<BTreeSet<Vec<u8>>, Error> {
    let mut out = BTreeSet::new();
    for (l, _) in tree.leaves() {
        let m = member_at(tree, l).ok_or(GroupError::InvalidState)?;
        out.insert(crate::codec::encode(&m.credential)?);
    }
    Ok(out)
}
