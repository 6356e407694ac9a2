//! Saved group state (RFC 9420 §9.2, §16.5): the sans-I/O caller persists a group as bytes
//! and restores it later with [`Group::from_bytes`].
//!
//! # What is saved
//!
//! Exactly what the group holds, which after the deletions of §9.2 is what it still needs:
//! the local policy, the signing identity (with its private key), the public ratchet tree,
//! this member's private tree keys, the `GroupContext` and transcript hashes, the current
//! epoch's secrets (the `encryption_secret` only as the remaining secret-tree state), the
//! secret trees of the kept past epochs, the proposals received this epoch, the private
//! keys of this member's own pending Update proposals, the pending Commit if any, the PSK
//! store (external PSKs and stored resumption PSKs of other groups), the resumption PSKs of
//! recent epochs and the ReInit of an inactive group. Consumed message keys, used path
//! secrets and replaced private keys were deleted from memory before and cannot be written.
//!
//! An identity that signs with an external [`Signer`](crate::crypto::Signer) is saved
//! with its public key only: the restored group refuses to sign
//! ([`GroupError::SignerRequired`]) until [`Group::set_signer`] gives the signer back.
//!
//! **The body is secret** (it contains the signature private key and every epoch secret
//! still in use). [`Group::to_bytes`] writes it in the clear with a checksum: the caller
//! must store those bytes encrypted and authenticated. [`Group::to_bytes_sealed`] does that
//! itself, under a caller-supplied [`StorageKey`]. Either way the caller must not keep an
//! old copy: restoring an old state would reuse deleted keys, breaking forward secrecy, and
//! neither the checksum nor the seal can tell an old state from the latest one.
//! The encoding is written straight into one buffer of the exact size, returned as a
//! zeroizing [`Secret`]; decoding moves each secret into a zeroizing type.
//!
//! A pending Commit is saved as the tree it produces (its change set is rebuilt on the
//! restored tree), so a state with a pending Commit holds the ratchet tree twice.
//!
//! # Format (version 5)
//!
//! Since version 4 the body (version 3 plus the proposal pool fields below) is wrapped in an
//! integrity envelope (`envelope.rs`):
//!
//! ```text
//! enum { checksum(1), sealed(2), (255) } StateMode;  // values 2 bits apart
//!
//! struct {
//!     uint16 version = 5;
//!     CipherSuite cipher_suite;   // the group's: says which hash / AEAD checks the rest
//!     StateMode mode;
//!     select (mode) {
//!         case checksum:
//!             GroupState body;    // below, in the clear
//!             opaque checksum[KDF.Nh];  // Hash(version .. body), everything before it
//!         case sealed:
//!             opaque salt[32];    // fresh random bytes for every seal
//!             opaque ciphertext[]; // AEAD.Seal(key, nonce, aad = version .. salt, body)
//!     };
//! } GroupStateEnvelope;
//!
//! prk   = KDF.Extract(salt, storage_key)
//! key   = ExpandWithLabel(prk, "melos group state key",   version .. mode, AEAD.Nk)
//! nonce = ExpandWithLabel(prk, "melos group state nonce", version .. mode, AEAD.Nn)
//! ```
//!
//! Neither the body nor the check value is length-prefixed: the check value takes the end
//! of the input. The check is verified before any of the body is decoded, so a damaged
//! state is refused as a whole with one error: [`GroupError::StateChecksumMismatch`] or
//! [`GroupError::StateAuthenticationFailed`] (a damaged version or mode is
//! [`GroupError::UnsupportedStateVersion`] or an unknown value; a damaged suite may also be
//! [`Error::UnsupportedCipherSuite`]). A sealed state does not load through
//! [`Group::from_bytes`] ([`GroupError::StateKeyRequired`]), nor a checksum one through
//! [`Group::from_bytes_sealed`] ([`GroupError::StateNotSealed`]). The checksum protects
//! against accidents (storage faults, truncation, a stray edit), not against an attacker
//! who can write the storage: only the sealed form does. The overhead is 5 + `KDF.Nh`
//! bytes (checksum) or 5 + 32 + 16 bytes (sealed, with the 16-byte tag of every RFC 9420
//! AEAD).
//!
//! The body: version 2 added `ConfigState.max_resumption_psks`, `stored_resumption_psks`
//! and `reinit`; version 3 added `ConfigState.grease` and `ConfigState.custom_hooks` (bit
//! 0: a custom credential validator, bit 1: a custom proposal validator; the hooks
//! themselves are code and are given back to [`Group::from_bytes_with_hooks`]); version 4
//! added `ConfigState.max_pending_proposals` and `max_held_proposals`, bit 1 of
//! `ConfigState.grease` (`grease_extensions`), `ConfigState.max_leaves` and
//! `max_tree_encoded_len` (`tree_limits`), bit 2 of
//! `custom_hooks` (a custom proposal policy) and `CachedProposalState.status` (0 accepted,
//! 1 held); version 5 added `ChangedLeafState.credential` (the credential of a leaf that a
//! kept past epoch's ending Commit changed, so a late message of that epoch names its
//! sender). Older versions are refused
//! ([`GroupError::UnsupportedStateVersion`]).
//!
//! ```text
//! struct {
//!     uint16 version = 5;        // as in the envelope
//!     ConfigState config;
//!     Credential credential;
//!     SignaturePublicKey signature_public_key;
//!     opaque signature_private_key<V>;      // empty for an external Signer
//!     opaque ratchet_tree<V>;                 // the ratchet_tree extension encoding
//!     PrivateKeysState keys;
//!     GroupContext group_context;
//!     opaque interim_transcript_hash<V>;
//!     opaque confirmation_tag<V>;
//!     EpochState epoch;                       // 8 secrets, no encryption_secret
//!     SecretTreeState secret_tree;
//!     PastEpochState past_epochs<V>;          // oldest first
//!     CachedProposalState proposals<V>;
//!     PendingUpdateState pending_updates<V>;
//!     optional<PendingCommitState> pending_commit; // v3: + custom_proposals<V>
//!     ExternalPskState psks<V>;
//!     StoredResumptionPskState stored_resumption_psks<V>;  // by (group_id, epoch)
//!     ResumptionPskState resumption_psks<V>;  // oldest first
//!     uint8 active;
//!     optional<ReInit> reinit;                // only if inactive
//!     optional<UnverifiedRemovalState> unverified_removal; // v4: MemberState joiner,
//!                                             // uint8 check (0 own key, 1 successor)
//! } GroupState;
//! ```

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Group;
use super::config::{PskStore, SigningIdentity};
use super::epoch::{EpochState, PastEpoch};
use super::hooks::GroupHooks;
use super::pool::{PendingProposal, ProposalStatus};
use super::process::StagedCommit;
use super::self_removal::{SuccessorCheck, UnverifiedRemoval};
use crate::codec;
use crate::crypto::{
    CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, SignaturePrivateKey,
};
use crate::error::{Error, GroupError};
use crate::framing::FramingContext;
use crate::messages::LeafNode;
use crate::ratchet_tree::{ParentNode, RatchetTree, StagedTree, TreeLimits, TreeView};
use crate::secret_tree::{SecretTree, StateSecret};
use crate::tree_math::NodeIndex;

mod envelope;
mod format;

#[cfg(feature = "getrandom")]
pub(crate) use envelope::rewrap_checksummed;
pub use envelope::{MIN_STORAGE_KEY_LEN, StorageKey};

use format::{
    CachedProposalState, ConfigState, CustomProposalState, EpochSecretsState, ExternalPskState,
    GroupState, PastEpochState, PendingCommitState, PendingUpdateState, PrivateKeysState,
    ResumptionPskState, StoredResumptionPskState, UnverifiedRemovalState, changed_of,
    changed_state, flag, hpke_key, invalid, member_of, member_state, nh_secret, read_flag,
};

/// The format version of saved group state written by [`Group::to_bytes`] (the leading
/// `uint16` of `GroupState`; RFC 9420 §9.2 leaves state storage to the implementation).
pub const GROUP_STATE_VERSION: u16 = 5;

/// Rebuilds, on top of `base`, the change set that turns it into `target` (the tree a
/// pending Commit produces). O(n) in the tree size.
fn restage(base: &RatchetTree, target: &RatchetTree) -> Result<StagedTree, Error> {
    let want = target.size();
    let mut diff = base.diff();
    // Grow as a Commit does: `add_leaf` fills the leftmost blank leaf or doubles the tree.
    if diff.size().leaf_count() < want.leaf_count() {
        let filler: LeafNode = target
            .leaves()
            .next()
            .map(|(_, l)| l.to_leaf_node())
            .transpose()?
            .ok_or_else(invalid)?;
        let mut budget = want.leaf_count();
        while diff.size().leaf_count() < want.leaf_count() {
            budget = budget.checked_sub(1).ok_or_else(invalid)?;
            diff.add_leaf(&filler)?;
        }
    }
    for x in 0..diff.size().node_width() {
        let x = NodeIndex(x);
        let t = if want.is_in_tree(x) {
            target.node_bytes(x)
        } else {
            None
        };
        if diff.node_bytes(x) == t {
            continue;
        }
        match (t, x.leaf()) {
            (None, _) => diff.blank_node(x)?,
            (Some(b), Some(leaf)) => diff.set_leaf(leaf, &codec::decode_exact::<LeafNode>(b)?)?,
            (Some(b), None) => diff.set_parent_node(x, &codec::decode_exact::<ParentNode>(b)?)?,
        }
    }
    if diff.size() != want {
        diff.truncate();
    }
    let same = diff.size() == want
        && (0..want.node_width())
            .all(|x| diff.node_bytes(NodeIndex(x)) == target.node_bytes(NodeIndex(x)));
    if !same {
        return Err(invalid());
    }
    Ok(diff.into_staged())
}

impl Group {
    /// Encodes this member's complete group state (RFC 9420 §9.2, §16.5) so that
    /// [`Group::from_bytes`] restores a group that behaves identically: same epoch, keys,
    /// received proposals, pending Commit and kept past-epoch secrets.
    ///
    /// The state ends with a checksum (the suite's hash over all of it), which
    /// [`Group::from_bytes`] verifies before decoding anything: damaged bytes are refused
    /// with [`GroupError::StateChecksumMismatch`]. The checksum protects against accidents
    /// (a flipped bit, a torn write), not against an attacker, who can recompute it.
    ///
    /// **The result is secret** (signature private key, epoch secrets, ratchet state): store
    /// it encrypted and authenticated, or use [`Group::to_bytes_sealed`], which does both;
    /// replace the previous copy after every change of the group, and never restore an older
    /// copy (that would reuse deleted keys, §9.2). O(n) in the group size.
    pub fn to_bytes(&self) -> Result<Secret, Error> {
        let cs = self
            .provider
            .suite(self.context.group_context().cipher_suite)?;
        envelope::checksummed(cs, &self.state()?)
    }

    /// [`Group::to_bytes`] sealed under `key`: the state is encrypted and authenticated with
    /// the group's cipher suite AEAD, under a key and nonce derived from `key` and a fresh
    /// random salt (RFC 9420 §5.1 primitives, `ExpandWithLabel` with melos's own labels).
    /// Restore it with [`Group::from_bytes_sealed`]; any change to the bytes, or another
    /// key, is refused with [`GroupError::StateAuthenticationFailed`].
    ///
    /// The result reveals only the group's cipher suite and the state's length, but sealing
    /// does not stop an older sealed copy from being restored in place of the latest one:
    /// the caller must still replace the previous copy after every change of the group
    /// (§9.2). Adds 37 bytes of header and salt and the AEAD tag (16 bytes) to the body,
    /// against 5 bytes of header and `KDF.Nh` of checksum for [`Group::to_bytes`]. O(n) in
    /// the group size.
    pub fn to_bytes_sealed(&self, key: &StorageKey) -> Result<Vec<u8>, Error> {
        let cs = self
            .provider
            .suite(self.context.group_context().cipher_suite)?;
        envelope::sealed(cs, &self.state()?, key)
    }

    /// The `GroupState` body of the saved state.
    fn state(&self) -> Result<GroupState, Error> {
        let pending_commit = match &self.pending_commit {
            Some(s) => Some(self.pending_state(s)?),
            None => None,
        };
        let mut past_epochs = Vec::with_capacity(self.past_epochs.len());
        for (_, p) in &self.past_epochs {
            past_epochs.push(PastEpochState {
                context: p.context.group_context().clone(),
                sender_data_secret: StateSecret::of(&p.sender_data_secret),
                secret_tree: p.secret_tree.to_state()?,
                changed_leaves: changed_state(&p.changed_leaves),
            });
        }
        let state = GroupState {
            version: GROUP_STATE_VERSION,
            config: ConfigState::of(&self.config)?,
            credential: self.identity.credential.clone(),
            signature_public_key: self.identity.signature_public_key().clone(),
            // Empty for an external signer, given back with `Group::set_signer`.
            signature_private_key: StateSecret(Secret::from_slice(
                self.identity
                    .key_pair()
                    .map_or(&[][..], |k| k.private_key.as_bytes()),
            )),
            ratchet_tree: self.tree.encode_extension()?,
            keys: PrivateKeysState::of(&self.keys),
            group_context: self.context.group_context().clone(),
            interim_transcript_hash: self.interim_transcript_hash.clone(),
            confirmation_tag: self.confirmation_tag.clone(),
            epoch: EpochSecretsState::of(&self.epoch),
            secret_tree: self.epoch.secret_tree.to_state()?,
            past_epochs,
            proposals: self
                .proposals
                .iter()
                .map(|c| CachedProposalState {
                    reference: c.reference.clone(),
                    proposal: c.proposal.clone(),
                    sender: c.sender,
                    status: match c.status {
                        ProposalStatus::Accepted => 0,
                        ProposalStatus::Held => 1,
                    },
                })
                .collect(),
            pending_updates: self
                .pending_updates
                .iter()
                .map(|(p, k)| PendingUpdateState {
                    public_key: p.clone(),
                    private_key: StateSecret(Secret::from_slice(k.as_bytes())),
                })
                .collect(),
            pending_commit,
            psks: self
                .psks
                .iter()
                .map(|(id, psk)| ExternalPskState {
                    psk_id: id.clone(),
                    psk: StateSecret::of(psk),
                })
                .collect(),
            stored_resumption_psks: self
                .psks
                .iter_resumption()
                .map(|((group_id, epoch), psk)| StoredResumptionPskState {
                    group_id: group_id.clone(),
                    epoch: *epoch,
                    psk: StateSecret::of(psk),
                })
                .collect(),
            resumption_psks: self
                .resumption_psks
                .iter()
                .map(|(e, psk)| ResumptionPskState {
                    epoch: *e,
                    psk: StateSecret::of(psk),
                })
                .collect(),
            active: flag(self.active),
            reinit: self.reinit.clone(),
            unverified_removal: self.epoch.unverified_removal.as_ref().map(|u| {
                UnverifiedRemovalState {
                    joiner: member_state(&u.joiner),
                    credential_check: match u.credential_check {
                        SuccessorCheck::OwnSignatureKey => 0,
                        SuccessorCheck::ValidSuccessor => 1,
                    },
                }
            }),
        };
        Ok(state)
    }

    fn pending_state(&self, s: &StagedCommit) -> Result<PendingCommitState, Error> {
        let mut new_tree = self.tree.clone();
        new_tree.merge(s.tree.clone())?;
        Ok(PendingCommitState {
            base_epoch: s.base_epoch,
            committer: s.committer,
            new_tree: new_tree.encode_extension()?,
            keys: s.keys.as_ref().map(PrivateKeysState::of),
            context: s.context.clone(),
            secrets: s.secrets.as_ref().map(EpochSecretsState::of_secrets),
            confirmation_tag: s.confirmation_tag.clone(),
            interim_transcript_hash: s.interim_transcript_hash.clone(),
            added: s.added.iter().map(member_state).collect(),
            removed: s.removed.iter().map(member_state).collect(),
            updated: s.updated.iter().map(member_state).collect(),
            psks: s.psks.clone(),
            reinit: s.reinit.clone(),
            changed_leaves: changed_state(&s.changed_leaves),
            self_removed: flag(s.self_removed),
            custom_proposals: s
                .custom_proposals
                .iter()
                .map(|(proposal, sender)| CustomProposalState {
                    proposal: proposal.clone(),
                    sender: *sender,
                })
                .collect(),
        })
    }

    /// Restores a group saved by [`Group::to_bytes`] (RFC 9420 §9.2), with `provider` for
    /// its cryptography.
    ///
    /// First the envelope: the format version ([`GroupError::UnsupportedStateVersion`]), a
    /// state sealed by [`Group::to_bytes_sealed`] ([`GroupError::StateKeyRequired`]), the
    /// cipher suite ([`Error::UnsupportedCipherSuite`]) and the checksum
    /// ([`GroupError::StateChecksumMismatch`]), all before any of the body is decoded.
    /// Truncated or extended bytes fail the checksum like any other damage. Then the body is
    /// decoded with bounded allocation and checked for consistency: every secret `KDF.Nh`
    /// long, the ratchet tree's hash equal to the GroupContext's `tree_hash`, this member's
    /// leaf and signature key in the tree, path keys on its direct path, past epochs older
    /// than the current one; any inconsistency is [`GroupError::InvalidState`], a malformed
    /// body a decode error (only a hand-made state with a valid checksum gets that far).
    /// O(n) in the group size.
    ///
    /// The group gets the default [`GroupHooks`]; a state saved with custom hooks is
    /// [`GroupError::MissingHooks`]: use [`Group::from_bytes_with_hooks`].
    pub fn from_bytes(provider: Arc<dyn CryptoProvider>, bytes: &[u8]) -> Result<Group, Error> {
        Self::from_bytes_with_hooks(provider, GroupHooks::default(), bytes)
    }

    /// [`Group::from_bytes`] for a group whose [`GroupConfig::hooks`] were custom: the hooks
    /// are code, not saved state, so the caller gives them back here (RFC 9420 §5.3.1,
    /// §12.1). Every custom hook the saved group had must be given
    /// ([`GroupError::MissingHooks`]); the restored `config().hooks` is `hooks`.
    ///
    /// [`GroupConfig::hooks`]: super::GroupConfig::hooks
    pub fn from_bytes_with_hooks(
        provider: Arc<dyn CryptoProvider>,
        hooks: GroupHooks,
        bytes: &[u8],
    ) -> Result<Group, Error> {
        Self::restore(provider, hooks, bytes, None)
    }

    /// Restores a group saved by [`Group::to_bytes_sealed`] under `key` (RFC 9420 §9.2).
    ///
    /// The seal is opened before anything else is decoded: another key or modified bytes are
    /// [`GroupError::StateAuthenticationFailed`] (opaque), a state saved by
    /// [`Group::to_bytes`] is [`GroupError::StateNotSealed`] (so an unsealed state cannot
    /// stand in for a sealed one). The rest is as [`Group::from_bytes`].
    pub fn from_bytes_sealed(
        provider: Arc<dyn CryptoProvider>,
        bytes: &[u8],
        key: &StorageKey,
    ) -> Result<Group, Error> {
        Self::restore(provider, GroupHooks::default(), bytes, Some(key))
    }

    /// [`Group::from_bytes_sealed`] with the custom hooks of the saved group (see
    /// [`Group::from_bytes_with_hooks`]).
    pub fn from_bytes_sealed_with_hooks(
        provider: Arc<dyn CryptoProvider>,
        hooks: GroupHooks,
        bytes: &[u8],
        key: &StorageKey,
    ) -> Result<Group, Error> {
        Self::restore(provider, hooks, bytes, Some(key))
    }

    /// Opens the envelope (checksum if `key` is `None`, else the seal), then decodes and
    /// checks the body.
    fn restore(
        provider: Arc<dyn CryptoProvider>,
        hooks: GroupHooks,
        bytes: &[u8],
        key: Option<&StorageKey>,
    ) -> Result<Group, Error> {
        let (cs, body) = envelope::open(&*provider, bytes, key)?;
        let state: GroupState = codec::decode_exact(body.as_bytes())?;
        drop(body);
        // Only a state built by hand with a valid check value gets here with a body that
        // contradicts its envelope.
        if state.version != GROUP_STATE_VERSION {
            return Err(GroupError::UnsupportedStateVersion.into());
        }
        if state.group_context.cipher_suite != cs.cipher_suite() {
            return Err(invalid());
        }
        let config = state.config.into_config(hooks)?;
        let epoch_no = state.group_context.epoch;
        let active = read_flag(state.active)?;

        // The group's own tree, checked when it was received or grown: no caps.
        let mut tree =
            RatchetTree::decode_extension_with_limits(&state.ratchet_tree, &TreeLimits::UNLIMITED)?;
        let secret_tree = SecretTree::from_state(state.secret_tree)?;
        // A removed member keeps the tree after its removal (unrelated to anything else) but
        // the context, secrets and keys of its last epoch, whose size the secret tree has.
        if active
            && (tree.tree_hash(cs)? != state.group_context.tree_hash
                || secret_tree.size() != tree.size())
        {
            return Err(invalid());
        }
        let keys = state.keys.into_keys(secret_tree.size())?;
        let private_key =
            SignaturePrivateKey::new(state.signature_private_key.0.as_bytes().to_vec());
        let public_key = state.signature_public_key;
        if active {
            let leaf = tree.leaf(keys.own_leaf()).ok_or_else(invalid)?;
            if leaf.signature_key() != public_key.as_bytes() {
                return Err(invalid());
            }
        }
        let identity = if private_key.as_bytes().is_empty() {
            SigningIdentity::detached(state.credential, public_key)
        } else {
            let key_pair = SignatureKeyPair {
                private_key,
                public_key,
            };
            SigningIdentity::from_suite_key_pair(cs, state.credential, key_pair)
        };

        let e = state.epoch;
        let epoch = EpochState {
            sender_data_secret: nh_secret(cs, e.sender_data_secret)?,
            exporter_secret: nh_secret(cs, e.exporter_secret)?,
            external_secret: nh_secret(cs, e.external_secret)?,
            confirmation_key: nh_secret(cs, e.confirmation_key)?,
            membership_key: nh_secret(cs, e.membership_key)?,
            resumption_psk: nh_secret(cs, e.resumption_psk)?,
            epoch_authenticator: nh_secret(cs, e.epoch_authenticator)?,
            init_secret: nh_secret(cs, e.init_secret)?,
            secret_tree,
            app_exporter: None,
            unverified_removal: match state.unverified_removal {
                None => None,
                Some(u) => Some(UnverifiedRemoval {
                    epoch: epoch_no,
                    joiner: member_of(u.joiner),
                    credential_check: match u.credential_check {
                        0 => SuccessorCheck::OwnSignatureKey,
                        1 => SuccessorCheck::ValidSuccessor,
                        _ => return Err(invalid()),
                    },
                }),
            },
        };

        if state.past_epochs.len() > config.max_past_epochs {
            return Err(invalid());
        }
        let mut past_epochs = VecDeque::with_capacity(state.past_epochs.len());
        let mut last: Option<u64> = None;
        for p in state.past_epochs {
            let e = p.context.epoch;
            if e >= epoch_no || last.is_some_and(|l| e <= l) {
                return Err(invalid());
            }
            last = Some(e);
            past_epochs.push_back((
                e,
                PastEpoch {
                    context: FramingContext::new(p.context)?,
                    sender_data_secret: nh_secret(cs, p.sender_data_secret)?,
                    secret_tree: SecretTree::from_state(p.secret_tree)?,
                    changed_leaves: changed_of(p.changed_leaves)?,
                },
            ));
        }

        let proposals = state
            .proposals
            .into_iter()
            .map(|c| {
                Ok(PendingProposal {
                    reference: c.reference,
                    proposal: c.proposal,
                    sender: c.sender,
                    status: match c.status {
                        0 => ProposalStatus::Accepted,
                        1 => ProposalStatus::Held,
                        _ => return Err(Error::Group(GroupError::InvalidState)),
                    },
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let pending_updates = state
            .pending_updates
            .into_iter()
            .map(|u| (u.public_key, hpke_key(u.private_key)))
            .collect();
        let pending_commit = match state.pending_commit {
            Some(p)
                if p.base_epoch == epoch_no
                    && p.context.group_id == state.group_context.group_id =>
            {
                let base = &state.interim_transcript_hash;
                Some(alloc::boxed::Box::new(restore_pending(cs, &tree, base, p)?))
            }
            Some(_) => return Err(invalid()),
            None => None,
        };
        let mut psks = PskStore::new();
        for p in state.psks {
            if psks.get(&p.psk_id).is_some() {
                return Err(invalid());
            }
            psks.insert(p.psk_id, p.psk.0);
        }
        for r in state.stored_resumption_psks {
            if psks.get_resumption(&r.group_id, r.epoch).is_some() {
                return Err(invalid());
            }
            psks.insert_resumption(r.group_id, r.epoch, r.psk.0);
        }
        if state.resumption_psks.len() > config.max_resumption_psks.max(1)
            || (state.reinit.is_some() && active)
        {
            return Err(invalid());
        }
        let mut resumption_psks = VecDeque::with_capacity(state.resumption_psks.len());
        let mut last: Option<u64> = None;
        for r in state.resumption_psks {
            if r.epoch > epoch_no || last.is_some_and(|l| r.epoch <= l) {
                return Err(invalid());
            }
            last = Some(r.epoch);
            resumption_psks.push_back((r.epoch, nh_secret(cs, r.psk)?));
        }
        Ok(Group {
            provider,
            config,
            identity,
            tree,
            keys,
            context: FramingContext::new(state.group_context)?,
            interim_transcript_hash: state.interim_transcript_hash,
            confirmation_tag: state.confirmation_tag,
            epoch,
            past_epochs,
            proposals,
            pending_updates,
            pending_commit,
            psks,
            resumption_psks,
            active,
            reinit: state.reinit,
        })
    }
}

/// The pending Commit of a restored group, its change set rebuilt on `tree`. Its binding to
/// the group is not saved but rebuilt: `base` is the restored group's own interim
/// transcript hash (the caller checked the pending Commit's epoch and `group_id`).
fn restore_pending(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    base: &[u8],
    p: PendingCommitState,
) -> Result<StagedCommit, Error> {
    let mut target =
        RatchetTree::decode_extension_with_limits(&p.new_tree, &TreeLimits::UNLIMITED)?;
    if target.tree_hash(cs)? != p.context.tree_hash {
        return Err(invalid());
    }
    let staged_tree = restage(tree, &target)?;
    let keys = match p.keys {
        Some(k) => Some(k.into_keys(target.size())?),
        None => None,
    };
    let secrets = match p.secrets {
        Some(f) => Some(f.others.into_secrets(cs, f.encryption_secret)?),
        None => None,
    };
    Ok(StagedCommit {
        base_epoch: p.base_epoch,
        base_interim_transcript_hash: base.to_vec(),
        committer: p.committer,
        tree: staged_tree,
        keys,
        context: p.context,
        secrets,
        confirmation_tag: p.confirmation_tag,
        interim_transcript_hash: p.interim_transcript_hash,
        added: p.added.into_iter().map(member_of).collect(),
        removed: p.removed.into_iter().map(member_of).collect(),
        updated: p.updated.into_iter().map(member_of).collect(),
        psks: p.psks,
        reinit: p.reinit,
        changed_leaves: changed_of(p.changed_leaves)?,
        self_removed: read_flag(p.self_removed)?,
        // A pending Commit is this member's own: it never removes this member unverified.
        self_removal: read_flag(p.self_removed)?.then_some(super::SelfRemoval::Verified),
        custom_proposals: p
            .custom_proposals
            .into_iter()
            .map(|c| (c.proposal, c.sender))
            .collect(),
    })
}

#[cfg(all(test, feature = "rust-crypto"))]
mod envelope_tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
