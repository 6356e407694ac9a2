//! Crate-internal sending primitives for the group fuzz harness (`src/fuzzing/member_ops`):
//! a member frames content it did not validate, signed with its real signature key and
//! protected with the real epoch keys (RFC 9420 §6.1 to §6.3), so that fuzzed proposals
//! and Commits get past authentication and reach the receiver's proposal and Commit
//! checks. Nothing here is part of the public API, and nothing here reads or writes the
//! proposal cache: references are resolved by the caller (the only per-epoch state
//! touched besides the ratchets is the list of this member's own Update keys).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto::{HpkeKeyPair, Secret};
use crate::error::{Error, GroupError};
use crate::framing::{FramedContentBody, MlsMessage, Sender, WireFormat};
use crate::messages::{Commit, LeafNode, Proposal, ProposalOrRef, ProposalRef, UpdatePath};
use crate::ratchet_tree::TreeView;
use crate::treekem::{NewLeaf, prepare_update_path_by};

use super::Group;
use super::commit::retained_keys;
use super::process::StagedCommit;
use super::proposals::{Checks, CommittedProposal, apply_proposals};

/// How [`Group::fuzz_commit`] builds the Commit's `path` (RFC 9420 §12.4.1).
pub(crate) struct FuzzPath<'a> {
    /// Changes the committer's new leaf (capabilities, extensions, credential, ...) before
    /// the path is prepared, so the leaf is signed with the right parent hash.
    pub(crate) leaf: &'a mut dyn FnMut(&mut LeafNode),
    /// Changes the finished `UpdatePath` after the confirmation tag is computed.
    pub(crate) mutate: &'a mut dyn FnMut(&mut UpdatePath),
}

/// A Commit framed by [`Group::fuzz_commit`].
pub(crate) struct FuzzCommit {
    /// The protected Commit.
    pub(crate) message: MlsMessage,
    /// Whether the confirmation tag was computed (the list applied at the committer and
    /// every PSK was known): then the new epoch is this member's pending Commit. Otherwise
    /// the tag is the caller's `fallback_tag` and no receiver may accept the Commit
    /// (except one it removes, which cannot check the tag when there is a path).
    pub(crate) tag_computed: bool,
}

impl Group {
    /// Keeps the private key of an Update proposal this member sent (by [`Group::propose`]
    /// with a leaf built by the harness), as [`Group::propose_update`] does, so that a
    /// Commit covering the Update can be followed (RFC 9420 §12.1.2).
    pub(crate) fn fuzz_keep_update_key(&mut self, key: HpkeKeyPair) {
        self.pending_updates.push((key.public_key, key.private_key));
    }

    /// Signs `body` as this member in the current epoch and protects it as `wire_format`
    /// (RFC 9420 §6.1 to §6.3), with `confirmation_tag` in the auth data. No check of the
    /// content, nothing stored.
    pub(crate) fn fuzz_frame(
        &mut self,
        body: FramedContentBody,
        wire_format: WireFormat,
        authenticated_data: &[u8],
        confirmation_tag: Option<Vec<u8>>,
    ) -> Result<MlsMessage, Error> {
        let mut ac = self.sign_content(body, authenticated_data, wire_format)?;
        ac.auth.confirmation_tag = confirmation_tag;
        self.protect(ac)
    }

    /// A Commit of exactly `list` by this member (RFC 9420 §12.4.1), references resolved by
    /// `resolve` (proposal and sender). When the list applies here, the Commit gets a path
    /// as `path` says and the confirmation tag receivers compute (§8.1, §8.2), and the new
    /// epoch is staged as this member's pending Commit, as [`Group::commit`] does;
    /// otherwise (receivers refuse such a list before they check the tag) there is no path
    /// and the tag is `fallback_tag`.
    pub(crate) fn fuzz_commit(
        &mut self,
        list: Vec<ProposalOrRef>,
        resolve: &dyn Fn(&ProposalRef) -> Option<(Proposal, Sender)>,
        path: Option<FuzzPath<'_>>,
        wire_format: WireFormat,
        authenticated_data: &[u8],
        fallback_tag: Vec<u8>,
    ) -> Result<FuzzCommit, Error> {
        self.check_active()?;
        if self.pending_commit.is_some() {
            return Err(GroupError::PendingCommitExists.into());
        }
        let provider = self.provider.clone();
        let cs = Self::cs_of(&provider, self.cipher_suite())?;
        let me = self.own_leaf();
        let committed: Option<Vec<CommittedProposal>> = list
            .iter()
            .map(|p| match p {
                ProposalOrRef::Proposal(p) => Some(CommittedProposal {
                    proposal: p.clone(),
                    sender: Sender::Member(me),
                }),
                ProposalOrRef::Reference(r) => {
                    resolve(r).map(|(proposal, sender)| CommittedProposal { proposal, sender })
                }
            })
            .collect();
        let ctx = self.context.group_context().clone();
        let checks = Checks {
            now: None,
            hooks: &self.config.hooks,
            tree_limits: self.config.tree_limits,
        };
        let applied =
            committed.and_then(|c| apply_proposals(cs, &self.tree, &ctx, me, &c, &checks).ok());
        let Some(mut applied) = applied else {
            let body = FramedContentBody::Commit(Commit {
                proposals: list,
                path: None,
            });
            let message =
                self.fuzz_frame(body, wire_format, authenticated_data, Some(fallback_tag))?;
            return Ok(FuzzCommit {
                message,
                tag_computed: false,
            });
        };
        let mut next = ctx.clone();
        next.epoch = ctx.epoch.checked_add(1).ok_or(GroupError::InvalidState)?;
        next.extensions = applied.extensions.clone();
        let added: Vec<_> = applied.added.iter().map(|(l, _)| *l).collect();
        let (update_path, commit_secret, keys) = match path {
            Some(FuzzPath { leaf, mutate }) => {
                let current = applied
                    .diff
                    .leaf(me)
                    .ok_or(GroupError::NoSuchMember)?
                    .to_leaf_node()?;
                let mut new_leaf = NewLeaf::refresh(cs, &current)?;
                leaf(&mut new_leaf.leaf_node);
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
                let mut update_path = out.update_path;
                mutate(&mut update_path);
                (Some(update_path), out.commit_secret, out.private_keys)
            }
            None => {
                next.tree_hash = applied.diff.tree_hash(cs)?;
                let keys = retained_keys(&self.keys, &applied.diff);
                (None, Secret::zero(cs.hash_len()), keys)
            }
        };
        let body = FramedContentBody::Commit(Commit {
            proposals: list,
            path: update_path,
        });
        let mut ac = self.sign_content(body, authenticated_data, wire_format)?;
        let psk = match self.psk_secret(cs, &applied.psks) {
            Ok(psk) => psk,
            Err(_) => {
                ac.auth.confirmation_tag = Some(fallback_tag);
                let message = self.protect(ac)?;
                return Ok(FuzzCommit {
                    message,
                    tag_computed: false,
                });
            }
        };
        let (derived, tag, interim) =
            self.confirm_commit(cs, &mut ac, &mut next, &commit_secret, &psk)?;
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
        let message = self.protect(ac)?;
        self.pending_commit = Some(Box::new(staged));
        Ok(FuzzCommit {
            message,
            tag_computed: true,
        })
    }
}

impl Group {
    /// The steps of [`Group::process`] up to and including authentication (RFC 9420 §6.2,
    /// §6.3): what a refused PrivateMessage may legitimately change. A PrivateMessage that
    /// decrypts and verifies consumes its ratchet key (§9.2) even when a later check
    /// refuses its content; running this on a copy of the state from before the refusal
    /// gives the state the refusal must have left.
    pub(crate) fn fuzz_authenticate(&mut self, message: &MlsMessage) -> Result<(), Error> {
        message.validate()?;
        let epoch = match &message.body {
            crate::framing::MlsMessageBody::PublicMessage(m) => m.content.epoch,
            crate::framing::MlsMessageBody::PrivateMessage(m) => m.epoch,
            _ => return Err(GroupError::UnexpectedWireFormat.into()),
        };
        if epoch > self.epoch() {
            return Err(GroupError::FutureEpoch.into());
        }
        if epoch < self.epoch() {
            return self.process_past(message, epoch).map(|_| ());
        }
        self.check_non_member(message)?;
        self.unprotect(message).map(|_| ())
    }
}
