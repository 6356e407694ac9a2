//! Per-epoch state (RFC 9420 §8, §9): the epoch secrets in use, the secret tree, and the
//! application secrets kept for a few past epochs.

use alloc::vec::Vec;

use crate::crypto::Secret;
use crate::framing::FramingContext;
use crate::key_schedule::EpochSecrets;
use crate::secret_tree::{SecretTree, SecretTreeConfig};
use crate::tree_math::{LeafIndex, TreeSize};

use super::self_removal::UnverifiedRemoval;
use super::sender::SenderIdentity;

/// The secrets of the current epoch (RFC 9420 §8) that the group still needs, and its
/// secret tree (§9). The `encryption_secret` lives only inside the secret tree.
///
/// Also what this member learned in the epoch and loses with it: an unverified removal
/// (see `self_removal`), cleared by the merge of any Commit.
#[derive(Clone, Debug)]
pub(crate) struct EpochState {
    pub(crate) sender_data_secret: Secret,
    pub(crate) exporter_secret: Secret,
    /// Kept for external commits (§8.3) and saved state; not used by this engine yet.
    #[allow(dead_code)]
    pub(crate) external_secret: Secret,
    /// Kept to recompute a GroupInfo's confirmation tag (§12.4.3) and for saved state.
    #[allow(dead_code)]
    pub(crate) confirmation_key: Secret,
    pub(crate) membership_key: Secret,
    pub(crate) resumption_psk: Secret,
    pub(crate) epoch_authenticator: Secret,
    pub(crate) init_secret: Secret,
    pub(crate) secret_tree: SecretTree,
    /// The Exporter Tree of draft-ietf-mls-extensions § "Exported Secrets"; `None` in an
    /// epoch restored from saved state (not saved, so that consumed secrets stay deleted).
    pub(crate) app_exporter: Option<crate::components::ExporterTree>,
    /// A merged resync external Commit that removes this member, which it could not verify
    /// (RFC 9420 §12.4.3.2). Not saved state.
    pub(crate) unverified_removal: Option<UnverifiedRemoval>,
}

impl EpochState {
    /// Moves the epoch secrets in; the `encryption_secret` becomes the root of a secret tree
    /// of `size` (§9).
    pub(crate) fn new(secrets: EpochSecrets, size: TreeSize, config: SecretTreeConfig) -> Self {
        let EpochSecrets {
            sender_data_secret,
            encryption_secret,
            exporter_secret,
            external_secret,
            confirmation_key,
            membership_key,
            resumption_psk,
            epoch_authenticator,
            init_secret,
            application_export_secret,
        } = secrets;
        EpochState {
            sender_data_secret,
            exporter_secret,
            external_secret,
            confirmation_key,
            membership_key,
            resumption_psk,
            epoch_authenticator,
            init_secret,
            secret_tree: SecretTree::with_config(encryption_secret, size, config),
            app_exporter: application_export_secret.map(crate::components::ExporterTree::new),
            unverified_removal: None,
        }
    }
}

/// What is kept of a past epoch to decrypt late application messages (RFC 9420 §9.2: the
/// application chooses how long): its context, sender-data secret and secret tree, and the
/// identities (credential and signature key) of the leaves its commit replaced.
#[derive(Clone, Debug)]
pub(crate) struct PastEpoch {
    pub(crate) context: FramingContext,
    pub(crate) sender_data_secret: Secret,
    pub(crate) secret_tree: SecretTree,
    /// The leaves the commit that ended this epoch changed, with their credential and
    /// `signature_key` in this epoch (`None`: blank in this epoch).
    pub(crate) changed_leaves: Vec<(LeafIndex, Option<SenderIdentity>)>,
}

impl PastEpoch {
    /// The recorded identity of `leaf` in this epoch, if the ending commit changed it:
    /// `Some(None)` if the leaf was blank.
    pub(crate) fn changed_identity(&self, leaf: LeafIndex) -> Option<Option<&SenderIdentity>> {
        self.changed_leaves
            .iter()
            .find(|(l, _)| *l == leaf)
            .map(|(_, k)| k.as_ref())
    }
}
