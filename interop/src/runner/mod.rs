//! The scenario runner: plays every script of the IETF interop configs against two
//! `melos-interop` processes (or any `--client` addresses), over cipher suites, both
//! handshake encodings and assignments of clients to actors, and prints a pass/fail table.
//!
//! Assignments: with `c` clients and `k` actors there are `c^k`. When that is at most
//! `--max-assignments` (default 16) or with `--all-assignments`, all are played (as the IETF
//! runner's `allCombinations` mode). Otherwise a fixed sample: every actor on client 0,
//! every actor on client 1, the two alternating assignments (actors in sorted order), then
//! seeded random ones up to `--max-assignments`; scripts longer than 200 steps (the deep
//! random script) play only the first alternating assignment and one random one (just the
//! alternating one with `--max-assignments 1`).

mod script;
mod servers;
mod subgroup;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::args::Args;
use script::{Rng, Run, StepError};
use servers::Client;

const USAGE: &str = "\
usage: melos-interop-runner [options]
  --configs DIR        config directory (env MELOS_INTEROP_CONFIGS; default
                       ../shared/interop/configs next to the repository)
  --config NAME        only this config (file stem; repeatable)
  --script NAME        only this script (repeatable)
  --suites 1,2,3       cipher suites (default 1,2,3)
  --all-suites         suites 1 to 7
  --pq-suites          the eleven suites of draft-ietf-mls-pq-ciphersuites at melos's
                       private-use values 0xFA01-0xFA0B (servers built with feature pq)
  --public | --private only one handshake encoding (default both)
  --max-assignments N  sample size of client-to-actor assignments (default 16)
  --all-assignments    every assignment (can be huge)
  --jobs N             scripts played concurrently (default 4)
  --seed N             seed of PSK values, group ids and sampled assignments (default 1)
  --server-bin PATH    the melos-interop binary (default: next to this one)
  --client HOST:PORT   use running clients instead of starting two (repeatable)
  --strict             unimplemented RPCs count as failures
  --verbose            print every failing run
  --dump-messages DIR  write every message the runner relays (KeyPackages, Welcomes,
                       GroupInfos, ratchet trees, Commits, proposals, ciphertexts) to DIR,
                       one file each named <kind>-<suite>-<hash> (fuzz seeds:
                       tools/fuzz_seeds.py --runner-dump DIR)";

const SWITCHES: &[&str] = &[
    "all-suites",
    "pq-suites",
    "public",
    "private",
    "all-assignments",
    "strict",
    "verbose",
    "help",
];
const OPTIONS: &[&str] = &[
    "configs",
    "config",
    "script",
    "suites",
    "max-assignments",
    "jobs",
    "seed",
    "server-bin",
    "client",
    "dump-messages",
];

/// Runs the runner with the process's arguments.
pub async fn main() -> ExitCode {
    match run_all().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("melos-interop-runner: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

struct Options {
    configs: PathBuf,
    only_configs: Vec<String>,
    only_scripts: Vec<String>,
    suites: Vec<u32>,
    encodings: Vec<bool>,
    max_assignments: usize,
    all_assignments: bool,
    jobs: usize,
    seed: u64,
    strict: bool,
    verbose: bool,
    dump: Option<PathBuf>,
}

fn options(args: &Args) -> Result<Options, String> {
    let unknown = args.unknown(&[SWITCHES, OPTIONS].concat());
    if !unknown.is_empty() {
        return Err(format!("unknown options {unknown:?}"));
    }
    let configs = args
        .value("configs")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("MELOS_INTEROP_CONFIGS").map(PathBuf::from))
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/interop/configs"
            ))
        });
    let suites = if args.flag("all-suites") {
        (1..=7).collect()
    } else if args.flag("pq-suites") {
        // The eleven suites of draft-ietf-mls-pq-ciphersuites at melos's default values.
        melos::crypto::PqSuite::ALL
            .iter()
            .map(|s| u32::from(s.default_code_point().0))
            .collect()
    } else {
        args.value("suites")
            .unwrap_or("1,2,3")
            .split(',')
            .map(|s| {
                let s = s.trim();
                match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => s.parse::<u32>(),
                }
                .map_err(|_| format!("bad suite {s:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let encodings = match (args.flag("public"), args.flag("private")) {
        (true, false) => vec![false],
        (false, true) => vec![true],
        _ => vec![false, true],
    };
    Ok(Options {
        configs,
        only_configs: args
            .values("config")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        only_scripts: args
            .values("script")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        suites,
        encodings,
        max_assignments: args.parsed("max-assignments")?.unwrap_or(16).max(1),
        all_assignments: args.flag("all-assignments"),
        jobs: args.parsed("jobs")?.unwrap_or(4).max(1),
        seed: args.parsed("seed")?.unwrap_or(1),
        strict: args.flag("strict"),
        verbose: args.flag("verbose"),
        dump: args.value("dump-messages").map(PathBuf::from),
    })
}

/// The configs: `(name, scripts)` sorted by name.
fn load_configs(opts: &Options) -> Result<Vec<Config>, String> {
    let dir = &opts.configs;
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if !opts.only_configs.is_empty() && !opts.only_configs.contains(&name) {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(scripts) = json.get("scripts").and_then(Value::as_object) else {
            return Err(format!("{}: no scripts", path.display()));
        };
        let mut list = Vec::new();
        for (sname, steps) in scripts {
            if !opts.only_scripts.is_empty() && !opts.only_scripts.contains(sname) {
                continue;
            }
            let Some(steps) = steps.as_array() else {
                return Err(format!("{}: script {sname} is not a list", path.display()));
            };
            list.push((sname.clone(), steps.clone()));
        }
        out.push((name, list));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The client index of every actor, per assignment played (see the module docs).
fn assignments(
    clients: usize,
    actors: usize,
    steps: usize,
    opts: &Options,
    rng: &mut Rng,
) -> Vec<Vec<usize>> {
    let total = u32::try_from(actors)
        .ok()
        .and_then(|k| clients.checked_pow(k));
    if let Some(total) = total
        && (opts.all_assignments || total <= opts.max_assignments)
    {
        return (0..total)
            .map(|mut n| {
                (0..actors)
                    .map(|_| {
                        let d = n.checked_rem(clients).unwrap_or(0);
                        n = n.checked_div(clients).unwrap_or(0);
                        d
                    })
                    .collect()
            })
            .collect();
    }
    let c = clients.max(1);
    let alternating = |offset: usize| -> Vec<usize> {
        (0..actors)
            .map(|i| i.wrapping_add(offset).checked_rem(c).unwrap_or(0))
            .collect()
    };
    let random = |rng: &mut Rng| -> Vec<usize> {
        (0..actors)
            .map(|_| {
                usize::try_from(
                    rng.next()
                        .checked_rem(u64::try_from(c).unwrap_or(1))
                        .unwrap_or(0),
                )
                .unwrap_or(0)
            })
            .collect()
    };
    if steps > 200 {
        let mut out = vec![alternating(0), random(rng)];
        out.truncate(opts.max_assignments.max(1));
        return out;
    }
    let mut out: Vec<Vec<usize>> = (0..c.min(2)).map(|i| vec![i; actors]).collect();
    out.push(alternating(0));
    out.push(alternating(1));
    out.dedup();
    while out.len() < opts.max_assignments {
        out.push(random(rng));
    }
    out.truncate(opts.max_assignments.max(1));
    out
}

/// A config: its name and its `(script name, steps)`.
type Config = (String, Vec<(String, Vec<Value>)>);

/// What a finished run reports: its cell, its assignment, its outcome.
type RunResult = (Key, Vec<usize>, Result<(), (usize, StepError)>);

#[derive(Default)]
struct Cell {
    pass: usize,
    fail: usize,
    unimplemented: usize,
    first_failure: Option<String>,
    first_unimplemented: Option<String>,
}

type Key = (String, String, u32, bool);

async fn run_all() -> Result<bool, String> {
    let args = Args::parse(std::env::args().skip(1), SWITCHES)?;
    if args.flag("help") {
        println!("{USAGE}");
        return Ok(true);
    }
    let opts = options(&args)?;
    let configs = load_configs(&opts)?;
    let start = Instant::now();

    // Start (or reach) the clients; `_servers` kills ours when this function returns.
    let external = args.values("client");
    let (_servers, addrs) = if external.is_empty() {
        let bin = match args.value("server-bin") {
            Some(b) => PathBuf::from(b),
            None => std::env::current_exe()
                .map_err(|e| e.to_string())?
                .with_file_name(format!("melos-interop{}", std::env::consts::EXE_SUFFIX)),
        };
        let log_dir = std::env::temp_dir().join("melos-interop");
        let servers = servers::spawn(&bin, 2, &log_dir)?;
        let addrs: Vec<String> = servers.addrs.iter().map(ToString::to_string).collect();
        for l in &servers.logs {
            eprintln!("server log: {}", l.display());
        }
        (Some(servers), addrs)
    } else {
        (None, external.into_iter().map(str::to_owned).collect())
    };
    let mut clients: Vec<Client> = Vec::new();
    for (i, a) in addrs.iter().enumerate() {
        clients.push(servers::connect(a, i, Duration::from_secs(20)).await?);
    }
    let names: Vec<&str> = clients.iter().map(|c| c.name.as_str()).collect();
    println!("clients: {}", names.join(", "));

    // The suites every client lists, in the first client's order (RFC 9420 suites first):
    // with servers built with the feature `pq` also the post-quantum suites.
    let common: Vec<u32> = clients
        .first()
        .map(|c| c.suites.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| clients.iter().all(|c| c.suites.contains(s)))
        .collect();
    if let Some(dir) = &opts.dump {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut rng = Rng(opts.seed);
    let sem = Arc::new(Semaphore::new(opts.jobs));
    let mut set: JoinSet<RunResult> = JoinSet::new();
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    for (cname, scripts) in &configs {
        for (sname, steps) in scripts {
            let actors = script::actors(steps);
            for &suite in &opts.suites {
                for &encrypt in &opts.encodings {
                    let key: Key = (cname.clone(), sname.clone(), suite, encrypt);
                    let cell = cells.entry(key.clone()).or_default();
                    if !common.contains(&suite) {
                        cell.fail = cell.fail.saturating_add(1);
                        cell.first_failure =
                            Some(format!("suite {suite} not supported by all clients"));
                        continue;
                    }
                    for combo in
                        assignments(clients.len(), actors.len(), steps.len(), &opts, &mut rng)
                    {
                        let map = actors
                            .iter()
                            .zip(&combo)
                            .filter_map(|(a, i)| clients.get(*i).map(|c| (a.clone(), c.clone())))
                            .collect();
                        let run_rng = Rng(rng.next());
                        let steps = steps.clone();
                        let suites = common.clone();
                        let key = key.clone();
                        let sem = sem.clone();
                        let dump = opts.dump.clone();
                        set.spawn(async move {
                            let _permit = sem.acquire_owned().await;
                            let mut run = Run::new(suite, encrypt, suites, map, run_rng);
                            run.dump_to(dump);
                            let r = run.play(&steps).await;
                            (key, combo, r)
                        });
                    }
                }
            }
        }
    }
    while let Some(joined) = set.join_next().await {
        let (key, combo, result) = joined.map_err(|e| format!("runner task failed: {e}"))?;
        let cell = cells.entry(key.clone()).or_default();
        match result {
            Ok(()) => cell.pass = cell.pass.saturating_add(1),
            Err((step, StepError::Unimplemented(m))) => {
                cell.unimplemented = cell.unimplemented.saturating_add(1);
                cell.first_unimplemented
                    .get_or_insert_with(|| format!("step {step}: {m}"));
            }
            Err((step, StepError::Failed(m))) => {
                cell.fail = cell.fail.saturating_add(1);
                let msg = format!("step {step}, clients {combo:?}: {m}");
                if opts.verbose {
                    eprintln!(
                        "FAIL {}/{} suite {} {}: {msg}",
                        key.0,
                        key.1,
                        key.2,
                        enc(key.3)
                    );
                }
                cell.first_failure.get_or_insert(msg);
            }
        }
    }
    Ok(report(&cells, &opts, start.elapsed()))
}

fn enc(encrypt: bool) -> &'static str {
    if encrypt { "private" } else { "public" }
}

/// Prints the table and details; whether the run passed.
fn report(cells: &BTreeMap<Key, Cell>, opts: &Options, elapsed: Duration) -> bool {
    let mut rows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let (mut pass, mut fail, mut unimpl) = (0usize, 0usize, 0usize);
    for ((c, s, suite, e), cell) in cells {
        let runs = cell
            .pass
            .saturating_add(cell.fail)
            .saturating_add(cell.unimplemented);
        let text = if cell.fail > 0 {
            format!("FAIL {}/{runs}", cell.fail)
        } else if cell.unimplemented > 0 {
            "unimpl".to_owned()
        } else {
            format!("pass {runs}")
        };
        let _ = (suite, e);
        rows.entry((c.clone(), s.clone())).or_default().push(text);
        pass = pass.saturating_add(cell.pass);
        fail = fail.saturating_add(cell.fail);
        unimpl = unimpl.saturating_add(cell.unimplemented);
    }
    let mut header = format!("{:<48}", "config/script");
    for suite in &opts.suites {
        for e in &opts.encodings {
            header.push_str(&format!(
                " {:>12}",
                format!("s{suite} {}", if *e { "priv" } else { "pub" })
            ));
        }
    }
    println!("\n{header}");
    for ((c, s), cols) in &rows {
        let mut line = format!("{:<48}", format!("{c}/{s}"));
        for t in cols {
            line.push_str(&format!(" {t:>12}"));
        }
        println!("{line}");
    }
    let mut details = Vec::new();
    for ((c, s, suite, e), cell) in cells {
        if let Some(f) = &cell.first_failure {
            details.push(format!("FAIL   {c}/{s} suite {suite} {}: {f}", enc(*e)));
        }
    }
    let mut unimpl_seen: BTreeMap<(String, String), String> = BTreeMap::new();
    for ((c, s, _, _), cell) in cells {
        if let Some(u) = &cell.first_unimplemented {
            unimpl_seen
                .entry((c.clone(), s.clone()))
                .or_insert_with(|| u.clone());
        }
    }
    if !details.is_empty() {
        println!("\nfailures (first per cell):");
        for d in &details {
            println!("  {d}");
        }
    }
    if !unimpl_seen.is_empty() {
        println!("\nunimplemented (first per script):");
        for ((c, s), u) in &unimpl_seen {
            println!("  {c}/{s}: {u}");
        }
    }
    println!(
        "\nruns: {pass} passed, {fail} failed, {unimpl} unimplemented, in {:.1} s",
        elapsed.as_secs_f64()
    );
    fail == 0 && (!opts.strict || unimpl == 0)
}
