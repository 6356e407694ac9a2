//! What a joiner checks in a received GroupInfo and ratchet tree (RFC 9420 §12.4.3.1,
//! §12.4.3.2), shared by external joins and by [`PublicGroup`](super::PublicGroup): pure
//! functions of the GroupInfo, the tree and the application's hooks, no group state.

use crate::crypto::{CipherSuiteProvider, SignaturePublicKey};
use crate::error::{Error, GroupError};
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::messages::{ExtensionType, GroupInfo};
use crate::ratchet_tree::{RatchetTree, TreeLimits, TreeValidation, TreeView};

use super::hooks::{CredentialUse, GroupHooks};
use super::proposals::{validate_credential, validate_external_senders};

/// The GroupInfo of an `mls_group_info` message.
pub(crate) fn group_info_of(message: &MlsMessage) -> Result<&GroupInfo, Error> {
    message.validate()?;
    match &message.body {
        MlsMessageBody::GroupInfo(gi) => Ok(gi),
        _ => Err(GroupError::UnexpectedWireFormat.into()),
    }
}

/// The ratchet tree of a received GroupInfo (its `ratchet_tree` extension, else the encoded
/// `ratchet_tree` given out of band), decoded within `limits` (refused before decoding if
/// its encoding is too long), after the checks a joiner runs (RFC 9420 §12.4.3.1,
/// §12.4.3.2): the GroupInfo signature by the `signer` leaf, then the whole tree against the
/// GroupContext (tree hash, parent hashes, leaves, unmerged leaves, key uniqueness), and
/// every leaf's credential and every `external_senders` entry of the GroupContext by the
/// application's validator (§5.3.1, §12.1.8.1).
pub(crate) fn validated_tree(
    cs: &dyn CipherSuiteProvider,
    gi: &GroupInfo,
    ratchet_tree: Option<&[u8]>,
    now: Option<u64>,
    hooks: &GroupHooks,
    limits: &TreeLimits,
) -> Result<RatchetTree, Error> {
    let encoded = match gi.extensions.get(ExtensionType::RATCHET_TREE) {
        Some(e) => e.extension_data.as_slice(),
        None => ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
    };
    let mut tree = RatchetTree::decode_extension_with_limits(encoded, limits)?;
    let signer = tree
        .leaf(gi.signer)
        .map(|l| SignaturePublicKey(l.signature_key().to_vec()))
        .ok_or(GroupError::SignerNotInTree)?;
    gi.verify_signature(cs, &signer)?;
    let ctx = &gi.group_context;
    tree.validate(
        cs,
        &TreeValidation {
            group_id: &ctx.group_id,
            version: ctx.version,
            tree_hash: Some(&ctx.tree_hash),
            now,
        },
    )?;
    validate_tree_credentials(&tree, hooks)?;
    validate_external_senders(hooks, &ctx.extensions)?;
    Ok(tree)
}

/// §5.3.1: the application's validator accepts the credential of every leaf of a tree a
/// joiner received (as [`CredentialUse::JoinTree`]). O(n) validator calls.
pub(crate) fn validate_tree_credentials(
    tree: &RatchetTree,
    hooks: &GroupHooks,
) -> Result<(), Error> {
    for (_, leaf) in tree.leaves() {
        validate_credential(hooks, &leaf.to_leaf_node()?, CredentialUse::JoinTree)?;
    }
    Ok(())
}
