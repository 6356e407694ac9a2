//! Fuzz entry points for what reaches a client from outside a group: saved group state
//! ([`Group::from_bytes`]), a GroupInfo used for an external join (RFC 9420 §12.4.3.2), and
//! messages from `external`, `new_member_proposal` and `new_member_commit` senders
//! (§12.1.8, §12.4.3.2) processed by a member of a group with an `external_senders`
//! extension (§12.1.8.1).
//!
//! Random bytes rarely get past a signature, so each entry point's first byte picks a
//! mode: the rest is either the whole input, or XORed into a genuine encoding at an offset
//! ([`patch`]), or decoded as one part of a genuine message that is then signed again with
//! the fixture's keys, which carries fuzzed content past the signature checks.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::codec;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider};
use crate::error::Error;
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::group::{
    CommitOptions, ExternalCommitOptions, ExternalProposer, Group, GroupConfig, GroupInfoOptions,
    ProcessedContent, PskStore, SigningIdentity, new_member_add_proposal, rewrap_checksummed,
};
use crate::messages::{
    Credential, Extensions, ExternalSenders, GroupContextExtensions, Lifetime, Proposal,
};
use crate::ratchet_tree::TreeView;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// A group of Alice and Bob (suite 1) with an external sender, "ds", at index 0 of its
/// `external_senders` extension, and what the entry points need around it.
pub struct Fixture {
    provider: Arc<dyn CryptoProvider>,
    /// Bob, the member that processes fuzzed messages.
    pub member: Group,
    /// Alice's signing identity: she signed `group_info`.
    alice: SigningIdentity,
    /// Alice's GroupInfo of the current epoch, with the ratchet tree and `external_pub`.
    pub group_info: MlsMessage,
    /// The encoded ratchet tree (`ratchet_tree` extension data, §12.4.3.3).
    tree: Vec<u8>,
    /// The external sender.
    ds: ExternalProposer,
    /// A non-member that joins by external Commit.
    joiner: SigningIdentity,
    /// Bob's saved state.
    pub state: Vec<u8>,
    /// Genuine messages for Bob: an `external` Remove, a `new_member_proposal` Add and a
    /// `new_member_commit` Commit.
    pub seeds: Vec<Vec<u8>>,
}

impl Fixture {
    /// Builds the group and the seeds.
    pub fn new() -> Result<Self, Error> {
        let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let cs = provider.suite(SUITE)?;
        let forever = Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        };
        let id = |name: &[u8]| SigningIdentity::generate(cs, Credential::Basic(name.to_vec()));
        let (alice, bob, ds_id, joiner) = (id(b"alice")?, id(b"bob")?, id(b"ds")?, id(b"joiner")?);
        let ds = ExternalProposer::new(provider.clone(), SUITE, ds_id)?;
        let mut extensions = Extensions::default();
        extensions.write(&ExternalSenders(alloc::vec![ds.external_sender()]))?;
        let config = GroupConfig::default();
        let mut group = Group::create_with_extensions(
            provider.clone(),
            SUITE,
            b"fuzz external".to_vec(),
            alice.clone(),
            config.clone(),
            extensions,
        )?;
        let bob_kp = bob.key_package(cs, forever)?;
        let out = group.commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .with_ratchet_tree(),
        )?;
        group.merge_pending_commit()?;
        let welcome = out.welcome.ok_or(Error::Encode)?;
        let member = Group::join(
            provider.clone(),
            &welcome,
            &bob_kp,
            bob,
            None,
            config.clone(),
            &PskStore::new(),
        )?;
        let group_info = group.group_info(GroupInfoOptions::default())?;
        let tree = member.ratchet_tree().encode_extension()?;
        let remove = Proposal::Remove(crate::messages::Remove {
            removed: crate::tree_math::LeafIndex(0),
        });
        let external = ds.propose_for(&group_info, 0, remove)?;
        let joiner_kp = joiner.key_package(cs, forever)?;
        let new_member =
            new_member_add_proposal(&provider, &group_info, &joiner_kp.key_package, &joiner, &[])?;
        let (_, ext_commit) = Group::join_by_external_commit(
            provider.clone(),
            &group_info,
            None,
            joiner.clone(),
            config,
            &PskStore::new(),
            ExternalCommitOptions::default(),
        )?;
        let seeds = Vec::from([
            external.encode()?,
            new_member.encode()?,
            ext_commit.commit.encode()?,
        ]);
        let state = member.to_bytes()?.as_bytes().to_vec();
        Ok(Fixture {
            provider,
            member,
            alice,
            group_info,
            tree,
            ds,
            joiner,
            state,
            seeds,
        })
    }
}

#[cfg(feature = "std")]
fn with_fixture(f: impl FnOnce(&Fixture)) {
    static FIXTURE: std::sync::OnceLock<Option<Fixture>> = std::sync::OnceLock::new();
    if let Some(fixture) = FIXTURE.get_or_init(|| Fixture::new().ok()).as_ref() {
        f(fixture);
    }
}

#[cfg(not(feature = "std"))]
fn with_fixture(f: impl FnOnce(&Fixture)) {
    if let Ok(fixture) = Fixture::new() {
        f(&fixture);
    }
}

/// `base` with `rest[2..]` XORed in from offset `rest[0..2]` (big-endian, modulo the length
/// of `base`), truncated to that length.
pub fn patch(base: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    let (offset, mask) = match rest {
        [a, b, mask @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), mask),
        _ => (0, &[][..]),
    };
    let start = offset.checked_rem(out.len()).unwrap_or(0);
    if let Some(tail) = out.get_mut(start..) {
        for (o, m) in tail.iter_mut().zip(mask) {
            *o ^= *m;
        }
    }
    out
}

/// Fuzzes [`Group::from_bytes`]. The first byte picks what the rest is:
///
/// - `0`: the whole saved state (envelope and all);
/// - `1`: a [`patch`] of a genuine state (which its checksum must refuse);
/// - `2`: a body, given a valid envelope and checksum so that it reaches the decoder;
/// - `3`: a [`patch`] of a genuine state's body, given a valid checksum.
///
/// A decoded group must re-encode, and what it re-encodes to must decode again. Nothing
/// may panic.
pub fn group_state(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let restore = |provider: Arc<dyn CryptoProvider>, bytes: &[u8]| {
        if let Ok(group) = Group::from_bytes(provider.clone(), bytes) {
            let encoded = group.to_bytes();
            assert!(encoded.is_ok(), "a restored group does not re-encode");
            if let Ok(encoded) = encoded {
                assert!(
                    Group::from_bytes(provider, encoded.as_bytes()).is_ok(),
                    "a re-encoded group state does not decode"
                );
            }
        }
    };
    match selector % 4 {
        0 => restore(Arc::new(RustCrypto::new()), rest),
        1 => with_fixture(|f| restore(f.provider.clone(), &patch(&f.state, rest))),
        n => with_fixture(|f| {
            let body = |genuine: &[u8]| {
                if n == 2 {
                    rest.to_vec()
                } else {
                    patch(genuine, rest)
                }
            };
            if let Ok(state) = rewrap_checksummed(&*f.provider, &f.state, body) {
                restore(f.provider.clone(), &state);
            }
        }),
    }
}

/// Fuzzes an external join (RFC 9420 §12.4.3.2) from a GroupInfo by a fixed identity. The
/// first byte picks what the rest is:
///
/// - `0`: an `MLSMessage`;
/// - `1`: a [`patch`] of the fixture's genuine GroupInfo message;
/// - `2`: the GroupInfo's `extensions` (the tree then goes out of band), signed again;
/// - `3`: the GroupContext's `extensions`, signed again.
///
/// Nothing may panic.
pub fn group_info(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    with_fixture(|f| {
        let message = match selector % 4 {
            0 => MlsMessage::decode(rest).ok(),
            1 => MlsMessage::decode(&patch(&f.group_info.encode().unwrap_or_default(), rest)).ok(),
            s => codec::decode_exact::<Extensions>(rest)
                .ok()
                .and_then(|e| resigned_group_info(f, e, s == 2)),
        };
        let Some(message) = message else {
            return;
        };
        let tree = (selector % 4 == 2).then_some(f.tree.as_slice());
        let _ = Group::join_by_external_commit(
            f.provider.clone(),
            &message,
            tree,
            f.joiner.clone(),
            GroupConfig::default(),
            &PskStore::new(),
            ExternalCommitOptions::default(),
        );
    });
}

/// The fixture's GroupInfo with `extensions` as its own extensions (`outer`) or as the
/// GroupContext's, signed again by Alice.
fn resigned_group_info(f: &Fixture, extensions: Extensions, outer: bool) -> Option<MlsMessage> {
    let MlsMessageBody::GroupInfo(gi) = &f.group_info.body else {
        return None;
    };
    let mut gi = gi.clone();
    if outer {
        gi.extensions = extensions;
    } else {
        gi.group_context.extensions = extensions;
    }
    let cs = f.provider.suite(SUITE).ok()?;
    gi.sign_by(&f.alice.signer(cs).ok()?).ok()?;
    Some(MlsMessage::new(MlsMessageBody::GroupInfo(gi)))
}

/// Fuzzes what a member of a group with an `external_senders` extension receives from
/// outside (RFC 9420 §12.1.8, §12.4.3.2). The first byte picks what the rest is:
///
/// - `0`: an `MLSMessage`;
/// - `1`: a [`patch`] of a genuine `external`, `new_member_proposal` or `new_member_commit`
///   message (the next byte picks which);
/// - `2`: a `Proposal`, signed by the external sender;
/// - `3`: the extensions of a GroupContextExtensions proposal signed by the external sender.
///
/// The member processes the message and merges a staged Commit; a proposal it accepted it
/// then commits. Nothing may panic.
pub fn external_proposal(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    with_fixture(|f| {
        let ctx = f.member.group_context();
        let (gid, epoch) = (ctx.group_id.as_slice(), ctx.epoch);
        let message = match selector % 4 {
            0 => MlsMessage::decode(rest).ok(),
            1 => rest.split_first().and_then(|(&i, rest)| {
                let seed = f.seeds.get(usize::from(i).checked_rem(f.seeds.len())?)?;
                MlsMessage::decode(&patch(seed, rest)).ok()
            }),
            2 => codec::decode_exact::<Proposal>(rest)
                .ok()
                .and_then(|p| f.ds.propose(gid, epoch, 0, p, &[]).ok()),
            _ => codec::decode_exact::<Extensions>(rest).ok().and_then(|e| {
                let p = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: e });
                f.ds.propose(gid, epoch, 0, p, &[]).ok()
            }),
        };
        let Some(message) = message else {
            return;
        };
        let mut member = f.member.clone();
        match member.process(&message, None).map(|p| p.content) {
            Ok(ProcessedContent::Commit(staged)) => {
                let _ = member.merge_staged_commit(*staged);
            }
            Ok(ProcessedContent::Proposal(..))
                if member.commit(CommitOptions::default()).is_ok() =>
            {
                let _ = member.merge_pending_commit();
            }
            _ => {}
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_mutations_do_not_panic() {
        let f = Fixture::new().unwrap();
        // Genuine inputs in every mode.
        group_state(&[0]);
        let mut state = vec![0];
        state.extend_from_slice(&f.state);
        group_state(&state);
        group_state(&[1, 0, 0]);
        group_state(&[1, 0, 3, 0xff]);
        let gi = f.group_info.encode().unwrap();
        let mut m = vec![0];
        m.extend_from_slice(&gi);
        group_info(&m);
        group_info(&[1, 0, 0]);
        group_info(&[2, 0]);
        group_info(&[3, 0]);
        for (i, seed) in f.seeds.iter().enumerate() {
            let mut m = vec![0];
            m.extend_from_slice(seed);
            external_proposal(&m);
            for off in (0..seed.len()).step_by(37) {
                let [a, b] = u16::try_from(off).unwrap().to_be_bytes();
                external_proposal(&[1, i as u8, a, b, 0x41]);
            }
        }
        external_proposal(&[2, 0, 3, 0, 0, 0, 1]);
        external_proposal(&[3, 0]);
        assert_eq!(patch(&[1, 2, 3], &[0, 4, 1]), vec![1, 3, 3]);
        assert_eq!(patch(&[], &[0, 4, 1]), Vec::<u8>::new());
    }

    #[test]
    fn the_seeds_are_accepted() {
        let f = Fixture::new().unwrap();
        for seed in &f.seeds {
            let mut member = f.member.clone();
            let msg = MlsMessage::decode(seed).unwrap();
            member.process(&msg, None).unwrap();
        }
        for selector in 1..4 {
            group_state(&[selector, 0, 0]);
        }
        let untouched = rewrap_checksummed(&*f.provider, &f.state, <[u8]>::to_vec).unwrap();
        assert_eq!(untouched, f.state);
        assert!(Group::from_bytes(f.provider.clone(), &f.state).is_ok());
    }
}
