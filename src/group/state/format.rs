//! The wire structs of saved group state (see the parent module for the format) and their
//! conversions from and to the group's in-memory types.

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use crate::crypto::{
    CipherSuiteProvider, HpkePrivateKey, HpkePublicKey, Secret, SignaturePublicKey,
};
use crate::error::{Error, GroupError};
use crate::framing::{PaddingPolicy, Sender};
use crate::group::SenderIdentity;
use crate::group::config::{HandshakeFormat, Member};
use crate::group::epoch::EpochState;
use crate::group::{GroupConfig, GroupHooks};
use crate::key_schedule::{EpochSecrets, PreSharedKeyId};
use crate::messages::{Credential, GroupContext, Proposal, ProposalRef, ReInit};
use crate::secret_tree::{
    SecretTreeConfig, SecretTreeState, StateSecret, write_public_state, write_state_struct,
};
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};
use crate::treekem::TreePrivateKeys;

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct ConfigState {
    /// 0: public, 1: private.
    pub(super) handshake_format: u8,
    pub(super) accept_both_handshake_formats: u8,
    pub(super) max_past_epochs: u32,
    pub(super) max_forward_jump: u32,
    pub(super) max_retained_keys: u32,
    /// 0: none, 1: pad to a multiple of `padding_multiple`.
    pub(super) padding: u8,
    pub(super) padding_multiple: u32,
    pub(super) max_resumption_psks: u32,
    /// Bit 0: `grease`; bit 1 (v4): `grease_extensions`.
    pub(super) grease: u8,
    /// Bit 0: a custom credential validator was set; bit 1: a custom proposal validator;
    /// bit 2 (v4): a custom proposal policy; bit 3: application components
    /// (draft-ietf-mls-extensions).
    pub(super) custom_hooks: u8,
    /// v4.
    pub(super) max_pending_proposals: u32,
    /// v4.
    pub(super) max_held_proposals: u32,
    /// v4: `tree_limits.max_leaves`.
    pub(super) max_leaves: u32,
    /// v4: `tree_limits.max_encoded_len`.
    pub(super) max_tree_encoded_len: u64,
}

/// `ConfigState.custom_hooks` bit of a custom credential validator.
pub(super) const HOOK_CREDENTIAL_VALIDATOR: u8 = 1;
/// `ConfigState.custom_hooks` bit of a custom proposal validator.
pub(super) const HOOK_PROPOSAL_VALIDATOR: u8 = 2;
/// `ConfigState.custom_hooks` bit of a custom proposal policy.
pub(super) const HOOK_PROPOSAL_POLICY: u8 = 4;
/// `ConfigState.custom_hooks` bit of registered application components.
pub(super) const HOOK_APP_COMPONENTS: u8 = 8;

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct PathKeyState {
    pub(super) node: NodeIndex,
    pub(super) key: StateSecret,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct PrivateKeysState {
    pub(super) own_leaf: LeafIndex,
    pub(super) leaf_key: StateSecret,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) path_keys: Vec<PathKeyState>,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct EpochSecretsState {
    pub(super) sender_data_secret: StateSecret,
    pub(super) exporter_secret: StateSecret,
    pub(super) external_secret: StateSecret,
    pub(super) confirmation_key: StateSecret,
    pub(super) membership_key: StateSecret,
    pub(super) resumption_psk: StateSecret,
    pub(super) epoch_authenticator: StateSecret,
    pub(super) init_secret: StateSecret,
}

/// All nine epoch secrets of a pending Commit's new epoch.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct FullSecretsState {
    pub(super) encryption_secret: StateSecret,
    pub(super) others: EpochSecretsState,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct ChangedLeafState {
    pub(super) leaf: LeafIndex,
    pub(super) signature_key: Option<SignaturePublicKey>,
    /// v5: the leaf's credential in that epoch, present exactly when `signature_key` is.
    pub(super) credential: Option<Credential>,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct PastEpochState {
    pub(super) context: GroupContext,
    pub(super) sender_data_secret: StateSecret,
    pub(super) secret_tree: SecretTreeState,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) changed_leaves: Vec<ChangedLeafState>,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct CachedProposalState {
    pub(super) reference: ProposalRef,
    pub(super) proposal: Proposal,
    pub(super) sender: Sender,
    /// v4: 0 accepted, 1 held.
    pub(super) status: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct PendingUpdateState {
    pub(super) public_key: HpkePublicKey,
    pub(super) private_key: StateSecret,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct MemberState {
    pub(super) index: LeafIndex,
    pub(super) credential: Credential,
    pub(super) signature_key: SignaturePublicKey,
}

/// A pending (own) Commit: the tree it produces rather than the change set, which is
/// rebuilt against the restored tree.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct PendingCommitState {
    pub(super) base_epoch: u64,
    pub(super) committer: LeafIndex,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) new_tree: Vec<u8>,
    pub(super) keys: Option<PrivateKeysState>,
    pub(super) context: GroupContext,
    pub(super) secrets: Option<FullSecretsState>,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) confirmation_tag: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) interim_transcript_hash: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) added: Vec<MemberState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) removed: Vec<MemberState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) updated: Vec<MemberState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) psks: Vec<PreSharedKeyId>,
    pub(super) reinit: Option<ReInit>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) changed_leaves: Vec<ChangedLeafState>,
    pub(super) self_removed: u8,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) custom_proposals: Vec<CustomProposalState>,
}

/// A custom proposal covered by a pending Commit, with its sender.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct CustomProposalState {
    pub(super) proposal: Proposal,
    pub(super) sender: Sender,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct ExternalPskState {
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) psk_id: Vec<u8>,
    pub(super) psk: StateSecret,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct ResumptionPskState {
    pub(super) epoch: u64,
    pub(super) psk: StateSecret,
}

/// A resumption PSK of another group (or a dropped epoch) in the PSK store.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct StoredResumptionPskState {
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) group_id: Vec<u8>,
    pub(super) epoch: u64,
    pub(super) psk: StateSecret,
}

/// The saved form of a [`Group`] (see the module documentation for the format).
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct GroupState {
    pub(super) version: u16,
    pub(super) config: ConfigState,
    pub(super) credential: Credential,
    pub(super) signature_public_key: SignaturePublicKey,
    pub(super) signature_private_key: StateSecret,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) ratchet_tree: Vec<u8>,
    pub(super) keys: PrivateKeysState,
    pub(super) group_context: GroupContext,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) interim_transcript_hash: Vec<u8>,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub(super) confirmation_tag: Vec<u8>,
    pub(super) epoch: EpochSecretsState,
    pub(super) secret_tree: SecretTreeState,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) past_epochs: Vec<PastEpochState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) proposals: Vec<CachedProposalState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) pending_updates: Vec<PendingUpdateState>,
    pub(super) pending_commit: Option<PendingCommitState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) psks: Vec<ExternalPskState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) stored_resumption_psks: Vec<StoredResumptionPskState>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) resumption_psks: Vec<ResumptionPskState>,
    pub(super) active: u8,
    pub(super) reinit: Option<ReInit>,
    /// v4: a resync external Commit of this epoch removed this member, unverified.
    pub(super) unverified_removal: Option<UnverifiedRemovalState>,
}

/// An unverified removal of this member (`self_removal`), in the current epoch.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct UnverifiedRemovalState {
    pub(super) joiner: MemberState,
    /// 0: own signature key, 1: valid successor.
    pub(super) credential_check: u8,
}

pub(super) fn invalid() -> Error {
    Error::Group(GroupError::InvalidState)
}

pub(super) fn flag(b: bool) -> u8 {
    u8::from(b)
}

pub(super) fn read_flag(b: u8) -> Result<bool, Error> {
    match b {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(invalid()),
    }
}

pub(super) fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::Encode)
}

/// A secret of the suite's `KDF.Nh` length, else [`GroupError::InvalidState`].
pub(super) fn nh_secret(cs: &dyn CipherSuiteProvider, s: StateSecret) -> Result<Secret, Error> {
    if s.0.len() == cs.hash_len() {
        Ok(s.0)
    } else {
        Err(invalid())
    }
}

impl ConfigState {
    pub(super) fn of(c: &GroupConfig) -> Result<Self, Error> {
        let (padding, padding_multiple) = match c.padding {
            PaddingPolicy::None => (0, 0),
            PaddingPolicy::PadToMultiple(m) => (1, m),
        };
        Ok(ConfigState {
            handshake_format: match c.handshake_format {
                HandshakeFormat::Public => 0,
                HandshakeFormat::Private => 1,
            },
            accept_both_handshake_formats: flag(c.accept_both_handshake_formats),
            max_past_epochs: to_u32(c.max_past_epochs)?,
            max_forward_jump: c.secret_tree.max_forward_jump,
            max_retained_keys: to_u32(c.secret_tree.max_retained_keys)?,
            padding,
            padding_multiple,
            max_resumption_psks: to_u32(c.max_resumption_psks)?,
            grease: flag(c.grease) | (flag(c.grease_extensions) << 1),
            custom_hooks: (if c.hooks.has_custom_credential_validator() {
                HOOK_CREDENTIAL_VALIDATOR
            } else {
                0
            }) | (if c.hooks.has_custom_proposal_validator() {
                HOOK_PROPOSAL_VALIDATOR
            } else {
                0
            }) | (if c.hooks.has_custom_proposal_policy() {
                HOOK_PROPOSAL_POLICY
            } else {
                0
            }) | (if c.hooks.has_app_components() {
                HOOK_APP_COMPONENTS
            } else {
                0
            }),
            max_pending_proposals: to_u32(c.max_pending_proposals)?,
            max_held_proposals: to_u32(c.max_held_proposals)?,
            max_leaves: c.tree_limits.max_leaves,
            max_tree_encoded_len: u64::try_from(c.tree_limits.max_encoded_len)
                .map_err(|_| Error::Encode)?,
        })
    }

    /// The saved policy with `hooks`, which must provide every custom hook the saved group
    /// had ([`GroupError::MissingHooks`]).
    pub(super) fn into_config(self, hooks: GroupHooks) -> Result<GroupConfig, Error> {
        if self.grease > 3 {
            return Err(invalid());
        }
        let known = HOOK_CREDENTIAL_VALIDATOR
            | HOOK_PROPOSAL_VALIDATOR
            | HOOK_PROPOSAL_POLICY
            | HOOK_APP_COMPONENTS;
        if self.custom_hooks & !known != 0 {
            return Err(invalid());
        }
        if (self.custom_hooks & HOOK_CREDENTIAL_VALIDATOR != 0
            && !hooks.has_custom_credential_validator())
            || (self.custom_hooks & HOOK_PROPOSAL_VALIDATOR != 0
                && !hooks.has_custom_proposal_validator())
            || (self.custom_hooks & HOOK_PROPOSAL_POLICY != 0
                && !hooks.has_custom_proposal_policy())
            || (self.custom_hooks & HOOK_APP_COMPONENTS != 0 && !hooks.has_app_components())
        {
            return Err(GroupError::MissingHooks.into());
        }
        let usize_of = |n: u32| usize::try_from(n).map_err(|_| invalid());
        Ok(GroupConfig {
            handshake_format: match self.handshake_format {
                0 => HandshakeFormat::Public,
                1 => HandshakeFormat::Private,
                _ => return Err(invalid()),
            },
            accept_both_handshake_formats: read_flag(self.accept_both_handshake_formats)?,
            max_past_epochs: usize_of(self.max_past_epochs)?,
            secret_tree: SecretTreeConfig {
                max_forward_jump: self.max_forward_jump,
                max_retained_keys: usize_of(self.max_retained_keys)?,
            },
            padding: match (self.padding, self.padding_multiple) {
                (0, 0) => PaddingPolicy::None,
                (1, m) => PaddingPolicy::PadToMultiple(m),
                _ => return Err(invalid()),
            },
            max_resumption_psks: usize_of(self.max_resumption_psks)?,
            max_pending_proposals: usize_of(self.max_pending_proposals)?,
            max_held_proposals: usize_of(self.max_held_proposals)?,
            grease: self.grease & 1 != 0,
            hooks,
            grease_extensions: self.grease & 2 != 0,
            tree_limits: crate::ratchet_tree::TreeLimits {
                max_leaves: self.max_leaves,
                max_encoded_len: usize::try_from(self.max_tree_encoded_len)
                    .map_err(|_| invalid())?,
            },
        })
    }
}

impl PrivateKeysState {
    pub(super) fn of(k: &TreePrivateKeys) -> Self {
        PrivateKeysState {
            own_leaf: k.own_leaf(),
            leaf_key: StateSecret(Secret::from_slice(k.leaf_key().as_bytes())),
            path_keys: k
                .path_nodes()
                .filter_map(|n| {
                    k.key_for(n).map(|key| PathKeyState {
                        node: n,
                        key: StateSecret(Secret::from_slice(key.as_bytes())),
                    })
                })
                .collect(),
        }
    }

    /// The keys, checked against a tree of `size`: the leaf is in the tree and every path
    /// key is on its direct path, at most once.
    pub(super) fn into_keys(self, size: TreeSize) -> Result<TreePrivateKeys, Error> {
        let leaf_node = self.own_leaf.node().ok_or_else(invalid)?;
        let path: Vec<NodeIndex> = size.direct_path(leaf_node).ok_or_else(invalid)?.collect();
        let mut keys = TreePrivateKeys::new(self.own_leaf, hpke_key(self.leaf_key));
        for p in self.path_keys {
            if !path.contains(&p.node) || keys.key_for(p.node).is_some() {
                return Err(invalid());
            }
            keys.insert_path_key(p.node, hpke_key(p.key));
        }
        Ok(keys)
    }
}

/// Moves secret bytes into an HPKE private key (both zeroize on drop).
pub(super) fn hpke_key(s: StateSecret) -> HpkePrivateKey {
    HpkePrivateKey::new(s.0.as_bytes().to_vec())
}

impl EpochSecretsState {
    pub(super) fn of(e: &EpochState) -> Self {
        EpochSecretsState {
            sender_data_secret: StateSecret::of(&e.sender_data_secret),
            exporter_secret: StateSecret::of(&e.exporter_secret),
            external_secret: StateSecret::of(&e.external_secret),
            confirmation_key: StateSecret::of(&e.confirmation_key),
            membership_key: StateSecret::of(&e.membership_key),
            resumption_psk: StateSecret::of(&e.resumption_psk),
            epoch_authenticator: StateSecret::of(&e.epoch_authenticator),
            init_secret: StateSecret::of(&e.init_secret),
        }
    }

    pub(super) fn of_secrets(e: &EpochSecrets) -> FullSecretsState {
        let s = EpochSecretsState {
            sender_data_secret: StateSecret::of(&e.sender_data_secret),
            exporter_secret: StateSecret::of(&e.exporter_secret),
            external_secret: StateSecret::of(&e.external_secret),
            confirmation_key: StateSecret::of(&e.confirmation_key),
            membership_key: StateSecret::of(&e.membership_key),
            resumption_psk: StateSecret::of(&e.resumption_psk),
            epoch_authenticator: StateSecret::of(&e.epoch_authenticator),
            init_secret: StateSecret::of(&e.init_secret),
        };
        FullSecretsState {
            encryption_secret: StateSecret::of(&e.encryption_secret),
            others: s,
        }
    }

    /// The secrets with `encryption_secret`, each checked to be `KDF.Nh` long.
    pub(super) fn into_secrets(
        self,
        cs: &dyn CipherSuiteProvider,
        encryption_secret: StateSecret,
    ) -> Result<EpochSecrets, Error> {
        Ok(EpochSecrets {
            sender_data_secret: nh_secret(cs, self.sender_data_secret)?,
            encryption_secret: nh_secret(cs, encryption_secret)?,
            exporter_secret: nh_secret(cs, self.exporter_secret)?,
            external_secret: nh_secret(cs, self.external_secret)?,
            confirmation_key: nh_secret(cs, self.confirmation_key)?,
            membership_key: nh_secret(cs, self.membership_key)?,
            resumption_psk: nh_secret(cs, self.resumption_psk)?,
            epoch_authenticator: nh_secret(cs, self.epoch_authenticator)?,
            init_secret: nh_secret(cs, self.init_secret)?,
            application_export_secret: None,
        })
    }
}

pub(super) fn member_state(m: &Member) -> MemberState {
    MemberState {
        index: m.index,
        credential: m.credential.clone(),
        signature_key: m.signature_key.clone(),
    }
}

pub(super) fn member_of(m: MemberState) -> Member {
    Member {
        index: m.index,
        credential: m.credential,
        signature_key: m.signature_key,
    }
}

pub(super) fn changed_state(c: &[(LeafIndex, Option<SenderIdentity>)]) -> Vec<ChangedLeafState> {
    c.iter()
        .map(|(leaf, k)| ChangedLeafState {
            leaf: *leaf,
            signature_key: k.as_ref().map(|k| k.signature_key.clone()),
            credential: k.as_ref().map(|k| k.credential.clone()),
        })
        .collect()
}

/// The changed leaves of a saved past epoch or pending Commit: a signature key without a
/// credential (or the reverse) is invalid state.
pub(super) fn changed_of(
    c: Vec<ChangedLeafState>,
) -> Result<Vec<(LeafIndex, Option<SenderIdentity>)>, Error> {
    c.into_iter()
        .map(|c| match (c.signature_key, c.credential) {
            (Some(signature_key), Some(credential)) => Ok((
                c.leaf,
                Some(SenderIdentity {
                    credential,
                    signature_key,
                }),
            )),
            (None, None) => Ok((c.leaf, None)),
            _ => Err(invalid()),
        })
        .collect()
}

write_public_state!(
    Credential,
    SignaturePublicKey,
    HpkePublicKey,
    GroupContext,
    Proposal,
    ProposalRef,
    Sender,
    PreSharedKeyId,
    ReInit,
);
write_state_struct!(ConfigState {
    handshake_format: state,
    accept_both_handshake_formats: state,
    max_past_epochs: state,
    max_forward_jump: state,
    max_retained_keys: state,
    padding: state,
    padding_multiple: state,
    max_resumption_psks: state,
    grease: state,
    custom_hooks: state,
    max_pending_proposals: state,
    max_held_proposals: state,
    max_leaves: state,
    max_tree_encoded_len: state
});
write_state_struct!(PathKeyState {
    node: state,
    key: state
});
write_state_struct!(PrivateKeysState {
    own_leaf: state,
    leaf_key: state,
    path_keys: vec
});
write_state_struct!(EpochSecretsState {
    sender_data_secret: state,
    exporter_secret: state,
    external_secret: state,
    confirmation_key: state,
    membership_key: state,
    resumption_psk: state,
    epoch_authenticator: state,
    init_secret: state
});
write_state_struct!(FullSecretsState {
    encryption_secret: state,
    others: state
});
write_state_struct!(ChangedLeafState {
    leaf: state,
    signature_key: state,
    credential: state
});
write_state_struct!(PastEpochState {
    context: state,
    sender_data_secret: state,
    secret_tree: state,
    changed_leaves: vec
});
write_state_struct!(CachedProposalState {
    reference: state,
    proposal: state,
    sender: state,
    status: state
});
write_state_struct!(PendingUpdateState {
    public_key: state,
    private_key: state
});
write_state_struct!(MemberState {
    index: state,
    credential: state,
    signature_key: state
});
write_state_struct!(PendingCommitState {
    base_epoch: state,
    committer: state,
    new_tree: bytes,
    keys: state,
    context: state,
    secrets: state,
    confirmation_tag: bytes,
    interim_transcript_hash: bytes,
    added: vec,
    removed: vec,
    updated: vec,
    psks: vec,
    reinit: state,
    changed_leaves: vec,
    self_removed: state,
    custom_proposals: vec
});
write_state_struct!(CustomProposalState {
    proposal: state,
    sender: state
});
write_state_struct!(ExternalPskState {
    psk_id: bytes,
    psk: state
});
write_state_struct!(ResumptionPskState {
    epoch: state,
    psk: state
});
write_state_struct!(StoredResumptionPskState {
    group_id: bytes,
    epoch: state,
    psk: state
});
write_state_struct!(GroupState {
    version: state,
    config: state,
    credential: state,
    signature_public_key: state,
    signature_private_key: state,
    ratchet_tree: bytes,
    keys: state,
    group_context: state,
    interim_transcript_hash: bytes,
    confirmation_tag: bytes,
    epoch: state,
    secret_tree: state,
    past_epochs: vec,
    proposals: vec,
    pending_updates: vec,
    pending_commit: state,
    psks: vec,
    stored_resumption_psks: vec,
    resumption_psks: vec,
    active: state,
    reinit: state,
    unverified_removal: state
});
write_state_struct!(UnverifiedRemovalState {
    joiner: state,
    credential_check: state
});
