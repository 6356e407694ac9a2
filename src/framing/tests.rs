//! Unit tests of framing: round trips and one test per receiver check (PrivateMessage
//! checks in [`private`], key consumption only after authentication in [`private_keys`]).

mod private;
mod private_keys;

use alloc::vec::Vec;

use super::wire::WriteTo;
use super::*;
use crate::codec;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{Secret, SignatureKeyPair, SignaturePublicKey};
use crate::error::{DecodeError, Error, FramingError, SecretTreeError};
use crate::key_schedule::sender_data_key_nonce;
use crate::messages::{Commit, Extensions, GroupContext, Proposal, ProtocolVersion, Remove};
use crate::secret_tree::{ContentKind, SecretTree, SecretTreeConfig};
use crate::tree_math::{LeafIndex, TreeSize};
use crate::{CipherSuite, CipherSuiteProvider, CryptoProvider};

struct Fixture {
    provider: RustCrypto,
    ctx: FramingContext,
    keys: [SignatureKeyPair; 2],
    encryption_secret: Secret,
    sender_data_secret: Secret,
    membership_key: Secret,
}

impl Fixture {
    fn new() -> Self {
        let provider = RustCrypto::new();
        let cs = provider.suite(CipherSuite(1)).unwrap();
        let keys = [
            cs.signature_generate_key_pair().unwrap(),
            cs.signature_generate_key_pair().unwrap(),
        ];
        let gc = GroupContext::new(
            CipherSuite(1),
            b"group".to_vec(),
            7,
            vec![1; 32],
            vec![2; 32],
            Extensions::default(),
        );
        Fixture {
            ctx: FramingContext::new(gc).unwrap(),
            keys,
            encryption_secret: Secret::from_slice(&[3; 32]),
            sender_data_secret: Secret::from_slice(&[4; 32]),
            membership_key: Secret::from_slice(&[5; 32]),
            provider,
        }
    }

    fn cs(&self) -> &dyn CipherSuiteProvider {
        self.provider.suite(CipherSuite(1)).unwrap()
    }

    fn tree(&self) -> SecretTree {
        SecretTree::new(
            self.encryption_secret.clone(),
            TreeSize::from_leaf_count(2).unwrap(),
        )
    }

    fn content(&self, sender: Sender, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: b"group".to_vec(),
            epoch: 7,
            sender,
            authenticated_data: b"aad".to_vec(),
            body,
        }
    }

    fn signed(&self, wf: WireFormat, content: FramedContent) -> AuthenticatedContent {
        let mut ac = AuthenticatedContent::sign(
            self.cs(),
            wf,
            content,
            &self.keys[1].private_key,
            &self.ctx,
        )
        .unwrap();
        if ac.content.content_type() == ContentType::Commit {
            ac.auth.confirmation_tag = Some(vec![0xcc; 32]);
        }
        ac
    }

    fn key_of(&self, leaf: LeafIndex) -> Option<SignaturePublicKey> {
        self.keys.get(leaf.0 as usize).map(|k| k.public_key.clone())
    }

    fn public(&self, body: FramedContentBody) -> PublicMessage {
        let ac = self.signed(
            WireFormat::MLS_PUBLIC_MESSAGE,
            self.content(Sender::Member(LeafIndex(1)), body),
        );
        PublicMessage::protect(self.cs(), ac, &self.membership_key, &self.ctx).unwrap()
    }

    fn unprotect_public(&self, msg: PublicMessage) -> Result<AuthenticatedContent, Error> {
        msg.unprotect(self.cs(), &self.ctx, &self.membership_key, |s, _| match s {
            Sender::Member(l) => self.key_of(*l),
            _ => Some(self.keys[1].public_key.clone()),
        })
    }

    fn private(&self, tree: &mut SecretTree, body: FramedContentBody) -> PrivateMessage {
        let ac = self.signed(
            WireFormat::MLS_PRIVATE_MESSAGE,
            self.content(Sender::Member(LeafIndex(1)), body),
        );
        PrivateMessage::protect(
            self.cs(),
            &ac,
            tree,
            &self.sender_data_secret,
            PaddingPolicy::None,
        )
        .unwrap()
    }

    fn unprotect_private(
        &self,
        tree: &mut SecretTree,
        msg: PrivateMessage,
    ) -> Result<AuthenticatedContent, Error> {
        msg.unprotect(self.cs(), &self.ctx, tree, &self.sender_data_secret, |l| {
            self.key_of(l)
        })
    }
}

fn remove() -> FramedContentBody {
    FramedContentBody::Proposal(Proposal::Remove(Remove {
        removed: LeafIndex(0),
    }))
}

fn commit() -> FramedContentBody {
    FramedContentBody::Commit(Commit {
        proposals: Vec::new(),
        path: None,
    })
}

fn app(data: &[u8]) -> FramedContentBody {
    FramedContentBody::Application(data.to_vec())
}

fn framing(e: Result<impl core::fmt::Debug, Error>) -> FramingError {
    match e {
        Err(Error::Framing(f)) => f,
        other => panic!("expected a framing error, got {other:?}"),
    }
}

fn round_trip<
    T: tls_codec::SerializeBytes + tls_codec::DeserializeBytes + PartialEq + core::fmt::Debug,
>(
    v: &T,
) {
    let bytes = codec::encode(v).unwrap();
    let back: T = codec::decode_exact(&bytes).unwrap();
    assert_eq!(&back, v);
    assert_eq!(codec::encode(&back).unwrap(), bytes);
}

#[test]
fn public_proposal_and_commit_round_trip() {
    let f = Fixture::new();
    for body in [remove(), commit()] {
        let msg = f.public(body.clone());
        let mls = MlsMessage::new(MlsMessageBody::PublicMessage(msg.clone()));
        round_trip(&mls);
        let decoded = MlsMessage::decode(&codec::encode(&mls).unwrap()).unwrap();
        let MlsMessageBody::PublicMessage(m) = decoded.body else {
            panic!("not a public message")
        };
        let ac = f.unprotect_public(m).unwrap();
        assert_eq!(ac.content.body, body);
        round_trip(&ac);
    }
}

#[test]
fn bad_membership_tag() {
    let f = Fixture::new();
    let mut msg = f.public(remove());
    if let Some(t) = msg.membership_tag.as_mut() {
        t[0] ^= 1;
    }
    assert_eq!(
        framing(f.unprotect_public(msg)),
        FramingError::MembershipTagMismatch
    );
}

#[test]
fn membership_tag_presence() {
    let f = Fixture::new();
    let mut msg = f.public(remove());
    msg.membership_tag = None;
    assert_eq!(
        framing(f.unprotect_public(msg.clone())),
        FramingError::MissingMembershipTag
    );
    assert!(codec::encode(&msg).is_err());

    let ac = f.signed(
        WireFormat::MLS_PUBLIC_MESSAGE,
        f.content(Sender::External(0), remove()),
    );
    let mut ext = PublicMessage::protect(f.cs(), ac, &f.membership_key, &f.ctx).unwrap();
    assert_eq!(ext.membership_tag, None);
    round_trip(&ext);
    assert!(f.unprotect_public(ext.clone()).is_ok());
    ext.membership_tag = Some(vec![0; 32]);
    assert_eq!(
        framing(f.unprotect_public(ext)),
        FramingError::UnexpectedMembershipTag
    );
}

#[test]
fn bad_signature_public_and_private() {
    let f = Fixture::new();
    let mut msg = f.public(remove());
    msg.auth.signature[3] ^= 1;
    // The membership tag covers the signature: recompute it so the signature check is reached.
    let ac = AuthenticatedContent {
        wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
        content: msg.content.clone(),
        auth: msg.auth.clone(),
    };
    msg.membership_tag = Some(membership_tag(f.cs(), &ac, &f.membership_key, &f.ctx).unwrap());
    assert_eq!(
        framing(f.unprotect_public(msg)),
        FramingError::InvalidSignature
    );

    // A PrivateMessage signed by member 0's key but claiming leaf 1.
    let mut send = f.tree();
    let mut recv = f.tree();
    let mut ac = f.signed(
        WireFormat::MLS_PRIVATE_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), app(b"x")),
    );
    ac.auth.signature = AuthenticatedContent::sign(
        f.cs(),
        ac.wire_format,
        ac.content.clone(),
        &f.keys[0].private_key,
        &f.ctx,
    )
    .unwrap()
    .auth
    .signature;
    let msg = PrivateMessage::protect(
        f.cs(),
        &ac,
        &mut send,
        &f.sender_data_secret,
        PaddingPolicy::None,
    )
    .unwrap();
    assert_eq!(
        framing(f.unprotect_private(&mut recv, msg)),
        FramingError::InvalidSignature
    );
}

#[test]
fn confirmation_tag_presence() {
    let f = Fixture::new();
    let mut ac = f.signed(
        WireFormat::MLS_PUBLIC_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), commit()),
    );
    ac.auth.confirmation_tag = None;
    assert_eq!(
        framing(PublicMessage::protect(
            f.cs(),
            ac.clone(),
            &f.membership_key,
            &f.ctx
        )),
        FramingError::MissingConfirmationTag
    );
    assert!(codec::encode(&ac).is_err());

    let mut msg = f.public(commit());
    msg.auth.confirmation_tag = None;
    assert_eq!(
        framing(f.unprotect_public(msg)),
        FramingError::MissingConfirmationTag
    );

    let mut msg = f.public(remove());
    msg.auth.confirmation_tag = Some(vec![1; 32]);
    assert_eq!(
        framing(f.unprotect_public(msg)),
        FramingError::UnexpectedConfirmationTag
    );
}

#[test]
fn application_data_in_public_message() {
    let f = Fixture::new();
    let ac = f.signed(
        WireFormat::MLS_PUBLIC_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), app(b"hi")),
    );
    assert_eq!(
        framing(PublicMessage::protect(
            f.cs(),
            ac.clone(),
            &f.membership_key,
            &f.ctx
        )),
        FramingError::ApplicationInPublicMessage
    );
    // A received one (it decodes, and is rejected by unprotect).
    let msg = PublicMessage {
        content: ac.content,
        auth: ac.auth,
        membership_tag: Some(vec![0; 32]),
    };
    round_trip(&msg);
    assert_eq!(
        framing(f.unprotect_public(msg)),
        FramingError::ApplicationInPublicMessage
    );
}

#[test]
fn wrong_epoch_and_group_id() {
    let f = Fixture::new();
    let mut msg = f.public(remove());
    msg.content.epoch = 8;
    assert_eq!(framing(f.unprotect_public(msg)), FramingError::WrongEpoch);
    let mut msg = f.public(remove());
    msg.content.group_id = b"other".to_vec();
    assert_eq!(framing(f.unprotect_public(msg)), FramingError::WrongGroupId);

    let mut send = f.tree();
    let mut msg = f.private(&mut send, app(b"x"));
    msg.epoch = 6;
    assert_eq!(
        framing(f.unprotect_private(&mut f.tree(), msg)),
        FramingError::WrongEpoch
    );
    let mut msg = f.private(&mut send, app(b"x"));
    msg.group_id = b"other".to_vec();
    assert_eq!(
        framing(f.unprotect_private(&mut f.tree(), msg)),
        FramingError::WrongGroupId
    );
}

#[test]
fn trailing_bytes_and_bad_enums() {
    let f = Fixture::new();
    let mls = MlsMessage::new(MlsMessageBody::PublicMessage(f.public(remove())));
    let mut bytes = codec::encode(&mls).unwrap();
    bytes.push(0);
    assert_eq!(
        MlsMessage::decode(&bytes),
        Err(Error::Decode(DecodeError::TrailingBytes))
    );
    bytes.pop();

    // Unknown wire format.
    let mut unknown = bytes.clone();
    unknown[3] = 9;
    assert_eq!(
        MlsMessage::decode(&unknown),
        Err(Error::Decode(DecodeError::UnknownValue))
    );

    // Version other than mls10: decodes, round-trips, fails validation.
    let mut v2 = bytes.clone();
    v2[1] = 2;
    let m: MlsMessage = codec::decode_exact(&v2).unwrap();
    assert_eq!(codec::encode(&m).unwrap(), v2);
    assert_eq!(framing(m.validate()), FramingError::UnsupportedVersion);
    assert_eq!(
        framing(MlsMessage::decode(&v2)),
        FramingError::UnsupportedVersion
    );

    // Unknown content type and sender type.
    assert!(codec::decode_exact::<ContentType>(&[0]).is_err());
    assert!(codec::decode_exact::<ContentType>(&[4]).is_err());
    assert_eq!(
        codec::decode_exact::<Sender>(&[5]),
        Err(Error::Decode(DecodeError::UnknownValue))
    );
    for s in [
        Sender::Member(LeafIndex(3)),
        Sender::External(9),
        Sender::NewMemberProposal,
        Sender::NewMemberCommit,
    ] {
        round_trip(&s);
    }
}

#[test]
fn sender_type_content_type_rules() {
    let f = Fixture::new();
    let check = |sender: Sender, body: FramedContentBody| {
        let ac = f.signed(WireFormat::MLS_PUBLIC_MESSAGE, f.content(sender, body));
        let msg = PublicMessage {
            content: ac.content,
            auth: ac.auth,
            membership_tag: None,
        };
        framing(f.unprotect_public(msg))
    };
    assert_eq!(
        check(Sender::External(0), commit()),
        FramingError::ExternalSenderNotProposal
    );
    assert_eq!(
        check(Sender::NewMemberCommit, remove()),
        FramingError::NewMemberCommitNotCommit
    );
    assert_eq!(
        check(Sender::NewMemberProposal, remove()),
        FramingError::NewMemberProposalNotAdd
    );
}

#[test]
fn protect_checks_wire_format_and_sender() {
    let f = Fixture::new();
    let ac = f.signed(
        WireFormat::MLS_PUBLIC_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), app(b"x")),
    );
    let mut tree = f.tree();
    assert_eq!(
        framing(PrivateMessage::protect(
            f.cs(),
            &ac,
            &mut tree,
            &f.sender_data_secret,
            PaddingPolicy::None
        )),
        FramingError::WireFormatMismatch
    );
    let ac = f.signed(
        WireFormat::MLS_PRIVATE_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), remove()),
    );
    assert_eq!(
        framing(PublicMessage::protect(
            f.cs(),
            ac,
            &f.membership_key,
            &f.ctx
        )),
        FramingError::WireFormatMismatch
    );
    let ac = f.signed(
        WireFormat::MLS_PRIVATE_MESSAGE,
        f.content(Sender::External(0), remove()),
    );
    assert_eq!(
        framing(PrivateMessage::protect(
            f.cs(),
            &ac,
            &mut tree,
            &f.sender_data_secret,
            PaddingPolicy::None
        )),
        FramingError::SenderNotMember
    );
}

#[test]
fn version_field_is_mls10() {
    let m = MlsMessage::new(MlsMessageBody::PrivateMessage(PrivateMessage {
        group_id: Vec::new(),
        epoch: 0,
        content_type: ContentType::Application,
        authenticated_data: Vec::new(),
        encrypted_sender_data: Vec::new(),
        ciphertext: Vec::new(),
    }));
    assert_eq!(m.version, ProtocolVersion::MLS10);
    assert_eq!(m.wire_format(), WireFormat::MLS_PRIVATE_MESSAGE);
    round_trip(&m);
}
