//! The integrity envelope of saved group state (issue #12 item 7): every damaged state is
//! refused before its body is decoded, with the error of the check that caught it.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use super::tests::body_of;
use super::*;
use crate::crypto::CipherSuite;
use crate::error::DecodeError;
use crate::group::tests::group_of;
use crate::group::{BasicCredentialValidator, GroupConfig};

fn key(byte: u8) -> StorageKey {
    StorageKey::new(vec![byte; 32]).unwrap()
}

/// A small saved state with some variety: two members, a past epoch, a received Update
/// proposal still pending.
fn small_group() -> (Arc<dyn CryptoProvider>, Group) {
    let (p, mut g) = group_of(1);
    let upd = g[1].propose_update().unwrap();
    g[0].process(&upd, None).unwrap();
    let g0 = g.swap_remove(0);
    (p, g0)
}

/// Flips every bit of `bytes` in turn and loads each result with `load`: every load must
/// fail, with one of `allowed`. Returns how often each error occurred.
fn flip_every_bit(
    bytes: &[u8],
    load: impl Fn(&[u8]) -> Result<Group, Error>,
    allowed: &[Error],
) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    let mut loaded = Vec::new();
    let mut c = bytes.to_vec();
    for i in 0..bytes.len() * 8 {
        let (byte, bit) = (i / 8, i % 8);
        c[byte] ^= 1 << bit;
        match load(&c) {
            Ok(_) => loaded.push(i),
            Err(e) => {
                assert!(allowed.contains(&e), "bit {i}: unexpected {e:?}");
                let kind = match e {
                    Error::UnsupportedCipherSuite(_) => "UnsupportedCipherSuite".into(),
                    e => format!("{e:?}"),
                };
                *seen.entry(kind).or_insert(0) += 1;
            }
        }
        c[byte] ^= 1 << bit;
    }
    assert!(
        loaded.is_empty(),
        "{} of {} single-bit flips loaded (first at bits {:?})",
        loaded.len(),
        bytes.len() * 8,
        &loaded[..loaded.len().min(8)]
    );
    seen
}

/// Issue #12 item 7: before the checksum, 7,044 of the 11,960 single-bit flips of this
/// state loaded. Now every flip is refused: in the body or checksum by the checksum, in the
/// header by the version, mode or suite check.
#[test]
fn every_bit_flip_is_refused() {
    let (p, g) = small_group();
    let bytes = g.to_bytes().unwrap();
    let seen = flip_every_bit(
        bytes.as_bytes(),
        |c| Group::from_bytes(p.clone(), c),
        &[
            GroupError::StateChecksumMismatch.into(),
            GroupError::UnsupportedStateVersion.into(),
            DecodeError::UnknownValue.into(),
        ]
        .into_iter()
        .chain((0..16).map(|b| Error::UnsupportedCipherSuite(CipherSuite(1 ^ (1 << b)))))
        .collect::<Vec<_>>(),
    );
    // The 16 version bits and 8 mode bits have their own errors; a suite that the provider
    // does not know is refused as such; everything else (suites 3 and 5 among the suite
    // flips, the body, the checksum) by the checksum.
    let n = bytes.len() * 8;
    assert_eq!(seen["Group(UnsupportedStateVersion)"], 16, "{seen:?}");
    assert_eq!(seen["Decode(UnknownValue)"], 8, "{seen:?}");
    let unsupported = seen.get("UnsupportedCipherSuite").copied().unwrap_or(0);
    assert!(unsupported <= 16, "{seen:?}");
    assert_eq!(
        seen["Group(StateChecksumMismatch)"] + unsupported,
        n - 24,
        "{seen:?}"
    );
}

#[test]
fn every_bit_flip_of_a_sealed_state_is_refused() {
    let (p, g) = small_group();
    let k = key(7);
    let bytes = g.to_bytes_sealed(&k).unwrap();
    let seen = flip_every_bit(
        &bytes,
        |c| Group::from_bytes_sealed(p.clone(), c, &k),
        &[
            GroupError::StateAuthenticationFailed.into(),
            GroupError::UnsupportedStateVersion.into(),
            DecodeError::UnknownValue.into(),
        ]
        .into_iter()
        .chain((0..16).map(|b| Error::UnsupportedCipherSuite(CipherSuite(1 ^ (1 << b)))))
        .collect::<Vec<_>>(),
    );
    let n = bytes.len() * 8;
    assert_eq!(seen["Group(UnsupportedStateVersion)"], 16, "{seen:?}");
    assert_eq!(seen["Decode(UnknownValue)"], 8, "{seen:?}");
    let unsupported = seen.get("UnsupportedCipherSuite").copied().unwrap_or(0);
    assert_eq!(
        seen["Group(StateAuthenticationFailed)"] + unsupported,
        n - 24,
        "{seen:?}"
    );
}

#[test]
fn round_trips_are_exact() {
    let (p, g) = small_group();
    let plain = g.to_bytes().unwrap();
    let k = key(1);
    let sealed = g.to_bytes_sealed(&k).unwrap();
    // Sizes: 5 + Nh (32) bytes of checksum form, 5 + 32 + 16 of sealed form over the body.
    let body = codec::encode(&g.state().unwrap()).unwrap();
    assert_eq!(plain.len(), body.len() + 5 + 32);
    assert_eq!(sealed.len(), body.len() + 5 + 32 + 16);
    // A fresh salt every time.
    assert_ne!(sealed, g.to_bytes_sealed(&k).unwrap());
    let back = Group::from_bytes_sealed(p.clone(), &sealed, &k).unwrap();
    assert_eq!(back.to_bytes().unwrap(), plain);
    let back = Group::from_bytes(p.clone(), plain.as_bytes()).unwrap();
    assert_eq!(back.to_bytes().unwrap(), plain);
    // The body never appears in the sealed form.
    let secret = g.identity().key_pair().unwrap().private_key.as_bytes();
    assert!(!sealed.windows(secret.len()).any(|w| w == secret));
    assert!(plain.as_bytes().windows(secret.len()).any(|w| w == secret));
}

#[test]
fn another_key_is_refused() {
    let (p, g) = small_group();
    let sealed = g.to_bytes_sealed(&key(1)).unwrap();
    for other in [key(2), StorageKey::new(vec![1; 33]).unwrap()] {
        assert_eq!(
            Group::from_bytes_sealed(p.clone(), &sealed, &other).unwrap_err(),
            Error::Group(GroupError::StateAuthenticationFailed)
        );
    }
}

#[test]
fn sealed_and_checksum_forms_do_not_mix() {
    let (p, g) = small_group();
    let k = key(1);
    let sealed = g.to_bytes_sealed(&k).unwrap();
    let plain = g.to_bytes().unwrap();
    assert_eq!(
        Group::from_bytes(p.clone(), &sealed).unwrap_err(),
        Error::Group(GroupError::StateKeyRequired)
    );
    assert_eq!(
        Group::from_bytes_with_hooks(p.clone(), GroupHooks::default(), &sealed).unwrap_err(),
        Error::Group(GroupError::StateKeyRequired)
    );
    assert_eq!(
        Group::from_bytes_sealed(p.clone(), plain.as_bytes(), &k).unwrap_err(),
        Error::Group(GroupError::StateNotSealed)
    );
    // An unknown mode is an unknown value, keyed or not.
    let mut odd = plain.as_bytes().to_vec();
    odd[4] = 3;
    assert_eq!(
        Group::from_bytes(p.clone(), &odd).unwrap_err(),
        Error::Decode(DecodeError::UnknownValue)
    );
    assert_eq!(
        Group::from_bytes_sealed(p.clone(), &odd, &k).unwrap_err(),
        Error::Decode(DecodeError::UnknownValue)
    );
}

#[test]
fn truncated_and_extended_states_are_refused() {
    let (p, g) = small_group();
    let k = key(1);
    let plain = g.to_bytes().unwrap();
    let plain = plain.as_bytes();
    let sealed = g.to_bytes_sealed(&k).unwrap();
    let short = Error::Decode(DecodeError::EndOfInput);
    for len in 0..plain.len() {
        let e = Group::from_bytes(p.clone(), &plain[..len]).unwrap_err();
        let want = if len < 5 + 32 {
            short.clone()
        } else {
            GroupError::StateChecksumMismatch.into()
        };
        assert_eq!(e, want, "truncated to {len}");
    }
    for len in 0..sealed.len() {
        let e = Group::from_bytes_sealed(p.clone(), &sealed[..len], &k).unwrap_err();
        let want = if len < 5 + 32 {
            short.clone()
        } else {
            GroupError::StateAuthenticationFailed.into()
        };
        assert_eq!(e, want, "truncated to {len}");
    }
    let mut long = plain.to_vec();
    long.push(0);
    assert_eq!(
        Group::from_bytes(p.clone(), &long).unwrap_err(),
        Error::Group(GroupError::StateChecksumMismatch)
    );
    let mut long = sealed.clone();
    long.push(0);
    assert_eq!(
        Group::from_bytes_sealed(p.clone(), &long, &k).unwrap_err(),
        Error::Group(GroupError::StateAuthenticationFailed)
    );
}

/// A body checksummed (or sealed) under another suite than its group's: only a hand-made
/// state gets past the check with that, and it is `InvalidState`.
#[test]
fn body_of_another_suite_is_invalid_state() {
    let (p, g) = small_group();
    let state = body_of(&p, g.to_bytes().unwrap().as_bytes());
    let other = p.suite(CipherSuite(3)).unwrap();
    let plain = envelope::checksummed(other, &state).unwrap();
    assert_eq!(
        Group::from_bytes(p.clone(), plain.as_bytes()).unwrap_err(),
        Error::Group(GroupError::InvalidState)
    );
    let k = key(1);
    let sealed = envelope::sealed(other, &state, &k).unwrap();
    assert_eq!(
        Group::from_bytes_sealed(p.clone(), &sealed, &k).unwrap_err(),
        Error::Group(GroupError::InvalidState)
    );
}

#[test]
fn sealed_state_with_custom_hooks_needs_them() {
    let (p, g) = small_group();
    let mut state = g.state().unwrap();
    state.config.custom_hooks = format::HOOK_CREDENTIAL_VALIDATOR;
    let k = key(1);
    let sealed = envelope::sealed(p.suite(CipherSuite(1)).unwrap(), &state, &k).unwrap();
    assert_eq!(
        Group::from_bytes_sealed(p.clone(), &sealed, &k).unwrap_err(),
        Error::Group(GroupError::MissingHooks)
    );
    let hooks = GroupHooks::new().with_credential_validator(Arc::new(BasicCredentialValidator));
    let back = Group::from_bytes_sealed_with_hooks(p.clone(), hooks, &sealed, &k).unwrap();
    assert!(back.config().hooks.has_custom_credential_validator());
}

#[test]
fn storage_key_is_checked_and_redacted() {
    assert_eq!(
        StorageKey::new(vec![1; MIN_STORAGE_KEY_LEN - 1]).unwrap_err(),
        Error::Group(GroupError::StorageKeyTooShort)
    );
    let k = StorageKey::from_slice(&[0x42; MIN_STORAGE_KEY_LEN]).unwrap();
    assert_eq!(format!("{k:?}"), "[redacted]");
    assert!(StorageKey::from_secret(Secret::zero(64)).is_ok());
}

#[test]
fn integrity_errors_print_as_sentences() {
    let e: Error = GroupError::StateChecksumMismatch.into();
    assert_eq!(
        format!("{e}"),
        "group error: the saved group state does not match its checksum (damaged bytes)"
    );
    let e: Error = GroupError::StateKeyRequired.into();
    assert!(format!("{e}").contains("storage key is required"));
    // Every other variant prints a sentence too (src/error/tests.rs checks them all).
    let e: Error = GroupError::InvalidState.into();
    assert!(format!("{e}").starts_with("group error: the saved group state is inconsistent"));
}

/// The cost of the envelope on a 1,000-member group (run with `--ignored --nocapture`).
#[test]
#[ignore = "timing, builds a 1,000-member group"]
fn envelope_cost_at_1000_members() {
    use crate::messages::{Credential, Lifetime};
    use std::time::Instant;
    let p: Arc<dyn CryptoProvider> = Arc::new(crate::crypto::rust_crypto::RustCrypto::new());
    let suite = CipherSuite(1);
    let cs = p.suite(suite).unwrap();
    let id = |i: usize| {
        SigningIdentity::generate(cs, Credential::Basic(format!("m{i}").into_bytes())).unwrap()
    };
    let mut g = Group::create(
        p.clone(),
        suite,
        b"big".to_vec(),
        id(0),
        GroupConfig::default(),
    )
    .unwrap();
    let mut opts = crate::group::CommitOptions::default();
    for i in 1..1000 {
        let life = Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        };
        opts = opts.add_member(id(i).key_package(cs, life).unwrap().key_package);
    }
    g.commit(opts).unwrap();
    g.merge_pending_commit().unwrap();
    let time = |what: &str, f: &mut dyn FnMut()| {
        let runs = 50;
        let t = Instant::now();
        for _ in 0..runs {
            f();
        }
        let us = t.elapsed().as_micros() / runs;
        std::println!("{what}: {us} us");
    };
    let k = key(9);
    let body = codec::encode(&g.state().unwrap()).unwrap();
    let plain = g.to_bytes().unwrap();
    let sealed = g.to_bytes_sealed(&k).unwrap();
    std::println!(
        "body {} bytes, checksum form {} (+{}), sealed form {} (+{})",
        body.len(),
        plain.len(),
        plain.len() - body.len(),
        sealed.len(),
        sealed.len() - body.len()
    );
    time("body only (the version 3 to_bytes)", &mut || {
        crate::secret_tree::encode_state(&g.state().unwrap()).unwrap();
    });
    time("to_bytes (checksum)", &mut || {
        g.to_bytes().unwrap();
    });
    time("to_bytes_sealed", &mut || {
        g.to_bytes_sealed(&k).unwrap();
    });
    time("checksum verify only", &mut || {
        envelope::open(&*p, plain.as_bytes(), None).unwrap();
    });
    time("unseal only", &mut || {
        envelope::open(&*p, &sealed, Some(&k)).unwrap();
    });
    time("from_bytes", &mut || {
        Group::from_bytes(p.clone(), plain.as_bytes()).unwrap();
    });
    time("from_bytes_sealed", &mut || {
        Group::from_bytes_sealed(p.clone(), &sealed, &k).unwrap();
    });
}
