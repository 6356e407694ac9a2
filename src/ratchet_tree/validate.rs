//! Validating a received ratchet tree (RFC 9420 §12.4.3.1, with the §7.3 leaf checks that
//! need no group policy).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::node::{LeafNodeRef, sign_content};
use super::{RatchetTree, TreeView, malformed};
use crate::crypto::{CipherSuiteProvider, constant_time_eq};
use crate::error::{CryptoError, Error, TreeError};
use crate::messages::{CredentialType, ProtocolVersion};
use crate::tree_math::{LeafIndex, NodeIndex};

/// The leaves per `verify_batch` call of [`RatchetTree::verify_leaf_signatures`] on rayon's
/// pool (the `parallel` feature).
#[cfg(feature = "parallel")]
const CHUNK_LEAVES: usize = 64;

/// From this many leaves on (two chunks), [`RatchetTree::verify_leaf_signatures`] runs on all
/// cores. With one chunk rayon has nothing to run in parallel, and handing the work to its
/// pool costs a thread wake-up, so the calling thread does it.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_LEAVES: usize = CHUNK_LEAVES + 1;

/// What a received tree is checked against (RFC 9420 §12.4.3.1).
#[derive(Clone, Copy, Debug)]
pub struct TreeValidation<'a> {
    /// The group id: the signature context of `update` and `commit` leaves (§7.2).
    pub group_id: &'a [u8],
    /// The protocol version every leaf must support.
    pub version: ProtocolVersion,
    /// The expected tree hash (the GroupInfo's `tree_hash`), if it is to be checked.
    pub tree_hash: Option<&'a [u8]>,
    /// The current time in seconds since the Unix epoch, to check the lifetime of
    /// `key_package` leaves (§7.3, RECOMMENDED for received trees); `None` skips the check
    /// (the library has no clock).
    pub now: Option<u64>,
}

impl<'a> TreeValidation<'a> {
    /// Checks for group `group_id`, MLS 1.0, no tree hash and no lifetime check.
    pub fn new(group_id: &'a [u8]) -> Self {
        TreeValidation {
            group_id,
            version: ProtocolVersion::MLS10,
            tree_hash: None,
            now: None,
        }
    }
}

impl RatchetTree {
    /// Runs the tree checks of RFC 9420 §12.4.3.1 for a joiner, cheapest first: tree hash,
    /// unmerged leaves, leaf capabilities and lifetimes, key uniqueness, parent hashes, then
    /// every leaf signature through the provider's `verify_batch` (one call, or with the
    /// `parallel` feature one call per 64 leaves on all cores). The credentials themselves
    /// are the application's to validate (§5.3.1), as are `required_capabilities` (§11.1).
    pub fn validate(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        params: &TreeValidation<'_>,
    ) -> Result<(), Error> {
        if let Some(expected) = params.tree_hash {
            let actual = self.tree_hash(cs)?;
            if !constant_time_eq(&actual, expected) {
                return Err(TreeError::TreeHashMismatch.into());
            }
        }
        self.check_unmerged_leaves()?;
        self.check_leaves(cs, params)?;
        self.check_unique_keys()?;
        self.verify_parent_hashes(cs)?;
        self.verify_leaf_signatures(cs, params.group_id)
    }

    /// §12.4.3.1: every unmerged leaf is sorted (§7.1), a non-blank descendant, and listed by
    /// every non-blank node between it and the parent listing it.
    pub fn check_unmerged_leaves(&self) -> Result<(), Error> {
        let size = self.size;
        for p in (1..size.node_width()).step_by(2).map(NodeIndex) {
            let Some(node) = self.parent_node(p) else {
                continue;
            };
            let mut prev: Option<LeafIndex> = None;
            for leaf in node.unmerged_leaves() {
                if prev.is_some_and(|q| q >= leaf) {
                    return Err(TreeError::UnmergedLeavesNotSorted.into());
                }
                prev = Some(leaf);
            }
            for leaf in node.unmerged_leaves() {
                let x = leaf.node().ok_or(TreeError::UnmergedLeafNotDescendant)?;
                if !size.is_in_tree(x) || size.common_ancestor(x, p) != Some(p) {
                    return Err(TreeError::UnmergedLeafNotDescendant.into());
                }
                if self.is_blank(x) {
                    return Err(TreeError::UnmergedLeafBlank.into());
                }
                let path = size.direct_path(x).ok_or_else(malformed)?;
                for between in path.take_while(|&n| n != p) {
                    if let Some(b) = self.parent_node(between)
                        && !b.has_unmerged(leaf)
                    {
                        return Err(TreeError::UnmergedLeafMissingBelow.into());
                    }
                }
            }
        }
        Ok(())
    }

    /// §7.3 leaf checks that need no policy: capabilities list the group's version and
    /// suite and every credential type in use; leaf extensions are listed in the leaf's own
    /// capabilities and not repeated; `key_package` lifetimes contain `now` (if given).
    fn check_leaves(
        &self,
        cs: &dyn CipherSuiteProvider,
        params: &TreeValidation<'_>,
    ) -> Result<(), Error> {
        let suite = cs.cipher_suite();
        let mut in_use: BTreeSet<CredentialType> = BTreeSet::new();
        for (_, leaf) in self.leaves() {
            in_use.insert(leaf.credential_type());
        }
        for (_, leaf) in self.leaves() {
            check_leaf(&leaf, params, suite, &in_use)?;
        }
        Ok(())
    }

    /// §7.3, §12.4.3.1: every `encryption_key` (leaves and parents) and every leaf
    /// `signature_key` is unique. O(n log n).
    pub fn check_unique_keys(&self) -> Result<(), Error> {
        let width = self.size.node_width();
        let enc: Vec<&[u8]> = (0..width)
            .filter_map(|i| self.node_public_key(NodeIndex(i)))
            .collect();
        if has_duplicate(&enc) {
            return Err(TreeError::DuplicateEncryptionKey.into());
        }
        let sig: Vec<&[u8]> = self.leaves().map(|(_, l)| l.signature_key()).collect();
        if has_duplicate(&sig) {
            return Err(TreeError::DuplicateSignatureKey.into());
        }
        Ok(())
    }

    /// §7.3: every leaf's signature verifies under its own `signature_key`, with `group_id`
    /// and its leaf index as context for the `update` and `commit` sources. All signatures
    /// go to the provider in one `verify_batch` call; with the `parallel` feature and more
    /// than 64 leaves, the signed contents are built and the signatures verified on all
    /// cores (rayon), one `verify_batch` call per chunk of 64 leaves.
    pub fn verify_leaf_signatures(
        &self,
        cs: &dyn CipherSuiteProvider,
        group_id: &[u8],
    ) -> Result<(), Error> {
        let leaves: Vec<(LeafIndex, LeafNodeRef<'_>)> = self.leaves().collect();
        let build = |(i, leaf): &(LeafIndex, LeafNodeRef<'_>)| sign_content(leaf, group_id, *i);
        #[cfg(feature = "parallel")]
        if leaves.len() >= PARALLEL_MIN_LEAVES {
            use rayon::prelude::*;
            let contents: Vec<Vec<u8>> = leaves.par_iter().map(build).collect::<Result<_, _>>()?;
            // Chunks keep the provider's batch verification effective on each core.
            return signed_items(&leaves, &contents)
                .par_chunks(CHUNK_LEAVES)
                .try_for_each(|chunk| cs.verify_batch(chunk))
                .map_err(leaf_signature_error);
        }
        let contents: Vec<Vec<u8>> = leaves.iter().map(build).collect::<Result<_, _>>()?;
        cs.verify_batch(&signed_items(&leaves, &contents))
            .map_err(leaf_signature_error)
    }
}

/// `(signature_key, signed content, signature)` of each leaf, for `verify_batch`.
fn signed_items<'a>(
    leaves: &'a [(LeafIndex, LeafNodeRef<'a>)],
    contents: &'a [Vec<u8>],
) -> Vec<(&'a [u8], &'a [u8], &'a [u8])> {
    leaves
        .iter()
        .zip(contents)
        .map(|((_, l), c)| (l.signature_key(), c.as_slice(), l.signature()))
        .collect()
}

/// A refused leaf signature or key is [`TreeError::LeafSignatureInvalid`].
fn leaf_signature_error(e: CryptoError) -> Error {
    match e {
        CryptoError::InvalidSignature | CryptoError::InvalidKey => {
            Error::Tree(TreeError::LeafSignatureInvalid)
        }
        e => Error::Crypto(e),
    }
}

/// Whether two of `keys` are equal. Sorts (length, first 8 bytes, position) triples, which
/// stay in cache, and compares full keys only within runs of equal prefixes. O(n log n).
fn has_duplicate(keys: &[&[u8]]) -> bool {
    let mut prefixes: Vec<(usize, u64, usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut p = [0u8; 8];
            for (d, s) in p.iter_mut().zip(k.iter()) {
                *d = *s;
            }
            (k.len(), u64::from_be_bytes(p), i)
        })
        .collect();
    prefixes.sort_unstable();
    let mut start = 0usize;
    while start < prefixes.len() {
        let key = |i: usize| prefixes.get(i).map(|&(l, p, _)| (l, p));
        let mut end = start.saturating_add(1);
        while end < prefixes.len() && key(end) == key(start) {
            end = end.saturating_add(1);
        }
        if let Some(run) = prefixes.get(start..end)
            && run.len() > 1
        {
            let mut full: Vec<&[u8]> = run
                .iter()
                .filter_map(|&(_, _, i)| keys.get(i).copied())
                .collect();
            full.sort_unstable();
            if full.windows(2).any(|w| w.first() == w.get(1)) {
                return true;
            }
        }
        start = end;
    }
    false
}

/// The per-leaf checks of [`RatchetTree::validate`].
fn check_leaf(
    leaf: &LeafNodeRef<'_>,
    params: &TreeValidation<'_>,
    suite: crate::crypto::CipherSuite,
    in_use: &BTreeSet<CredentialType>,
) -> Result<(), TreeError> {
    if !leaf.versions().any(|v| v == params.version) {
        return Err(TreeError::LeafVersionUnsupported);
    }
    if !leaf.cipher_suites().any(|s| s == suite) {
        return Err(TreeError::LeafCipherSuiteUnsupported);
    }
    for t in in_use {
        if !leaf.capability_credentials().any(|c| c == *t) {
            return Err(TreeError::LeafCredentialUnsupported);
        }
    }
    let mut seen: Vec<u16> = Vec::new();
    for t in leaf.extension_types() {
        if !leaf.supports_extension(t) {
            return Err(TreeError::LeafExtensionUnsupported);
        }
        if seen.contains(&t.0) {
            return Err(TreeError::LeafDuplicateExtension);
        }
        seen.push(t.0);
    }
    if let (Some(now), Some(lifetime)) = (params.now, leaf.lifetime())
        && !lifetime.contains(now)
    {
        return Err(TreeError::LeafLifetimeInvalid);
    }
    Ok(())
}
