//! Sender-authenticated messages (draft-ietf-mls-partial §"Sender-Authenticated
//! Messages"): a signed message together with a membership proof of its sender, so that a
//! partial client, which has no ratchet tree to look the sender's signature key up in, can
//! authenticate it.
//!
//! Verification first checks the proof against the tree hash of the epoch the message
//! belongs to (the `tree_hash` of the epoch's GroupContext for a PublicMessage or
//! PrivateMessage, the one inside the GroupInfo for a GroupInfo or Welcome), then that the
//! message's sender is the proven leaf, and only then verifies the message with the
//! `signature_key` of the proven LeafNode.

use super::wire::{MembershipProof, SenderAuthenticatedMessage};
use crate::crypto::{CipherSuiteProvider, Secret, SignaturePublicKey};
use crate::error::{Error, PartialError};
use crate::framing::{AuthenticatedContent, FramingContext, PrivateMessage, PublicMessage, Sender};
use crate::messages::GroupInfo;
use crate::ratchet_tree::RatchetTree;
use crate::secret_tree::SecretTree;
use crate::tree_math::LeafIndex;

/// Verifies `proof` against `tree_hash` and returns the proven leaf's signature key.
fn proven_signature_key(
    cs: &dyn CipherSuiteProvider,
    proof: &MembershipProof,
    tree_hash: &[u8],
) -> Result<SignaturePublicKey, Error> {
    proof.verify(cs, tree_hash)?;
    let leaf = proof.leaf_node().ok_or(PartialError::ProofLeafBlank)?;
    Ok(leaf.signature_key.clone())
}

impl<T> SenderAuthenticatedMessage<T> {
    /// Pairs `message` with its sender's proof.
    pub fn new(message: T, sender_membership_proof: MembershipProof) -> Self {
        SenderAuthenticatedMessage {
            message,
            sender_membership_proof,
        }
    }
}

impl SenderAuthenticatedMessage<PublicMessage> {
    /// Annotates a PublicMessage sent by a member with its sender's proof, created from
    /// `tree`, the full ratchet tree of the message's epoch (by the sender itself or a
    /// Delivery Service that holds the tree). Fails with [`PartialError::SenderNotMember`]
    /// for a non-member sender.
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        message: PublicMessage,
        tree: &mut RatchetTree,
    ) -> Result<Self, Error> {
        let Sender::Member(leaf) = *message.sender() else {
            return Err(PartialError::SenderNotMember.into());
        };
        let proof = MembershipProof::create(cs, tree, leaf)?;
        Ok(SenderAuthenticatedMessage::new(message, proof))
    }

    /// Verifies the message as a partial client of the epoch `context` (draft-ietf-mls-partial
    /// §"Sender-Authenticated Messages"), in order:
    ///
    /// 1. the sender is a `member` ([`PartialError::SenderNotMember`]) whose leaf index is
    ///    the proof's ([`PartialError::SenderLeafMismatch`]);
    /// 2. the proof is valid relative to the epoch's tree hash (the proof's
    ///    [`PartialError`] checks, [`PartialError::ProofTreeHashMismatch`]);
    /// 3. the PublicMessage checks of [`PublicMessage::unprotect`] (group, epoch,
    ///    membership tag), its signature verified with the proven leaf's `signature_key`.
    pub fn verify(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        membership_key: &Secret,
    ) -> Result<AuthenticatedContent, Error> {
        let key = self.check_sender(cs, context)?;
        self.message
            .unprotect(cs, context, membership_key, |_, _| Some(key))
    }

    /// [`SenderAuthenticatedMessage::verify`] without the epoch's `membership_key`
    /// (e.g. a Delivery Service): every check but the value of the membership tag.
    pub fn verify_without_membership_key(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
    ) -> Result<AuthenticatedContent, Error> {
        let key = self.check_sender(cs, context)?;
        self.message
            .unprotect_without_membership_key(cs, context, |_, _| Some(key))
    }

    fn check_sender(
        &self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
    ) -> Result<SignaturePublicKey, Error> {
        let Sender::Member(leaf) = *self.message.sender() else {
            return Err(PartialError::SenderNotMember.into());
        };
        if leaf != self.sender_membership_proof.leaf_index {
            return Err(PartialError::SenderLeafMismatch.into());
        }
        context
            .check_group_and_epoch(&self.message.content.group_id, self.message.content.epoch)?;
        proven_signature_key(
            cs,
            &self.sender_membership_proof,
            &context.group_context().tree_hash,
        )
    }
}

impl SenderAuthenticatedMessage<PrivateMessage> {
    /// Annotates a PrivateMessage sent by the member at `sender` with its proof, created
    /// from `tree`, the full ratchet tree of the message's epoch.
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        message: PrivateMessage,
        tree: &mut RatchetTree,
        sender: LeafIndex,
    ) -> Result<Self, Error> {
        let proof = MembershipProof::create(cs, tree, sender)?;
        Ok(SenderAuthenticatedMessage::new(message, proof))
    }

    /// Decrypts and verifies the message as a partial client of the epoch `context`: the
    /// group and epoch, then the `SenderData`, whose leaf index must be the proof's
    /// ([`PartialError::SenderLeafMismatch`]), the proof against the epoch's tree hash, and
    /// the checks of [`PrivateMessage::unprotect`] with the proven leaf's `signature_key`.
    /// On any error `secret_tree` is left as it was.
    pub fn verify(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        secret_tree: &mut SecretTree,
        sender_data_secret: &Secret,
    ) -> Result<AuthenticatedContent, Error> {
        context.check_group_and_epoch(&self.message.group_id, self.message.epoch)?;
        let sender_data = self.message.sender_data(cs, sender_data_secret)?;
        if sender_data.leaf_index != self.sender_membership_proof.leaf_index {
            return Err(PartialError::SenderLeafMismatch.into());
        }
        let key = proven_signature_key(
            cs,
            &self.sender_membership_proof,
            &context.group_context().tree_hash,
        )?;
        self.message
            .unprotect(cs, context, secret_tree, sender_data_secret, |_| Some(key))
    }
}

impl SenderAuthenticatedMessage<GroupInfo> {
    /// Annotates a GroupInfo with its signer's proof, created from `tree`, the full
    /// ratchet tree the GroupInfo describes.
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        message: GroupInfo,
        tree: &mut RatchetTree,
    ) -> Result<Self, Error> {
        let proof = MembershipProof::create(cs, tree, message.signer)?;
        Ok(SenderAuthenticatedMessage::new(message, proof))
    }

    /// Verifies the GroupInfo's signature with a proven key: [`verify_group_info`].
    pub fn verify(&self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        verify_group_info(cs, &self.message, &self.sender_membership_proof)
    }
}

/// Verifies a GroupInfo with its signer's proof (draft-ietf-mls-partial §"Joining via
/// Annotated Welcome"): `signer` equals the proof's `leaf_index`
/// ([`PartialError::GroupInfoSignerMismatch`]), the proof is valid relative to the
/// GroupInfo's `tree_hash`, and the signature verifies with the proven leaf's key
/// ([`crate::MessageError::GroupInfoSignatureInvalid`]).
pub fn verify_group_info(
    cs: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    proof: &MembershipProof,
) -> Result<(), Error> {
    if group_info.signer != proof.leaf_index {
        return Err(PartialError::GroupInfoSignerMismatch.into());
    }
    let key = proven_signature_key(cs, proof, &group_info.group_context.tree_hash)?;
    group_info.verify_signature(cs, &key)
}
