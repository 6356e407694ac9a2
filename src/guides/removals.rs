//! # Removing members and leaving a group
//!
//! Members leave a group by a Remove proposal (RFC 9420 §12.1.3) that a Commit covers. Any
//! member can commit the removal of another; no member can commit its own removal (the
//! committer must be able to derive the new epoch, §12.2): to leave, a member *proposes*
//! its own removal and waits for another member to commit it.
//!
//! ## Removing a member
//!
//! [`CommitOptions::remove_member`] commits a Remove by value. The other members see the
//! removal in the [`StagedCommit`] before they merge it ([`StagedCommit::removed`]); the
//! removed member sees [`StagedCommit::removes_self`]. Once it merges the Commit its group
//! is inactive ([`Group::is_active`] is false): it stays in its last epoch, cannot derive
//! the new epoch's secrets (the Commit's path secrets are encrypted to everyone but it), and
//! every call that sends is [`GroupError::GroupInactive`]. The application can delete its
//! saved state.
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::group::{CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::{Error, GroupError};
//!
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
//! // Alice, Bob and Carol are members; Alice removes Carol.
//! let out = alice.commit(CommitOptions::default().remove_member(carol.own_leaf()))?;
//! alice.merge_pending_commit()?;
//!
//! // Bob sees who was removed, then merges.
//! let ProcessedContent::Commit(staged) = bob.process(&out.commit, None)?.content else { unreachable!() };
//! assert_eq!(staged.removed()[0].credential, Credential::Basic(b"carol".to_vec()));
//! bob.merge_staged_commit(*staged)?;
//! assert_eq!(bob.member_count(), 2);
//!
//! // Carol sees her own removal; after the merge her group is inactive.
//! let ProcessedContent::Commit(staged) = carol.process(&out.commit, None)?.content else { unreachable!() };
//! assert!(staged.removes_self());
//! carol.merge_staged_commit(*staged)?;
//! assert!(!carol.is_active());
//! let err = carol.encrypt_application(b"still here?", b"").unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::GroupInactive));
//! let err = carol.commit(CommitOptions::default()).unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::GroupInactive));
//!
//! // She stays in her last epoch: what the group sends from now on is not for her, and
//! // her client is told so (not `FutureEpoch`, which would make it wait for commits).
//! let msg = alice.encrypt_application(b"after Carol left", b"")?;
//! assert_eq!(carol.process(&msg, None).unwrap_err(), Error::Group(GroupError::GroupInactive));
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! ## Leaving a group
//!
//! A member leaves by sending a Remove proposal for its own leaf ([`Group::propose`]).
//! Another member commits it (here by reference: the proposal is in its pool once it
//! processed it). A member cannot commit its own removal: by value it is refused with
//! [`GroupError::RemoveOfCommitter`]; a self-Remove in its own pool is left out of its
//! Commit ([`CommitOutput::left_out`]).
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::group::{CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
//! # use melos::messages::{Credential, Lifetime};
//! # use melos::{CipherSuite, CryptoProvider};
//! use melos::messages::{Proposal, Remove};
//! use melos::{Error, GroupError};
//!
//! # let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! # let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! # let cs = provider.suite(suite)?;
//! # let id = |name: &str| SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec()));
//! # let forever = Lifetime { not_before: 0, not_after: u64::MAX };
//! # let bob_id = id("bob")?;
//! # let bob_kp = bob_id.key_package(cs, forever)?;
//! # let config = GroupConfig::default();
//! # let mut alice = Group::create(provider.clone(), suite, b"chat".to_vec(), id("alice")?, config.clone())?;
//! # let out = alice.commit(CommitOptions::default().add_member(bob_kp.key_package.clone()).with_ratchet_tree())?;
//! # alice.merge_pending_commit()?;
//! # let mut bob = Group::join(provider.clone(), &out.welcome.unwrap(), &bob_kp, bob_id, None, config, &PskStore::new())?;
//! // Bob cannot commit his own removal.
//! let leave = CommitOptions::default().remove_member(bob.own_leaf());
//! assert_eq!(bob.commit(leave).unwrap_err(), Error::Group(GroupError::RemoveOfCommitter));
//!
//! // He proposes it instead; Alice receives the proposal and commits it.
//! let proposal = bob.propose(Proposal::Remove(Remove { removed: bob.own_leaf() }))?;
//! // Until a Commit covers it, nobody sends application messages in this epoch (§12.4).
//! let err = bob.encrypt_application(b"bye", b"").unwrap_err();
//! assert_eq!(err, Error::Group(GroupError::ProposalsPending));
//! alice.process(&proposal, None)?;
//! let out = alice.commit(CommitOptions::default())?;
//! alice.merge_pending_commit()?;
//! assert_eq!(alice.member_count(), 1);
//!
//! // Bob processes the Commit that removes him.
//! let ProcessedContent::Commit(staged) = bob.process(&out.commit, None)?.content else { unreachable!() };
//! assert!(staged.removes_self());
//! bob.merge_staged_commit(*staged)?;
//! assert!(!bob.is_active());
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! While his proposal waits for a Commit, Bob is still a member: he receives and decrypts
//! messages, but cannot send application messages ([`GroupError::ProposalsPending`]: the
//! proposals of an epoch are committed before their receivers send data in it, RFC 9420
//! §12.4); neither can the members that received the proposal.
//!
//! ## A removal by a resync external Commit
//!
//! A client that lost its state rejoins by an external Commit that removes its old leaf
//! (RFC 9420 §12.4.3.2). The removed leaf cannot check such a Commit the way members do,
//! so its [`StagedCommit::self_removal`] is [`SelfRemoval::Unverified`]: merging it keeps
//! the group active in its epoch until the application decides
//! ([`Group::confirm_removal`]), and the next merged Commit clears it.
//!
//! [`CommitOptions::remove_member`]: crate::group::CommitOptions::remove_member
//! [`CommitOutput::left_out`]: crate::group::CommitOutput::left_out
//! [`StagedCommit`]: crate::group::StagedCommit
//! [`StagedCommit::removed`]: crate::group::StagedCommit::removed
//! [`StagedCommit::removes_self`]: crate::group::StagedCommit::removes_self
//! [`StagedCommit::self_removal`]: crate::group::StagedCommit::self_removal
//! [`SelfRemoval::Unverified`]: crate::group::SelfRemoval::Unverified
//! [`Group::is_active`]: crate::group::Group::is_active
//! [`Group::propose`]: crate::group::Group::propose
//! [`Group::confirm_removal`]: crate::group::Group::confirm_removal
//! [`GroupError::GroupInactive`]: crate::GroupError::GroupInactive
//! [`GroupError::RemoveOfCommitter`]: crate::GroupError::RemoveOfCommitter
//! [`GroupError::ProposalsPending`]: crate::GroupError::ProposalsPending
