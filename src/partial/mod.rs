//! Partial MLS (draft-ietf-mls-partial-02): members that hold O(log n) of the ratchet tree.
//!
//! A partial client does not download, validate or keep the group's ratchet tree. It keeps
//! the group's secrets and the private keys of its direct path, and checks the parts of the
//! tree it needs against the tree hash it agrees on through the key schedule, using
//! log-size [`MembershipProof`]s that a full member or the Delivery Service attaches to the
//! messages it forwards:
//!
//! - [`wire`]: the draft's structures ([`CopathHash`], [`MembershipProof`],
//!   [`SenderAuthenticatedMessage`], [`AnnotatedWelcome`], [`AnnotatedCommit`]);
//! - [`proof`]: membership proofs, created from a full [`crate::ratchet_tree::RatchetTree`]
//!   and verified against a tree hash;
//! - [`sender_auth`]: sender-authenticated messages, created and verified;
//! - [`update_path`]: a partial client's decryption of an `UpdatePath`;
//! - [`member`]: the partial member, joining from an [`AnnotatedWelcome`];
//! - [`commit`]: the partial member processing an [`AnnotatedCommit`];
//! - [`proposals`]: proposals sent outside Commits, cached for Commits that cover them by
//!   reference;
//! - upgrade to a full member ([`PartialMember::upgrade`]) and downgrade from one
//!   ([`crate::group::Group::downgrade`]), draft §"Upgrading and Downgrading";
//! - [`annotate`]: the annotating side, from a full view of the tree.
//!
//! Every check a partial client makes fails with its own [`crate::PartialError`] variant.

pub mod annotate;
pub mod commit;
pub mod member;
pub mod proof;
pub mod proposals;
pub mod sender_auth;
pub mod update_path;
pub mod wire;

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests_member;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests_switch;

pub use annotate::{CommitAnnotator, annotate_welcome};
pub use commit::ProcessedPartialCommit;
pub use member::{PartialMember, PartialState};
pub use proposals::{CachedPartialProposal, MAX_CACHED_PROPOSALS};
pub use update_path::{PartialPathSecrets, process_update_path};
pub use wire::{
    AnnotatedCommit, AnnotatedWelcome, CopathHash, MembershipProof, SenderAuthenticatedMessage,
};
