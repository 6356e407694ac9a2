//! PrivateMessage tests (RFC 9420 §6.3): round trips, padding, the sender and generation
//! checks.

use alloc::vec::Vec;

use super::*;
use crate::key_schedule::AeadKeyNonce;

/// A PrivateMessage from leaf 1, generation 0, around a raw `plaintext`.
fn craft_private(f: &Fixture, plaintext: &[u8]) -> PrivateMessage {
    let (generation, key) = f
        .tree()
        .next_key(f.cs(), LeafIndex(1), ContentKind::Application)
        .unwrap();
    seal_as_leaf_1(f, generation, &key, plaintext)
}

/// A PrivateMessage from leaf 1 at `generation`, around a raw `plaintext` sealed under
/// `key`, as anyone holding the epoch's secrets (any member) can build it.
pub(super) fn seal_as_leaf_1(
    f: &Fixture,
    generation: u32,
    key: &AeadKeyNonce,
    plaintext: &[u8],
) -> PrivateMessage {
    let cs = f.cs();
    let aad = PrivateContentAAD {
        group_id: b"group",
        epoch: 7,
        content_type: ContentType::Application,
        authenticated_data: b"aad",
    }
    .to_bytes()
    .unwrap();
    let ciphertext = cs
        .aead_seal(key.key.as_bytes(), key.nonce.as_bytes(), &aad, plaintext)
        .unwrap();
    let sd = SenderData {
        leaf_index: LeafIndex(1),
        generation,
        reuse_guard: [0; 4],
    };
    let sd_aad = SenderDataAAD {
        group_id: b"group",
        epoch: 7,
        content_type: ContentType::Application,
    }
    .to_bytes()
    .unwrap();
    let (k, n) = sender_data_key_nonce(cs, &f.sender_data_secret, &ciphertext).unwrap();
    let encrypted_sender_data = cs
        .aead_seal(
            k.as_bytes(),
            n.as_bytes(),
            &sd_aad,
            &codec::encode(&sd).unwrap(),
        )
        .unwrap();
    PrivateMessage {
        group_id: b"group".to_vec(),
        epoch: 7,
        content_type: ContentType::Application,
        authenticated_data: b"aad".to_vec(),
        encrypted_sender_data,
        ciphertext,
    }
}

#[test]
fn private_round_trip_all_content_types_with_padding() {
    let f = Fixture::new();
    let (mut send, mut recv) = (f.tree(), f.tree());
    for body in [app(b"hello"), remove(), commit()] {
        let ac = f.signed(
            WireFormat::MLS_PRIVATE_MESSAGE,
            f.content(Sender::Member(LeafIndex(1)), body.clone()),
        );
        let msg = PrivateMessage::protect(
            f.cs(),
            &ac,
            &mut send,
            &f.sender_data_secret,
            PaddingPolicy::PadToMultiple(64),
        )
        .unwrap();
        // 16 bytes of AEAD tag on top of a multiple of 64.
        assert_eq!((msg.ciphertext.len() - 16) % 64, 0);
        let mls = MlsMessage::new(MlsMessageBody::PrivateMessage(msg.clone()));
        round_trip(&mls);
        let got = f.unprotect_private(&mut recv, msg).unwrap();
        assert_eq!(got, ac);
    }
}

#[test]
fn generation_too_far_ahead_and_reused() {
    let f = Fixture::new();
    let mut send = f.tree();
    let config = SecretTreeConfig {
        max_forward_jump: 2,
        max_retained_keys: 10,
    };
    let size = TreeSize::from_leaf_count(2).unwrap();
    let mut recv = SecretTree::with_config(f.encryption_secret.clone(), size, config);
    let msgs: Vec<_> = (0..4).map(|_| f.private(&mut send, app(b"x"))).collect();
    assert_eq!(
        f.unprotect_private(&mut recv, msgs[3].clone()),
        Err(Error::SecretTree(SecretTreeError::GenerationTooFarAhead))
    );
    assert!(f.unprotect_private(&mut recv, msgs[0].clone()).is_ok());
    assert_eq!(
        f.unprotect_private(&mut recv, msgs[0].clone()),
        Err(Error::SecretTree(SecretTreeError::GenerationExpired))
    );
}

#[test]
fn non_zero_padding() {
    let f = Fixture::new();
    let ac = f.signed(
        WireFormat::MLS_PRIVATE_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), app(b"x")),
    );
    let mut plaintext = PrivateMessageContent {
        body: ac.content.body.clone(),
        auth: ac.auth.clone(),
        padding: 3,
    }
    .to_bytes()
    .unwrap();
    // All-zero padding is accepted.
    let got = f
        .unprotect_private(&mut f.tree(), craft_private(&f, &plaintext))
        .unwrap();
    assert_eq!(got, ac);
    *plaintext.last_mut().unwrap() = 1;
    let msg = craft_private(&f, &plaintext);
    assert_eq!(
        framing(f.unprotect_private(&mut f.tree(), msg)),
        FramingError::NonZeroPadding
    );
}

#[test]
fn trailing_bytes_in_sender_data_and_content() {
    let f = Fixture::new();
    // Content that does not decode (a truncated application_data vector).
    let msg = craft_private(&f, &[0x05, 1, 2]);
    assert_eq!(
        f.unprotect_private(&mut f.tree(), msg),
        Err(Error::Decode(DecodeError::EndOfInput))
    );
}

#[test]
fn unknown_sender_leaf() {
    let f = Fixture::new();
    let mut send = f.tree();
    let msg = f.private(&mut send, app(b"x"));
    let r = msg.unprotect(f.cs(), &f.ctx, &mut f.tree(), &f.sender_data_secret, |_| {
        None
    });
    assert_eq!(framing(r), FramingError::UnknownSender);

    let msg = f.public(remove());
    let r = msg.unprotect(f.cs(), &f.ctx, &f.membership_key, |_, _| None);
    assert_eq!(framing(r), FramingError::UnknownSender);
}
