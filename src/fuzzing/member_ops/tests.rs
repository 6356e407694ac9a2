use std::path::PathBuf;
use std::string::String;

use super::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/group_member_ops")
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

fn world<'f>(fx: &'f Fixture, data: &[u8]) -> World<'f> {
    let mut world = World::new(fx);
    let mut r = Reader::new(data);
    while !r.is_empty() {
        world.step(&mut r);
    }
    world
}

/// The epoch of the active members.
fn epoch(w: &World<'_>) -> u64 {
    w.members
        .iter()
        .find(|s| s.group.is_active())
        .map(|s| s.group.epoch())
        .unwrap()
}

/// The seeds get where they say: Commits are merged by everyone, spares join, crafted
/// Commits with a computed tag are accepted.
#[test]
fn seeds_reach_their_targets() {
    let fx = fixture::shared().unwrap();
    let base = fx.members[0].epoch();
    let seeds: std::collections::BTreeMap<&str, Vec<u8>> = seeds::seeds().into_iter().collect();
    let w = world(fx, &seeds["seed-01-remove-commit-app"]);
    assert_eq!(epoch(&w), base + 1);
    assert!(!w.members[3].group.is_active());
    let w = world(fx, &seeds["seed-02-add-join-app"]);
    assert_eq!(w.members.len(), 5);
    assert_eq!(w.members[4].group.epoch(), base + 1);
    let w = world(fx, &seeds["seed-03-update-commit"]);
    assert_eq!(epoch(&w), base + 1);
    for name in [
        "seed-04-psk-commit",
        "seed-05-gce-commit",
        "seed-07-custom",
        "seed-08-crafted-add-path",
        "seed-11-crafted-leaf-extension",
        "seed-17-persist",
        "seed-18-crafted-private-psk",
        "seed-19-update-leaf-extension",
        "seed-20-add-kp-extension",
        "seed-21-commit-psk-when-required",
        // The replay is refused as a duplicate; Carol's commit goes through.
        "seed-14-duplicate-add-freeze",
    ] {
        assert_eq!(epoch(&world(fx, &seeds[name])), base + 1, "{name}");
    }
    let w = world(fx, &seeds["seed-09-crafted-cached-ref"]);
    assert_eq!(epoch(&w), base + 1);
    assert!(!w.members[2].group.is_active());
    let w = world(fx, &seeds["seed-06-reinit"]);
    assert!(w.members.iter().all(|s| !s.group.is_active()));
    assert_eq!(w.members[0].group.epoch(), base + 1);
    for name in [
        "seed-10-crafted-no-path",
        "seed-12-crafted-patched-path",
        "seed-13-crafted-garbage-and-repeat",
        "seed-27-crafted-proposals",
    ] {
        assert_eq!(epoch(&world(fx, &seeds[name])), base, "{name}");
    }
    let w = world(fx, &seeds["seed-24-joiners-commit"]);
    assert_eq!(w.members.len(), 6);
    assert_eq!(epoch(&w), base + 2);
    assert!(!w.members[0].group.is_active());
}

/// The entry point over the seeds, mutations of them, and random programs from a fixed
/// seed: nothing panics (the checks of the module documentation hold).
#[test]
fn seeds_mutations_and_random_programs_run() {
    let fx = fixture::shared().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (_, seed) in seeds::seeds() {
        run(fx, &seed);
        for _ in 0..20 {
            let mut m = seed.clone();
            let i = (rng.next() as usize) % m.len();
            m[i] = rng.next() as u8;
            run(fx, &m);
        }
    }
    for _ in 0..2000 {
        let len = (rng.next() % 96) as usize;
        // Small values, so that opcodes and indices hit the interesting cases often.
        let data: Vec<u8> = (0..len)
            .map(|_| match rng.next() % 4 {
                0 => rng.next() as u8,
                _ => (rng.next() % 8) as u8,
            })
            .collect();
        run(fx, &data);
    }
}

/// A refused message leaves the saved state byte for byte as it was, so the check in
/// `deliver` is meaningful: saving twice gives the same bytes.
#[test]
fn saving_is_deterministic() {
    let fx = fixture::shared().unwrap();
    for g in &fx.members {
        assert_eq!(
            g.to_bytes().unwrap().as_bytes(),
            g.to_bytes().unwrap().as_bytes()
        );
    }
}

/// The pool invariant holds where the old proposal cache froze (seed 14: an Add received
/// twice made every commit() of the cache fail).
#[test]
fn the_pool_invariant_holds_where_the_old_cache_froze() {
    let fx = fixture::shared().unwrap();
    let seeds: std::collections::BTreeMap<&str, Vec<u8>> = seeds::seeds().into_iter().collect();
    run_with(fx, &seeds["seed-14-duplicate-add-freeze"], true);
}

/// Finding of the 30-minute campaign: a member's Add of a KeyPackage whose `init_key` is
/// not a valid KEM public key was stored, and every later `commit()` failed sealing the
/// Welcome to it (`InvalidKey`): the pool froze. Such keys are now refused on receipt
/// (`GroupError::InvalidKemPublicKey`).
#[test]
fn an_add_with_an_unusable_init_key_does_not_freeze_the_pool() {
    let fx = fixture::shared().unwrap();
    let input = [
        0x00, 0x07, 0xfb, 0x07, 0x01, 0x00, 0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x07, 0x03, 0x02, 0x00,
    ];
    run_with(fx, &input, true);
}

/// Finding of the fuzz target: `Group::propose` accepted a `Proposal::Custom` whose type is
/// one of the seven RFC 9420 types, cached it, and the saved state then did not restore
/// (the cached proposal was encoded as a `Remove` without its `u32`).
#[test]
fn custom_proposal_of_a_default_type_keeps_the_state_restorable() {
    let fx = fixture::shared().unwrap();
    let mut alice = fx.members[0].clone();
    let custom = crate::messages::Proposal::Custom {
        proposal_type: crate::messages::ProposalType::REMOVE,
        data: Vec::new(),
    };
    let proposed = alice.propose(custom);
    let saved = alice.to_bytes().unwrap();
    assert!(
        proposed.is_err() || Group::from_bytes(fx.provider.clone(), saved.as_bytes()).is_ok(),
        "a Custom proposal of type remove was cached and the state no longer restores"
    );
}
