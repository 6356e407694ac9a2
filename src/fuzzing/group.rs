//! Fuzz entry point for the group engine: arbitrary bytes processed as an `MLSMessage` by a
//! member of a fixed three-member group.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider};
use crate::error::Error;
use crate::framing::MlsMessage;
use crate::group::{CommitOptions, Group, GroupConfig, PskStore, SigningIdentity};
use crate::messages::{Credential, Lifetime};

/// Alice, Bob and Carol in one group (suite 1): Bob's state is what the fuzzer attacks. Also
/// returns a few genuine messages (an application message and a commit) as seeds.
pub fn three_member_group() -> Result<(Group, Vec<Vec<u8>>), Error> {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let cs = provider.suite(suite)?;
    let forever = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let id = |name: &[u8]| SigningIdentity::generate(cs, Credential::Basic(name.to_vec()));
    let (alice_id, bob_id, carol_id) = (id(b"alice")?, id(b"bob")?, id(b"carol")?);
    let bob_kp = bob_id.key_package(cs, forever)?;
    let carol_kp = carol_id.key_package(cs, forever)?;
    let config = GroupConfig::default();
    let mut alice = Group::create(
        provider.clone(),
        suite,
        b"fuzz".to_vec(),
        alice_id,
        config.clone(),
    )?;
    let out = alice.commit(
        CommitOptions::default()
            .add_member(bob_kp.key_package.clone())
            .add_member(carol_kp.key_package)
            .with_ratchet_tree(),
    )?;
    alice.merge_pending_commit()?;
    let welcome = out.welcome.ok_or(Error::Encode)?;
    let bob = Group::join(
        provider,
        &welcome,
        &bob_kp,
        bob_id,
        None,
        config,
        &PskStore::new(),
    )?;
    let app = alice.encrypt_application(b"seed", b"")?;
    let commit = alice.commit(CommitOptions::default())?.commit;
    Ok((bob, Vec::from([app.encode()?, commit.encode()?])))
}

#[cfg(feature = "std")]
fn fixture() -> Option<&'static Group> {
    static GROUP: std::sync::OnceLock<Option<Group>> = std::sync::OnceLock::new();
    GROUP
        .get_or_init(|| three_member_group().ok().map(|(g, _)| g))
        .as_ref()
}

/// Decodes `data` as an `MLSMessage` and lets a member of a fixed three-member group process
/// it; a staged commit is merged. Nothing may panic; every rejection is an error.
pub fn process(data: &[u8]) {
    let Ok(message) = MlsMessage::decode(data) else {
        return;
    };
    #[cfg(feature = "std")]
    let Some(mut bob) = fixture().cloned() else {
        return;
    };
    #[cfg(not(feature = "std"))]
    let Ok((mut bob, _)) = three_member_group() else {
        return;
    };
    if let Ok(processed) = bob.process(&message, None)
        && let crate::group::ProcessedContent::Commit(staged) = processed.content
    {
        let _ = bob.merge_staged_commit(*staged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_mutations_do_not_panic() {
        let (_, seeds) = three_member_group().unwrap();
        for seed in &seeds {
            process(seed);
            for i in 0..seed.len() {
                let mut m = seed.clone();
                m[i] ^= 0x5a;
                process(&m);
                process(&seed[..i]);
            }
        }
    }
}
