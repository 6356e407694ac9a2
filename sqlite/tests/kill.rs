//! Client-level kill test (issue #14): a child process runs a group of `Client<SqliteStorage>`
//! (one database file each) behind a persistent simulated delivery service (an append-only,
//! fsynced log), through seeded random operations: application messages, Commits that add
//! (with a KeyPackage from the target's pool), remove or update, KeyPackage replenishment,
//! and every client processing the DS log in order (the committer's own Commit comes back
//! as its echo). The parent kills the child with SIGKILL at random points, some of them
//! inside a storage transaction (`set_write_delay` on some runs; the child prints `begin` /
//! `commit` around every batch, so the parent sees where each kill landed).
//!
//! After each kill the parent opens every store: every client loads, every group is at an
//! epoch no later than the DS's and no earlier than before the kill, a pending Commit is of
//! the group's epoch, and no KeyPackage private key survives in a store whose group already
//! is at (or past) the epoch that KeyPackage's Welcome joined. The next child, at start-up,
//! lets every client catch up from its cursor in the DS log (messages processed before the
//! kill come again: refused, never fatal), discards a pending Commit that never reached the
//! log, and checks that every active member is at the DS's epoch with one epoch
//! authenticator and that no KeyPackage named by a Welcome in the log is still stored.
//! Across all children, no client gets an application message twice (a replayed message
//! is refused because the generation it used is gone from the stored secret tree).
//!
//! Where the kills land: 10% during a child's start-up (after a random number of batches);
//! the others after the child ran a random number of operations and paused for the parent's
//! go-ahead (so a slowly scheduled parent cannot fall behind), either at a random time up to
//! 25 ms later or at a random `begin` (right at it, or up to 3 ms later). Half the children
//! sleep 1-3 ms after each write of a batch, inside its transaction.
//!
//! `MELOS_KILL_OPS` (default 150) operations in all, `MELOS_KILL_COUNT` (default `ops / 6`,
//! at most `ops / 2`) kills spread over them; `MELOS_KILL_SEED` picks the run;
//! `MELOS_KILL_VERBOSE` prints how far each child got. The full run:
//! `MELOS_KILL_OPS=1000 MELOS_KILL_COUNT=220 cargo test -p melos-sqlite --test kill -- --nocapture`.

mod common;
mod kill_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::KEY;
use kill_support::{
    Ds, Marked, Rng, config, cursor_path, env_u64, index_of, provider, read_u64, store_path,
    write_u64,
};
use melos::CipherSuite;
use melos::StorageError;
use melos::client::{Client, ClientEvent};
use melos::group::{CommitOptions, SigningIdentity};
use melos::messages::{Credential, KeyPackageBundle};
use melos::storage::Storage;
use melos_sqlite::SqliteStorage;

/// Set in the child: the directory of the run.
const DIR_ENV: &str = "MELOS_KILL_CHILD_DIR";
/// Set in the child: before which operation it waits for a line on stdin (so the parent
/// controls how far it gets before the kill, however slowly the parent is scheduled).
const PAUSE_ENV: &str = "MELOS_KILL_CHILD_PAUSE_AT";
/// Set in the child: the write delay in milliseconds.
const DELAY_ENV: &str = "MELOS_KILL_CHILD_DELAY_MS";
const CLIENTS: usize = 6;
const G: &[u8] = b"kill test group";
const T0: u64 = 1_800_000_000;

/// The run's set-up (not killed): six clients with KeyPackage pools; client 0 creates the
/// group and adds clients 1 to 4; the Commit and Welcome are the DS log's first entry.
fn setup(dir: &Path) {
    let p = provider();
    let cs = p.suite(CipherSuite(1)).unwrap();
    let mut clients: Vec<Client<SqliteStorage>> = (0..CLIENTS)
        .map(|i| {
            let id = SigningIdentity::generate(
                cs,
                Credential::Basic(format!("client {i}").into_bytes()),
            )
            .unwrap();
            let s = SqliteStorage::open(store_path(dir, i), &KEY).unwrap();
            let mut c = Client::create(p.clone(), id, config(), s).unwrap();
            c.replenish(T0).unwrap();
            c
        })
        .collect();
    clients[0].create_group(G.to_vec(), T0).unwrap();
    let mut options = CommitOptions::default().with_ratchet_tree();
    for c in clients.iter_mut().take(5).skip(1) {
        let kp = c.generate_key_packages(1, T0).unwrap().pop().unwrap();
        options = options.add_member(kp.into_key_package().unwrap());
    }
    let out = clients[0].commit(G, options, T0).unwrap();
    let mut ds = Ds::open(dir, true);
    assert!(ds.submit_commit(
        0,
        out.commit.encode().unwrap(),
        out.welcome.map(|w| w.encode().unwrap())
    ));
}

/// What one child holds.
struct Child {
    dir: PathBuf,
    ds: Ds,
    clients: Vec<Client<Marked>>,
    cursors: Vec<u64>,
}

impl Child {
    fn now(op: u64) -> u64 {
        T0 + op * 10
    }

    /// Client `i` processes up to `max` entries of the DS log from its cursor, each message
    /// in order; the cursor (a file) moves after each entry.
    fn process(&mut self, i: usize, max: usize, now: u64) {
        let end = self
            .ds
            .entries
            .len()
            .min((self.cursors[i] as usize).saturating_add(max));
        for at in self.cursors[i] as usize..end {
            for m in &self.ds.entries[at] {
                let events = self.clients[i].process_incoming(m, now).unwrap();
                for e in events {
                    match e {
                        ClientEvent::MessageRefused { reason, .. } => {
                            let kind = format!("{reason:?}");
                            println!("refused {}", kind.replace(' ', ""));
                        }
                        ClientEvent::OwnCommitMerged { .. } => println!("event merged"),
                        ClientEvent::OwnCommitDiscarded { .. } => println!("event discarded"),
                        ClientEvent::Joined { .. } => println!("event joined"),
                        ClientEvent::Removed { .. } => println!("event removed"),
                        ClientEvent::ApplicationMessage { data, .. } => {
                            println!("event app");
                            println!("delivered {i} {}", String::from_utf8_lossy(&data));
                        }
                        _ => {}
                    }
                }
            }
            self.cursors[i] = at as u64 + 1;
            write_u64(&cursor_path(&self.dir, i), self.cursors[i]);
        }
    }

    fn active(&self, i: usize) -> bool {
        self.clients[i].group(G).is_some_and(|g| g.is_active())
    }

    /// Every client catches up; a pending Commit left then never reached the DS (one that
    /// did was merged as its echo, or lost to another Commit of its epoch): it is discarded.
    /// Then every active member is at the DS's epoch with one epoch authenticator, and no
    /// KeyPackage a Welcome in the log names is still stored.
    fn catch_up_and_check(&mut self, now: u64) {
        for i in 0..CLIENTS {
            self.process(i, usize::MAX, now);
            if self.clients[i].has_pending_commit(G) {
                let p = self.clients[i]
                    .storage()
                    .pending_commit(G)
                    .unwrap()
                    .unwrap();
                assert!(
                    !self.ds.contains(&p.message),
                    "client {i}: a Commit the DS holds is still pending after catching up"
                );
                self.clients[i].discard_pending_commit(G).unwrap();
                println!("event lost-commit-discarded");
            }
        }
        let mut auth = None;
        let mut members = 0;
        for (i, c) in self.clients.iter().enumerate() {
            for kp in c.storage().key_packages().unwrap() {
                assert!(
                    kp.last_resort || !self.ds.welcomed.contains_key(&kp.reference),
                    "client {i}: the KeyPackage of a processed Welcome survived"
                );
            }
            let Some(g) = c.group(G).filter(|g| g.is_active()) else {
                continue;
            };
            members += 1;
            assert_eq!(g.epoch(), self.ds.epoch, "client {i}");
            let a = g.epoch_authenticator().to_vec();
            assert_eq!(auth.get_or_insert_with(|| a.clone()), &a, "client {i}");
            assert_eq!(g.members().len(), members_of(&self.clients, &self.ds).len());
        }
        assert!(members >= 3, "the group shrank to {members}");
    }

    /// One seeded operation.
    fn op(&mut self, seed: u64, op: u64) {
        let mut rng = Rng(seed ^ op.wrapping_mul(0xa076_1d64_78bd_642f));
        let now = Self::now(op);
        let m = rng.below(CLIENTS as u64) as usize;
        let roll = rng.below(100);
        if roll < 30 {
            let max = if rng.chance(50) {
                usize::MAX
            } else {
                1 + rng.below(4) as usize
            };
            self.process(m, max, now);
        } else if roll < 55 {
            if self.active(m) {
                let msg = self.clients[m]
                    .send(G, format!("m{}", self.ds.entries.len()).as_bytes(), b"")
                    .unwrap();
                self.ds.append(vec![msg.encode().unwrap()]);
            }
        } else if roll < 85 {
            self.commit(&mut rng, m, now);
        } else if roll < 93 {
            self.clients[m].replenish(now).unwrap();
        } else {
            for i in 0..CLIENTS {
                self.process(i, usize::MAX, now);
            }
        }
    }

    /// Client `m` commits (an Add of an outsider, a Remove, or an update) in its current
    /// epoch and submits the Commit: accepted only if `m` was caught up.
    fn commit(&mut self, rng: &mut Rng, m: usize, now: u64) {
        if !self.active(m) || self.clients[m].has_pending_commit(G) {
            return;
        }
        let g = self.clients[m].group(G).unwrap();
        let epoch = g.epoch();
        let view = g.members();
        let own = g.own_leaf();
        let inside: BTreeSet<usize> = view.iter().map(|x| index_of(&x.credential)).collect();
        let mut options = CommitOptions::default().with_ratchet_tree();
        let outside: Vec<usize> = (0..CLIENTS).filter(|i| !inside.contains(i)).collect();
        if !outside.is_empty() && rng.chance(45) {
            let x = outside[rng.below(outside.len() as u64) as usize];
            let kp = self.clients[x]
                .storage()
                .key_packages()
                .unwrap()
                .into_iter()
                .find(|k| !k.last_resort && !self.ds.welcomed.contains_key(&k.reference));
            if let Some(kp) = kp {
                let bundle = KeyPackageBundle::from_bytes(kp.bundle.as_bytes()).unwrap();
                options = options.add_member(bundle.key_package);
            }
        } else if view.len() > 3 && rng.chance(40) {
            let others: Vec<_> = view.iter().filter(|x| x.index != own).collect();
            let x = others[rng.below(others.len() as u64) as usize];
            options = options.remove_member(x.index);
        }
        let out = self.clients[m].commit(G, options, now).unwrap();
        let accepted = self.ds.submit_commit(
            epoch,
            out.commit.encode().unwrap(),
            out.welcome.map(|w| w.encode().unwrap()),
        );
        println!("commit {}", if accepted { "accepted" } else { "rejected" });
    }
}

/// The members of the DS's current epoch, as the caught-up active clients see them.
fn members_of(clients: &[Client<Marked>], ds: &Ds) -> BTreeSet<usize> {
    clients
        .iter()
        .filter_map(|c| c.group(G))
        .filter(|g| g.is_active() && g.epoch() == ds.epoch)
        .flat_map(|g| g.members().into_iter().map(|x| index_of(&x.credential)))
        .collect()
}

/// The child process: loads every client, catches up and checks, then runs operations
/// from the saved progress to `MELOS_KILL_OPS`, then a final round that makes every active
/// member share the last epoch.
#[test]
#[ignore = "the child process of clients_survive_sigkill_at_random_points"]
fn kill_child() {
    let Some(dir) = std::env::var_os(DIR_ENV) else {
        return;
    };
    // libtest printed "test kill_child ... " without a newline: end that line.
    println!();
    let dir = PathBuf::from(dir);
    let ops = env_u64("MELOS_KILL_OPS", 150);
    let seed = env_u64("MELOS_KILL_SEED", 0x6b69_6c6c);
    let delay = Duration::from_millis(env_u64(DELAY_ENV, 0));
    let p = provider();
    let clients = (0..CLIENTS)
        .map(|i| {
            let mut s = SqliteStorage::open(store_path(&dir, i), &KEY).unwrap();
            s.set_write_delay(delay);
            Client::load(p.clone(), Marked(s), config()).unwrap()
        })
        .collect();
    let cursors = (0..CLIENTS)
        .map(|i| read_u64(&cursor_path(&dir, i)))
        .collect();
    let progress = dir.join("progress");
    let mut op = read_u64(&progress);
    let mut child = Child {
        ds: Ds::open(&dir, true),
        dir,
        clients,
        cursors,
    };
    child.catch_up_and_check(Child::now(op));
    println!("ready {op} epoch {}", child.ds.epoch);
    let pause_at = env_u64(PAUSE_ENV, u64::MAX);
    while op < ops {
        if op == pause_at {
            // The parent kills this process soon after it answers.
            println!("paused");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).unwrap();
        }
        child.op(seed, op);
        op += 1;
        write_u64(&progress, op);
        println!("op {op} epoch {}", child.ds.epoch);
    }
    // The end: a caught-up member commits, everyone processes it.
    let now = Child::now(op);
    child.catch_up_and_check(now);
    let m = (0..CLIENTS).find(|&i| child.active(i)).unwrap();
    let epoch = child.ds.epoch;
    let out = child.clients[m]
        .commit(G, CommitOptions::default(), now)
        .unwrap();
    assert!(
        child
            .ds
            .submit_commit(epoch, out.commit.encode().unwrap(), None)
    );
    child.catch_up_and_check(now);
    println!("done epoch {}", child.ds.epoch);
}

/// After a kill: every store opens and its client loads; a group is at an epoch between the
/// one it had before and the DS's; a pending Commit is of its group's epoch; a KeyPackage a
/// Welcome of the log names is gone once the group reached that Welcome's epoch. Returns
/// the epochs.
fn check_stores(dir: &Path, before: &[u64]) -> Vec<u64> {
    let ds = Ds::open(dir, false);
    let p = provider();
    (0..CLIENTS)
        .map(|i| {
            let s = SqliteStorage::open(store_path(dir, i), &KEY).unwrap();
            let c = Client::load(p.clone(), s, config()).unwrap();
            let Some(g) = c.group(G) else {
                return 0;
            };
            let e = g.epoch();
            assert!(e <= ds.epoch, "client {i}: epoch {e} after the DS's");
            assert!(e >= before[i], "client {i}: epoch went back to {e}");
            if let Some(pc) = c.storage().pending_commit(G).unwrap() {
                assert_eq!(pc.epoch, e, "client {i}: pending Commit of another epoch");
            }
            for kp in c.storage().key_packages().unwrap() {
                if let Some(&joined) = ds.welcomed.get(&kp.reference) {
                    assert!(
                        kp.last_resort || !g.is_active() || e < joined,
                        "client {i}: at epoch {e}, joined at {joined}, still holds the KeyPackage"
                    );
                }
            }
            e
        })
        .collect()
}

#[derive(Default, Debug)]
struct Tally {
    kills: u64,
    /// Killed between a `begin` and its `commit`: inside `SqliteStorage::apply` (its
    /// transaction, or the WAL checkpoint after it).
    mid_transaction: u64,
    /// Of those, with a write delay: the transaction takes milliseconds, so the kill
    /// landed inside it.
    mid_slow_transaction: u64,
    killed_in_startup: u64,
    runs: u64,
    lines: BTreeMap<String, u64>,
    delivered: BTreeMap<String, u64>,
}

#[test]
fn clients_survive_sigkill_at_random_points() {
    let ops = env_u64("MELOS_KILL_OPS", 150);
    let target = env_u64("MELOS_KILL_COUNT", ops / 6).max(1);
    let seed = env_u64("MELOS_KILL_SEED", 0x6b69_6c6c);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let started = Instant::now();
    let mut rng = Rng(seed ^ 0x7061_7265_6e74);
    let mut tally = Tally::default();
    let mut epochs = vec![0; CLIENTS];
    assert!(
        target <= ops / 2,
        "MELOS_KILL_COUNT at most half of MELOS_KILL_OPS"
    );
    let stderr_path = dir.join("child.stderr");
    let final_epoch = loop {
        tally.runs += 1;
        let delay = if rng.chance(50) { 1 + rng.below(3) } else { 0 };
        // Kill during start-up after some batches (10%); or let the child run some
        // operations, pause, and kill it at a random time after it resumes (25%) or at a
        // `begin` (right at it or up to 3 ms later).
        let plan = rng.below(100);
        let in_startup = plan < 10;
        let done = read_u64(&dir.join("progress"));
        // A timed kill lands up to 25 ms after the child resumes: near the end the child
        // may finish first, and the kill would be lost. Those kills wait for a `begin`.
        let timed = (10..35).contains(&plan) && ops.saturating_sub(done) > 16;
        let pause_at = if tally.kills >= target || in_startup {
            u64::MAX
        } else {
            // Spread the kills left over the first half of the operations left: a run
            // goes on for a few operations after its pause before the kill lands, so an
            // even spread would run out of operations before the last kills.
            let per_kill = ops.saturating_sub(done) / (2 * (target - tally.kills));
            done + rng.below(per_kill)
        };
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "kill_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_ENV, dir)
            .env(DELAY_ENV, delay.to_string())
            .env(PAUSE_ENV, pause_at.to_string())
            .stdin(Stdio::piped())
            .env("MELOS_KILL_OPS", ops.to_string())
            .env("MELOS_KILL_SEED", seed.to_string())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen: Vec<String> = Vec::new();
        let mut killed = false;
        if tally.kills < target {
            let mut begins_left = rng.below(if in_startup { 12 } else { 4 });
            let mut armed = in_startup;
            let mut stdin = child.stdin.take().unwrap();
            loop {
                match rx.recv_timeout(Duration::from_secs(120)) {
                    Ok(line) => {
                        if line == "paused" {
                            armed = true;
                            stdin.write_all(b"go\n").unwrap();
                            if timed {
                                seen.push(line);
                                break;
                            }
                        } else if armed && line == "begin" {
                            if begins_left == 0 {
                                seen.push(line);
                                break;
                            }
                            begins_left -= 1;
                        }
                        seen.push(line);
                    }
                    Err(RecvTimeoutError::Timeout) => panic!("the child hangs"),
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            if timed {
                std::thread::sleep(Duration::from_micros(rng.below(25_000)));
            } else if rng.chance(40) {
                std::thread::sleep(Duration::from_micros(rng.below(3000)));
            }
            child.kill().unwrap(); // SIGKILL
            killed = true;
        }
        let status = child.wait().unwrap();
        seen.extend(rx.iter());
        reader.join().unwrap();
        for line in &seen {
            if line.starts_with("refused")
                || line.starts_with("event")
                || line.starts_with("commit ")
            {
                *tally.lines.entry(line.clone()).or_default() += 1;
            }
            if line.starts_with("delivered") {
                // Each application message (named by its DS position) reaches a client at
                // most once, however often the client processes it again after a kill.
                let n = tally.delivered.entry(line.clone()).or_default();
                *n += 1;
                assert_eq!(*n, 1, "{line} twice");
            }
        }
        if let Some(line) = seen.iter().find(|l| l.starts_with("done")) {
            assert!(status.success(), "the child failed after finishing");
            break line.clone();
        }
        if !(killed && status.signal() == Some(9)) {
            let mut err = String::new();
            fs::File::open(&stderr_path)
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the child failed ({status:?}):\n{err}");
        }
        tally.kills += 1;
        if std::env::var_os("MELOS_KILL_VERBOSE").is_some() {
            let first = seen.iter().find(|l| l.starts_with("ready"));
            let last = seen.iter().rev().find(|l| l.starts_with("op "));
            eprintln!("kill {}: {first:?} .. {last:?}", tally.kills);
        }
        let last = seen.iter().rev().find(|l| *l == "begin" || *l == "commit");
        if last.is_some_and(|l| l == "begin") {
            tally.mid_transaction += 1;
            if delay > 0 {
                tally.mid_slow_transaction += 1;
            }
        }
        if !seen.iter().any(|l| l.starts_with("ready")) {
            tally.killed_in_startup += 1;
        }
        epochs = check_stores(dir, &epochs);
    };
    let ds = Ds::open(dir, false);
    eprintln!(
        "kill run: {ops} ops, {} runs, {} kills ({} inside apply, {} of them in a slowed \
         transaction, {} during start-up), {:.1} s, DS {final_epoch}, {} DS entries, \
         events {:?}",
        tally.runs,
        tally.kills,
        tally.mid_transaction,
        tally.mid_slow_transaction,
        tally.killed_in_startup,
        started.elapsed().as_secs_f64(),
        ds.entries.len(),
        tally.lines
    );
    // The group made progress across the kills, and every active member shares the last
    // epoch (checked by the child; again here from the stores).
    assert!(ds.epoch >= ops / 10, "only {} epochs", ds.epoch);
    // A kill aimed at the last operations can still come after the child finished (it
    // then counts as no kill): allow a tenth of the target to be lost that way.
    assert!(
        tally.kills >= target.min(ops / 2) - target / 10,
        "only {} kills of {target}",
        tally.kills
    );
    let p = provider();
    let mut auth = None;
    for i in 0..CLIENTS {
        let s = SqliteStorage::open(store_path(dir, i), &KEY).unwrap();
        let c = Client::load(p.clone(), s, config()).unwrap();
        if let Some(g) = c.group(G).filter(|g| g.is_active()) {
            assert_eq!(g.epoch(), ds.epoch);
            assert!(!c.has_pending_commit(G));
            let a = g.epoch_authenticator().to_vec();
            assert_eq!(auth.get_or_insert_with(|| a.clone()), &a);
        }
    }
}

/// A truncated or damaged database file is an error from `SqliteStorage::open` or
/// `Client::load`, never a panic, and never a client with a different group: cut to 1, 19,
/// 55, ... bytes, cut inside its last page or by a page, and a byte flipped every 97
/// bytes.
#[test]
fn a_truncated_or_corrupted_store_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let good = fs::read(store_path(dir, 0)).unwrap();
    let p = provider();
    let reference = {
        let s = SqliteStorage::open(store_path(dir, 0), &KEY).unwrap();
        let c = Client::load(p.clone(), s, config()).unwrap();
        c.group(G).unwrap().to_bytes().unwrap().as_bytes().to_vec()
    };
    let path = dir.join("damaged.sqlite");
    let load = |bytes: &[u8]| -> Result<Vec<u8>, melos::Error> {
        let _ = fs::remove_file(path.with_extension("sqlite-wal"));
        let _ = fs::remove_file(path.with_extension("sqlite-shm"));
        fs::write(&path, bytes).unwrap();
        let s = SqliteStorage::open(&path, &KEY)?;
        let c = Client::load(p.clone(), s, config())?;
        Ok(c.group(G)
            .ok_or(melos::Error::Storage(StorageError::RecordMalformed))?
            .to_bytes()?
            .as_bytes()
            .to_vec())
    };
    let mut errors = BTreeSet::new();
    // Truncations: every one is an error.
    let mut cut = 1;
    while cut < good.len() {
        let e = load(&good[..cut]).expect_err("a truncated store loaded");
        errors.insert(e.to_string());
        cut = cut * 2 + 17;
    }
    // Cuts inside the last page or at a page boundary: an error, or (only unused bytes
    // were cut) the same group.
    for cut in [
        good.len() - 1,
        good.len() - 100,
        good.len().saturating_sub(4096),
        100,
        0,
    ] {
        match load(&good[..cut]) {
            Err(e) => {
                errors.insert(e.to_string());
            }
            Ok(state) => assert_eq!(state, reference, "cut at {cut} changed the group"),
        }
    }
    // Flipped bytes: an error, or (a byte SQLite does not use) the same group.
    let mut flips = 0;
    for at in (0..good.len()).step_by(97) {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        match load(&bad) {
            Err(e) => {
                flips += 1;
                errors.insert(e.to_string());
            }
            Ok(state) => assert_eq!(state, reference, "byte {at} changed the group"),
        }
    }
    assert!(flips > 0);
    eprintln!("{} error texts, e.g. {:?}", errors.len(), errors);
    for e in &errors {
        assert!(!e.is_empty());
    }
}
