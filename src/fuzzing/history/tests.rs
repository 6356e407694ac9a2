use std::collections::BTreeMap;
use std::path::PathBuf;
use std::string::String;

use super::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/group_history")
}

/// A fixed-seed xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Runs `data` and returns the world (for the tests that look inside).
fn world(data: &[u8]) -> World {
    let (header, program) = data.split_at(data.len().min(HEADER_LEN));
    let mut world = World::new(header).unwrap();
    let mut r = Reader::new(program);
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        world.step(&mut r);
        world.check_agreement();
    }
    world
}

fn seeds() -> BTreeMap<&'static str, Vec<u8>> {
    seeds::seeds().into_iter().collect()
}

/// The committed seed files are exactly [`seeds::seeds`]; with `MELOS_WRITE_SEEDS=1` the
/// test writes them instead.
#[test]
fn seed_corpus_is_current() {
    let dir = corpus_dir();
    if std::env::var_os("MELOS_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds::seeds() {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("seed-"))
        .collect();
    on_disk.sort();
    let seeds = seeds::seeds();
    let names: Vec<&str> = seeds.iter().map(|(n, _)| *n).collect();
    assert_eq!(on_disk, names, "run with MELOS_WRITE_SEEDS=1 to regenerate");
    for (name, bytes) in &seeds {
        assert_eq!(&std::fs::read(dir.join(name)).unwrap(), bytes, "{name}");
    }
}

/// Every seed runs, and the seeds together make every check run.
#[test]
fn every_seed_runs_and_every_check_runs() {
    let mut total = Stats::default();
    for (name, seed) in seeds::seeds() {
        let s = run(&seed);
        assert!(s.agreements > 0, "{name}: no agreement check");
        assert!(s.commits > 0, "{name}: no winning Commit");
        total.commits += s.commits;
        total.lost_commits += s.lost_commits;
        total.merges += s.merges;
        total.joins += s.joins;
        total.external_joins += s.external_joins;
        total.resyncs += s.resyncs;
        total.applications += s.applications;
        total.refusals += s.refusals;
        total.ratchet_refusals += s.ratchet_refusals;
        total.removed_refusals += s.removed_refusals;
        total.agreements += s.agreements;
        total.restores += s.restores;
        total.flipped += s.flipped;
    }
    std::eprintln!("{total:?}");
    assert!(total.lost_commits > 0);
    assert!(total.external_joins > 0);
    assert!(total.resyncs > 0);
    assert!(total.removed_refusals > 0);
    assert!(total.restores > 0);
    assert!(total.flipped > 0);
    assert!(total.refusals > 0);
    assert!(total.ratchet_refusals > 0);
    assert!(total.applications > 0);
}

/// The seeds get where they say.
#[test]
fn seeds_reach_their_targets() {
    let seeds = seeds();
    let run_of = |name: &str| run(&seeds[name]);
    // Header joins: three by Welcome in a five-client program.
    let s = run_of("seed-02-group-of-four");
    assert_eq!((s.commits, s.joins, s.applications), (1, 3, 3));
    let s = run_of("seed-03-add-by-reference");
    assert_eq!((s.commits, s.joins, s.applications), (2, 4, 4));
    let s = run_of("seed-04-remove-by-value");
    assert_eq!(s.applications, 2);
    assert!(s.removed_refusals >= 1);
    for name in [
        "seed-06-update-then-commit",
        "seed-07-inline-external-psk",
        "seed-10-inline-gce",
        "seed-11-gce-by-reference",
        "seed-15-resync-up-to-date",
    ] {
        let w = world(&seeds[name]);
        let epochs: Vec<u64> = w
            .clients
            .iter()
            .filter_map(|c| c.state.as_ref())
            .map(|m| m.group.epoch())
            .collect();
        assert_eq!(epochs, [2, 2, 2, 2], "{name}");
    }
    let w = world(&seeds["seed-09-psks-by-reference"]);
    assert_eq!(w.head(), 3);
    let s = run_of("seed-12-external-join");
    assert_eq!((s.external_joins, s.applications), (1, 4));
    let s = run_of("seed-14-resync-after-missed-commit");
    assert_eq!((s.resyncs, s.applications), (1, 3));
    let s = run_of("seed-16-restore-then-commit");
    assert!(s.restores >= 1);
    let s = run_of("seed-17-restore-then-private-app");
    assert!(s.restores >= 1);
    let s = run_of("seed-18-dropped-proposal");
    assert_eq!(s.resyncs, 1);
    let s = run_of("seed-24-commit-race");
    assert_eq!((s.commits, s.lost_commits), (3, 1));
    let s = run_of("seed-28-readd-removed");
    assert_eq!(s.joins, 4);
    let s = run_of("seed-29-eight-clients");
    assert_eq!((s.external_joins, s.applications), (1, 7));
    let s = run_of("seed-30-external-rejoin-after-remove");
    assert_eq!((s.external_joins, s.applications), (1, 3));
}

/// Everything a run does replays exactly from its input: the same saved states and queues.
#[test]
fn a_run_replays_exactly() {
    for (name, seed) in seeds::seeds() {
        let (a, b) = (world(&seed), world(&seed));
        for (x, y) in a.clients.iter().zip(&b.clients) {
            let sx = x.state.as_ref().map(|m| saved(&m.group));
            let sy = y.state.as_ref().map(|m| saved(&m.group));
            assert_eq!(sx, sy, "{name}");
            let qx: Vec<_> = x
                .inbox
                .iter()
                .map(|e| e.message.encode().unwrap())
                .collect();
            let qy: Vec<_> = y
                .inbox
                .iter()
                .map(|e| e.message.encode().unwrap())
                .collect();
            assert_eq!(qx, qy, "{name}");
        }
    }
    let mut other = seeds()["seed-02-group-of-four"].clone();
    other[0] ^= 1;
    let (a, b) = (world(&seeds()["seed-02-group-of-four"]), world(&other));
    assert_ne!(
        a.records.last().unwrap().authenticator,
        b.records.last().unwrap().authenticator,
        "the seed bytes do not change the randomness"
    );
}

/// Hand-written programs: a removed member's stale state is resynced; a client is added,
/// removed and added back by reference; a member restored twice in a row.
#[test]
fn hand_written_programs() {
    let hdr = [9, 9, 9, 9, 3 | 0x80];
    // 3 misses the Commit removing it and keeps a stale state; a resync fails (its
    // credential is no longer in the group), an external join works.
    let p = [
        &hdr[..],
        &[1, 0, 3, 0, 10, 3, 0, 1, 12, 7, 3, 0, 0, 6, 3, 0, 0, 12],
    ]
    .concat();
    let s = run(&p);
    assert_eq!((s.resyncs, s.external_joins), (0, 1));
    // Add by reference, remove by reference, add again.
    let p = [
        &hdr[..],
        &[
            0, 1, 4, 1, 12, 3, 2, 0, 12, 1, 3, 4, 1, 12, 3, 0, 0, 12, 0, 2, 4, 0, 12,
        ],
    ]
    .concat();
    let s = run(&p);
    assert_eq!(s.joins, 5);
    // Restored twice before a message.
    let p = [&hdr[..], &[9, 1, 9, 1, 8, 0, 1, b'y', 12]].concat();
    let s = run(&p);
    assert_eq!(s.restores, 1);
}

/// The entry point over mutations of the seeds and random programs from a fixed seed:
/// nothing panics (the checks of the module documentation hold).
#[test]
fn mutations_and_random_programs_run() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (_, seed) in seeds::seeds() {
        for _ in 0..4 {
            let mut m = seed.clone();
            let i = (rng.next() as usize) % m.len();
            m[i] = rng.next() as u8;
            run(&m);
        }
    }
    for _ in 0..60 {
        let len = 5 + (rng.next() % 60) as usize;
        let data: Vec<u8> = (0..len)
            .map(|_| match rng.next() % 4 {
                0 => rng.next() as u8,
                _ => (rng.next() % 16) as u8,
            })
            .collect();
        run(&data);
    }
}

/// Finding of the fuzz target (crash-61455293), a driver bug: client 0 is saved and
/// restored, then sends an Update proposal from the original state, which client 2
/// commits; the restored copy, made before the proposal, did not know it
/// (`UnknownProposalRef`) and "processed the Commit differently". A restored copy now
/// takes the original's place before the member sends anything.
#[test]
fn a_restored_state_processes_like_the_original() {
    let input = [
        9, 50, 34, 51, 131, 9, 50, 34, 51, 131, 4, 2, 0, 12, 3, 42, 0, 12, 0, 0, 12,
    ];
    run(&input);
}

/// Finding of the fuzz target (crash-3b011151), a driver bug: a "flip" with an empty mask
/// delivered client 0's message to client 1 intact but did not mark the queued original
/// as delivered, so its second delivery (`GenerationExpired`, rightly) looked like a first
/// one to the liveness check. A flip that changes nothing now counts as a duplicate.
#[test]
fn a_flipped_copy_does_not_expire_the_generation() {
    let input = [
        20, 17, 34, 51, 131, 8, 0, 1, 97, 8, 0, 1, 98, 10, 1, 0, 47, 11, 1, 3, 227, 2, 0, 7, 2, 1,
        99, 10, 26, 0, 35, 0, 0, 0, 234, 201,
    ];
    run(&input);
}

/// The draft-ietf-mls-extensions proposals go through real group processing: the seed's
/// AppDataUpdates (by value and by reference) and a SelfRemove are committed, the leaver
/// learns it is out, and the remaining members agree on the dictionary.
#[test]
fn self_remove_and_app_data_are_committed() {
    use super::super::member_ops::fixture::APP_COMPONENT;
    let seed = &seeds()["seed-32-self-remove-and-app-data"];
    let s = run(seed);
    assert_eq!(s.commits, 4, "{s:?}");
    assert_eq!((s.self_remove_commits, s.self_removals), (1, 1), "{s:?}");
    assert_eq!(s.app_data_commits, 3, "{s:?}");
    assert!(s.removed_refusals >= 1, "{s:?}");
    let w = world(seed);
    let leaver = w.clients[2].state.as_ref().unwrap();
    assert!(!leaver.group.is_active());
    assert_eq!(leaver.removed_from, Some(4));
    for i in [0, 1, 3] {
        let m = w.clients[i].state.as_ref().unwrap();
        assert_eq!(m.group.epoch(), 4);
        assert_eq!(
            m.group.component_data(APP_COMPONENT).unwrap().as_deref(),
            Some(&b"hi"[..]),
            "client {i}"
        );
        assert_eq!(m.group.members().len(), 3);
    }
}
