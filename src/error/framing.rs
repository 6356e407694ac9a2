//! Framing errors (RFC 9420 §6, §8.2): one variant per receiver check.

/// A PublicMessage, PrivateMessage or MLSMessage fails a receiver check (RFC 9420 §6), or a
/// transcript-hash input is invalid (§8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FramingError {
    /// The membership tag does not verify (§6.2).
    MembershipTagMismatch,
    /// The message is for another group (§6).
    WrongGroupId,
    /// The message is for another epoch (§6).
    WrongEpoch,
    /// A PublicMessage from a `member` sender has no membership tag (§6.2).
    MissingMembershipTag,
    /// A PublicMessage from a non-member sender carries a membership tag (§6.2).
    UnexpectedMembershipTag,
    /// The signature over `FramedContentTBS` does not verify (§6.1).
    InvalidSignature,
    /// A PublicMessage carries application data; application messages MUST be
    /// PrivateMessages (§6).
    ApplicationInPublicMessage,
    /// A Commit's `FramedContentAuthData` has no confirmation tag (§6.1).
    MissingConfirmationTag,
    /// A proposal or application message carries a confirmation tag (§6.1).
    UnexpectedConfirmationTag,
    /// The confirmation tag is not `MAC(confirmation_key, confirmed_transcript_hash)` (§6.1,
    /// §8.2).
    ConfirmationTagMismatch,
    /// The padding of a `PrivateMessageContent` has a non-zero byte (§6.3.1).
    NonZeroPadding,
    /// No signature key is known for the sender: a blank or out-of-range leaf, an unknown
    /// external sender index, or a new member without a key (§6.1, §6.3.2).
    UnknownSender,
    /// A PrivateMessage must come from a `member` sender (§6.3.2).
    SenderNotMember,
    /// The `AuthenticatedContent`'s wire format is not the one it is protected as (§6.1).
    WireFormatMismatch,
    /// An `external` sender sent something other than a proposal (§6.1).
    ExternalSenderNotProposal,
    /// A `new_member_proposal` sender sent something other than an Add proposal (§6.1).
    NewMemberProposalNotAdd,
    /// A `new_member_commit` sender sent something other than a Commit (§6.1).
    NewMemberCommitNotCommit,
    /// An MLSMessage's protocol version is not `mls10` (§6).
    UnsupportedVersion,
    /// The wire format is not the one expected here (e.g. not a PublicMessage or
    /// PrivateMessage where a framed message is needed) (§6).
    UnexpectedWireFormat,
    /// A transcript-hash update was given something other than a Commit (§8.2).
    NotACommit,
}

impl core::fmt::Display for FramingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FramingError::MembershipTagMismatch => "the membership tag does not verify",
            FramingError::WrongGroupId => "the message is for another group",
            FramingError::WrongEpoch => "the message is for another epoch",
            FramingError::MissingMembershipTag => "a member's PublicMessage has no membership tag",
            FramingError::UnexpectedMembershipTag => {
                "a non-member's PublicMessage carries a membership tag"
            }
            FramingError::InvalidSignature => "the message's signature does not verify",
            FramingError::ApplicationInPublicMessage => {
                "an application message was sent as a PublicMessage (it must be a PrivateMessage)"
            }
            FramingError::MissingConfirmationTag => "a commit has no confirmation tag",
            FramingError::UnexpectedConfirmationTag => {
                "a proposal or application message carries a confirmation tag"
            }
            FramingError::ConfirmationTagMismatch => {
                "the commit's confirmation tag does not verify"
            }
            FramingError::NonZeroPadding => "the padding of a PrivateMessage has a non-zero byte",
            FramingError::UnknownSender => "no signature key is known for the message's sender",
            FramingError::SenderNotMember => "a PrivateMessage's sender is not a member",
            FramingError::WireFormatMismatch => {
                "the content's wire format is not the one it is protected as"
            }
            FramingError::ExternalSenderNotProposal => {
                "an external sender sent something other than a proposal"
            }
            FramingError::NewMemberProposalNotAdd => {
                "a new_member_proposal sender sent something other than an Add proposal"
            }
            FramingError::NewMemberCommitNotCommit => {
                "a new_member_commit sender sent something other than a commit"
            }
            FramingError::UnsupportedVersion => "the message's protocol version is not MLS 1.0",
            FramingError::UnexpectedWireFormat => {
                "the message's wire format is not the one expected here"
            }
            FramingError::NotACommit => {
                "a transcript hash update was given something other than a commit"
            }
        })
    }
}

impl core::error::Error for FramingError {}
