//! A partial member processes an [`AnnotatedCommit`] (draft-ietf-mls-partial §"Annotated
//! Commit"): it authenticates the Commit with the committer's proven leaf, takes the new
//! tree hash from the annotation (authenticated by the confirmation tag), decrypts its path
//! secret with the annotated `resolution_index`, and runs the key schedule, without ever
//! holding the ratchet tree.

use alloc::vec::Vec;

use super::member::PartialMember;
use super::update_path::{PathKeys, process_update_path};
use super::wire::AnnotatedCommit;
use crate::crypto::{CipherSuiteProvider, Secret};
use crate::error::{Error, PartialError};
use crate::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, MlsMessageBody, Sender,
};
use crate::key_schedule::{self, PreSharedKeyId, psk};
use crate::messages::{Commit, Proposal, ProposalOrRef};
use crate::ratchet_tree::Node;
use crate::secret_tree::SecretTree;
use crate::transcript;
use crate::tree_math::NodeIndex;

/// The outcome of [`PartialMember::process_commit`]: the member's next-epoch state and the
/// values a caller (or a test vector) may want to see.
#[derive(Clone, Debug)]
pub struct ProcessedPartialCommit {
    /// The member in the new epoch.
    pub member: PartialMember,
    /// The Commit's `commit_secret` (RFC 9420 §8).
    pub commit_secret: Secret,
    /// The new epoch's `encryption_secret` (RFC 9420 §8). The member keeps it only as the
    /// root of its secret tree (§9.2: consumed secrets are deleted), never beside it: this
    /// copy is for checks such as test vectors; drop it with this value.
    pub encryption_secret: Secret,
}

/// The `psk_secret` of a Commit's PreSharedKey proposals, from `psks` (`(psk_id, psk)`
/// of external PSKs).
fn psk_secret_of(
    cs: &dyn CipherSuiteProvider,
    ids: &[&PreSharedKeyId],
    psks: &[(&[u8], &[u8])],
) -> Result<Secret, Error> {
    let mut found: Vec<(&PreSharedKeyId, &[u8])> = Vec::with_capacity(ids.len());
    for id in ids {
        let key_schedule::Psk::External(ext) = &id.psk else {
            return Err(crate::error::MessageError::MissingPsk.into());
        };
        let psk = psks
            .iter()
            .find(|(pid, _)| *pid == ext.psk_id.as_slice())
            .map(|(_, p)| *p)
            .ok_or(crate::error::MessageError::MissingPsk)?;
        found.push((*id, psk));
    }
    psk::psk_secret(cs, &found)
}

impl PartialMember {
    /// Processes `annotated` as this partial member (draft-ietf-mls-partial §"Annotated
    /// Commit") and returns the next epoch's state; `self` is not changed, so a refused
    /// Commit leaves the member as it was. `psks` are the external PSKs this member holds.
    ///
    /// Checks, in order, each with its own error:
    ///
    /// 1. the commit is a PublicMessage or PrivateMessage carrying a Commit
    ///    ([`PartialError::NotACommit`]);
    /// 2. a `member` sender comes with `sender_membership_proof`
    ///    ([`PartialError::MissingSenderProof`]) for its own leaf
    ///    ([`PartialError::SenderLeafMismatch`]), valid relative to the current tree hash;
    ///    a `new_member_commit` comes without one ([`PartialError::UnexpectedSenderProof`]);
    ///    other senders are refused ([`PartialError::UnsupportedCommitSender`]);
    /// 3. the framing checks (group, epoch, membership tag, signature with the proven
    ///    key, or the key of the Commit's path leaf for a new member);
    /// 4. the post-commit proofs reference the same tree, whose hash is `tree_hash_after`
    ///    ([`PartialError::ProofsReferenceDifferentTrees`],
    ///    [`PartialError::ProofTreeHashMismatch`]), the receiver's is this member's leaf and
    ///    the sender's the committer's ([`PartialError::ProofLeafIndexMismatch`]);
    /// 5. `resolution_index` exactly when the Commit has a path
    ///    ([`PartialError::MissingResolutionIndex`], [`PartialError::UnexpectedResolutionIndex`]),
    ///    the path's leaf is the committer's proven new leaf
    ///    ([`PartialError::ProofLeafIndexMismatch`]), and the path secret decrypts as in
    ///    [`process_update_path`];
    /// 6. only the proposals that do not change the tree are applied (PreSharedKey,
    ///    GroupContextExtensions, and ExternalInit for the init secret of a
    ///    `new_member_commit`; proposal list validation is omitted, as the draft says);
    ///    a proposal by reference is taken from the proposals cached in this epoch
    ///    ([`PartialMember::cache_proposal`], [`PartialMember::cache_private_proposal`]),
    ///    [`crate::GroupError::UnknownProposalRef`] for one not cached;
    /// 7. the confirmation tag verifies with the new epoch's key.
    pub fn process_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        annotated: &AnnotatedCommit,
        psks: &[(&[u8], &[u8])],
    ) -> Result<ProcessedPartialCommit, Error> {
        let context = FramingContext::new(self.group_context.clone())?;
        let mut secret_tree = self.secret_tree.clone();
        let ac = self.authenticate_commit(cs, annotated, &context, &mut secret_tree)?;
        let FramedContentBody::Commit(commit) = &ac.content.body else {
            return Err(PartialError::NotACommit.into());
        };
        let committer = match ac.content.sender {
            Sender::Member(l) => l,
            _ => annotated.sender_membership_proof_after.leaf_index,
        };

        // Post-commit proofs.
        let sender_after = &annotated.sender_membership_proof_after;
        let receiver_after = &annotated.receiver_membership_proof_after;
        let root = sender_after.verify_same_tree(cs, receiver_after)?;
        if root != annotated.tree_hash_after {
            return Err(PartialError::ProofTreeHashMismatch.into());
        }
        if receiver_after.leaf_index != self.own_leaf || sender_after.leaf_index != committer {
            return Err(PartialError::ProofLeafIndexMismatch.into());
        }

        // Proposals that do not change the tree.
        let (extensions, psk_ids, external_init) = non_tree_effects(commit, self)?;
        let psk_secret = psk_secret_of(cs, &psk_ids, psks)?;

        // The provisional GroupContext of the new epoch.
        let confirmed =
            transcript::confirmed_transcript_hash(cs, &self.interim_transcript_hash, &ac)?;
        let mut next_context = self.group_context.clone();
        next_context.epoch = next_context
            .epoch
            .checked_add(1)
            .ok_or(crate::error::GroupError::InvalidState)?;
        next_context.tree_hash = annotated.tree_hash_after.clone();
        next_context.extensions = extensions;
        // RFC 9420 §12.4.2: the path secrets are encrypted to the provisional GroupContext,
        // which still has the previous epoch's confirmed transcript hash.
        let provisional_context = next_context.encode()?;
        next_context.confirmed_transcript_hash = confirmed;
        let encoded_context = next_context.encode()?;

        // The path.
        let mut keys: PathKeys = self.keys.clone();
        let commit_secret = match (&commit.path, annotated.resolution_index) {
            (Some(_), None) => return Err(PartialError::MissingResolutionIndex.into()),
            (None, Some(_)) => return Err(PartialError::UnexpectedResolutionIndex.into()),
            (None, None) => Secret::zero(cs.hash_len()),
            (Some(path), Some(index)) => {
                if sender_after.leaf_node() != Some(&path.leaf_node) {
                    return Err(PartialError::ProofLeafIndexMismatch.into());
                }
                let out = process_update_path(
                    cs,
                    path,
                    index,
                    sender_after,
                    receiver_after,
                    &self.keys,
                    &provisional_context,
                )?;
                let lowest = out
                    .path_secrets
                    .first()
                    .map(|(x, _)| x.level())
                    .unwrap_or(u32::MAX);
                keys.retain(|(x, _)| x.level() < lowest);
                for (x, secret) in &out.path_secrets {
                    keys.push((*x, secret.node_key_pair(cs)?.private_key));
                }
                out.commit_secret.as_secret().clone()
            }
        };
        // Keys of nodes that are blank or gone in the new tree are dropped.
        retain_present(&mut keys, receiver_after)?;

        // RFC 9420 §8.3: an external commit's ExternalInit gives the init secret.
        let external_init_secret = match external_init {
            Some(kem_output) => {
                let pair = self.epoch.external_key_pair(cs)?;
                Some(key_schedule::external_init_receiver(
                    cs,
                    &pair.private_key,
                    kem_output,
                )?)
            }
            None => None,
        };
        let init_secret = external_init_secret
            .as_ref()
            .unwrap_or(&self.epoch.init_secret);
        let derived = key_schedule::derive_epoch(
            cs,
            init_secret,
            &commit_secret,
            &psk_secret,
            &encoded_context,
        )?;
        let tag = ac
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or(crate::error::FramingError::MissingConfirmationTag)?;
        transcript::verify_confirmation_tag(
            cs,
            &derived.epoch_secrets.confirmation_key,
            &next_context.confirmed_transcript_hash,
            tag,
        )?;
        let interim =
            transcript::interim_transcript_hash(cs, &next_context.confirmed_transcript_hash, tag)?;
        let tree_size = receiver_after.tree_size()?;
        let mut epoch = derived.epoch_secrets;
        let encryption_secret = epoch.take_encryption_secret();
        let member = PartialMember {
            group_context: next_context,
            interim_transcript_hash: interim,
            secret_tree: SecretTree::new(encryption_secret.clone(), tree_size),
            epoch,
            own_leaf: self.own_leaf,
            tree_size,
            keys,
            confirmation_tag: tag.to_vec(),
            proposals: Vec::new(),
        };
        Ok(ProcessedPartialCommit {
            member,
            commit_secret,
            encryption_secret,
        })
    }

    /// Steps 1 to 3 of [`PartialMember::process_commit`]: the verified Commit content.
    fn authenticate_commit(
        &self,
        cs: &dyn CipherSuiteProvider,
        annotated: &AnnotatedCommit,
        context: &FramingContext,
        secret_tree: &mut SecretTree,
    ) -> Result<AuthenticatedContent, Error> {
        let tree_hash = &self.group_context.tree_hash;
        match &annotated.commit.body {
            MlsMessageBody::PublicMessage(m) => {
                if m.content.content_type() != crate::framing::ContentType::Commit {
                    return Err(PartialError::NotACommit.into());
                }
                let key = match (*m.sender(), &annotated.sender_membership_proof) {
                    (Sender::Member(_), None) => {
                        return Err(PartialError::MissingSenderProof.into());
                    }
                    (Sender::Member(l), Some(proof)) => {
                        if l != proof.leaf_index {
                            return Err(PartialError::SenderLeafMismatch.into());
                        }
                        proof.verify(cs, tree_hash)?;
                        proof
                            .leaf_node()
                            .ok_or(PartialError::ProofLeafBlank)?
                            .signature_key
                            .clone()
                    }
                    (Sender::NewMemberCommit, Some(_)) => {
                        return Err(PartialError::UnexpectedSenderProof.into());
                    }
                    (Sender::NewMemberCommit, None) => match &m.content.body {
                        FramedContentBody::Commit(Commit {
                            path: Some(path), ..
                        }) => path.leaf_node.signature_key.clone(),
                        _ => return Err(crate::error::GroupError::ExternalCommitWithoutPath.into()),
                    },
                    _ => return Err(PartialError::UnsupportedCommitSender.into()),
                };
                m.clone()
                    .unprotect(cs, context, &self.epoch.membership_key, |_, _| Some(key))
            }
            MlsMessageBody::PrivateMessage(m) => {
                if m.content_type != crate::framing::ContentType::Commit {
                    return Err(PartialError::NotACommit.into());
                }
                let proof = annotated
                    .sender_membership_proof
                    .as_ref()
                    .ok_or(PartialError::MissingSenderProof)?;
                context.check_group_and_epoch(&m.group_id, m.epoch)?;
                let sd = m.sender_data(cs, &self.epoch.sender_data_secret)?;
                if sd.leaf_index != proof.leaf_index {
                    return Err(PartialError::SenderLeafMismatch.into());
                }
                proof.verify(cs, tree_hash)?;
                let key = proof
                    .leaf_node()
                    .ok_or(PartialError::ProofLeafBlank)?
                    .signature_key
                    .clone();
                m.clone().unprotect(
                    cs,
                    context,
                    secret_tree,
                    &self.epoch.sender_data_secret,
                    |_| Some(key),
                )
            }
            _ => Err(PartialError::NotACommit.into()),
        }
    }
}

/// The GroupContext extensions, the PSKs and the ExternalInit `kem_output` after the
/// Commit's proposals that do not change the tree (draft-ietf-mls-partial: "only the
/// proposals that do not modify the tree are applied"), in the Commit's order. A proposal by
/// reference is taken from `member`'s cache ([`PartialMember::cache_proposal`]);
/// [`crate::GroupError::UnknownProposalRef`] if it is not there.
#[allow(clippy::type_complexity)]
fn non_tree_effects<'a>(
    commit: &'a Commit,
    member: &'a PartialMember,
) -> Result<
    (
        crate::messages::Extensions,
        Vec<&'a PreSharedKeyId>,
        Option<&'a [u8]>,
    ),
    Error,
> {
    let mut extensions = member.group_context.extensions.clone();
    let mut psks = Vec::new();
    let mut external_init = None;
    for p in &commit.proposals {
        let proposal = match p {
            ProposalOrRef::Reference(r) => member
                .cached(r)
                .ok_or(crate::error::GroupError::UnknownProposalRef)?,
            ProposalOrRef::Proposal(p) => p,
        };
        match proposal {
            Proposal::GroupContextExtensions(g) => {
                extensions = g.extensions.clone();
            }
            Proposal::PreSharedKey(p) => psks.push(&p.psk),
            Proposal::ExternalInit(e) => {
                external_init = Some(e.kem_output.as_slice());
            }
            _ => {}
        }
    }
    Ok((extensions, psks, external_init))
}

/// Drops the keys of nodes that are blank in the member's new direct path, or outside it.
fn retain_present(
    keys: &mut PathKeys,
    receiver_after: &super::MembershipProof,
) -> Result<(), Error> {
    let indices = receiver_after.path_node_indices()?;
    let present: Vec<NodeIndex> = indices
        .iter()
        .zip(&receiver_after.direct_path_nodes)
        .filter(|(_, n)| matches!(n, Some(Node::Leaf(_) | Node::Parent(_))))
        .map(|(x, _)| *x)
        .collect();
    keys.retain(|(x, _)| present.contains(x));
    Ok(())
}
