//! Group engine errors (RFC 9420 §11 to §14): one variant per check.

/// A group operation or an incoming handshake message fails a rule of RFC 9420 §11 to §14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// The message belongs to an epoch later than the group's: process earlier commits first.
    FutureEpoch,
    /// The message belongs to an epoch whose secrets are no longer kept (or a handshake
    /// message of a past epoch, which is never accepted, RFC 9420 §12.4.2).
    PastEpochUnavailable,
    /// There is no pending commit to merge.
    NoPendingCommit,
    /// A commit of this member is pending: merge or clear it first.
    PendingCommitExists,
    /// The staged commit was built on another epoch or tree than the group's current one.
    StaleStagedCommit,
    /// The member was removed from the group (or the group was reinitialized): it can no
    /// longer send or commit (RFC 9420 §12.4.2).
    GroupInactive,
    /// The message is for another group.
    WrongGroupId,
    /// The message's wire format is not one the group processes (Welcome, GroupInfo and
    /// KeyPackage go through other calls).
    UnexpectedWireFormat,
    /// A handshake message arrived in a wire format the group's policy forbids.
    WireFormatPolicyViolation,
    /// §12.4: a Commit was received from this member itself; use `merge_pending_commit`.
    OwnCommit,
    /// §12.4: the Commit's sender is neither a `member` nor a `new_member_commit` (an
    /// `external` or `new_member_proposal` sender cannot commit).
    UnsupportedCommitSender,
    /// §12.4: a ProposalRef in the Commit is not a proposal received this epoch.
    UnknownProposalRef,
    /// §12.2: the Commit covers an Update proposal sent by the committer.
    UpdateFromCommitter,
    /// §12.2: the Commit covers a Remove proposal removing the committer.
    RemoveOfCommitter,
    /// §12.2: several Update and/or Remove proposals apply to the same leaf.
    MultipleChangesForLeaf,
    /// §12.1.3: a Remove proposal names a blank leaf or a leaf outside the tree.
    RemoveOfNonMember,
    /// §12.2: two Add proposals carry KeyPackages of the same client (same signature key).
    DuplicateAdd,
    /// §12.2: an Add proposal adds a client already in the group (same signature key) that
    /// the Commit does not remove.
    AddOfExistingMember,
    /// §12.2: two PreSharedKey proposals reference the same PreSharedKeyID.
    DuplicatePsk,
    /// §12.2: more than one GroupContextExtensions proposal.
    MultipleGroupContextExtensions,
    /// §12.2: a ReInit proposal together with any other proposal.
    ReInitWithOtherProposals,
    /// §12.2: an ExternalInit proposal in a regular (member) Commit.
    ExternalInitInMemberCommit,
    /// §12.2: a non-default proposal type that some member does not support.
    UnsupportedProposalType,
    /// §12.4: the Commit has no path but its proposals require one (or it has none).
    PathRequired,
    /// §12.1.2: an Update proposal was not sent by a member.
    UpdateFromNonMember,
    /// §7.3, §12.1.2: the leaf of an Update proposal does not have source `update`.
    UpdateLeafSourceNotUpdate,
    /// §7.3: a leaf node's signature does not verify.
    LeafSignatureInvalid,
    /// §7.3: a new leaf's `encryption_key` already appears in the tree.
    EncryptionKeyInUse,
    /// §7.3: a new leaf's `signature_key` is already another member's.
    SignatureKeyInUse,
    /// §7.3, §11.1: a leaf does not support the group's `required_capabilities`.
    RequiredCapabilitiesNotSupported,
    /// §7.3: a leaf's credential type is not supported by every member, or the leaf does
    /// not support a credential type in use in the group.
    CredentialTypeNotSupported,
    /// §7.3: a leaf does not list the group's protocol version or cipher suite.
    LeafCapabilitiesMismatch,
    /// §7.3: a leaf carries an extension absent from its own capabilities.
    LeafExtensionNotSupported,
    /// §12.1.7: a GroupContextExtensions proposal holds an extension some member does not
    /// support.
    GroupContextExtensionNotSupported,
    /// §12.1.4: a PSK proposal's `psk_nonce` is not `KDF.Nh` bytes long.
    InvalidPskNonce,
    /// §12.1.4: a resumption PSK proposal's usage is not `application`.
    InvalidPskUsage,
    /// §8.4, §12.4.2: a PSK of the Commit (or Welcome) is not known to this member.
    UnknownPsk,
    /// §12.1.5: a ReInit proposal asks for an older protocol version.
    ReInitVersionDowngrade,
    /// §6: a proposal from an `external` sender of a type that external senders cannot send,
    /// or an index with no `external_senders` entry.
    InvalidExternalSender,
    /// §12.4.3.1: no leaf of the ratchet tree is the joiner's KeyPackage leaf.
    OwnLeafNotFound,
    /// §12.4.3.1: the Welcome's GroupInfo carries no `ratchet_tree` extension and none was
    /// given.
    MissingRatchetTree,
    /// §12.4.3.1: the GroupInfo's `signer` leaf is blank or outside the tree.
    SignerNotInTree,
    /// §12.4.3.1: a resumption PSK of usage `reinit` or `branch` in a Welcome whose
    /// GroupInfo epoch is not 1.
    ResumptionEpochMismatch,
    /// §12.4.3.1: a `path_secret` in the Welcome although the committer and the joiner share
    /// no node of the committer's filtered path, or none when one is needed.
    PathSecretMismatch,
    /// The caller's `CommitOptions` do not fit the call: the first Commit of a reinitialized
    /// group or a branch (`Group::reinit`, `Group::branch`) takes no proposals besides the
    /// Adds of the given KeyPackages.
    InvalidCommitOptions,
    /// A member index given by the caller is not an occupied leaf.
    NoSuchMember,
    /// Saved group state (or an internal counter) is inconsistent: a secret of the wrong
    /// length, a tree that does not match the GroupContext, keys off this member's path.
    InvalidState,
    /// Saved group state has a format version this library does not read.
    UnsupportedStateVersion,
    /// §12.4: proposals were received this epoch; a member MUST commit them before sending
    /// application data.
    ProposalsPending,
    // -- External commits, external senders, new-member proposals (§12.1.8, §12.4.3.2) --
    /// §12.4.3.2: the GroupInfo offered for an external join has no `external_pub`
    /// extension.
    MissingExternalPub,
    /// §12.4.3.2: the joiner asked to remove its prior leaf, but no leaf of the tree has its
    /// credential (or the given leaf is blank).
    PriorLeafNotFound,
    /// §6, §12.4.3.2: a `new_member_commit` Commit arrived in a PrivateMessage; external
    /// Commits are PublicMessages (the joiner has no epoch keys).
    ExternalCommitNotPublicMessage,
    /// §12.4.3.2: an external Commit covers a proposal by reference ("MUST NOT include any
    /// proposals by reference") that is not a SelfRemove, the one proposal
    /// draft-ietf-mls-extensions ("SelfRemove Proposal") allows there by reference.
    ExternalCommitProposalByReference,
    /// §12.2: an external Commit contains no ExternalInit proposal ("Exactly one
    /// ExternalInit").
    ExternalCommitMissingExternalInit,
    /// §12.2: an external Commit contains more than one ExternalInit proposal.
    ExternalCommitMultipleExternalInit,
    /// §12.2: an external Commit contains a proposal other than ExternalInit, Remove and
    /// PreSharedKey ("No other proposals").
    ExternalCommitProposalNotAllowed,
    /// §12.2: an external Commit contains more than one Remove proposal ("At most one").
    ExternalCommitMultipleRemoves,
    /// §12.2: the LeafNode of a resync external Commit does not present the identity of the
    /// leaf it removes (as judged by the `CredentialValidator`'s `valid_successor`; by
    /// default, a different credential).
    ExternalCommitRemoveIdentityMismatch,
    /// §12.4.3.2: an external Commit has no `path` ("MUST contain a `path` field").
    ExternalCommitWithoutPath,
    /// §6.1, §12.1.8.1: an `external` sender's `sender_index` has no entry in the group's
    /// `external_senders` extension (or the group has none).
    ExternalSenderIndexOutOfRange,
    /// §12.1.8: an `external` sender sent a proposal type that external senders may not send
    /// (of RFC 9420's types, only add, remove, psk, reinit and group_context_extensions).
    ExternalProposalTypeNotAllowed,
    /// §12.1.8: an `external` sender sent a custom proposal whose type the application's
    /// `CustomProposalValidator::allowed_from_external_sender` does not allow from external
    /// senders (the default refuses every custom type).
    ExternalCustomProposalNotAllowed,
    /// §12.1.8: a `new_member_proposal` is signed with the KeyPackage's leaf signature key,
    /// and the given signing identity does not hold it.
    SignerKeyMismatch,
    // -- end external --
    // -- PSKs, ReInit, branch (§8.4, §11.2, §11.3) --
    /// §11.2: the group's last Commit did not contain a ReInit proposal, so there is no
    /// reinitialization to create or join.
    NoPendingReInit,
    /// §11.2, §12.1.5: the ReInit asks for a protocol version this library cannot create.
    UnsupportedReInitVersion,
    /// §11.2: a Welcome joined as a reinitialization carries no resumption PSK of usage
    /// `reinit`.
    MissingReInitPsk,
    /// §11.2: the `reinit` PSK's `psk_group_id` is not the old group's id.
    ReInitPskWrongGroup,
    /// §11.2: the `reinit` PSK's `psk_epoch` is not the epoch the ReInit Commit created.
    ReInitPskWrongEpoch,
    /// §11.2, §12.4.3.1: the new group's `group_id` differs from the ReInit's.
    ReInitGroupIdMismatch,
    /// §11.2, §12.4.3.1: the new group's protocol version differs from the ReInit's.
    ReInitVersionMismatch,
    /// §11.2, §12.4.3.1: the new group's cipher suite differs from the ReInit's.
    ReInitCipherSuiteMismatch,
    /// §11.2, §12.4.3.1: the new GroupContext's extensions differ from the ReInit's.
    ReInitExtensionsMismatch,
    /// §12.4.3.1: a member of the old group (by credential) is not in the reinitialized
    /// group.
    ReInitMemberMissing,
    /// §11.3: a Welcome joined as a branch carries no resumption PSK of usage `branch`.
    MissingBranchPsk,
    /// §11.3: the `branch` PSK's `psk_group_id` is not the group it is joined from.
    BranchPskWrongGroup,
    /// §11.3: the `branch` PSK's `psk_epoch` is not an epoch whose `resumption_psk` the old
    /// group still holds.
    BranchPskUnknownEpoch,
    /// §11.3: the branch's protocol version differs from the old group's.
    BranchVersionMismatch,
    /// §11.3: the branch's cipher suite differs from the old group's.
    BranchCipherSuiteMismatch,
    /// §11.3: a member of the branch (by credential) is not a member of the old group.
    BranchMemberNotInGroup,
    /// §11.2, §11.3: a Welcome with a resumption PSK of usage `reinit` or `branch` was
    /// given to a plain join; the checks need the old group (`join_reinit`, `join_branch`).
    ResumptionPskNeedsOldGroup,
    // -- end reinit --
    // -- Extensibility: custom proposals and credentials, GREASE, lifetimes --
    /// §12.1, §12.2: the application's `CustomProposalValidator` refused a custom proposal.
    CustomProposalRejected,
    /// §5.3.1: the application's `CredentialValidator` refused a leaf's credential (at group
    /// creation, in a joined tree, an Add, an Update, a commit path or an external Commit).
    CredentialRejected,
    /// §5.3.1, §12.1.8.1: the application's `CredentialValidator` refused the credential of
    /// an `external_senders` entry, when a group is created with the extension, when a
    /// GroupContextExtensions proposal sets it, or in the GroupContext a joiner receives.
    ExternalSenderCredentialRejected,
    /// §5.3.2: an Update, commit path or resync external Commit replaces a member's
    /// credential with one the `CredentialValidator` does not accept as the same identity
    /// (`valid_successor`).
    CredentialNotValidSuccessor,
    /// §10.1, §7.3: an added KeyPackage's lifetime does not contain the current time given
    /// by the caller (expired, or not yet valid).
    KeyPackageLifetimeInvalid,
    /// The saved group state was made with custom hooks (credential validator or custom
    /// proposal validator): restore it with `Group::from_bytes_with_hooks` and those hooks.
    MissingHooks,
    // -- end extensibility --
    // -- The proposal pool (§12.1, §12.2, §12.4) --
    /// §12.1: the proposal (the same ProposalRef) is already in the pool: a replay or an
    /// echo of a message already processed. Nothing changed.
    DuplicateProposal,
    /// The pool of proposals of this epoch is full (`GroupConfig::max_pending_proposals`
    /// for accepted proposals, `max_held_proposals` for held ones): commit first.
    ProposalPoolFull,
    /// The application's `ProposalPolicy` refused the proposal (on receipt), or left it out
    /// of this member's Commit.
    ProposalRejectedByPolicy,
    /// The proposal is held for the application (an outsider's, by the default
    /// `ProposalPolicy`): left out of this member's Commit until `Group::approve_proposal`.
    ProposalHeld,
    /// §12.2: the application's `ProposalPolicy` refused a proposal of a received Commit.
    CommitRejectedByPolicy,
    // -- Saved state integrity (format version 4) --
    /// The checksum of a saved group state does not match its bytes: they were damaged
    /// (truncated, extended or corrupted) after `Group::to_bytes`. The checksum detects
    /// accidents, not an attacker, who can recompute it: see `Group::to_bytes_sealed`.
    StateChecksumMismatch,
    /// A sealed saved group state does not open under the given storage key: the key is not
    /// the one it was sealed with, or the bytes were modified (opaque, like every AEAD
    /// failure).
    StateAuthenticationFailed,
    /// The saved group state is sealed under a storage key: restore it with
    /// `Group::from_bytes_sealed`.
    StateKeyRequired,
    /// A storage key was given but the saved group state is not sealed (it has only a
    /// checksum): restore it with `Group::from_bytes`. Refused so that an unsealed state
    /// cannot stand in for a sealed one.
    StateNotSealed,
    /// A storage key is shorter than `MIN_STORAGE_KEY_LEN` (16) bytes.
    StorageKeyTooShort,
    // -- end saved state integrity --
    /// §12.4.2: the StagedCommit was validated by another group, or by another history of
    /// this group's current epoch (its group id or base interim transcript hash differs):
    /// merging it would corrupt this group.
    StagedCommitOfOtherGroup,
    /// §12.4.3.2: `confirm_removal` was called, but no unverified removal of this member
    /// (by a resync external Commit) is pending in the current epoch.
    NoUnverifiedRemoval,
    /// A `Proposal::Custom` given by the caller has one of RFC 9420's proposal types (those
    /// have their own variants; it could not be encoded as it decodes).
    CustomProposalOfDefaultType,
    /// RFC 9180 §7.1.4: a KEM public key (a KeyPackage's `init_key`, a leaf's or an
    /// UpdatePath node's `encryption_key`) cannot be encapsulated to (wrong length, not on
    /// the curve, or of low order): every later Commit sealing to it would fail.
    InvalidKemPublicKey,
    /// RFC 9420 §6.3: a `PublicGroup` was given a PrivateMessage. It holds no epoch secret,
    /// so it can neither decrypt nor authenticate one: a group followed by a Delivery
    /// Service sends its handshake messages as PublicMessages (`HandshakeFormat::Public`).
    PrivateMessageUnreadable,
    /// RFC 9420 §5.1: the signature scheme of the identity's signer is not the one of the
    /// group's (or the KeyPackage's) cipher suite; nothing was signed.
    SignerSchemeMismatch,
    /// `to_bytes` of a `SigningIdentity` whose signer is not a raw key held in memory (an
    /// external `Signer`, e.g. an HSM): there are no key bytes to write.
    SignerNotSerializable,
    /// Saved client material (a `SigningIdentity` or `KeyPackageBundle` from `to_bytes`)
    /// ends before its encoding does.
    ClientMaterialTruncated,
    /// Saved client material has a format version this build does not read.
    UnsupportedClientMaterialVersion,
    /// Saved client material has bytes after its encoding.
    ClientMaterialTrailingBytes,
    /// The bytes do not start with the magic label of this kind of saved client material
    /// (e.g. a `KeyPackageBundle` given to `SigningIdentity::from_bytes`, or not melos
    /// client material at all).
    ClientMaterialWrongKind,
    /// Saved client material is inconsistent: a field does not decode (a malformed
    /// credential or KeyPackage, an unknown suite) or a private key is not the one of its
    /// public key.
    InvalidClientMaterial,
    /// This group was restored from a saved state whose identity signs with an external
    /// `Signer`: give it back with `Group::set_signer` before signing.
    SignerRequired,
    /// `Group::set_signer`: the signer's public key is not this member's `signature_key`.
    SetSignerKeyMismatch,
    /// A SelfRemove proposal not sent by a member (draft-ietf-mls-extensions, "SelfRemove
    /// Proposal": "SelfRemove cannot be sent as an external proposal").
    SelfRemoveFromNonMember,
    /// A SelfRemove proposal in a PrivateMessage (draft-ietf-mls-extensions: SelfRemove
    /// proposals "MUST be sent in an MLS PublicMessage").
    SelfRemoveNotPublic,
    /// A Commit carries a SelfRemove proposal by value (draft-ietf-mls-extensions:
    /// "SelfRemove proposals are only allowed in a Commit by reference").
    SelfRemoveByValue,
    /// A Commit covers a SelfRemove proposal of its own committer, who cannot leave by its
    /// own Commit (RFC 9420 §12.2, as for a Remove of the committer).
    SelfRemoveOfCommitter,
    /// A Remove proposal of a leaf that a SelfRemove proposal of the same list removes
    /// (draft-ietf-mls-extensions: "the Remove proposal is invalid").
    RemoveOfSelfRemovedLeaf,
    /// A second SelfRemove proposal of one member in one epoch (draft-ietf-mls-extensions:
    /// "A client MUST NOT issue more than one SelfRemove proposal per epoch").
    DuplicateSelfRemove,
    /// A Commit this member is asked to make does not cover a valid SelfRemove proposal of
    /// another member that it holds (draft-ietf-mls-extensions: a member "includes it along
    /// with any other pending Proposals when sending a Commit"). Only the committer's own
    /// API refuses so; a received Commit that omits a SelfRemove is accepted.
    SelfRemoveOmitted,
    /// A SelfRemove proposal in a group where not every member lists `self_remove` in its
    /// capabilities (draft-ietf-mls-extensions: only a "self-remove-capable group").
    SelfRemoveNotSupported,
    /// A leaf does not list a wire format of the group's `required_wire_formats` in its
    /// `supported_wire_formats` (draft-ietf-mls-extensions, "Negotiating Extensions and
    /// Components").
    RequiredWireFormatNotSupported,
}

impl core::fmt::Display for GroupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            GroupError::FutureEpoch => {
                "the message is from a later epoch than the group's: process the earlier commits \
                 first"
            }
            GroupError::PastEpochUnavailable => {
                "the message is from a past epoch whose keys are no longer kept (handshake \
                 messages of past epochs are never accepted)"
            }
            GroupError::NoPendingCommit => "there is no pending commit to merge",
            GroupError::PendingCommitExists => {
                "a commit of this member is pending: merge or clear it first"
            }
            GroupError::StaleStagedCommit => {
                "the staged commit was validated in another epoch than the group's current one"
            }
            GroupError::GroupInactive => {
                "this member was removed from the group (or the group was reinitialized): it can \
                 no longer send or commit"
            }
            GroupError::WrongGroupId => "the message is for another group",
            GroupError::UnexpectedWireFormat => {
                "the message's wire format is not one a group processes (Welcome, GroupInfo and \
                 KeyPackage have their own calls)"
            }
            GroupError::WireFormatPolicyViolation => {
                "the handshake message arrived in a wire format the group's policy forbids"
            }
            GroupError::OwnCommit => {
                "the commit was sent by this member: merge it with merge_pending_commit instead of \
                 processing it"
            }
            GroupError::UnsupportedCommitSender => {
                "the commit's sender may not commit (only members and new_member_commit joiners \
                 can)"
            }
            GroupError::UnknownProposalRef => {
                "the commit references a proposal that was not received this epoch"
            }
            GroupError::UpdateFromCommitter => {
                "the commit covers an Update proposal sent by the committer itself"
            }
            GroupError::RemoveOfCommitter => {
                "the commit covers a Remove proposal that removes the committer"
            }
            GroupError::MultipleChangesForLeaf => {
                "the commit has several Update or Remove proposals for the same leaf"
            }
            GroupError::RemoveOfNonMember => {
                "a Remove proposal names a blank leaf or a leaf outside the tree"
            }
            GroupError::DuplicateAdd => "two Add proposals carry KeyPackages of the same client",
            GroupError::AddOfExistingMember => {
                "an Add proposal adds a client that is already a member"
            }
            GroupError::DuplicatePsk => "two PreSharedKey proposals name the same PSK",
            GroupError::MultipleGroupContextExtensions => {
                "the commit has more than one GroupContextExtensions proposal"
            }
            GroupError::ReInitWithOtherProposals => {
                "a ReInit proposal is committed together with other proposals"
            }
            GroupError::ExternalInitInMemberCommit => {
                "a member's commit contains an ExternalInit proposal"
            }
            GroupError::UnsupportedProposalType => {
                "a proposal's type is not supported by every member"
            }
            GroupError::PathRequired => "the commit has no path but its proposals require one",
            GroupError::UpdateFromNonMember => "an Update proposal was not sent by a member",
            GroupError::UpdateLeafSourceNotUpdate => {
                "the leaf node of an Update proposal was not made for an update"
            }
            GroupError::LeafSignatureInvalid => "a leaf node's signature does not verify",
            GroupError::EncryptionKeyInUse => "a new leaf's encryption key is already in the tree",
            GroupError::SignatureKeyInUse => {
                "a new leaf's signature key is already another member's"
            }
            GroupError::RequiredCapabilitiesNotSupported => {
                "a leaf does not support the group's required capabilities"
            }
            GroupError::CredentialTypeNotSupported => {
                "a leaf's credential type is not supported by every member, or the leaf does not \
                 support a credential type in use"
            }
            GroupError::LeafCapabilitiesMismatch => {
                "a leaf does not support the group's protocol version or cipher suite"
            }
            GroupError::LeafExtensionNotSupported => {
                "a leaf carries an extension its own capabilities do not list"
            }
            GroupError::GroupContextExtensionNotSupported => {
                "a GroupContextExtensions proposal holds an extension some member does not support"
            }
            GroupError::InvalidPskNonce => "a PreSharedKey proposal's nonce has the wrong length",
            GroupError::InvalidPskUsage => "a resumption PSK proposal's usage is not application",
            GroupError::UnknownPsk => {
                "a pre-shared key of the commit or Welcome is not known to this member"
            }
            GroupError::ReInitVersionDowngrade => {
                "a ReInit proposal asks for an older protocol version"
            }
            GroupError::InvalidExternalSender => {
                "an external sender sent a proposal it may not send, or its index names no \
                 external sender"
            }
            GroupError::OwnLeafNotFound => {
                "the ratchet tree has no leaf for this member's KeyPackage"
            }
            GroupError::MissingRatchetTree => {
                "the Welcome carries no ratchet tree and none was given"
            }
            GroupError::SignerNotInTree => "the GroupInfo's signer is not a member of the tree",
            GroupError::ResumptionEpochMismatch => {
                "a reinit or branch PSK comes with a GroupInfo whose epoch is not 1"
            }
            GroupError::PathSecretMismatch => {
                "the Welcome's path secret does not match the tree (present where none is due, or \
                 missing)"
            }
            GroupError::InvalidCommitOptions => {
                "the commit options do not fit this call (a reinit or branch commit takes no \
                 proposals)"
            }
            GroupError::NoSuchMember => "the given member index is not an occupied leaf",
            GroupError::InvalidState => {
                "the saved group state is inconsistent (wrong secret lengths, a tree that does not \
                 match the group context, or keys off this member's path)"
            }
            GroupError::UnsupportedStateVersion => {
                "the saved group state has a format version this library does not read"
            }
            GroupError::ProposalsPending => {
                "proposals were received this epoch: commit them before sending application \
                 messages"
            }
            GroupError::MissingExternalPub => {
                "the GroupInfo has no external_pub extension, so no external commit can be made \
                 from it"
            }
            GroupError::PriorLeafNotFound => {
                "the prior leaf to remove in a resync is blank or has another credential"
            }
            GroupError::ExternalCommitNotPublicMessage => {
                "an external commit arrived in a PrivateMessage (external commits are \
                 PublicMessages)"
            }
            GroupError::ExternalCommitProposalByReference => {
                "an external commit covers a proposal other than a SelfRemove by reference"
            }
            GroupError::ExternalCommitMissingExternalInit => {
                "an external commit has no ExternalInit proposal"
            }
            GroupError::ExternalCommitMultipleExternalInit => {
                "an external commit has more than one ExternalInit proposal"
            }
            GroupError::ExternalCommitProposalNotAllowed => {
                "an external commit contains a proposal other than ExternalInit, Remove and \
                 PreSharedKey"
            }
            GroupError::ExternalCommitMultipleRemoves => {
                "an external commit has more than one Remove proposal"
            }
            GroupError::ExternalCommitRemoveIdentityMismatch => {
                "a resync external commit's new leaf does not present the identity of the leaf it \
                 removes"
            }
            GroupError::ExternalCommitWithoutPath => "an external commit has no path",
            GroupError::ExternalSenderIndexOutOfRange => {
                "an external sender's index names no entry of the group's external_senders \
                 extension"
            }
            GroupError::ExternalProposalTypeNotAllowed => {
                "an external sender sent a proposal type that external senders may not send"
            }
            GroupError::ExternalCustomProposalNotAllowed => {
                "an external sender sent a custom proposal type the application does not allow \
                 from external senders"
            }
            GroupError::SignerKeyMismatch => {
                "the signing identity does not hold the KeyPackage's signature key"
            }
            GroupError::NoPendingReInit => "the group's last commit contained no ReInit proposal",
            GroupError::UnsupportedReInitVersion => {
                "the ReInit asks for a protocol version this library cannot create"
            }
            GroupError::MissingReInitPsk => {
                "the reinitialization Welcome carries no reinit resumption PSK"
            }
            GroupError::ReInitPskWrongGroup => {
                "the reinit PSK names another group than the old one"
            }
            GroupError::ReInitPskWrongEpoch => {
                "the reinit PSK names another epoch than the one the ReInit commit created"
            }
            GroupError::ReInitGroupIdMismatch => "the new group's id differs from the ReInit's",
            GroupError::ReInitVersionMismatch => {
                "the new group's protocol version differs from the ReInit's"
            }
            GroupError::ReInitCipherSuiteMismatch => {
                "the new group's cipher suite differs from the ReInit's"
            }
            GroupError::ReInitExtensionsMismatch => {
                "the new group's extensions differ from the ReInit's"
            }
            GroupError::ReInitMemberMissing => {
                "a member of the old group is missing from the reinitialized group"
            }
            GroupError::MissingBranchPsk => "the branch Welcome carries no branch resumption PSK",
            GroupError::BranchPskWrongGroup => {
                "the branch PSK names another group than the one it is joined from"
            }
            GroupError::BranchPskUnknownEpoch => {
                "the branch PSK names an epoch whose resumption PSK the old group no longer holds"
            }
            GroupError::BranchVersionMismatch => {
                "the branch's protocol version differs from the old group's"
            }
            GroupError::BranchCipherSuiteMismatch => {
                "the branch's cipher suite differs from the old group's"
            }
            GroupError::BranchMemberNotInGroup => {
                "a member of the branch is not a member of the old group"
            }
            GroupError::ResumptionPskNeedsOldGroup => {
                "the Welcome is for a reinitialization or branch: join it with join_reinit or \
                 join_branch"
            }
            GroupError::CustomProposalRejected => {
                "the application's custom proposal validator refused a custom proposal"
            }
            GroupError::CredentialRejected => {
                "the application's credential validator refused a leaf's credential"
            }
            GroupError::ExternalSenderCredentialRejected => {
                "the application's credential validator refused an external sender's credential"
            }
            GroupError::CredentialNotValidSuccessor => {
                "a member's new credential is not accepted as the same identity as its old one"
            }
            GroupError::KeyPackageLifetimeInvalid => {
                "the KeyPackage has expired or is not yet valid"
            }
            GroupError::MissingHooks => {
                "the saved group state was made with custom hooks: restore it with \
                 from_bytes_with_hooks"
            }
            GroupError::DuplicateProposal => {
                "the proposal is already in the pool (a replayed or echoed message)"
            }
            GroupError::ProposalPoolFull => "the pool of pending proposals is full",
            GroupError::ProposalRejectedByPolicy => {
                "the application's proposal policy refused the proposal"
            }
            GroupError::ProposalHeld => "the proposal is held for the application's approval",
            GroupError::CommitRejectedByPolicy => {
                "the application's proposal policy refused a proposal of the commit"
            }
            GroupError::StateChecksumMismatch => {
                "the saved group state does not match its checksum (damaged bytes)"
            }
            GroupError::StateAuthenticationFailed => {
                "the sealed group state does not open under this storage key"
            }
            GroupError::StateKeyRequired => {
                "the saved group state is sealed: a storage key is required"
            }
            GroupError::StateNotSealed => {
                "a storage key was given but the saved group state is not sealed"
            }
            GroupError::StorageKeyTooShort => "the storage key is shorter than 16 bytes",
            GroupError::StagedCommitOfOtherGroup => {
                "the staged commit belongs to another group or another history of this epoch"
            }
            GroupError::NoUnverifiedRemoval => "no unverified removal of this member is pending",
            GroupError::CustomProposalOfDefaultType => {
                "a custom proposal has the type of one of RFC 9420's proposals"
            }
            GroupError::InvalidKemPublicKey => {
                "a KEM public key is malformed or of low order (nothing can be sealed to it)"
            }
            GroupError::PrivateMessageUnreadable => {
                "a public group view cannot read a PrivateMessage (it holds no epoch secrets)"
            }
            GroupError::SignerSchemeMismatch => {
                "the signer's signature scheme is not the one of the cipher suite"
            }
            GroupError::SignerNotSerializable => {
                "the identity signs with an external signer, which has no key bytes to save"
            }
            GroupError::ClientMaterialTruncated => "the saved client material is truncated",
            GroupError::UnsupportedClientMaterialVersion => {
                "the saved client material has a format version this build does not read"
            }
            GroupError::ClientMaterialTrailingBytes => {
                "the saved client material has trailing bytes after its end"
            }
            GroupError::ClientMaterialWrongKind => {
                "the bytes are not saved client material of the expected kind"
            }
            GroupError::InvalidClientMaterial => {
                "the saved client material is malformed or its keys do not match"
            }
            GroupError::SignerRequired => {
                "the group was restored without its external signer: set it before signing"
            }
            GroupError::SetSignerKeyMismatch => {
                "the signer's public key is not this member's signature key"
            }
            GroupError::SelfRemoveFromNonMember => {
                "a SelfRemove proposal was not sent by a member of the group"
            }
            GroupError::SelfRemoveNotPublic => {
                "a SelfRemove proposal came in a PrivateMessage instead of a PublicMessage"
            }
            GroupError::SelfRemoveByValue => {
                "a commit carries a SelfRemove proposal by value instead of by reference"
            }
            GroupError::SelfRemoveOfCommitter => {
                "a commit covers a SelfRemove proposal of its own committer"
            }
            GroupError::RemoveOfSelfRemovedLeaf => {
                "a Remove proposal targets a member that leaves by a SelfRemove proposal of the same commit"
            }
            GroupError::DuplicateSelfRemove => {
                "a member sent a second SelfRemove proposal in one epoch"
            }
            GroupError::SelfRemoveOmitted => {
                "the commit to be sent leaves out a valid SelfRemove proposal of this epoch"
            }
            GroupError::SelfRemoveNotSupported => {
                "not every member of the group supports the SelfRemove proposal"
            }
            GroupError::RequiredWireFormatNotSupported => {
                "a member does not support a wire format the group requires"
            }
        })
    }
}

impl core::error::Error for GroupError {}
