//! The default provider per cipher suite: HPKE `EncryptWithLabel` / `DecryptWithLabel` of 32
//! bytes, `DeriveKeyPair`, `SignWithLabel` / `VerifyWithLabel` of 100 bytes and
//! `ExpandWithLabel` to 32 bytes. Benchmark ids are `<operation>/suite<N>`. Also
//! `hpke_seal_batch/suite1_100x100KiB`: one batched seal to 100 recipients with a 100 KiB
//! `info` (a Welcome's shape, RFC 9420 §12.4.3.1), against `hpke_seal_loop/suite1_100x100KiB`,
//! the same 100 seals one by one, and `hpke_seal_batch/suite1_10000x64B`: 10,000 recipients
//! with a small `info` and 64-byte plaintexts (an UpdatePath's shape in a large sparse tree,
//! one HPKE encryption per copath resolution node, RFC 9420 §7.6); divide by 10,000 for the
//! cost per recipient.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use melos::crypto::HpkePublicKey;
use melos::crypto::labels;
use melos::crypto::rust_crypto::RustCrypto;
use melos::{CipherSuite, CipherSuiteProvider, CryptoProvider};

fn suites(provider: &RustCrypto) -> Vec<(String, &dyn CipherSuiteProvider)> {
    CipherSuite::ALL
        .iter()
        .map(|s| {
            let cs = provider
                .cipher_suite_provider(*s)
                .expect("every RFC 9420 suite");
            (format!("suite{}", s.0), cs)
        })
        .collect()
}

fn hpke(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let pt = [0x5au8; 32];
    let mut seal = c.benchmark_group("hpke_seal");
    for (id, cs) in suites(&provider) {
        let kp = cs.kem_derive_key_pair(b"bench recipient").expect("derive");
        seal.bench_function(id, |b| {
            b.iter(|| {
                labels::encrypt_with_label(cs, kp.public_key.as_bytes(), b"bench", b"ctx", &pt)
                    .expect("seal")
            })
        });
    }
    seal.finish();

    let mut open = c.benchmark_group("hpke_open");
    for (id, cs) in suites(&provider) {
        let kp = cs.kem_derive_key_pair(b"bench recipient").expect("derive");
        let ct = labels::encrypt_with_label(cs, kp.public_key.as_bytes(), b"bench", b"ctx", &pt)
            .expect("seal");
        open.bench_function(id, |b| {
            b.iter(|| {
                labels::decrypt_with_label(cs, &kp.private_key, b"bench", b"ctx", black_box(&ct))
                    .expect("open")
            })
        });
    }
    open.finish();

    let mut derive = c.benchmark_group("derive_key_pair");
    for (id, cs) in suites(&provider) {
        let ikm = [0x42u8; 64];
        derive.bench_function(id, |b| {
            b.iter(|| cs.kem_derive_key_pair(black_box(&ikm)).expect("derive"))
        });
    }
    derive.finish();
}

fn hpke_batch(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let cs = provider
        .cipher_suite_provider(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1");
    let info = vec![0x3cu8; 100 * 1024];
    let pt = [0x5au8; 64];
    let kps: Vec<_> = (0..100u8)
        .map(|i| cs.kem_derive_key_pair(&[i; 32]).expect("derive"))
        .collect();
    let recipients: Vec<(&HpkePublicKey, &[u8])> =
        kps.iter().map(|kp| (&kp.public_key, &pt[..])).collect();
    let mut group = c.benchmark_group("hpke_seal_batch");
    group.bench_function("suite1_100x100KiB", |b| {
        b.iter(|| {
            cs.hpke_seal_batch(black_box(&info), b"", &recipients)
                .expect("seal")
        })
    });
    // An UpdatePath: the EncryptContext is small, the plaintext a path secret.
    let many: Vec<_> = (0..10_000u32)
        .map(|i| cs.kem_derive_key_pair(&i.to_be_bytes()).expect("derive"))
        .collect();
    let many_recipients: Vec<(&HpkePublicKey, &[u8])> =
        many.iter().map(|kp| (&kp.public_key, &pt[..])).collect();
    let small_info = [0x3cu8; 100];
    group.bench_function("suite1_10000x64B", |b| {
        b.iter(|| {
            cs.hpke_seal_batch(black_box(&small_info), b"", &many_recipients)
                .expect("seal")
        })
    });
    group.finish();
    let mut group = c.benchmark_group("hpke_seal_loop");
    group.bench_function("suite1_100x100KiB", |b| {
        b.iter(|| {
            for (pk, pt) in &recipients {
                cs.hpke_seal(pk.as_bytes(), black_box(&info), b"", pt)
                    .expect("seal");
            }
        })
    });
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let msg = [0xa5u8; 100];
    let mut sign = c.benchmark_group("sign");
    for (id, cs) in suites(&provider) {
        let kp = cs.signature_generate_key_pair().expect("generate");
        sign.bench_function(id, |b| {
            b.iter(|| labels::sign_with_label(cs, &kp.private_key, b"bench", black_box(&msg)))
        });
    }
    sign.finish();

    let mut verify = c.benchmark_group("verify");
    for (id, cs) in suites(&provider) {
        let kp = cs.signature_generate_key_pair().expect("generate");
        let sig = labels::sign_with_label(cs, &kp.private_key, b"bench", &msg).expect("sign");
        verify.bench_function(id, |b| {
            b.iter(|| {
                labels::verify_with_label(cs, kp.public_key.as_bytes(), b"bench", &msg, &sig)
                    .expect("verify")
            })
        });
    }
    verify.finish();
}

fn expand(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let mut group = c.benchmark_group("expand_with_label");
    for (id, cs) in suites(&provider) {
        let secret = vec![0x11u8; cs.hash_len()];
        group.bench_function(id, |b| {
            b.iter(|| {
                labels::expand_with_label(cs, black_box(&secret), b"bench", b"context", 32)
                    .expect("expand")
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! {
    name = crypto;
    config = config();
    targets = hpke, hpke_batch, signatures, expand
}
criterion_main!(crypto);
