//! # Catching up after being offline
//!
//! A member that was offline finds a backlog at the Delivery Service: Commits that moved
//! the group on, and application messages sent in the epochs it missed. It processes them
//! **in the order the Delivery Service delivered them** (RFC 9420 §14: Commits of a group
//! are applied in one order by every member), merging each Commit before the next.
//!
//! - A message of a **later** epoch than the member's is refused with
//!   [`GroupError::FutureEpoch`] and changes nothing: keep it, process the Commits before
//!   it, then process it again.
//! - An **application message of a past epoch** still decrypts, as long as that epoch is
//!   one of the [`GroupConfig::max_past_epochs`] most recent ones (default 2); older ones
//!   are [`GroupError::PastEpochUnavailable`]. Raise the setting for members that read
//!   late messages often: every kept epoch keeps its application secrets, at some cost to
//!   forward secrecy (RFC 9420 §9.2 leaves the window to the application).
//! - A **proposal or Commit of a past epoch** is never accepted
//!   ([`GroupError::PastEpochUnavailable`]): it was either already applied, or it lost to
//!   another Commit of the same epoch.
//! - Each message key is used once: a replayed (or duplicated) application message is
//!   [`SecretTreeError::GenerationExpired`].
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::framing::MlsMessage;
//! # use melos::group::{CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::{Error, GroupError, SecretTreeError};
//!
//! /// Processes a message: merges a Commit at once, returns application data.
//! fn apply(g: &mut Group, m: &MlsMessage) -> Result<Option<Vec<u8>>, Error> {
//!     match g.process(m, None)?.content {
//!         ProcessedContent::Application(data) => Ok(Some(data)),
//!         ProcessedContent::Commit(staged) => g.merge_staged_commit(*staged).map(|()| None),
//!         ProcessedContent::Proposal(..) => Ok(None),
//!     }
//! }
//! # let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! # let cs = provider.suite(suite)?;
//! # let id = |name: &str| SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec()));
//! # let forever = Lifetime { not_before: 0, not_after: u64::MAX };
//! # let (bob_id, carol_id) = (id("bob")?, id("carol")?);
//! # let (bob_kp, carol_kp) = (bob_id.key_package(cs, forever)?, carol_id.key_package(cs, forever)?);
//! # let config = GroupConfig::default();
//! # let mut alice = Group::create(provider.clone(), suite, b"chat".to_vec(), id("alice")?, config.clone())?;
//! # let out = alice.commit(CommitOptions::default().add_member(bob_kp.key_package.clone())
//! #     .add_member(carol_kp.key_package.clone()).with_ratchet_tree())?;
//! # alice.merge_pending_commit()?;
//! # let welcome = out.welcome.unwrap();
//! # let mut bob = Group::join(provider.clone(), &welcome, &bob_kp, bob_id, None, config.clone(), &PskStore::new())?;
//! # let mut carol = Group::join(provider.clone(), &welcome, &carol_kp, carol_id, None, config, &PskStore::new())?;
//! // Alice, Bob and Carol are in epoch 1; Carol goes offline. Meanwhile:
//! let early = alice.encrypt_application(b"sent in epoch 1", b"")?;
//! let earlier = alice.encrypt_application(b"also sent in epoch 1", b"")?;
//! let c1 = alice.commit(CommitOptions::default())?.commit; // epoch 1 -> 2
//! alice.merge_pending_commit()?;
//! apply(&mut bob, &c1)?;
//! let c2 = bob.commit(CommitOptions::default())?.commit; // epoch 2 -> 3
//! bob.merge_pending_commit()?;
//! apply(&mut alice, &c2)?;
//! let latest = alice.encrypt_application(b"sent in epoch 3", b"")?;
//!
//! // Carol is back, still in epoch 1. Whatever is ahead of her is refused, and changes nothing.
//! assert_eq!(carol.process(&c2, None).unwrap_err(), Error::Group(GroupError::FutureEpoch));
//! assert_eq!(carol.process(&latest, None).unwrap_err(), Error::Group(GroupError::FutureEpoch));
//! assert_eq!(carol.epoch(), 1);
//!
//! // The Commits in order bring her to epoch 3, where the latest message decrypts.
//! apply(&mut carol, &c1)?;
//! apply(&mut carol, &c2)?;
//! assert_eq!(carol.epoch_authenticator(), alice.epoch_authenticator());
//! assert_eq!(apply(&mut carol, &latest)?.as_deref(), Some(&b"sent in epoch 3"[..]));
//!
//! // A message of epoch 1 still decrypts: the group keeps the two most recent past epochs.
//! let processed = carol.process(&early, None)?;
//! assert_eq!(processed.epoch, 1);
//! // Each message key is used once: a replay is refused.
//! let replay = carol.process(&early, None).unwrap_err();
//! assert_eq!(replay, Error::SecretTree(SecretTreeError::GenerationExpired));
//! // Handshake messages of a past epoch are never accepted.
//! let old_commit = carol.process(&c1, None).unwrap_err();
//! assert_eq!(old_commit, Error::Group(GroupError::PastEpochUnavailable));
//!
//! // One more Commit and epoch 1 falls out of the window: its keys are deleted.
//! let c3 = alice.commit(CommitOptions::default())?.commit; // epoch 3 -> 4
//! alice.merge_pending_commit()?;
//! apply(&mut carol, &c3)?;
//! let too_old = carol.process(&earlier, None).unwrap_err();
//! assert_eq!(too_old, Error::Group(GroupError::PastEpochUnavailable));
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! ## What the errors tell a catching-up member
//!
//! Every refused message leaves the group as it was (except that a ratchet key used for a
//! failed decryption is deleted, RFC 9420 §9.2), so the member can go on with the next
//! message.
//!
//! | error | meaning | what to do |
//! |---|---|---|
//! | [`GroupError::FutureEpoch`] | the message is from a later epoch | process the Commits before it first, then retry it |
//! | [`GroupError::PastEpochUnavailable`] | a handshake message of a past epoch, or an application message older than the kept epochs | drop it |
//! | [`SecretTreeError::GenerationExpired`] | the message key was already used (a replay) or is older than the ratchet's window of skipped keys | drop it |
//! | [`SecretTreeError::GenerationTooFarAhead`] | the sender's ratchet is further ahead than [`SecretTreeConfig::max_forward_jump`] | drop it, or raise the limit in [`GroupConfig::secret_tree`] |
//! | [`GroupError::OwnCommit`] | this member's own Commit came back before it merged it | the Delivery Service accepted it: [`Group::merge_pending_commit`] |
//! | [`GroupError::WrongGroupId`] | the message is for another group | route it to that group |
//! | `Error::Framing(..)` | a forged or damaged message (bad membership tag, signature, padding) | drop it |
//!
//! Two Commits for the same epoch mean the Delivery Service did not order the group: the
//! first one processed wins, and the second is then [`GroupError::PastEpochUnavailable`].
//! Members that applied different Commits see different
//! [`epoch_authenticator`](crate::group::Group::epoch_authenticator)s.
//!
//! A member whose backlog is gone (the Delivery Service no longer has the Commits it
//! missed) cannot catch up: it rejoins by a resync external Commit,
//! [`Group::join_by_external_commit`] with a fresh GroupInfo and
//! [`ExternalCommitOptions::remove_prior`](crate::group::ExternalCommitOptions::remove_prior)
//! set, which replaces its old leaf (RFC 9420 §12.4.3.2).
//!
//! [`GroupConfig::max_past_epochs`]: crate::group::GroupConfig::max_past_epochs
//! [`GroupConfig::secret_tree`]: crate::group::GroupConfig::secret_tree
//! [`SecretTreeConfig::max_forward_jump`]: crate::secret_tree::SecretTreeConfig::max_forward_jump
//! [`Group::merge_pending_commit`]: crate::group::Group::merge_pending_commit
//! [`Group::join_by_external_commit`]: crate::group::Group::join_by_external_commit
//! [`GroupError::FutureEpoch`]: crate::GroupError::FutureEpoch
//! [`GroupError::PastEpochUnavailable`]: crate::GroupError::PastEpochUnavailable
//! [`GroupError::OwnCommit`]: crate::GroupError::OwnCommit
//! [`GroupError::WrongGroupId`]: crate::GroupError::WrongGroupId
//! [`SecretTreeError::GenerationExpired`]: crate::SecretTreeError::GenerationExpired
//! [`SecretTreeError::GenerationTooFarAhead`]: crate::SecretTreeError::GenerationTooFarAhead
