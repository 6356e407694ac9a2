//! Applying a staged change set to its base tree in one step (RFC 9420 §12.4.2: the
//! provisional tree becomes the group's tree), keeping the tree's indexes current.

use alloc::vec::Vec;

use super::StagedTree;
use crate::error::{Error, TreeError};
use crate::ratchet_tree::RatchetTree;
use crate::ratchet_tree::index::{CredentialCounts, KeyIndex, stored_signature_key};
use crate::tree_math::NodeIndex;

/// Applies `staged` to `tree` (see [`RatchetTree::merge`]).
pub(in crate::ratchet_tree) fn merge(
    tree: &mut RatchetTree,
    staged: StagedTree,
) -> Result<(), Error> {
    if staged.generation != tree.generation {
        return Err(TreeError::StaleDiff.into());
    }
    // Nodes cut off by truncation leave the indexes.
    for (x, old) in tree.nodes.truncate(staged.size.node_width()) {
        forget(
            &mut tree.enc_keys,
            &mut tree.sig_keys,
            &mut tree.credentials,
            x,
            &old,
        );
    }
    tree.size = staged.size;
    let blanked = staged
        .changes
        .iter()
        .filter(|&(&x, slot)| x % 2 == 0 && slot.is_none())
        .map(|(&x, _)| x / 2)
        .min();
    let start = blanked.map_or(tree.first_blank, |b| b.min(tree.first_blank));
    for (x, slot) in staged.changes {
        if !tree.size.is_in_tree(NodeIndex(x)) {
            continue;
        }
        // The old node leaves the indexes before the new one enters (they may share a key).
        if let Some(old) = tree.nodes.replace(x, slot.map(Vec::into_boxed_slice)) {
            forget(
                &mut tree.enc_keys,
                &mut tree.sig_keys,
                &mut tree.credentials,
                x,
                &old,
            );
        }
        if let Some(new) = tree.nodes.get(x) {
            tree.enc_keys.insert(x, new);
            if x.is_multiple_of(2) {
                if let Some(k) = stored_signature_key(new) {
                    tree.sig_keys.insert_key(x, k);
                }
                tree.credentials.insert(new);
            }
        }
    }
    tree.nodes.refresh();
    tree.first_blank = tree.scan_blank_leaf(start);
    tree.cache.resize(staged.size, tree.nodes.hash_budget());
    for &x in &staged.dirty {
        tree.cache.invalidate(NodeIndex(x));
    }
    if staged.hash_suite.is_some() && staged.hash_suite == tree.cache.suite() {
        for (x, h) in &staged.hashes {
            tree.cache.set(NodeIndex(*x), h);
        }
    }
    tree.generation = tree.generation.wrapping_add(1);
    Ok(())
}

/// Removes the stored node `old` at `x` from the tree's indexes.
fn forget(
    enc_keys: &mut KeyIndex,
    sig_keys: &mut KeyIndex,
    credentials: &mut CredentialCounts,
    x: u32,
    old: &[u8],
) {
    enc_keys.remove(x, old);
    if x.is_multiple_of(2) {
        if let Some(k) = stored_signature_key(old) {
            sig_keys.remove_key(x, k);
        }
        credentials.remove(old);
    }
}
