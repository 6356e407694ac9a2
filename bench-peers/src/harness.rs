//! The timed region, the sampling and the scenario (setup, then each workload).

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::{APP_MESSAGE_LEN, Lib};

/// Every workload, in the order they run.
pub const WORKLOADS: &[&str] = &[
    "key_package",
    "add_all",
    "join",
    "commit_path",
    "process_commit",
    "remove",
    "commit_path_settled",
    "process_commit_settled",
    "encrypt_1k",
    "decrypt_1k",
];

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Wall time: the median of up to `samples` runs.
    Wall,
    /// Instructions: one run, counted by callgrind inside [`region`] only (the process runs
    /// under `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=... --dump-after=...`).
    Instructions,
    /// Memory: the live heap bytes a member's state holds after `join` (see [`memory`]);
    /// needs the counting allocator of the `bench-peers-mem` binary.
    Memory,
}

/// How to sample.
#[derive(Clone, Debug)]
pub struct Measure {
    /// Wall or instructions.
    pub mode: Mode,
    /// At most this many samples per workload (wall time).
    pub samples: usize,
    /// Stop sampling a workload after this much time once 3 samples are in (wall time).
    pub budget: Duration,
    /// Run only these workloads (all when `None`).
    pub only: Option<Vec<String>>,
}

/// One workload's result.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The workload.
    pub workload: &'static str,
    /// The median wall time (zero in instruction mode).
    pub median: Duration,
    /// How many samples the median is over.
    pub samples: usize,
    /// The median CPU time of the region (wall mode, where [`cpu_time`] is available).
    pub cpu: Option<Duration>,
}

/// The CPU time the process's threads (the calling one and rayon's) have run so far
/// (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, through the `cpu-time` crate), or `None`
/// where it is unsupported. On a machine shared with other jobs a region's CPU time stays
/// near what its wall time would be on an idle machine with one thread, while its wall
/// time includes the time its threads waited for a core.
pub fn cpu_time() -> Option<Duration> {
    cpu_time::ProcessTime::try_now()
        .ok()
        .map(|t| t.as_duration())
}

/// The timed region: `f` alone. Never inlined, and not generic, so that it has one symbol,
/// `melos_bench_peers::harness::region`, for callgrind's `--toggle-collect` (collection on
/// while inside it) and `--dump-after` (one dump of the counts when it returns): the runner
/// in instruction mode counts exactly this function's instructions and what it calls.
#[inline(never)]
pub fn region(f: &mut dyn FnMut()) {
    f();
}

impl Measure {
    fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|w| w == name))
    }

    /// Samples workload `name`: `setup` (untimed) makes the state `run` works on (timed);
    /// the state and the output are dropped outside the timed region.
    fn run<S, O>(
        &self,
        out: &mut Vec<Sample>,
        name: &'static str,
        mut setup: impl FnMut() -> S,
        mut run: impl FnMut(&mut S) -> O,
    ) {
        if !self.wants(name) {
            return;
        }
        let mut times = Vec::new();
        let mut cpus = Vec::new();
        let started = Instant::now();
        loop {
            let mut state = setup();
            let mut output = None;
            let cpu0 = (self.mode == Mode::Wall).then(cpu_time).flatten();
            let t = Instant::now();
            if self.mode == Mode::Instructions {
                crate::valgrind::start_instrumentation();
            }
            region(&mut || output = Some(black_box(run(black_box(&mut state)))));
            if self.mode == Mode::Instructions {
                crate::valgrind::stop_instrumentation();
            }
            let d = t.elapsed();
            if let (Some(c0), Some(c1)) = (cpu0, cpu_time()) {
                cpus.push(c1.saturating_sub(c0));
            }
            drop(output);
            drop(state);
            times.push(d);
            let n = times.len();
            if self.mode == Mode::Instructions
                || n >= self.samples
                // A sample of a minute or more: one is enough.
                || (n == 1 && d > Duration::from_secs(60))
                || (n >= 3 && started.elapsed() > self.budget)
            {
                break;
            }
        }
        times.sort();
        cpus.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        let cpu = (cpus.len() == times.len())
            .then(|| cpus.get(cpus.len() / 2).copied())
            .flatten();
        eprintln!(
            "  {name}: {median:?} (median of {}; CPU {cpu:?})",
            times.len()
        );
        out.push(Sample {
            workload: name,
            median,
            samples: times.len(),
            cpu,
        });
    }
}

fn needs(m: &Measure, names: &[&str]) -> bool {
    names.iter().any(|n| m.wants(n))
}

/// Runs the scenario at `n` members for library `L`.
pub fn scenario<L: Lib>(n: usize, m: &Measure) -> Vec<Sample> {
    assert!(n >= 2, "n must be at least 2");
    let mut out = Vec::new();
    let (alice, clients, kps) = setup::<L>(n);

    let mut kp_client = L::client(n + 1);
    m.run(
        &mut out,
        "key_package",
        || (),
        |_| L::key_package(&mut kp_client),
    );

    let alice0 = L::dup(&alice);
    m.run(
        &mut out,
        "add_all",
        || L::dup(&alice0),
        |a| L::commit_add(a, &kps),
    );
    drop(alice0);
    if !needs(
        m,
        &[
            "join",
            "commit_path",
            "process_commit",
            "remove",
            "commit_path_settled",
            "process_commit_settled",
            "encrypt_1k",
            "decrypt_1k",
        ],
    ) {
        return out;
    }
    scenario_group::<L>(n, m, out, alice, clients, kps)
}

/// Setup: n-1 clients with one KeyPackage each; Alice's one-member group.
#[allow(clippy::type_complexity)]
fn setup<L: Lib>(n: usize) -> (L::Member, Vec<L::Member>, Vec<Vec<u8>>) {
    let t = Instant::now();
    // Setup: n-1 clients with one KeyPackage each; Alice's one-member group.
    let mut alice = L::client(0);
    let mut clients = Vec::with_capacity(n - 1);
    let mut kps = Vec::with_capacity(n - 1);
    for i in 1..n {
        let mut c = L::client(i);
        kps.push(L::key_package(&mut c));
        clients.push(c);
    }
    L::create_group(&mut alice);
    eprintln!(
        "{} n={n}: {} KeyPackages in {:?}",
        L::NAME,
        n - 1,
        t.elapsed()
    );
    (alice, clients, kps)
}

/// The members of the group of `n` the Welcome of `kps` creates (Alice merged it).
fn scenario_group<L: Lib>(
    n: usize,
    m: &Measure,
    mut out: Vec<Sample>,
    mut alice: L::Member,
    clients: Vec<L::Member>,
    kps: Vec<Vec<u8>>,
) -> Vec<Sample> {
    let t = Instant::now();
    let (_, welcome) = L::commit_add(&mut alice, &kps);
    L::merge_pending(&mut alice);
    eprintln!("{} n={n}: group of {n} in {:?}", L::NAME, t.elapsed());

    // The member at the last leaf (n-1).
    let last = clients.last().expect("n >= 2");
    m.run(&mut out, "join", || L::dup(last), |j| L::join(j, &welcome));
    let mut bob = L::dup(last);
    L::join(&mut bob, &welcome);
    assert_eq!(L::epoch_authenticator(&alice), L::epoch_authenticator(&bob));

    // Right after the Adds: a Commit with a path encrypts to every other leaf.
    if needs(m, &["commit_path", "process_commit", "remove"]) {
        m.run(&mut out, "commit_path", || L::dup(&alice), L::commit_path);
        let commit = L::commit_path(&mut L::dup(&alice));
        m.run(
            &mut out,
            "process_commit",
            || L::dup(&bob),
            |b| L::process_commit(b, &commit),
        );
        m.run(
            &mut out,
            "remove",
            || L::dup(&alice),
            |a| L::commit_remove(a, 1),
        );
    }
    drop(bob);

    if !needs(
        m,
        &[
            "commit_path_settled",
            "process_commit_settled",
            "encrypt_1k",
            "decrypt_1k",
        ],
    ) {
        return out;
    }
    // A settled tree: the members at leaves 1, 2, 4, ..., 2^k < n join and commit once
    // each, from the largest subtree down, so that every copath node of leaf 0 is
    // non-blank (a long-lived group's shape: a Commit encrypts to O(log n) nodes).
    let t = Instant::now();
    let mut members = vec![L::dup(&alice)];
    let mut leaf = 1usize;
    while leaf < n {
        let mut c = L::dup(&clients[leaf - 1]);
        L::join(&mut c, &welcome);
        members.push(c);
        leaf *= 2;
    }
    drop(clients);
    for committer in (1..members.len()).rev() {
        let commit = L::commit_path(&mut members[committer]);
        L::merge_pending(&mut members[committer]);
        for (i, member) in members.iter_mut().enumerate() {
            if i != committer {
                L::process_commit(member, &commit);
            }
        }
    }
    let mut members = members.into_iter();
    let alice_s = members.next().expect("leaf 0");
    let bob_s = members.next().expect("leaf 1");
    drop(members);
    assert_eq!(
        L::epoch_authenticator(&alice_s),
        L::epoch_authenticator(&bob_s)
    );
    eprintln!("{} n={n}: settled tree in {:?}", L::NAME, t.elapsed());

    m.run(
        &mut out,
        "commit_path_settled",
        || L::dup(&alice_s),
        L::commit_path,
    );
    let commit = L::commit_path(&mut L::dup(&alice_s));
    m.run(
        &mut out,
        "process_commit_settled",
        || L::dup(&bob_s),
        |b| L::process_commit(b, &commit),
    );

    let data = vec![0x5a; APP_MESSAGE_LEN];
    let mut sender = L::dup(&alice_s);
    m.run(
        &mut out,
        "encrypt_1k",
        || (),
        |_| L::encrypt(&mut sender, &data),
    );
    let mut receiver = L::dup(&bob_s);
    m.run(
        &mut out,
        "decrypt_1k",
        || L::encrypt(&mut sender, &data),
        |msg| L::decrypt(&mut receiver, msg),
    );
    let check = L::encrypt(&mut sender, &data);
    assert_eq!(L::decrypt(&mut receiver, &check), data);
    out
}

/// The memory measure: the live heap bytes that one member's state holds after `join` at
/// `n` members, and the length of its encoded ratchet tree ([`Lib::encoded_tree_len`]).
///
/// `live()` reads the counting allocator (bytes allocated minus bytes freed, as requested
/// by the program: the allocator's own overhead is not included). The joiner (the member at
/// the last leaf) is copied before the count starts; the count after `join` returns, minus
/// the count before, is what the new group state holds (the decoding's temporaries are
/// freed by then; the Welcome's bytes are held by the caller in both counts).
pub fn memory<L: Lib>(n: usize, live: &dyn Fn() -> usize) -> (usize, Option<usize>) {
    assert!(n >= 2, "n must be at least 2");
    let (mut alice, clients, kps) = setup::<L>(n);
    let t = Instant::now();
    let (_, welcome) = L::commit_add(&mut alice, &kps);
    L::merge_pending(&mut alice);
    drop(kps);
    eprintln!("{} n={n}: group of {n} in {:?}", L::NAME, t.elapsed());
    let mut joiner = L::dup(clients.last().expect("n >= 2"));
    drop(clients);
    let before = live();
    L::join(&mut joiner, &welcome);
    let after = live();
    assert_eq!(
        L::epoch_authenticator(&alice),
        L::epoch_authenticator(&joiner)
    );
    let tree = L::encoded_tree_len(&joiner);
    (after.saturating_sub(before), tree)
}
