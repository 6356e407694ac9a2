//! Creating a Commit (RFC 9420 §12.4.1) with its Welcome (§12.4.3.1) and GroupInfo
//! (§12.4.3).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, HpkePublicKey, Secret};
use crate::error::{Error, GroupError};
use crate::framing::{AuthenticatedContent, FramedContentBody, MlsMessage, MlsMessageBody};
use crate::key_schedule::{EpochDerivation, PreSharedKeyId, derive_epoch, psk::psk_secret};
use crate::messages::{
    Add, Commit, Extension, ExtensionType, Extensions, GroupContext, GroupInfo, KeyPackage,
    NewMemberSecrets, Proposal, Remove, Welcome,
};
use crate::ratchet_tree::TreeView;
use crate::transcript::{confirmation_tag, confirmed_transcript_hash, interim_transcript_hash};
use crate::tree_math::{LeafIndex, TreeSize};
use crate::treekem::{NewLeaf, TreePrivateKeys, prepare_update_path_by};

use super::Group;
use super::process::StagedCommit;
use super::proposals::{AppliedProposals, Checks, member_at};

/// Whether a Commit carries an UpdatePath (RFC 9420 §12.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PathChoice {
    /// Always include a path (full Commit: PCS for the committer).
    #[default]
    Always,
    /// Include a path only when the proposals require one (§12.4: anything but add, psk
    /// and reinit, or no proposal at all).
    WhenRequired,
}

/// What goes into a Commit (RFC 9420 §12.4).
#[derive(Clone, Debug, Default)]
pub struct CommitOptions {
    /// Proposals sent by value in the Commit (the valid proposals received this epoch are
    /// always covered by reference, §12.4 SHOULD).
    pub proposals: Vec<Proposal>,
    /// Whether to include a path.
    pub path: PathChoice,
    /// Put the ratchet tree into the `ratchet_tree` extension of the Welcome's GroupInfo
    /// (§12.4.3.3); otherwise new members get the tree some other way.
    pub ratchet_tree_in_welcome: bool,
    /// Also return a signed GroupInfo of the new epoch (§12.4.3).
    pub group_info: bool,
    /// Put the `external_pub` extension (§12.4.3.2) with the new epoch's external public key
    /// (§8.3) into that GroupInfo, so that non-members can join by external Commit.
    pub group_info_external_pub: bool,
    /// The current time (seconds since the Unix epoch) to check added KeyPackages' lifetimes
    /// (§10.1); `None` skips the lifetime check.
    pub now: Option<u64>,
    /// `authenticated_data` of the Commit's FramedContent (§6).
    pub authenticated_data: Vec<u8>,
}

impl CommitOptions {
    /// Adds a member by KeyPackage (an Add proposal by value, §12.1.1).
    pub fn add_member(mut self, key_package: KeyPackage) -> Self {
        self.proposals
            .push(Proposal::Add(Box::new(Add { key_package })));
        self
    }

    /// Removes the member at `leaf` (a Remove proposal by value, §12.1.3).
    pub fn remove_member(mut self, leaf: LeafIndex) -> Self {
        self.proposals
            .push(Proposal::Remove(Remove { removed: leaf }));
        self
    }

    /// Sends the ratchet tree in the Welcome.
    pub fn with_ratchet_tree(mut self) -> Self {
        self.ratchet_tree_in_welcome = true;
        self
    }

    /// Adds any proposal by value (RFC 9420 §12.4), e.g. a PreSharedKey proposal from
    /// [`Group::external_psk_proposal`] or [`Group::resumption_psk_proposal`] (§12.1.4), or
    /// a ReInit from [`Group::reinit_proposal`] (§12.1.5).
    pub fn with_proposal(mut self, proposal: Proposal) -> Self {
        self.proposals.push(proposal);
        self
    }
}

/// The messages a Commit produces (RFC 9420 §12.4.1).
#[derive(Clone, Debug)]
pub struct CommitOutput {
    /// The Commit, for every current member.
    pub commit: MlsMessage,
    /// The Welcome for the added members, if any.
    pub welcome: Option<MlsMessage>,
    /// The signed GroupInfo of the new epoch, if asked for.
    pub group_info: Option<MlsMessage>,
    /// The proposals of the pool the Commit does not cover, each with the reason (RFC 9420
    /// §12.2; see [`Group::commit`]). They stay in the pool until the epoch ends.
    pub left_out: Vec<super::LeftOutProposal>,
}

impl Group {
    /// Commits the given proposals and the accepted proposals received this epoch (RFC 9420
    /// §12.4.1), leaving out of the list every proposal of the pool that would make it
    /// invalid (§12.2) and reporting each in [`CommitOutput::left_out`] with the reason, so
    /// that no proposal a Delivery Service replays or a member sends can stop this member
    /// from committing (see the `pool` module: replays are refused on receipt, the most
    /// recent Update of a leaf wins, Removes win over Updates, duplicate Adds and unknown
    /// PSKs are left out). The proposals given by value must be valid together with the
    /// ones kept; an invalid one fails the call. The new epoch is kept pending: call [`Group::merge_pending_commit`] once the
    /// Delivery Service accepted the Commit, or [`Group::clear_pending_commit`].
    pub fn commit(&mut self, options: CommitOptions) -> Result<CommitOutput, Error> {
        self.check_active()?;
        if self.pending_commit.is_some() {
            return Err(GroupError::PendingCommitExists.into());
        }
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        let me = self.own_leaf();
        let ctx = self.context.group_context().clone();
        let checks = Checks {
            now: options.now,
            hooks: &self.config.hooks,
            tree_limits: self.config.tree_limits,
        };
        let selection = self.select_proposals(cs, &options.proposals, &checks)?;
        let (list, mut applied, left_out) = (selection.list, selection.applied, selection.left_out);
        self.check_own_commit_covers_self_removes(&list)?;
        let with_path = applied.path_required || options.path == PathChoice::Always;

        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        next.extensions = applied.extensions.clone();
        let added: Vec<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();
        let (path, commit_secret, keys, path_secrets) = if with_path {
            let current = applied
                .diff
                .leaf(me)
                .ok_or(GroupError::NoSuchMember)?
                .to_leaf_node()?;
            let new_leaf = NewLeaf::refresh(cs, &current)?;
            let prepared = prepare_update_path_by(
                cs,
                &mut applied.diff,
                me,
                &ctx.group_id,
                new_leaf,
                &self.identity.signer(cs)?,
                None,
            )?;
            next.tree_hash = applied.diff.tree_hash(cs)?;
            let out = prepared.encrypt(cs, &next.encode()?, &added)?;
            (
                Some(out.update_path),
                out.commit_secret,
                out.private_keys,
                out.path_secrets,
            )
        } else {
            next.tree_hash = applied.diff.tree_hash(cs)?;
            let keys = retained_keys(&self.keys, &applied.diff);
            (None, Secret::zero(cs.hash_len()), keys, Vec::new())
        };

        let body = FramedContentBody::Commit(Commit {
            proposals: list,
            path,
        });
        let format = self.handshake_wire_format();
        let mut ac = self.sign_content(body, &options.authenticated_data, format)?;
        let psk = self.psk_secret(cs, &applied.psks)?;
        let (derived, tag, interim) =
            self.confirm_commit(cs, &mut ac, &mut next, &commit_secret, &psk)?;

        let tree_ext = if options.ratchet_tree_in_welcome {
            Some(applied.diff.encode_extension()?)
        } else {
            None
        };
        let welcome = if applied.added.is_empty() {
            None
        } else {
            let gi = self.group_info_for(cs, &next, &tag, tree_ext.clone(), None)?;
            let secrets: Vec<Option<&Secret>> = applied
                .added
                .iter()
                .map(|(l, _)| lca_secret(&path_secrets, me, *l, applied.diff.size()))
                .collect();
            let members: Vec<NewMemberSecrets<'_>> = applied
                .added
                .iter()
                .zip(&secrets)
                .map(|((_, kp), s)| NewMemberSecrets {
                    key_package: kp,
                    path_secret: *s,
                })
                .collect();
            let w = Welcome::create(
                cs,
                &gi,
                &derived.joiner_secret,
                &applied.psks,
                &psk,
                &members,
            )?;
            Some(MlsMessage::new(MlsMessageBody::Welcome(w)))
        };
        let group_info = if options.group_info {
            let external_pub = if options.group_info_external_pub {
                Some(derived.epoch_secrets.external_key_pair(cs)?.public_key)
            } else {
                None
            };
            let gi = self.group_info_for(cs, &next, &tag, tree_ext, external_pub)?;
            Some(MlsMessage::new(MlsMessageBody::GroupInfo(gi)))
        } else {
            None
        };
        let staged = StagedCommit::new(
            self,
            applied,
            next,
            keys,
            derived.epoch_secrets,
            tag,
            interim,
            me,
        )?;
        let commit = self.protect(ac)?;
        self.pending_commit = Some(Box::new(staged));
        Ok(CommitOutput {
            commit,
            welcome,
            group_info,
            left_out,
        })
    }

    /// The new epoch of a Commit this member signed (RFC 9420 §8, §8.2): the confirmed
    /// transcript hash goes into `next`, the key schedule runs on `next`, and the
    /// confirmation tag goes into `ac`. Returns the derivation, the tag and the new interim
    /// transcript hash.
    pub(super) fn confirm_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        ac: &mut AuthenticatedContent,
        next: &mut GroupContext,
        commit_secret: &Secret,
        psk: &Secret,
    ) -> Result<(EpochDerivation, Vec<u8>, Vec<u8>), Error> {
        next.confirmed_transcript_hash =
            confirmed_transcript_hash(cs, &self.interim_transcript_hash, ac)?;
        let encoded = next.encode()?;
        let derived = derive_epoch(cs, &self.epoch.init_secret, commit_secret, psk, &encoded)?;
        let tag = confirmation_tag(
            cs,
            &derived.epoch_secrets.confirmation_key,
            &next.confirmed_transcript_hash,
        )?;
        let interim = interim_transcript_hash(cs, &next.confirmed_transcript_hash, &tag)?;
        ac.auth.confirmation_tag = Some(tag.clone());
        Ok((derived, tag, interim))
    }

    /// A signed GroupInfo for the epoch of `context` (RFC 9420 §12.4.3), with the encoded
    /// `ratchet_tree` (§12.4.3.3) and the `external_pub` key (§12.4.3.2) as given.
    pub(super) fn group_info_for(
        &self,
        cs: &dyn CipherSuiteProvider,
        context: &GroupContext,
        tag: &[u8],
        tree: Option<Vec<u8>>,
        external_pub: Option<HpkePublicKey>,
    ) -> Result<GroupInfo, Error> {
        let mut extensions = Vec::new();
        if let Some(t) = tree {
            extensions.push(Extension {
                extension_type: ExtensionType::RATCHET_TREE,
                extension_data: t,
            });
        }
        if let Some(key) = external_pub {
            extensions.push(super::external::external_pub_extension(&key)?);
        }
        let mut extensions = Extensions(extensions);
        if self.config.grease {
            // §12.4.3, §13.5: a random GREASE extension, ignored by correct receivers
            // (OpenMLS 0.9 too, unlike a GREASE extension in a leaf or KeyPackage).
            extensions.add_grease(cs, None)?;
        }
        let mut gi = GroupInfo {
            group_context: context.clone(),
            extensions,
            confirmation_tag: tag.to_vec(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        gi.sign_by(&self.identity.signer(cs)?)?;
        Ok(gi)
    }

    /// The `psk_secret` of `psks` (RFC 9420 §8.4), in their order: external PSKs and
    /// resumption PSKs of other groups from the PSK store, resumption PSKs of this group from
    /// its kept epochs (then the store). An unknown PSK is [`GroupError::UnknownPsk`].
    pub(crate) fn psk_secret(
        &self,
        cs: &dyn CipherSuiteProvider,
        psks: &[PreSharedKeyId],
    ) -> Result<Secret, Error> {
        let own = Some((self.group_id(), &self.resumption_psks));
        let mut values: Vec<(&PreSharedKeyId, &[u8])> = Vec::with_capacity(psks.len());
        for id in psks {
            let value =
                super::psk::resolve_psk(id, &self.psks, own).ok_or(GroupError::UnknownPsk)?;
            values.push((id, value.as_bytes()));
        }
        psk_secret(cs, &values)
    }
}

/// The path secret of the lowest common ancestor of the committer and new member `leaf`
/// (RFC 9420 §12.4.3.1), if the Commit has a path.
fn lca_secret(
    path_secrets: &[(crate::tree_math::NodeIndex, crate::treekem::PathSecret)],
    me: LeafIndex,
    leaf: LeafIndex,
    size: TreeSize,
) -> Option<&Secret> {
    let ancestor = size.common_ancestor(me.node()?, leaf.node()?)?;
    path_secrets
        .iter()
        .find(|(n, _)| *n == ancestor)
        .map(|(_, s)| s.as_secret())
}

/// This member's keys after a Commit without a path it did not decrypt: the keys of nodes
/// the proposals blanked or cut off are deleted (RFC 9420 §7.5, §12.3).
pub(crate) fn retained_keys<T: TreeView + ?Sized>(
    keys: &TreePrivateKeys,
    tree: &T,
) -> TreePrivateKeys {
    let mut keys = keys.clone();
    keys.retain_direct_path(tree.size());
    let blank: Vec<_> = keys.path_nodes().filter(|n| tree.is_blank(*n)).collect();
    for n in blank {
        keys.remove_path_key(n);
    }
    keys
}

/// Members of `applied` as the API shows them.
pub(crate) fn added_members(applied: &AppliedProposals<'_>) -> Vec<super::Member> {
    applied
        .added
        .iter()
        .filter_map(|(l, _)| member_at(&applied.diff, *l))
        .collect()
}
