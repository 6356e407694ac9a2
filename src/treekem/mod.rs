//! TreeKEM (RFC 9420 §7.4 to §7.6, §7.9, §12.4.2): path secrets, creating an `UpdatePath`
//! and applying a received one.
//!
//! - [`PathSecret`]: the chain `path_secret[n] = DeriveSecret(path_secret[n-1], "path")`,
//!   node key pairs (§7.4), and `EncryptWithLabel(.., "UpdatePathNode", ..)` (§7.6).
//! - [`TreePrivateKeys`]: a member's private view of the tree (its leaf key and the keys of
//!   the parent nodes on its direct path that it knows).
//! - Committer: [`prepare_update_path`] updates the staged tree (§7.5, §7.9), then
//!   [`PreparedPath::encrypt`] encrypts the path secrets under the provisional
//!   `GroupContext` and gives the [`CommitterPath`] (`UpdatePath`, `commit_secret`, keys).
//! - Receiver: [`merge_update_path`] validates and merges an `UpdatePath` into the staged
//!   tree (§12.4.2, §7.9.2), then [`MergedPath::decrypt`] recovers the path secrets and the
//!   `commit_secret` and updates the receiver's [`TreePrivateKeys`]. The §12.4.2
//!   key-uniqueness check uses the tree's encryption-key index (O(log n) per key).
//!
//! ```text
//! // committer                               // receiver
//! let mut diff = tree.diff();                let mut diff = tree.diff();
//! /* apply proposals */                      /* apply proposals */
//! let p = prepare_update_path(cs, &mut diff, let m = merge_update_path(cs, &mut diff,
//!     me, group_id, new_leaf, sig_key, None)?;   sender, group_id, &path, &added)?;
//! let ctx = provisional_context(diff.tree_hash(cs)?);
//! let out = p.encrypt(cs, &ctx, &added)?;    let got = m.decrypt(cs, &ctx, &mut keys)?;
//! ```
//!
//! Cost (tree hash cache warm): creating a path is O(log n) key derivations and hashes plus
//! one HPKE encryption per resolution node (O(log n) in a tree without blanks, up to O(n)
//! with many blanks, as the RFC requires); applying one is O(log n) hashes and key
//! derivations, one HPKE decryption, the copath resolutions (all-blank subtrees are skipped
//! in one lookup), and one key-index lookup per path key for the §12.4.2 uniqueness check.

mod apply;
mod create;
mod keys;
mod path_secret;

pub use apply::{MergedPath, ReceivedPath, merge_update_path};
pub use create::{
    CommitterPath, NewLeaf, PreparedPath, prepare_update_path, prepare_update_path_by,
};
pub use keys::TreePrivateKeys;
pub use path_secret::PathSecret;

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
