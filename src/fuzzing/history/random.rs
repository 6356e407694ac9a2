//! Seeded randomness for the history fuzz target: the default provider ([`RustCrypto`])
//! with a [`RandomSource`] that is a SHA-256 counter-mode stream keyed by bytes of the fuzz
//! input, so that a run (every key pair, HPKE ephemeral key, `psk_nonce`, `reuse_guard`,
//! GREASE value and `init_secret`) replays exactly from its input.
//!
//! Where randomness enters the default provider, all of it from the provider's one
//! [`RandomSource`]: [`CipherSuiteProvider::random_bytes`] (the group's nonces, reuse
//! guards, fresh secrets), `kem_generate_key_pair` (`DeriveKeyPair` of drawn bytes),
//! `signature_generate_key_pair`, `hpke_seal` and `hpke_export_sender` (the `hpke` crate's
//! `setup_sender` gets a `rand_core` adapter over the source; X448 draws its `ikm` from
//! it), and `hpke_seal_batch` (every recipient's `ikm` drawn in one call before the
//! parallel part, so the draws do not depend on thread scheduling). Ed25519 signing is
//! deterministic. Nothing in the crate keys a hash map with random state.
//!
//! [`CipherSuiteProvider::random_bytes`]: crate::crypto::CipherSuiteProvider::random_bytes

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CryptoProvider, RandomSource};
use crate::error::CryptoError;

/// A deterministic stream: block `i` is `SHA-256("melos history fuzz" || seed || i)`.
/// Each `fill` starts a fresh block (no partial blocks are kept), so the bytes a call gets
/// depend only on the seed and the calls before it.
#[derive(Debug)]
pub struct SeededRandom {
    seed: [u8; 32],
    counter: AtomicU64,
}

impl SeededRandom {
    /// A stream keyed by `seed`.
    pub fn new(seed: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"melos history fuzz seed");
        h.update(seed);
        let mut key = [0u8; 32];
        key.copy_from_slice(&h.finalize());
        SeededRandom {
            seed: key,
            counter: AtomicU64::new(0),
        }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in out.chunks_mut(32) {
            let i = self.counter.fetch_add(1, Ordering::Relaxed);
            let mut h = Sha256::new();
            h.update(b"melos history fuzz");
            h.update(self.seed);
            h.update(i.to_be_bytes());
            let block = h.finalize();
            for (o, b) in chunk.iter_mut().zip(block.iter()) {
                *o = *b;
            }
        }
        Ok(())
    }
}

/// The default provider drawing all its randomness from [`SeededRandom`] keyed by `seed`.
pub fn provider(seed: &[u8]) -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::with_random_source(Box::new(SeededRandom::new(
        seed,
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_depends_only_on_the_seed_and_the_calls() {
        let (a, b, c) = (
            SeededRandom::new(b"x"),
            SeededRandom::new(b"x"),
            SeededRandom::new(b"y"),
        );
        let mut out = [[0u8; 40]; 3];
        for (s, o) in [&a, &b, &c].into_iter().zip(out.iter_mut()) {
            s.fill(o).unwrap();
        }
        assert_eq!(out[0], out[1]);
        assert_ne!(out[0], out[2]);
        let mut more = [0u8; 8];
        a.fill(&mut more).unwrap();
        assert_ne!(&more[..], &out[0][..8]);
    }
}
