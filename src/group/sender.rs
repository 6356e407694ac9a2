//! Who sent a received message (RFC 9420 §6.1): the credential and signature key that
//! verified it, found by sender type.

use crate::crypto::SignaturePublicKey;
use crate::framing::{FramedContent, FramedContentBody, Sender};
use crate::messages::{Commit, Credential, ExternalSenders, GroupContext, Proposal};
use crate::ratchet_tree::TreeView;

use super::config::Member;
use super::proposals::member_at;

/// The identity of a received message's sender, as verified (RFC 9420 §6.1): the
/// `signature_key` the message's signature was verified with, and the credential bound to
/// it. Where they come from depends on the [`Sender`] type:
///
/// - `member`: the sender's leaf in the tree of the message's epoch (for a message of a
///   kept past epoch, the leaf as it was then, so a member removed since is still named);
/// - `external`: the entry `sender_index` of the group's `external_senders` extension
///   (§12.1.8.1);
/// - `new_member_proposal`: the LeafNode of the KeyPackage in the Add proposal (§12.1.8);
/// - `new_member_commit`: the LeafNode of the external Commit's UpdatePath (§12.4.3.2).
///
/// The credential is only as trustworthy as the group's credential validator (§5.3.1):
/// every credential in the tree and in `external_senders` went through it when it entered
/// the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderIdentity {
    /// The sender's credential.
    pub credential: Credential,
    /// The key the message's signature was verified with.
    pub signature_key: SignaturePublicKey,
}

impl From<Member> for SenderIdentity {
    fn from(m: Member) -> Self {
        SenderIdentity {
            credential: m.credential,
            signature_key: m.signature_key,
        }
    }
}

/// The identity of a message's sender in the current epoch (RFC 9420 §6.1): a member's
/// leaf, an `external_senders` entry (type and index already checked by
/// `check_non_member`), the KeyPackage of a `new_member_proposal` Add, or the leaf in an
/// external Commit's path. O(1) lookups plus the decoding of one leaf.
pub(super) fn sender_identity<T: TreeView + ?Sized>(
    tree: &T,
    ctx: &GroupContext,
    sender: &Sender,
    content: &FramedContent,
) -> Option<SenderIdentity> {
    match sender {
        Sender::Member(l) => member_at(tree, *l).map(SenderIdentity::from),
        Sender::External(i) => {
            let senders = ctx.extensions.read::<ExternalSenders>().ok()??;
            senders.get(*i).map(|s| SenderIdentity {
                credential: s.credential.clone(),
                signature_key: s.signature_key.clone(),
            })
        }
        Sender::NewMemberProposal => match &content.body {
            FramedContentBody::Proposal(Proposal::Add(a)) => Some(SenderIdentity {
                credential: a.key_package.leaf_node.credential.clone(),
                signature_key: a.key_package.leaf_node.signature_key.clone(),
            }),
            _ => None,
        },
        Sender::NewMemberCommit => match &content.body {
            FramedContentBody::Commit(Commit {
                path: Some(path), ..
            }) => Some(SenderIdentity {
                credential: path.leaf_node.credential.clone(),
                signature_key: path.leaf_node.signature_key.clone(),
            }),
            _ => None,
        },
    }
}
