//! [`ClientConfig`]: the settings of a [`Client`](super::Client).

use crate::crypto::CipherSuite;
use crate::group::GroupConfig;

/// The default of [`ClientConfig::key_package_target`].
pub const DEFAULT_KEY_PACKAGE_TARGET: usize = 16;
/// The default of [`ClientConfig::key_package_lifetime`]: 28 days.
pub const DEFAULT_KEY_PACKAGE_LIFETIME: u64 = 28 * 24 * 3600;
/// The default of [`ClientConfig::max_buffered_messages`].
pub const DEFAULT_MAX_BUFFERED_MESSAGES: usize = 256;
/// The default of [`ClientConfig::max_buffered_bytes`]: 1 MiB.
pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 1 << 20;
/// The default of [`ClientConfig::max_epochs_ahead`].
pub const DEFAULT_MAX_EPOCHS_AHEAD: u64 = 64;
/// The default of [`ClientConfig::max_past_epoch_age`]: one day.
pub const DEFAULT_MAX_PAST_EPOCH_AGE: u64 = 24 * 3600;
/// How far before its creation a KeyPackage's lifetime starts (RFC 9420 §10.1 leaves the
/// range to the client): one hour, for peers whose clocks run behind.
pub const KEY_PACKAGE_CLOCK_SKEW: u64 = 3600;

/// How a [`Client`](super::Client) makes groups and KeyPackages, and what it keeps.
///
/// Not saved: [`Client::load`](super::Client::load) takes it again. Groups already held keep
/// the [`GroupConfig`] they were saved with (its hooks are code and come from here).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The cipher suite of new groups and KeyPackages.
    pub cipher_suite: CipherSuite,
    /// The policy of new groups and of groups joined by Welcome; its hooks are also given
    /// to every group restored by [`Client::load`](super::Client::load). Its
    /// `max_past_epochs` is the retention of past epochs by count (RFC 9420 §9.2).
    pub group: GroupConfig,
    /// How many unused KeyPackages (besides the last-resort one)
    /// [`Client::replenish`](super::Client::replenish) keeps.
    pub key_package_target: usize,
    /// How long a new KeyPackage is valid, in seconds (RFC 9420 §10.1); expired ones are
    /// deleted by [`Client::replenish`](super::Client::replenish).
    pub key_package_lifetime: u64,
    /// The most messages of later epochs a group buffers (RFC 9420 §14: messages may arrive
    /// before the Commit that opens their epoch); one more is refused.
    pub max_buffered_messages: usize,
    /// The most bytes of buffered messages a group keeps; one more message is refused.
    pub max_buffered_bytes: usize,
    /// The furthest a buffered message's epoch may be ahead of the group's: a message of a
    /// later epoch cannot be authenticated before its epoch opens, so this keeps junk with
    /// far-away epoch numbers from holding buffer space for good.
    pub max_epochs_ahead: u64,
    /// Retention of past epochs by age (RFC 9420 §9.2, RFC 9750 §8.2.3): the secrets of a
    /// past epoch are deleted once it ended (this client merged the next Commit) this many
    /// seconds ago, whichever of this and `group.max_past_epochs` comes first. `None`:
    /// by count only.
    pub max_past_epoch_age: Option<u64>,
}

impl ClientConfig {
    /// The defaults with `cipher_suite`.
    pub fn new(cipher_suite: CipherSuite) -> Self {
        ClientConfig {
            cipher_suite,
            group: GroupConfig::default(),
            key_package_target: DEFAULT_KEY_PACKAGE_TARGET,
            key_package_lifetime: DEFAULT_KEY_PACKAGE_LIFETIME,
            max_buffered_messages: DEFAULT_MAX_BUFFERED_MESSAGES,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            max_epochs_ahead: DEFAULT_MAX_EPOCHS_AHEAD,
            max_past_epoch_age: Some(DEFAULT_MAX_PAST_EPOCH_AGE),
        }
    }
}

impl Default for ClientConfig {
    /// [`ClientConfig::new`] with cipher suite 1
    /// (`MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`).
    fn default() -> Self {
        Self::new(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
    }
}
