//! Joining a group from a Welcome (RFC 9420 §12.4.3.1).

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{CryptoProvider, Secret, SignaturePublicKey};
use crate::error::{Error, GroupError};
use crate::framing::{FramingContext, MlsMessage, MlsMessageBody};
use crate::key_schedule::{PreSharedKeyId, Psk, ResumptionPskUsage, psk::psk_secret};
use crate::messages::{ExtensionType, GroupInfo, KeyPackageBundle};
use crate::ratchet_tree::{RatchetTree, TreeValidation, TreeView};
use crate::transcript::interim_transcript_hash;
use crate::treekem::{PathSecret, TreePrivateKeys};

use super::Group;
use super::config::{GroupConfig, PskStore, SigningIdentity};
use super::epoch::EpochState;

impl Group {
    /// Joins a group from a Welcome (RFC 9420 §12.4.3.1): decrypts the GroupSecrets with
    /// the KeyPackage's init key, resolves the PSKs from `psks`, decrypts the GroupInfo,
    /// takes the ratchet tree from its `ratchet_tree` extension or from `ratchet_tree` (the
    /// encoded `optional<Node> ratchet_tree<V>`), verifies the GroupInfo signature with the
    /// signer's leaf key, validates the whole tree (tree hash against the GroupContext,
    /// parent hashes, leaves, unmerged leaves, key uniqueness), finds the joiner's leaf,
    /// derives its path keys from the `path_secret`, derives the epoch and checks the
    /// confirmation tag.
    pub fn join(
        provider: Arc<dyn CryptoProvider>,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        psks: &PskStore,
    ) -> Result<Group, Error> {
        let MlsMessageBody::Welcome(welcome) = &welcome.body else {
            return Err(GroupError::UnexpectedWireFormat.into());
        };
        let cs = provider.suite(welcome.cipher_suite)?;
        let kp = &key_package.key_package;
        let mut tree: Option<RatchetTree> = None;
        let processed = welcome.process(
            cs,
            &[(kp, &key_package.init_private_key)],
            &mut |ids| external_psk_secret(cs, psks, ids),
            &mut |gi: &GroupInfo| {
                let t = match gi.extensions.get(ExtensionType::RATCHET_TREE) {
                    Some(e) => RatchetTree::decode_extension(&e.extension_data)?,
                    None => RatchetTree::decode_extension(
                        ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
                    )?,
                };
                let key = t
                    .leaf(gi.signer)
                    .map(|l| SignaturePublicKey(l.signature_key().to_vec()))
                    .ok_or(GroupError::SignerNotInTree)?;
                tree = Some(t);
                Ok(key)
            },
        )?;
        let mut tree = tree.ok_or(GroupError::MissingRatchetTree)?;
        let gi = &processed.group_info;
        let ctx = &gi.group_context;
        tree.validate(
            cs,
            &TreeValidation {
                group_id: &ctx.group_id,
                version: ctx.version,
                tree_hash: Some(&ctx.tree_hash),
                now: None,
            },
        )?;
        gi.check_extensions_supported(&kp.leaf_node.capabilities)?;
        let own_leaf = crate::codec::encode(&kp.leaf_node)?;
        let me = tree
            .find_leaf(|l| l.encoded() == own_leaf.as_slice())
            .ok_or(GroupError::OwnLeafNotFound)?;
        let mut keys = TreePrivateKeys::new(me, key_package.encryption_private_key.clone());
        if let Some(p) = &processed.group_secrets.path_secret {
            let (Some(a), Some(b)) = (me.node(), gi.signer.node()) else {
                return Err(GroupError::PathSecretMismatch.into());
            };
            let ancestor = tree
                .size()
                .common_ancestor(a, b)
                .filter(|_| me != gi.signer)
                .ok_or(GroupError::PathSecretMismatch)?;
            keys.apply_path_secret(cs, &tree, ancestor, PathSecret::new(p.path_secret.clone()))?;
        }
        for id in &processed.group_secrets.psks {
            if let Psk::Resumption(r) = &id.psk
                && matches!(
                    r.usage,
                    ResumptionPskUsage::Reinit | ResumptionPskUsage::Branch
                )
                && ctx.epoch != 1
            {
                return Err(GroupError::ResumptionEpochMismatch.into());
            }
        }
        let secrets = processed.epoch_secrets(cs)?;
        gi.verify_confirmation_tag(cs, secrets.confirmation_key.as_bytes())?;
        let interim =
            interim_transcript_hash(cs, &ctx.confirmed_transcript_hash, &gi.confirmation_tag)?;
        let epoch = EpochState::new(secrets, tree.size(), config.secret_tree);
        let mut group = Group {
            provider: provider.clone(),
            config,
            identity,
            tree,
            keys,
            context: FramingContext::new(ctx.clone())?,
            interim_transcript_hash: interim,
            confirmation_tag: gi.confirmation_tag.clone(),
            epoch,
            past_epochs: VecDeque::new(),
            proposals: Vec::new(),
            pending_updates: Vec::new(),
            pending_commit: None,
            psks: psks.clone(),
            resumption_psks: VecDeque::new(),
            active: true,
        };
        group.remember_resumption_psk();
        Ok(group)
    }
}

/// The `psk_secret` of a Welcome's PSKs from the external PSK store (RFC 9420 §8.4); a
/// joiner has no resumption PSKs of the group ([`GroupError::UnknownPsk`]).
fn external_psk_secret(
    cs: &dyn crate::crypto::CipherSuiteProvider,
    psks: &PskStore,
    ids: &[PreSharedKeyId],
) -> Result<Secret, Error> {
    let mut values: Vec<(&PreSharedKeyId, &[u8])> = Vec::with_capacity(ids.len());
    for id in ids {
        let v = match &id.psk {
            Psk::External(e) => psks.get(&e.psk_id).ok_or(GroupError::UnknownPsk)?,
            Psk::Resumption(_) => return Err(GroupError::UnknownPsk.into()),
        };
        values.push((id, v.as_bytes()));
    }
    psk_secret(cs, &values)
}
