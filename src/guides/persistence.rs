//! # Saving and restoring a group
//!
//! melos does no I/O and has no storage trait: the application saves a member's state as
//! bytes and restores it later (RFC 9420 §9.2, §16.5).
//!
//! - [`Group::to_bytes`] encodes the member's complete state: its signing key, the ratchet
//!   tree, its private tree keys, the current epoch's secrets and the remaining ratchet
//!   state, the secrets of the kept past epochs, the proposals received this epoch, its
//!   pending Commit if any, its PSKs. [`Group::from_bytes`] restores a group that behaves
//!   identically. The bytes come back as a zeroizing [`Secret`](crate::crypto::Secret).
//! - The saved state ends with a checksum (the suite's hash), verified before anything is
//!   decoded: damaged, truncated or extended bytes are refused whole with
//!   [`GroupError::StateChecksumMismatch`], never loaded with hidden damage. The checksum
//!   only catches accidents: anyone who can write the storage can recompute it.
//! - **The state is secret.** Store it encrypted and authenticated, or let melos do it:
//!   [`Group::to_bytes_sealed`] encrypts and authenticates it with the group's AEAD under
//!   a key derived from a caller-supplied [`StorageKey`] (at least
//!   [`MIN_STORAGE_KEY_LEN`](crate::group::MIN_STORAGE_KEY_LEN) bytes; use 32 random bytes
//!   from the platform's keystore, kept apart from the state) and a fresh salt;
//!   [`Group::from_bytes_sealed`] with the same key restores it.
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::group::{CommitOptions, Group, GroupConfig, PskStore, SigningIdentity};
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::group::StorageKey;
//! use melos::{Error, GroupError};
//!
//! # let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! # let cs = provider.suite(suite)?;
//! # let alice_id = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec()))?;
//! let alice = Group::create(provider.clone(), suite, b"chat".to_vec(), alice_id, GroupConfig::default())?;
//!
//! // Checksummed: store these bytes encrypted (they hold every secret of the member).
//! let saved = alice.to_bytes()?;
//! let restored = Group::from_bytes(provider.clone(), saved.as_bytes())?;
//! assert_eq!(restored.epoch_authenticator(), alice.epoch_authenticator());
//!
//! // A torn write or a flipped bit is refused as a whole.
//! let mut damaged = saved.as_bytes().to_vec();
//! damaged.truncate(damaged.len() - 1);
//! let err = Group::from_bytes(provider.clone(), &damaged).unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::StateChecksumMismatch));
//!
//! // Sealed under a storage key (here a constant; use a key from the platform's keystore).
//! let key = StorageKey::new(vec![0x42; 32])?;
//! let sealed = alice.to_bytes_sealed(&key)?;
//! let restored = Group::from_bytes_sealed(provider.clone(), &sealed, &key)?;
//! assert_eq!(restored.epoch(), alice.epoch());
//!
//! // Another key (or any change to the bytes) does not open it; the error says no more.
//! let other = StorageKey::new(vec![0x43; 32])?;
//! let err = Group::from_bytes_sealed(provider.clone(), &sealed, &other).unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::StateAuthenticationFailed));
//! // A sealed state does not load without its key, nor a checksummed one with a key.
//! let err = Group::from_bytes(provider.clone(), &sealed).unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::StateKeyRequired));
//! let err = Group::from_bytes_sealed(provider, saved.as_bytes(), &key).unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::StateNotSealed));
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! ## What to store, and when
//!
//! Save the group after **every call that succeeded and changed it**, and replace the
//! previous copy:
//!
//! | call | what changed |
//! |---|---|
//! | [`Group::create`], [`Group::join`] | a new group |
//! | [`Group::encrypt_application`], [`Group::propose`] | this member's sending ratchet advanced; a proposal entered the pool |
//! | [`Group::process`] | a receiving ratchet key was used and deleted; a proposal entered the pool |
//! | [`Group::commit`] | a pending Commit (saved with the state) |
//! | [`Group::merge_pending_commit`], [`Group::merge_staged_commit`] | a new epoch |
//! | [`Group::clear_pending_commit`] | the pending Commit is gone |
//!
//! **Save before you send.** Save the state after `encrypt_application`, `propose` or
//! `commit` and before the message leaves the device: if the application crashes after
//! sending and restores an older state, it would encrypt again with a key it already used.
//!
//! **Never restore an older copy.** A restored old state holds keys that were deleted
//! since (RFC 9420 §9.2: message keys once used, path secrets of past epochs), which breaks
//! forward secrecy, and its sending ratchet would reuse keys. Neither the checksum nor the
//! seal can tell an old state from the latest one: replacing the copy is the application's
//! job (for example, keep a counter in the same transaction).
//!
//! A Commit of this member stays pending, in the saved state too, until the application
//! knows the Delivery Service accepted it: then [`Group::merge_pending_commit`]; if another
//! Commit of the same epoch won, [`Group::clear_pending_commit`] and process the winner.
//!
//! Besides the groups, a client keeps the [`KeyPackageBundle`] of each KeyPackage it
//! published, until a Welcome for it arrives (the bundle holds the private keys that open
//! the Welcome). melos has no encoding for a bundle: store the KeyPackage
//! ([`codec::encode`](crate::codec::encode)) and the two private keys' bytes
//! (`as_bytes`), as secrets. Delete the bundle once used (RFC 9420 §16.8: a KeyPackage is
//! for one join).
//!
//! Custom [`GroupHooks`](crate::group::GroupHooks) (a credential validator, a custom
//! proposal validator or policy) are code, not state: a state saved with them is restored
//! with [`Group::from_bytes_with_hooks`] (or [`Group::from_bytes_sealed_with_hooks`]) and
//! the same hooks; without them, [`GroupError::MissingHooks`].
//!
//! [`Group::to_bytes`]: crate::group::Group::to_bytes
//! [`Group::from_bytes`]: crate::group::Group::from_bytes
//! [`Group::to_bytes_sealed`]: crate::group::Group::to_bytes_sealed
//! [`Group::from_bytes_sealed`]: crate::group::Group::from_bytes_sealed
//! [`Group::from_bytes_with_hooks`]: crate::group::Group::from_bytes_with_hooks
//! [`Group::from_bytes_sealed_with_hooks`]: crate::group::Group::from_bytes_sealed_with_hooks
//! [`Group::create`]: crate::group::Group::create
//! [`Group::join`]: crate::group::Group::join
//! [`Group::encrypt_application`]: crate::group::Group::encrypt_application
//! [`Group::propose`]: crate::group::Group::propose
//! [`Group::process`]: crate::group::Group::process
//! [`Group::commit`]: crate::group::Group::commit
//! [`Group::merge_pending_commit`]: crate::group::Group::merge_pending_commit
//! [`Group::merge_staged_commit`]: crate::group::Group::merge_staged_commit
//! [`Group::clear_pending_commit`]: crate::group::Group::clear_pending_commit
//! [`StorageKey`]: crate::group::StorageKey
//! [`KeyPackageBundle`]: crate::messages::KeyPackageBundle
//! [`GroupError::StateChecksumMismatch`]: crate::GroupError::StateChecksumMismatch
//! [`GroupError::MissingHooks`]: crate::GroupError::MissingHooks
