//! Every error prints as a sentence: each variant of [`Error`] and of every category enum has
//! a `Display` text of its own, never its `Debug` name.
//!
//! The lists below are checked by the compiler: `variants!` also writes a `match` without a
//! wildcard over the listed variants, so a new variant that is not added here fails to build.

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::crypto::CipherSuite;

/// The listed unit variants of `$ty`, in a `Vec`; fails to compile unless the list names
/// every variant.
macro_rules! variants {
    ($ty:ident: $($v:ident),* $(,)?) => {{
        #[allow(dead_code)]
        fn exhaustive(e: $ty) {
            match e {
                $($ty::$v)|* => {}
            }
        }
        vec![$($ty::$v),*]
    }};
}

fn decode_errors() -> Vec<DecodeError> {
    variants!(DecodeError: EndOfInput, InvalidVarintPrefix, NonMinimalVarint,
        VectorLengthMismatch, InvalidOptional, TrailingBytes, UnknownValue, Malformed)
}

fn crypto_errors() -> Vec<CryptoError> {
    variants!(CryptoError: InvalidKey, InvalidSignature, DecryptionFailed, EncryptionFailed,
        Random, InvalidLength, Unsupported)
}

fn key_schedule_errors() -> Vec<KeyScheduleError> {
    variants!(KeyScheduleError: InvalidSecretLength, TooManyPsks)
}

fn secret_tree_errors() -> Vec<SecretTreeError> {
    variants!(SecretTreeError: LeafOutOfRange, GenerationTooFarAhead, GenerationExpired,
        GenerationOverflow, NodeSecretMissing)
}

fn tree_errors() -> Vec<TreeError> {
    variants!(TreeError: LeafOutOfRange, NodeOutOfRange, TreeHashMismatch, ParentHashMismatch,
        LeafSignatureInvalid, EmptyTree, TrailingBlankNode, NodeTypeMismatch, TreeTooLarge,
        TreeFull, LeafIsBlank, StaleDiff, UnmergedLeavesNotSorted, UnmergedLeafNotDescendant,
        UnmergedLeafBlank, UnmergedLeafMissingBelow, DuplicateEncryptionKey,
        DuplicateSignatureKey, LeafVersionUnsupported, LeafCipherSuiteUnsupported,
        LeafCredentialUnsupported, LeafExtensionUnsupported, LeafDuplicateExtension,
        LeafLifetimeInvalid, PathLengthMismatch, RatchetTreeTooLarge, TooManyLeaves,
        LeafLimitReached)
}

fn treekem_errors() -> Vec<TreeKemError> {
    variants!(TreeKemError: PathLengthMismatch, PublicKeyMismatch, SenderOutOfRange,
        LeafSourceNotCommit, LeafSignatureInvalid, LeafEncryptionKeyUnchanged,
        DuplicateEncryptionKey, CiphertextCountMismatch, ParentHashMismatch, ReceiverIsSender,
        ReceiverNotInPath, NoPrivateKey)
}

fn message_errors() -> Vec<MessageError> {
    variants!(MessageError: KeyPackageVersionMismatch, KeyPackageCipherSuiteMismatch,
        InitKeyEqualsEncryptionKey, KeyPackageSignatureInvalid, LeafNodeSourceNotKeyPackage,
        LeafNodeSignatureInvalid, LifetimeNotValid, CredentialTypeNotInCapabilities,
        LeafExtensionNotInCapabilities, KeyPackageExtensionNotInCapabilities,
        DuplicateExtension, VersionNotInCapabilities, CipherSuiteNotInCapabilities,
        WelcomeNotForUs, WelcomeCipherSuiteMismatch, MultipleReinitOrBranchPsks, MissingPsk,
        GroupInfoSignatureInvalid, GroupInfoCipherSuiteMismatch,
        UnsupportedGroupContextExtension, ConfirmationTagMismatch, MalformedExtension,
        LastResortComponentNotEmpty, EmptyMediaTypeList, MalformedApplicationFraming)
}

fn framing_errors() -> Vec<FramingError> {
    variants!(FramingError: MembershipTagMismatch, WrongGroupId, WrongEpoch,
        MissingMembershipTag, UnexpectedMembershipTag, InvalidSignature,
        ApplicationInPublicMessage, MissingConfirmationTag, UnexpectedConfirmationTag,
        ConfirmationTagMismatch, NonZeroPadding, UnknownSender, SenderNotMember,
        WireFormatMismatch, ExternalSenderNotProposal, NewMemberProposalNotAdd,
        NewMemberCommitNotCommit, UnsupportedVersion, UnexpectedWireFormat, NotACommit)
}

fn group_errors() -> Vec<GroupError> {
    variants!(GroupError: FutureEpoch, PastEpochUnavailable, NoPendingCommit,
        PendingCommitExists, StaleStagedCommit, GroupInactive, WrongGroupId,
        UnexpectedWireFormat, WireFormatPolicyViolation, OwnCommit, UnsupportedCommitSender,
        UnknownProposalRef, UpdateFromCommitter, RemoveOfCommitter, MultipleChangesForLeaf,
        RemoveOfNonMember, DuplicateAdd, AddOfExistingMember, DuplicatePsk,
        MultipleGroupContextExtensions, ReInitWithOtherProposals, ExternalInitInMemberCommit,
        UnsupportedProposalType, PathRequired, UpdateFromNonMember, UpdateLeafSourceNotUpdate,
        LeafSignatureInvalid, EncryptionKeyInUse, SignatureKeyInUse,
        RequiredCapabilitiesNotSupported, CredentialTypeNotSupported, LeafCapabilitiesMismatch,
        LeafExtensionNotSupported, GroupContextExtensionNotSupported, InvalidPskNonce,
        InvalidPskUsage, UnknownPsk, ReInitVersionDowngrade, InvalidExternalSender,
        OwnLeafNotFound, MissingRatchetTree, SignerNotInTree, ResumptionEpochMismatch,
        PathSecretMismatch, InvalidCommitOptions, NoSuchMember, InvalidState,
        UnsupportedStateVersion, ProposalsPending, MissingExternalPub, PriorLeafNotFound,
        ExternalCommitNotPublicMessage, ExternalCommitProposalByReference,
        ExternalCommitMissingExternalInit, ExternalCommitMultipleExternalInit,
        ExternalCommitProposalNotAllowed, ExternalCommitMultipleRemoves,
        ExternalCommitRemoveIdentityMismatch, ExternalCommitWithoutPath,
        ExternalSenderIndexOutOfRange, ExternalProposalTypeNotAllowed,
        ExternalCustomProposalNotAllowed, SignerKeyMismatch, NoPendingReInit,
        UnsupportedReInitVersion, MissingReInitPsk, ReInitPskWrongGroup, ReInitPskWrongEpoch,
        ReInitGroupIdMismatch, ReInitVersionMismatch, ReInitCipherSuiteMismatch,
        ReInitExtensionsMismatch, ReInitMemberMissing, MissingBranchPsk, BranchPskWrongGroup,
        BranchPskUnknownEpoch, BranchVersionMismatch, BranchCipherSuiteMismatch,
        BranchMemberNotInGroup, ResumptionPskNeedsOldGroup, CustomProposalRejected,
        CredentialRejected, ExternalSenderCredentialRejected, CredentialNotValidSuccessor,
        KeyPackageLifetimeInvalid, MissingHooks, DuplicateProposal, ProposalPoolFull,
        ProposalRejectedByPolicy, ProposalHeld, CommitRejectedByPolicy, StateChecksumMismatch,
        StateAuthenticationFailed, StateKeyRequired, StateNotSealed, StorageKeyTooShort,
        StagedCommitOfOtherGroup, NoUnverifiedRemoval, CustomProposalOfDefaultType,
        InvalidKemPublicKey, PrivateMessageUnreadable, SignerSchemeMismatch, SignerNotSerializable,
        ClientMaterialTruncated, UnsupportedClientMaterialVersion, ClientMaterialTrailingBytes,
        ClientMaterialWrongKind, InvalidClientMaterial, SignerRequired, SetSignerKeyMismatch,
        SelfRemoveFromNonMember, SelfRemoveNotPublic, SelfRemoveByValue, SelfRemoveOfCommitter,
        RemoveOfSelfRemovedLeaf, DuplicateSelfRemove, SelfRemoveOmitted, SelfRemoveNotSupported,
        RequiredWireFormatNotSupported)
}

/// Every variant of [`Error`]: each category with every one of its variants, and the
/// variants with no category.
fn all_errors() -> Vec<Error> {
    /// Fails to compile when `Error` gains a variant this list does not cover.
    #[allow(dead_code)]
    fn exhaustive(e: Error) {
        match e {
            Error::Decode(_)
            | Error::Crypto(_)
            | Error::UnsupportedCipherSuite(_)
            | Error::CipherSuiteValueInUse(_)
            | Error::KeySchedule(_)
            | Error::SecretTree(_)
            | Error::Encode
            | Error::Tree(_)
            | Error::TreeKem(_)
            | Error::Message(_)
            | Error::Framing(_)
            | Error::Group(_)
            | Error::Storage(_)
            | Error::Client(_)
            | Error::Extension(_)
            | Error::Partial(_)
            | Error::CredentialBinding(_) => {}
        }
    }
    let mut all = vec![
        Error::Encode,
        Error::UnsupportedCipherSuite(CipherSuite(0x0009)),
        Error::CipherSuiteValueInUse(CipherSuite(0x0001)),
    ];
    all.extend(decode_errors().into_iter().map(Error::Decode));
    all.extend(crypto_errors().into_iter().map(Error::Crypto));
    all.extend(key_schedule_errors().into_iter().map(Error::KeySchedule));
    all.extend(secret_tree_errors().into_iter().map(Error::SecretTree));
    all.extend(tree_errors().into_iter().map(Error::Tree));
    all.extend(treekem_errors().into_iter().map(Error::TreeKem));
    all.extend(message_errors().into_iter().map(Error::Message));
    all.extend(framing_errors().into_iter().map(Error::Framing));
    all.extend(group_errors().into_iter().map(Error::Group));
    all.extend(storage_errors().into_iter().map(Error::Storage));
    all.extend(client_errors().into_iter().map(Error::Client));
    all.extend(extension_errors().into_iter().map(Error::Extension));
    all.extend(partial_errors().into_iter().map(Error::Partial));
    all.extend(
        variants!(CredentialBindingError: Malformed, BindingCount, UnsupportedBinding,
            NoSupportedBinding, CredentialRejected, SignatureInvalid,
            BindingNotSupportedByMember, NoBindingSupportedByMember)
        .into_iter()
        .map(Error::CredentialBinding),
    );
    all
}

/// Every [`StorageError`] (some carry data, so the list is written out).
fn storage_errors() -> Vec<StorageError> {
    #[allow(dead_code)]
    fn exhaustive(e: StorageError) {
        match e {
            StorageError::Backend(_)
            | StorageError::NotAStore
            | StorageError::Corrupt
            | StorageError::SchemaTooNew { .. }
            | StorageError::RecordAuthenticationFailed
            | StorageError::RecordMalformed
            | StorageError::KeyTooShort
            | StorageError::WrongKey
            | StorageError::RecordSetMismatch => {}
        }
    }
    vec![
        StorageError::Backend("disk full".into()),
        StorageError::NotAStore,
        StorageError::Corrupt,
        StorageError::SchemaTooNew {
            found: 9,
            supported: 2,
        },
        StorageError::RecordAuthenticationFailed,
        StorageError::RecordMalformed,
        StorageError::KeyTooShort,
        StorageError::WrongKey,
        StorageError::RecordSetMismatch,
    ]
}

fn extension_errors() -> Vec<ExtensionError> {
    variants!(ExtensionError: MalformedAppDataDictionary, DictionaryNotSorted,
        DictionaryDuplicateComponent, MalformedAppDataUpdate, MalformedAppEphemeral,
        UnknownComponent, RemoveOfAbsentComponent, MultipleRemovesForComponent,
        UpdateAndRemoveForComponent, ComponentUpdateRejected, AppEphemeralRejected,
        GroupContextExtensionsChangeAppData, MalformedComponentsList, UnsafeAuthenticatedData,
        SafeAadNotSorted, MalformedAppAck, AppAckRangeInverted, ReservedComponentId,
        NoNodePrivateKey, ExporterUnavailable, ExportedSecretConsumed,
        PendingProposalNotSelfRemove, RequiredComponentNotSupported,
        RequiredSafeAadComponentNotSupported)
}

fn partial_errors() -> Vec<PartialError> {
    variants!(PartialError: ProofLeafCountInvalid, ProofLeafOutOfRange, ProofPathLengthMismatch,
        ProofCopathLengthMismatch, CopathHashLengthInvalid, ProofNodeTypeMismatch, ProofLeafBlank,
        ProofTreeHashMismatch, ProofsReferenceDifferentTrees, SenderLeafMismatch, SenderNotMember,
        GroupInfoSignerMismatch, JoinerLeafMismatch, NotACommit,
        MissingSenderProof, UnexpectedSenderProof, UnsupportedCommitSender,
        MissingResolutionIndex, UnexpectedResolutionIndex, ResolutionIndexOutOfRange,
        UpdatePathLengthMismatch, ReceiverIsCommitter, NoDecryptionKey, PathPublicKeyMismatch,
        ProofLeafIndexMismatch, NotApplicationMessage, NotAProposal, UpgradeTreeHashMismatch,
        UpgradeOwnLeafBlank, UpgradeLeafKeyMismatch, UpgradeSignatureKeyMismatch,
        UpgradePathKeyMismatch, UpgradeConfirmationTagUnknown, DowngradePendingState)
}

fn client_errors() -> Vec<ClientError> {
    variants!(
        ClientError: UnknownGroup,
        GroupExists,
        NoKeyPackageForWelcome,
        NoClientInStore,
        ClientExists,
        GroupRecordMismatch,
        NotForClient,
        StaleOwnCommit,
        BufferFull,
        AlreadyBuffered,
        EpochTooFarAhead
    )
}

/// A category's texts: not empty, not the `Debug` name, a lower-case sentence fragment
/// without a final period (they follow "group error: " and the like), and distinct within
/// the category, so that the text alone tells the variants apart.
fn check_category<E: core::fmt::Display + core::fmt::Debug + core::error::Error>(all: &[E]) {
    let mut seen = BTreeSet::new();
    for e in all {
        let text = e.to_string();
        let debug = alloc::format!("{e:?}");
        assert!(!text.is_empty(), "{debug}: empty Display");
        assert_ne!(text, debug, "{debug}: Display falls back to Debug");
        assert!(
            !text.contains(&debug),
            "{debug}: Display names the variant: {text}"
        );
        assert!(
            text.starts_with(|c: char| !c.is_ascii_uppercase()),
            "{debug}: starts with a capital: {text}"
        );
        assert!(!text.ends_with('.'), "{debug}: ends with a period: {text}");
        assert!(
            seen.insert(text.clone()),
            "{debug}: text shared with another variant: {text}"
        );
    }
}

#[test]
fn every_category_variant_has_its_own_sentence() {
    check_category(&decode_errors());
    check_category(&crypto_errors());
    check_category(&key_schedule_errors());
    check_category(&secret_tree_errors());
    check_category(&tree_errors());
    check_category(&treekem_errors());
    check_category(&message_errors());
    check_category(&framing_errors());
    check_category(&group_errors());
    check_category(&storage_errors());
    check_category(&client_errors());
    check_category(&extension_errors());
    check_category(&partial_errors());
}

#[test]
fn every_error_prints_its_category_and_a_sentence() {
    let all = all_errors();
    let mut seen = BTreeSet::new();
    for e in &all {
        let text = e.to_string();
        let debug = alloc::format!("{e:?}");
        assert!(!text.is_empty(), "{debug}: empty Display");
        assert_ne!(text, debug, "{debug}: Display falls back to Debug");
        assert!(seen.insert(text.clone()), "{debug}: text shared: {text}");
        // The category's text follows a prefix naming the category.
        let inner: Option<String> = match e {
            Error::Decode(i) => Some(i.to_string()),
            Error::Crypto(i) => Some(i.to_string()),
            Error::KeySchedule(i) => Some(i.to_string()),
            Error::SecretTree(i) => Some(i.to_string()),
            Error::Tree(i) => Some(i.to_string()),
            Error::TreeKem(i) => Some(i.to_string()),
            Error::Message(i) => Some(i.to_string()),
            Error::Framing(i) => Some(i.to_string()),
            Error::Group(i) => Some(i.to_string()),
            Error::Storage(i) => Some(i.to_string()),
            Error::Client(i) => Some(i.to_string()),
            Error::Extension(i) => Some(i.to_string()),
            Error::CredentialBinding(i) => Some(i.to_string()),
            _ => None,
        };
        if let Some(inner) = inner {
            assert!(text.ends_with(&inner), "{debug}: {text}");
            assert!(
                text.len() > inner.len() + 2,
                "{debug}: no category prefix: {text}"
            );
        }
        // `core::error::Error` is implemented (usable as `Box<dyn Error>`).
        let _: &dyn core::error::Error = e;
    }
    assert_eq!(all.len(), seen.len());
}

#[test]
fn error_texts_read_as_sentences() {
    let text = |e: Error| e.to_string();
    assert_eq!(
        text(SecretTreeError::GenerationExpired.into()),
        "secret tree error: a message was replayed or is too old: its generation's key was \
         already used or deleted"
    );
    assert_eq!(
        text(DecodeError::EndOfInput.into()),
        "decode error: the input ended before the value did (truncated data)"
    );
    assert_eq!(
        text(GroupError::KeyPackageLifetimeInvalid.into()),
        "group error: the KeyPackage has expired or is not yet valid"
    );
    assert_eq!(
        text(GroupError::FutureEpoch.into()),
        "group error: the message is from a later epoch than the group's: process the earlier \
         commits first"
    );
    assert_eq!(
        text(FramingError::MembershipTagMismatch.into()),
        "framing error: the membership tag does not verify"
    );
    assert_eq!(
        text(Error::UnsupportedCipherSuite(CipherSuite(0x0009))),
        "unsupported cipher suite 0x0009: unknown, or not implemented by the provider"
    );
    assert_eq!(
        text(GroupError::InvalidState.into()),
        "group error: the saved group state is inconsistent (wrong secret lengths, a tree that \
         does not match the group context, or keys off this member's path)"
    );
}

/// Crypto failures stay opaque: the text names the kind of operation, nothing about keys,
/// padding or where a MAC failed.
#[test]
fn crypto_errors_stay_opaque() {
    assert_eq!(
        Error::Crypto(CryptoError::DecryptionFailed).to_string(),
        "crypto error: decryption failed"
    );
    assert_eq!(
        GroupError::StateAuthenticationFailed.to_string(),
        "the sealed group state does not open under this storage key"
    );
    for e in crypto_errors() {
        let text = e.to_string();
        for word in ["padding", "tag", "byte", "offset", "0x"] {
            assert!(!text.contains(word), "{e:?}: {text}");
        }
    }
}
