//! The seed programs of the `group_member_ops` corpus (`fuzz/corpus/group_member_ops/`),
//! one per kind of operation and proposal, each leading the group somewhere a fuzzer is
//! unlikely to find from random bytes: a merged Commit, a join, a crafted Commit that is
//! accepted. The encoding is described in [`super`]; the comments name each field.

use alloc::vec::Vec;

/// The seed programs, by file name (`seed-NN-what`).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    // Opcodes.
    const PROPOSE: u8 = 0;
    const CRAFTED: u8 = 1;
    const COMMIT: u8 = 2;
    const APP: u8 = 3;
    const REPLAY: u8 = 4;
    const CORRUPT: u8 = 5;
    const UPDATE: u8 = 6;
    const PERSIST: u8 = 7;
    // Proposal kinds (content::proposal).
    const ADD: u8 = 0;
    const ADD_MUTATED: u8 = 1;
    const UPDATE_LEAF: u8 = 3;
    const REMOVE: u8 = 5;
    const PSK: u8 = 6;
    const GCE: u8 = 7;
    const REINIT: u8 = 8;
    const OTHER: u8 = 9;
    // Crafted Commit entries.
    const INLINE: u8 = 0;
    const CACHED: u8 = 1;
    const GARBAGE: u8 = 2;
    const REPEAT: u8 = 3;
    Vec::from([
        (
            "seed-01-remove-commit-app",
            // Alice proposes Remove(Dave) to all; Bob commits it; Alice sends "hi".
            Vec::from([
                PROPOSE, 0, 0, 0, REMOVE, 3, //
                COMMIT, 1, 0, //
                APP, 0, 2, b'h', b'i', 0,
            ]),
        ),
        (
            "seed-02-add-join-app",
            // Alice commits Add(Eve) by value with the tree in the Welcome; Eve joins and
            // sends "abc".
            Vec::from([COMMIT, 0, 4, ADD, 0, APP, 4, 3, b'a', b'b', b'c', 0]),
        ),
        (
            "seed-03-update-commit",
            // Bob proposes an Update; Carol commits it; Bob sends "x".
            Vec::from([UPDATE, 1, 0, COMMIT, 2, 0, APP, 1, 1, b'x', 0]),
        ),
        (
            "seed-04-psk-commit",
            // Carol proposes the external PSK (a PrivateMessage by her configuration); Dave
            // commits it.
            Vec::from([PROPOSE, 2, 0, 0, PSK, 0, 7, COMMIT, 3, 0]),
        ),
        (
            "seed-05-gce-commit",
            // Dave proposes required_capabilities with the custom types; Alice commits.
            Vec::from([PROPOSE, 3, 0, 0, GCE, 1, COMMIT, 0, 0, APP, 0, 1, b'g', 0]),
        ),
        (
            "seed-06-reinit",
            // Bob proposes ReInit (same group id, version, suite); Carol commits.
            Vec::from([PROPOSE, 1, 0, 0, REINIT, 0, 0, 0, 0, COMMIT, 2, 0]),
        ),
        (
            "seed-07-custom",
            // Alice proposes the custom proposal type; Bob commits.
            Vec::from([PROPOSE, 0, 0, 0, OTHER, 1, 2, 0xab, 0xcd, COMMIT, 1, 0]),
        ),
        (
            "seed-08-crafted-add-path",
            // Carol's crafted Commit: Add(Frank) by value, genuine path; Alice sends "z".
            Vec::from([
                CRAFTED, 2, 2, 1, INLINE, ADD, 1, 0, 0, 0, 0, //
                APP, 0, 1, b'z', 0,
            ]),
        ),
        (
            "seed-09-crafted-cached-ref",
            // Alice proposes Remove(Carol); Bob's crafted Commit references it, with a path.
            Vec::from([
                PROPOSE, 0, 0, 0, REMOVE, 2, //
                CRAFTED, 1, 2, 1, CACHED, 0, 0, 0, 0, 0, //
                APP, 1, 1, b'r', 0,
            ]),
        ),
        (
            "seed-10-crafted-no-path",
            // As seed 9 without a path (a Remove requires one).
            Vec::from([
                PROPOSE, 0, 0, 0, REMOVE, 2, //
                CRAFTED, 1, 0, 1, CACHED, 0, 0, 0, 0, 0,
            ]),
        ),
        (
            "seed-11-crafted-leaf-extension",
            // Dave's crafted empty Commit whose new leaf carries the custom extension.
            Vec::from([CRAFTED, 3, 4, 0, 0, 0, 0, 0, 6, 2, 1, 2, APP, 3, 1, b'l', 0]),
        ),
        (
            "seed-12-crafted-patched-path",
            // Alice's crafted empty Commit with a byte of its path flipped.
            Vec::from([CRAFTED, 0, 6, 0, 0, 0, 40, 1, 0xff]),
        ),
        (
            "seed-13-crafted-garbage-and-repeat",
            // Bob's crafted Commit: a garbage reference, Remove(Alice), that Remove again.
            Vec::from([
                CRAFTED, 1, 2, 3, GARBAGE, 4, 1, 2, 3, 4, INLINE, REMOVE, 0, REPEAT, 1, 0, 0, 0, 0,
            ]),
        ),
        (
            "seed-14-duplicate-add-freeze",
            // Alice proposes Add(Eve) and the message is replayed: the old cache held the
            // Add twice and Carol's commit() failed (the pool freeze); the pool refuses the
            // replay and Carol commits.
            Vec::from([
                PROPOSE, 0, 0, 0, ADD, 0, //
                REPLAY, 0, 0, //
                COMMIT, 2, 0,
            ]),
        ),
        (
            "seed-15-two-senders-same-add",
            // Alice and Bob both propose Add(Frank); Dave commits the cache.
            Vec::from([
                PROPOSE, 0, 0, 0, ADD, 1, //
                PROPOSE, 1, 0, 0, ADD, 1, //
                COMMIT, 3, 0,
            ]),
        ),
        (
            "seed-16-replay-corrupt",
            // Alice sends "hi"; it is replayed to all and delivered to Bob with a flipped
            // byte.
            Vec::from([
                APP, 0, 2, b'h', b'i', 0, //
                REPLAY, 0, 0, //
                CORRUPT, 0, 1, 0, 10, 1, 0xff,
            ]),
        ),
        (
            "seed-17-persist",
            // Alice proposes Remove(Dave); Bob is saved and restored, then commits it.
            Vec::from([
                PROPOSE, 0, 0, 0, REMOVE, 3, //
                PERSIST, 1, //
                COMMIT, 1, 0,
            ]),
        ),
        (
            "seed-18-crafted-private-psk",
            // Carol's crafted Commit as a PrivateMessage: the external PSK by value, a path.
            Vec::from([CRAFTED, 2, 3, 1, INLINE, PSK, 0, 9, 0, 0, 0, 0]),
        ),
        (
            "seed-19-update-leaf-extension",
            // Bob proposes an Update whose leaf carries the custom extension; Alice
            // commits it.
            Vec::from([
                PROPOSE,
                1,
                0,
                0,
                UPDATE_LEAF,
                6,
                2,
                1,
                2,
                0, //
                COMMIT,
                0,
                0,
            ]),
        ),
        (
            "seed-20-add-kp-extension",
            // Alice proposes Add(Eve) with a custom KeyPackage extension, signed again; Bob
            // commits it.
            Vec::from([
                PROPOSE,
                0,
                0,
                0,
                ADD_MUTATED,
                0,
                4,
                4,
                1,
                0x42,
                0, //
                COMMIT,
                1,
                0,
            ]),
        ),
        (
            "seed-21-commit-psk-when-required",
            // Dave commits the external PSK by value without a path.
            Vec::from([COMMIT, 3, 5, PSK, 0, 1]),
        ),
        (
            "seed-22-unknown-psk-and-external-init",
            // Alice proposes an unknown external PSK and an ExternalInit; Bob commits.
            Vec::from([
                PROPOSE, 0, 0, 0, PSK, 2, 3, b'x', b'y', b'z', 9, //
                PROPOSE, 0, 0, 0, OTHER, 0, 1, 0, //
                COMMIT, 1, 0,
            ]),
        ),
        (
            "seed-23-removed-member",
            // Alice commits Remove(Bob) by value; Bob and Alice try to send.
            Vec::from([
                COMMIT, 0, 4, REMOVE, 1, //
                APP, 1, 1, b'q', 0, //
                APP, 0, 1, b'r', 0,
            ]),
        ),
        (
            "seed-24-joiners-commit",
            // Alice adds Eve and Frank; Eve proposes Remove(Alice); Frank commits; Eve
            // sends "ok".
            Vec::from([
                COMMIT, 0, 8, ADD, 0, ADD, 1, //
                PROPOSE, 4, 0, 0, REMOVE, 0, //
                COMMIT, 5, 0, //
                APP, 4, 2, b'o', b'k', 0,
            ]),
        ),
        (
            "seed-25-two-gce",
            // Alice and Dave propose different GroupContextExtensions; Bob commits.
            Vec::from([
                PROPOSE, 0, 0, 0, GCE, 1, //
                PROPOSE, 3, 0, 0, GCE, 3, //
                COMMIT, 1, 0,
            ]),
        ),
        (
            "seed-26-remove-and-update",
            // Carol proposes an Update, Alice proposes Remove(Carol); Bob commits.
            Vec::from([
                UPDATE, 2, 0, //
                PROPOSE, 0, 0, 0, REMOVE, 2, //
                COMMIT, 1, 0,
            ]),
        ),
        (
            "seed-27-crafted-proposals",
            // Alice sends a crafted Remove(Dave) as a PrivateMessage with authenticated data
            // (not cached by her) and Bob a crafted public Update; Carol commits the cache,
            // which Alice cannot follow.
            Vec::from([
                PROPOSE,
                0,
                7,
                0,
                2,
                b'a',
                b'd',
                REMOVE,
                3, //
                PROPOSE,
                1,
                2,
                0,
                UPDATE_LEAF,
                0,
                0, //
                COMMIT,
                2,
                0,
            ]),
        ),
    ])
}
