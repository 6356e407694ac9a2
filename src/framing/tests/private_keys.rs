//! A PrivateMessage that fails to decrypt, decode or verify never consumes a key of the
//! secret tree (RFC 9420 §9.2, §6.3.2): the tree is left exactly as it was and the genuine
//! message of the same generation still opens.

use alloc::vec::Vec;

use super::*;
use crate::error::CryptoError;

/// A PrivateMessage from leaf 1 at `generation` of its application ratchet, around a raw
/// `plaintext`, built by someone holding the epoch's secrets (any member).
fn craft(f: &Fixture, generation: u32, plaintext: &[u8]) -> PrivateMessage {
    let key = f
        .tree()
        .key_for(f.cs(), LeafIndex(1), ContentKind::Application, generation)
        .unwrap();
    super::private::seal_as_leaf_1(f, generation, &key, plaintext)
}

fn decryption_failed() -> Error {
    Error::Crypto(CryptoError::DecryptionFailed)
}

fn state(t: &SecretTree) -> Vec<u8> {
    t.encode_state().unwrap().as_bytes().to_vec()
}

/// Unprotecting `msg` fails with `expected` and leaves `recv` unchanged.
fn rejected(f: &Fixture, recv: &mut SecretTree, msg: PrivateMessage, expected: Error) {
    let before = state(recv);
    assert_eq!(f.unprotect_private(recv, msg).unwrap_err(), expected);
    assert_eq!(state(recv), before);
}

/// The same message with one byte of its ciphertext flipped.
fn flipped(msg: &PrivateMessage, at: usize) -> PrivateMessage {
    let mut m = msg.clone();
    *m.ciphertext.get_mut(at).unwrap() ^= 1;
    m
}

#[test]
fn tampered_ciphertext_does_not_consume_the_key() {
    let f = Fixture::new();
    let (mut send, mut recv) = (f.tree(), f.tree());
    let msg = f.private(&mut send, app(b"hello"));
    // Past the sample of the sender-data key (KDF.Nh bytes): the sender data still opens,
    // the content does not.
    assert!(msg.ciphertext.len() > 32);
    let last = msg.ciphertext.len() - 1;
    rejected(&f, &mut recv, flipped(&msg, last), decryption_failed());
    rejected(&f, &mut recv, flipped(&msg, 40), decryption_failed());
    // Inside the sample: the sender data no longer opens.
    rejected(&f, &mut recv, flipped(&msg, 0), decryption_failed());
    let mut bad_sd = msg.clone();
    *bad_sd.encrypted_sender_data.last_mut().unwrap() ^= 1;
    rejected(&f, &mut recv, bad_sd, decryption_failed());
    // The genuine message still opens, once.
    assert!(f.unprotect_private(&mut recv, msg.clone()).is_ok());
    rejected(
        &f,
        &mut recv,
        msg,
        Error::SecretTree(SecretTreeError::GenerationExpired),
    );
}

#[test]
fn wrong_signature_does_not_consume_the_key() {
    let f = Fixture::new();
    let (mut send, mut recv) = (f.tree(), f.tree());
    // A member (leaf 0) knows every ratchet key of the epoch and encrypts, as leaf 1, content
    // signed with its own key.
    let forged_content = AuthenticatedContent::sign(
        f.cs(),
        WireFormat::MLS_PRIVATE_MESSAGE,
        f.content(Sender::Member(LeafIndex(1)), app(b"forged")),
        &f.keys[0].private_key,
        &f.ctx,
    )
    .unwrap();
    let forged = PrivateMessage::protect(
        f.cs(),
        &forged_content,
        &mut f.tree(),
        &f.sender_data_secret,
        PaddingPolicy::None,
    )
    .unwrap();
    rejected(
        &f,
        &mut recv,
        forged,
        Error::Framing(FramingError::InvalidSignature),
    );
    let genuine = f.private(&mut send, app(b"genuine"));
    let got = f.unprotect_private(&mut recv, genuine).unwrap();
    assert_eq!(got.content.body, app(b"genuine"));
}

#[test]
fn bad_padding_and_bad_content_do_not_consume_the_key() {
    let f = Fixture::new();
    let (mut send, mut recv) = (f.tree(), f.tree());
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
    *plaintext.last_mut().unwrap() = 1;
    rejected(
        &f,
        &mut recv,
        craft(&f, 0, &plaintext),
        Error::Framing(FramingError::NonZeroPadding),
    );
    rejected(
        &f,
        &mut recv,
        craft(&f, 0, &[0x05, 1, 2]),
        Error::Decode(DecodeError::EndOfInput),
    );
    let genuine = f.private(&mut send, app(b"x"));
    assert_eq!(f.unprotect_private(&mut recv, genuine).unwrap(), ac);
}

#[test]
fn out_of_order_forgeries_do_not_consume_retained_or_future_keys() {
    let f = Fixture::new();
    let (mut send, mut recv) = (f.tree(), f.tree());
    let msgs: Vec<_> = (0..6).map(|i| f.private(&mut send, app(&[i]))).collect();
    // Generation 3 first: 0, 1 and 2 are retained.
    assert!(f.unprotect_private(&mut recv, msgs[3].clone()).is_ok());
    // A tampered older generation: its retained key stays.
    let last = msgs[1].ciphertext.len() - 1;
    rejected(&f, &mut recv, flipped(&msgs[1], last), decryption_failed());
    // A tampered generation ahead: the ratchet does not move (4 is not skipped and lost).
    let last = msgs[5].ciphertext.len() - 1;
    rejected(&f, &mut recv, flipped(&msgs[5], last), decryption_failed());
    for i in [1usize, 5, 4, 0, 2] {
        let got = f.unprotect_private(&mut recv, msgs[i].clone()).unwrap();
        assert_eq!(got.content.body, app(&[i as u8]));
    }
    // Every generation was consumed once: replays fail with the reuse error.
    for m in &msgs {
        rejected(
            &f,
            &mut recv,
            m.clone(),
            Error::SecretTree(SecretTreeError::GenerationExpired),
        );
    }
}
