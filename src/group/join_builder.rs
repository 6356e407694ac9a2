//! [`JoinBuilder`]: joining a group from a Welcome (RFC 9420 §12.4.3.1) with named options
//! instead of positional arguments.

use alloc::sync::Arc;

use crate::crypto::CryptoProvider;
use crate::error::Error;
use crate::framing::MlsMessage;
use crate::messages::KeyPackageBundle;
use crate::ratchet_tree::TreeLimits;

use super::Group;
use super::config::{GroupConfig, PskStore, SigningIdentity};
use super::join::{JoinOptions, Link, TreeLifetimes};

/// Joins a group from a Welcome (RFC 9420 §12.4.3.1): the required inputs up front, every
/// option by name, then [`JoinBuilder::join`].
///
/// ```no_run
/// # use std::sync::Arc;
/// # use melos::group::{Group, GroupConfig, PskStore, SigningIdentity};
/// # use melos::framing::MlsMessage;
/// # use melos::messages::KeyPackageBundle;
/// # fn f(provider: Arc<dyn melos::CryptoProvider>, welcome: MlsMessage,
/// #      bundle: KeyPackageBundle, identity: SigningIdentity, tree: Vec<u8>,
/// #      psks: PskStore) -> Result<(), melos::Error> {
/// let group = Group::join_builder(provider, &welcome, &bundle, identity)
///     .ratchet_tree(&tree) // only if the GroupInfo has no `ratchet_tree` extension
///     .config(GroupConfig::default())
///     .psks(&psks) // only if the Welcome injects PSKs (§8.4)
///     .now(1_700_000_000) // check the tree's leaf lifetimes (§7.3)
///     .join()?;
/// # let _ = group; Ok(()) }
/// ```
///
/// The defaults: the ratchet tree from the GroupInfo's `ratchet_tree` extension,
/// [`GroupConfig::default`], no PSKs, no lifetime check (the library has no clock), the
/// config's tree limits, and a plain join (a Welcome with a `reinit` or `branch` PSK needs
/// [`JoinBuilder::reinit_of`] or [`JoinBuilder::branch_of`]). Every check and error is
/// that of [`Group::join`] and [`Group::join_with_options`].
#[must_use = "a JoinBuilder does nothing until `join` is called"]
pub struct JoinBuilder<'a> {
    provider: Arc<dyn CryptoProvider>,
    welcome: &'a MlsMessage,
    key_package: &'a KeyPackageBundle,
    identity: SigningIdentity,
    config: GroupConfig,
    psks: Option<&'a PskStore>,
    options: JoinOptions<'a>,
    link: Link<'a>,
}

impl core::fmt::Debug for JoinBuilder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JoinBuilder")
            .field("credential", &self.identity.credential)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a> JoinBuilder<'a> {
    /// A join of the group `welcome` (an `mls_welcome` message, RFC 9420 §12.4.3.1) as
    /// `identity`, whose KeyPackage (with its private keys) is `key_package`.
    pub fn new(
        provider: Arc<dyn CryptoProvider>,
        welcome: &'a MlsMessage,
        key_package: &'a KeyPackageBundle,
        identity: SigningIdentity,
    ) -> Self {
        JoinBuilder {
            provider,
            welcome,
            key_package,
            identity,
            config: GroupConfig::default(),
            psks: None,
            options: JoinOptions::default(),
            link: Link::Plain,
        }
    }

    /// The encoded ratchet tree (`optional<Node> ratchet_tree<V>`, RFC 9420 §12.4.3.3), for
    /// a Welcome whose GroupInfo has no `ratchet_tree` extension (the committer's
    /// [`Group::ratchet_tree`] encoded with `encode_extension`, sent out of band).
    pub fn ratchet_tree(mut self, ratchet_tree: &'a [u8]) -> Self {
        self.options.ratchet_tree = Some(ratchet_tree);
        self
    }

    /// The new group's local policy ([`GroupConfig::default`] if not given).
    pub fn config(mut self, config: GroupConfig) -> Self {
        self.config = config;
        self
    }

    /// The external PSKs and stored resumption PSKs the Welcome may inject (RFC 9420 §8.4);
    /// the new group keeps a copy. None if not given: a Welcome with a PSK then fails with
    /// [`GroupError::UnknownPsk`](crate::error::GroupError::UnknownPsk).
    pub fn psks(mut self, psks: &'a PskStore) -> Self {
        self.psks = Some(psks);
        self
    }

    /// The current time (seconds since the Unix epoch) for the lifetime checks of the
    /// tree's `key_package` leaves (RFC 9420 §7.3), per [`JoinBuilder::tree_lifetimes`].
    pub fn now(mut self, now: u64) -> Self {
        self.options.now = Some(now);
        self
    }

    /// How strict the lifetime check of the tree's leaves is (with [`JoinBuilder::now`]);
    /// [`TreeLifetimes::Lenient`] if not given.
    pub fn tree_lifetimes(mut self, policy: TreeLifetimes) -> Self {
        self.options.tree_lifetimes = policy;
        self
    }

    /// Caps on the received ratchet tree, checked before it is decoded; the config's
    /// [`GroupConfig::tree_limits`] if not given.
    pub fn tree_limits(mut self, limits: TreeLimits) -> Self {
        self.options.tree_limits = Some(limits);
        self
    }

    /// All of [`JoinOptions`] at once (replaces the ratchet tree, time, lifetime policy
    /// and tree limits set before).
    pub fn options(mut self, options: JoinOptions<'a>) -> Self {
        self.options = options;
        self
    }

    /// Join the group that replaces `old` after its ReInit Commit, with the checks of
    /// [`Group::join_reinit`] (RFC 9420 §11.2).
    pub fn reinit_of(mut self, old: &'a Group) -> Self {
        self.link = Link::ReInit(old);
        self
    }

    /// Join a subgroup branched from `old`, with the checks of [`Group::join_branch`]
    /// (RFC 9420 §11.3).
    pub fn branch_of(mut self, old: &'a Group) -> Self {
        self.link = Link::Branch(old);
        self
    }

    /// Processes the Welcome (RFC 9420 §12.4.3.1) into the joined group, as
    /// [`Group::join_with_options`] describes.
    pub fn join(self) -> Result<Group, Error> {
        let none = PskStore::new();
        Group::join_with(
            self.provider,
            self.welcome,
            self.key_package,
            self.identity,
            self.options,
            self.config,
            self.psks.unwrap_or(&none),
            self.link,
        )
    }
}

impl Group {
    /// A [`JoinBuilder`] for joining the group of `welcome` (RFC 9420 §12.4.3.1) as
    /// `identity` with `key_package`; set options on it, then call [`JoinBuilder::join`].
    pub fn join_builder<'a>(
        provider: Arc<dyn CryptoProvider>,
        welcome: &'a MlsMessage,
        key_package: &'a KeyPackageBundle,
        identity: SigningIdentity,
    ) -> JoinBuilder<'a> {
        JoinBuilder::new(provider, welcome, key_package, identity)
    }
}
