//! The seed programs of the `group_history` corpus (`fuzz/corpus/group_history/`), each
//! leading the group somewhere random bytes rarely reach: joins by Welcome and by external
//! Commit, resyncs of members that fell behind, PSKs, GroupContextExtensions, save and
//! restore, SelfRemove and AppDataUpdate proposals (draft-ietf-mls-extensions), and a DS
//! that drops, duplicates, reorders, delays and corrupts. The encoding
//! is described in [`super`]; the comments say what each program does.

use alloc::vec::Vec;

/// Opcodes.
const ADD: u8 = 0;
const REMOVE: u8 = 1;
const UPDATE: u8 = 2;
const COMMIT: u8 = 3;
const PSK: u8 = 4;
const GCE: u8 = 5;
const EXTERNAL: u8 = 6;
const RESYNC: u8 = 7;
const APP: u8 = 8;
const PERSIST: u8 = 9;
const DS: u8 = 10;
const FLUSH: u8 = 11;
const FLUSH_ALL: u8 = 12;
const KEY_PACKAGE: u8 = 13;
const SELF_REMOVE: u8 = 14;
const APP_DATA: u8 = 15;
/// DS actions.
const DELIVER: u8 = 0;
const DROP: u8 = 1;
const DUPLICATE: u8 = 2;
const REORDER: u8 = 3;
const DELAY: u8 = 4;
const FLIP: u8 = 5;
/// Op 0 and 1 flags.
const BY_VALUE: u8 = 0;
const BY_REF: u8 = 1;
/// Op 3 flags: the proposal by value.
const INLINE_EXTERNAL_PSK: u8 = 1 << 1;
const INLINE_RESUMPTION_PSK: u8 = 2 << 1;
const INLINE_GCE: u8 = 3 << 1;
const INLINE_APP_DATA: u8 = 4 << 1;
const INLINE_APP_DATA_REMOVE: u8 = 5 << 1;
/// Op 15 kinds.
const APP_DATA_UPDATE: u8 = 0;

/// The header: seed `s`, `n` clients, and whether all but the last start in the group.
fn header(s: u8, n: u8, all: bool) -> Vec<u8> {
    let count = n.saturating_sub(2) % 7;
    Vec::from([s, 0x11, 0x22, 0x33, count | if all { 0x80 } else { 0 }])
}

/// `header` followed by `ops`.
fn program(s: u8, n: u8, all: bool, ops: &[u8]) -> Vec<u8> {
    let mut out = header(s, n, all);
    out.extend_from_slice(ops);
    out
}

/// An application message of `from` with a one-byte plaintext.
fn app(from: u8, b: u8) -> [u8; 4] {
    [APP, from, 1, b]
}

/// The seed programs, by file name (`seed-NN-what`).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let a = |from, b| app(from, b);
    Vec::from([
        (
            "seed-01-add-by-value",
            // Three clients: 0 adds 1 by value, everyone receives, 1 sends.
            program(
                1,
                3,
                false,
                &[
                    ADD, 0, 1, BY_VALUE, FLUSH_ALL, APP, 1, 2, b'h', b'i', FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-02-group-of-four",
            // Clients 0-3 in the group at once; 2 (PrivateMessage handshakes) sends.
            [program(2, 5, true, &a(2, b'x')), Vec::from([FLUSH_ALL])].concat(),
        ),
        (
            "seed-03-add-by-reference",
            // 1 proposes Add(4); 2 commits it; 4 joins by the Welcome and sends.
            [
                program(
                    3,
                    5,
                    true,
                    &[ADD, 1, 4, BY_REF, FLUSH_ALL, COMMIT, 2, 0, FLUSH_ALL],
                ),
                a(4, b'j').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-04-remove-by-value",
            // 0 removes 3; 0 sends, which 3 cannot read.
            [
                program(4, 5, true, &[REMOVE, 0, 3, BY_VALUE, FLUSH_ALL]),
                a(0, b'r').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-05-remove-by-reference",
            // 1 proposes Remove(2); 0 commits it; 1 sends.
            [
                program(
                    5,
                    5,
                    true,
                    &[REMOVE, 1, 2, BY_REF, FLUSH_ALL, COMMIT, 0, 0, FLUSH_ALL],
                ),
                a(1, b'q').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-06-update-then-commit",
            // 2 proposes an Update; 1 commits it with a path only when required.
            program(6, 5, true, &[UPDATE, 2, FLUSH_ALL, COMMIT, 1, 1, FLUSH_ALL]),
        ),
        (
            "seed-07-inline-external-psk",
            // 0 commits the external PSK by value.
            program(7, 5, true, &[COMMIT, 0, INLINE_EXTERNAL_PSK, FLUSH_ALL]),
        ),
        (
            "seed-08-inline-resumption-psk",
            // An empty Commit, then 1 commits the resumption PSK of the epoch before.
            program(
                8,
                5,
                true,
                &[
                    COMMIT,
                    0,
                    0,
                    FLUSH_ALL,
                    COMMIT,
                    1,
                    INLINE_RESUMPTION_PSK,
                    1,
                    FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-09-psks-by-reference",
            // 2 proposes the external PSK, 3 commits; 1 proposes a resumption PSK, 0 commits.
            program(
                9,
                5,
                true,
                &[
                    PSK, 2, 0, FLUSH_ALL, COMMIT, 3, 0, FLUSH_ALL, PSK, 1, 1, FLUSH_ALL, COMMIT, 0,
                    0, FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-10-inline-gce",
            // 2 commits GroupContextExtensions: the custom extension and required_capabilities.
            program(
                10,
                5,
                true,
                &[COMMIT, 2, INLINE_GCE, 3, 2, b'a', b'b', FLUSH_ALL],
            ),
        ),
        (
            "seed-11-gce-by-reference",
            // 1 proposes the custom extension; 0 commits.
            program(
                11,
                5,
                true,
                &[GCE, 1, 1, 1, 0x42, FLUSH_ALL, COMMIT, 0, 0, FLUSH_ALL],
            ),
        ),
        (
            "seed-12-external-join",
            // 4 joins by external Commit from 0's GroupInfo and sends.
            [
                program(12, 5, true, &[EXTERNAL, 4, 0, 0, FLUSH_ALL]),
                a(4, b'e').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-13-external-join-with-psk",
            // 4 joins by external Commit injecting the external PSK.
            program(13, 5, true, &[EXTERNAL, 4, 1, 1, FLUSH_ALL]),
        ),
        (
            "seed-14-resync-after-missed-commit",
            // The DS drops 0's Commit for 3, who falls behind and resyncs, then sends.
            [
                program(
                    14,
                    5,
                    true,
                    &[
                        COMMIT, 0, 0, DS, 3, 0, DROP, FLUSH_ALL, RESYNC, 3, 1, 0, FLUSH_ALL,
                    ],
                ),
                a(3, b's').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-15-resync-up-to-date",
            // 2 resyncs although it is up to date.
            program(15, 5, true, &[RESYNC, 2, 0, 0, FLUSH_ALL]),
        ),
        (
            "seed-16-restore-then-commit",
            // 1 is saved and restored; both copies process 0's Commit; 2 sends.
            [
                program(16, 5, true, &[PERSIST, 1, COMMIT, 0, 0, FLUSH_ALL]),
                a(2, b'p').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-17-restore-then-private-app",
            // 3 is saved and restored; both copies decrypt 0's message.
            [
                program(17, 5, true, &[PERSIST, 3]),
                a(0, b'p').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-18-dropped-proposal",
            // 1's Update is dropped for 2, so 2 cannot follow 0's Commit; 2 resyncs.
            program(
                18,
                5,
                true,
                &[
                    UPDATE, 1, DS, 2, 0, DROP, COMMIT, 0, 0, FLUSH_ALL, RESYNC, 2, 0, 0, FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-19-duplicates",
            // 0's message and Commit are each delivered twice to 1 and 2.
            [
                program(19, 5, true, &a(0, b'd')),
                Vec::from([
                    DS, 1, 0, DUPLICATE, DS, 1, 0, DELIVER, COMMIT, 0, 0, DS, 2, 1, DUPLICATE,
                    FLUSH_ALL,
                ]),
            ]
            .concat(),
        ),
        (
            "seed-20-reorder",
            // Two messages of 0 reach 1 in reverse; 3 gets 2's message before the Commit.
            [
                program(20, 5, true, &a(0, b'a')),
                a(0, b'b').to_vec(),
                Vec::from([DS, 1, 0, REORDER, FLUSH, 1, COMMIT, 2, 0]),
                a(2, b'c').to_vec(),
                Vec::from([DS, 3, 0, REORDER, FLUSH, 3, FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-21-delay-past-commit",
            // 1's message reaches 2 after 0's Commit (a past epoch's message).
            [
                program(21, 5, true, &a(1, b'x')),
                Vec::from([COMMIT, 0, 0, DS, 2, 0, DELAY, FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-22-flipped-bytes",
            // Flipped copies of 0's message (for 1) and of 1's Commit (for 2).
            [
                program(22, 5, true, &a(0, b'f')),
                Vec::from([
                    DS, 1, 0, FLIP, 0, 40, 1, 0x01, COMMIT, 1, 0, DS, 2, 1, FLIP, 0, 60, 1, 0x80,
                    FLUSH_ALL,
                ]),
            ]
            .concat(),
        ),
        (
            "seed-23-flipped-welcome",
            // 0 adds 4; a flipped copy of the Welcome reaches 4 first.
            program(
                23,
                5,
                true,
                &[
                    ADD, 0, 4, BY_VALUE, DS, 4, 0, FLIP, 0, 100, 1, 0x01, FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-24-commit-race",
            // 1's Commit wins; 2's, sent before 2 saw it, loses; 2 commits again after.
            program(
                24,
                5,
                true,
                &[
                    COMMIT, 1, 0, COMMIT, 2, 0, FLUSH_ALL, COMMIT, 2, 0, FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-25-removed-reads-nothing",
            // 3 merges its removal; 0's message and 1's Update of the next epoch reach it.
            [
                program(25, 5, true, &[REMOVE, 0, 3, BY_VALUE, DS, 3, 0, DELIVER]),
                a(0, b'z').to_vec(),
                Vec::from([UPDATE, 1, FLUSH, 3, FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-26-key-package-rotation",
            // 4 makes two KeyPackages; 0 proposes Add(4) with a third; 3 commits.
            program(
                26,
                5,
                true,
                &[
                    KEY_PACKAGE,
                    4,
                    KEY_PACKAGE,
                    4,
                    ADD,
                    0,
                    4,
                    BY_REF,
                    FLUSH_ALL,
                    COMMIT,
                    3,
                    0,
                    FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-27-catch-up-in-order",
            // Two Commits reach 3 only at the end, in order.
            program(
                27,
                5,
                true,
                &[
                    COMMIT, 0, 0, DS, 1, 0, DELIVER, DS, 2, 0, DELIVER, COMMIT, 1, 0, DS, 0, 0,
                    DELIVER, DS, 2, 0, DELIVER, FLUSH, 3, FLUSH_ALL,
                ],
            ),
        ),
        (
            "seed-28-readd-removed",
            // 0 removes 3, 1 adds it back; 3 sends.
            [
                program(
                    28,
                    5,
                    true,
                    &[
                        REMOVE, 0, 3, BY_VALUE, FLUSH_ALL, ADD, 1, 3, BY_VALUE, FLUSH_ALL,
                    ],
                ),
                a(3, b'b').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-29-eight-clients",
            // Seven members; 7 joins by external Commit; 6 sends.
            [
                program(29, 8, true, &[EXTERNAL, 7, 0, 0, FLUSH_ALL]),
                a(6, b'8').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-30-external-rejoin-after-remove",
            // 0 removes 2; 2 joins again by external Commit and sends.
            [
                program(
                    30,
                    5,
                    true,
                    &[
                        REMOVE, 0, 2, BY_VALUE, FLUSH_ALL, EXTERNAL, 2, 1, 0, FLUSH_ALL,
                    ],
                ),
                a(2, b'k').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
        (
            "seed-31-private-duplicate-proposal",
            // 2 (PrivateMessage handshakes) proposes the same extensions twice: the second
            // decrypts and verifies, consuming its key, and is refused as a duplicate.
            program(
                31,
                5,
                true,
                &[GCE, 2, 0, GCE, 2, 0, FLUSH_ALL, COMMIT, 0, 0, FLUSH_ALL],
            ),
        ),
        (
            "seed-32-self-remove-and-app-data",
            // 0 commits an AppDataUpdate "a" by value, 1 one removing the entry; 2 sends a
            // SelfRemove and 1 an AppDataUpdate "hi" by reference; 3 commits both, so 2
            // learns it is out; 0 sends, which 2 cannot read.
            [
                program(
                    32,
                    5,
                    true,
                    &[
                        COMMIT,
                        0,
                        INLINE_APP_DATA,
                        1,
                        b'a',
                        FLUSH_ALL,
                        COMMIT,
                        1,
                        INLINE_APP_DATA_REMOVE,
                        FLUSH_ALL,
                        SELF_REMOVE,
                        2,
                        APP_DATA,
                        1,
                        APP_DATA_UPDATE,
                        2,
                        b'h',
                        b'i',
                        FLUSH_ALL,
                        COMMIT,
                        3,
                        0,
                        FLUSH_ALL,
                    ],
                ),
                a(0, b's').to_vec(),
                Vec::from([FLUSH_ALL]),
            ]
            .concat(),
        ),
    ])
}
