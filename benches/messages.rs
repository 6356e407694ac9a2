//! PrivateMessage protection (RFC 9420 §6.3) of application messages of 100 B, 1 KiB and
//! 64 KiB for suites 1, 2 and 3: sign + encrypt (`protect/suiteN/SIZE`) and decrypt + verify
//! (`unprotect/suiteN/SIZE`). Each iteration uses a fresh generation of the hash ratchet, as
//! a real sender and receiver do.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, PaddingPolicy,
    PrivateMessage, Sender, WireFormat,
};
use melos::messages::{Extensions, GroupContext};
use melos::secret_tree::{SecretTree, SecretTreeConfig};
use melos::tree_math::{LeafIndex, TreeSize};
use melos::{CipherSuite, CryptoProvider};

const SIZES: [(usize, &str); 3] = [(100, "100B"), (1024, "1KiB"), (65536, "64KiB")];

fn messages(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let size = TreeSize::from_leaf_count(8).expect("size");
    // A receive window wide enough for every iteration of a measurement.
    let config = SecretTreeConfig {
        max_forward_jump: u32::MAX,
        max_retained_keys: 0,
    };
    for suite in [1u16, 2, 3] {
        let cs = provider.suite(CipherSuite(suite)).expect("suite");
        let keys = cs.signature_generate_key_pair().expect("keys");
        let gc = GroupContext::new(
            CipherSuite(suite),
            b"bench group".to_vec(),
            1,
            vec![1; cs.hash_len()],
            vec![2; cs.hash_len()],
            Extensions::default(),
        );
        let ctx = FramingContext::new(gc).expect("context");
        let encryption_secret = Secret::new(vec![3; cs.hash_len()]);
        let sender_data_secret = Secret::new(vec![4; cs.hash_len()]);
        for (len, name) in SIZES {
            let content = FramedContent {
                group_id: b"bench group".to_vec(),
                epoch: 1,
                sender: Sender::Member(LeafIndex(3)),
                authenticated_data: Vec::new(),
                body: FramedContentBody::Application(vec![0x42; len]),
            };
            let mut group = c.benchmark_group(format!("private_message/suite{suite}"));
            group
                .measurement_time(Duration::from_secs(2))
                .warm_up_time(Duration::from_millis(300))
                .sample_size(20);

            let mut send = SecretTree::with_config(encryption_secret.clone(), size, config);
            group.bench_function(format!("protect/{name}"), |b| {
                b.iter_batched(
                    || content.clone(),
                    |content| {
                        let ac = AuthenticatedContent::sign(
                            cs,
                            WireFormat::MLS_PRIVATE_MESSAGE,
                            content,
                            &keys.private_key,
                            &ctx,
                        )
                        .expect("sign");
                        PrivateMessage::protect(
                            cs,
                            &ac,
                            &mut send,
                            &sender_data_secret,
                            PaddingPolicy::None,
                        )
                        .expect("protect")
                    },
                    BatchSize::SmallInput,
                )
            });

            // Each iteration opens a freshly protected message (setup, not measured).
            let mut send = SecretTree::with_config(encryption_secret.clone(), size, config);
            let ac = AuthenticatedContent::sign(
                cs,
                WireFormat::MLS_PRIVATE_MESSAGE,
                content.clone(),
                &keys.private_key,
                &ctx,
            )
            .expect("sign");
            let mut recv = SecretTree::with_config(encryption_secret.clone(), size, config);
            group.bench_function(format!("unprotect/{name}"), |b| {
                b.iter_batched(
                    || {
                        PrivateMessage::protect(
                            cs,
                            &ac,
                            &mut send,
                            &sender_data_secret,
                            PaddingPolicy::None,
                        )
                        .expect("protect")
                    },
                    |msg| {
                        msg.unprotect(cs, &ctx, &mut recv, &sender_data_secret, |_| {
                            Some(keys.public_key.clone())
                        })
                        .map(black_box)
                        .expect("unprotect")
                    },
                    BatchSize::SmallInput,
                )
            });
            group.finish();
        }
    }
}

criterion_group!(benches, messages);
criterion_main!(benches);
