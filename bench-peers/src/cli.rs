//! The runner: `bench-peers --lib melos|openmls|mls-rs --workload W[,W...]|all --n N
//! --mode wall|instructions [--samples K] [--budget SECONDS]`, and
//! `bench-peers-mem --lib L --n N --mode memory` (the same runner in the binary with the
//! counting global allocator).
//!
//! Prints one tab-separated line per workload on stdout:
//! `RESULT lib workload n mode value samples`, where value is the median in nanoseconds
//! (wall) or the instruction count of the timed region (instructions).
//!
//! In instruction mode the runner starts itself again under
//! `valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no --toggle-collect=R
//! --dump-after=R` (R the
//! timed region's function, `melos_bench_peers::harness::region`) with
//! `RAYON_NUM_THREADS=1`: callgrind collects only inside the timed region and writes one dump
//! per region; the child prints the workloads in the order it ran them, and the parent
//! pairs them with the dumps.
//!
//! In memory mode (only in `bench-peers-mem`) it prints `RESULT lib memory_state n memory
//! BYTES 1` (live heap bytes held by one member's state after `join`) and `RESULT lib
//! encoded_tree n memory BYTES 1` (its encoded ratchet tree), see [`crate::harness::memory`].

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::harness::{Measure, Mode, Sample, WORKLOADS, memory, scenario};
use crate::melos_lib::Melos;

const CHILD_ENV: &str = "BENCH_PEERS_UNDER_CALLGRIND";

struct Args {
    lib: String,
    n: usize,
    measure: Measure,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-peers --lib melos|openmls|mls-rs --n N [--workload W[,W...]|all] \
         [--mode wall|instructions|memory] [--samples K] [--budget SECONDS]\nworkloads: {}\n\
         (--mode memory: bench-peers-mem only)",
        WORKLOADS.join(", ")
    );
    ExitCode::from(2)
}

fn parse() -> Option<Args> {
    let mut lib = None;
    let mut n = None;
    let mut mode = Mode::Wall;
    let mut samples = 11;
    let mut budget = 10.0f64;
    let mut only: Option<Vec<String>> = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next()?;
        match a.as_str() {
            "--lib" => lib = Some(v),
            "--n" => n = v.parse().ok(),
            "--workload" => only = (v != "all").then(|| v.split(',').map(str::to_string).collect()),
            "--mode" => {
                mode = match v.as_str() {
                    "wall" => Mode::Wall,
                    "instructions" => Mode::Instructions,
                    "memory" => Mode::Memory,
                    _ => return None,
                }
            }
            "--samples" => samples = v.parse().ok()?,
            "--budget" => budget = v.parse().ok()?,
            _ => return None,
        }
    }
    if let Some(w) = &only
        && !w.iter().all(|w| WORKLOADS.contains(&w.as_str()))
    {
        return None;
    }
    Some(Args {
        lib: lib?,
        n: n.filter(|&n| n >= 2)?,
        measure: Measure {
            mode,
            samples: samples.max(1),
            budget: Duration::from_secs_f64(budget),
            only,
        },
    })
}

fn run(args: &Args) -> Option<Vec<Sample>> {
    let (n, m) = (args.n, &args.measure);
    Some(match args.lib.as_str() {
        "melos" => scenario::<Melos>(n, m),
        #[cfg(feature = "openmls")]
        "openmls" => scenario::<crate::openmls_lib::OpenMls>(n, m),
        #[cfg(feature = "mls-rs")]
        "mls-rs" => scenario::<crate::mlsrs_lib::MlsRs>(n, m),
        other => {
            eprintln!("library {other} unknown or not built (features `openmls`, `mls-rs`)");
            return None;
        }
    })
}

/// The timed region's function (see `harness::region`).
fn run_memory(args: &Args, live: &dyn Fn() -> usize) -> Option<(usize, Option<usize>)> {
    let n = args.n;
    Some(match args.lib.as_str() {
        "melos" => memory::<Melos>(n, live),
        #[cfg(feature = "openmls")]
        "openmls" => memory::<crate::openmls_lib::OpenMls>(n, live),
        #[cfg(feature = "mls-rs")]
        "mls-rs" => memory::<crate::mlsrs_lib::MlsRs>(n, live),
        other => {
            eprintln!("library {other} unknown or not built (features `openmls`, `mls-rs`)");
            return None;
        }
    })
}

const REGION: &str = "melos_bench_peers::harness::region";

/// Reads callgrind's dumps `cg.out.1`, `cg.out.2`, ... in `dir`: the instruction count
/// (the `totals:` line: with `--instr-atstart=no` the `summary:` line of a later dump is
/// not that dump's cost) of each, in dump order.
fn read_dumps(dir: &Path) -> Vec<u64> {
    let mut found = Vec::new();
    for i in 1.. {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("cg.out.{i}"))) else {
            break;
        };
        let count = text.lines().find_map(|line| {
            line.strip_prefix("totals: ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|x| x.parse().ok())
        });
        found.push(count.unwrap_or(0));
    }
    found
}

fn under_callgrind() -> Option<Vec<(String, u64, usize)>> {
    let exe = std::env::current_exe().ok()?;
    let dir = std::env::temp_dir().join(format!("bench-peers-cg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let keep = std::env::var_os("BENCH_PEERS_KEEP_DUMPS").is_some();
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "-q", "--collect-atstart=no"])
        // Uninstrumented outside the timed regions (`valgrind` module): same counts, a
        // fraction of the time for the setup.
        // BENCH_PEERS_FULL_INSTRUMENTATION=1 instruments the whole run instead (slow; a
        // check that both give the same counts).
        .args(
            (crate::valgrind::SUPPORTED
                && std::env::var_os("BENCH_PEERS_FULL_INSTRUMENTATION").is_none())
            .then_some("--instr-atstart=no"),
        )
        // Kept dumps name every function in full, so that each reads on its own.
        .args(keep.then_some("--compress-strings=no"))
        .arg(format!("--toggle-collect={REGION}"))
        .arg(format!("--dump-after={REGION}"))
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("cg.out").display()
        ))
        .arg(&exe)
        .args(std::env::args().skip(1))
        .env(CHILD_ENV, "1")
        .env("RAYON_NUM_THREADS", "1")
        .stderr(std::process::Stdio::inherit())
        .output();
    let result = match output {
        Ok(o) if o.status.success() => {
            let ran: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix("RAN\t").map(str::to_string))
                .collect();
            let counts = read_dumps(&dir);
            if counts.len() == ran.len() {
                Some(
                    ran.into_iter()
                        .zip(counts)
                        .map(|(w, c)| (w, c, 1))
                        .collect(),
                )
            } else {
                eprintln!(
                    "{} workloads ran but callgrind wrote {} dumps",
                    ran.len(),
                    counts.len()
                );
                None
            }
        }
        Ok(o) => {
            eprintln!("the run under callgrind failed: {}", o.status);
            None
        }
        Err(e) => {
            eprintln!("cannot start valgrind: {e}");
            None
        }
    };
    // BENCH_PEERS_KEEP_DUMPS=1 keeps the dumps (one per workload, in run order) for
    // `callgrind_annotate` (a function profile of each timed region).
    if keep {
        eprintln!("callgrind dumps kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// The runner's `main`. `live` reads the live heap bytes of the binary's counting
/// allocator (`bench-peers-mem`); `None` in `bench-peers`, which refuses `--mode memory`.
pub fn main(live: Option<&dyn Fn() -> usize>) -> ExitCode {
    let Some(args) = parse() else {
        return usage();
    };
    let mode = match args.measure.mode {
        Mode::Wall => "wall",
        Mode::Instructions => "instructions",
        Mode::Memory => "memory",
    };
    if args.measure.mode == Mode::Memory {
        let Some(live) = live else {
            eprintln!("--mode memory needs the counting allocator: run bench-peers-mem");
            return ExitCode::from(2);
        };
        let Some((state, tree)) = run_memory(&args, live) else {
            return ExitCode::FAILURE;
        };
        println!(
            "RESULT\t{}\tmemory_state\t{}\t{mode}\t{state}\t1",
            args.lib, args.n
        );
        if let Some(tree) = tree {
            println!(
                "RESULT\t{}\tencoded_tree\t{}\t{mode}\t{tree}\t1",
                args.lib, args.n
            );
        }
        return ExitCode::SUCCESS;
    }
    let rows: Vec<(String, u64, usize)> =
        if args.measure.mode == Mode::Instructions && std::env::var_os(CHILD_ENV).is_none() {
            match under_callgrind() {
                Some(r) if !r.is_empty() => r,
                _ => return ExitCode::FAILURE,
            }
        } else {
            if args.measure.mode == Mode::Instructions {
                // Callgrind collects per thread, inside the timed region's call: melos's
                // rayon work (tree validation, batched HPKE) must run on this thread.
                if let Err(e) = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .use_current_thread()
                    .build_global()
                {
                    eprintln!("rayon: {e}");
                    return ExitCode::FAILURE;
                }
            }
            let Some(samples) = run(&args) else {
                return ExitCode::FAILURE;
            };
            if args.measure.mode == Mode::Instructions {
                // The child under callgrind: the parent pairs these with the dumps.
                for s in samples {
                    println!("RAN\t{}", s.workload);
                }
                return ExitCode::SUCCESS;
            }
            // Wall mode: the regions' CPU time too (mode `cpu`, see `harness::cpu_time`).
            for s in &samples {
                if let Some(cpu) = s.cpu {
                    let ns = u64::try_from(cpu.as_nanos()).unwrap_or(u64::MAX);
                    println!(
                        "RESULT\t{}\t{}\t{}\tcpu\t{ns}\t{}",
                        args.lib, s.workload, args.n, s.samples
                    );
                }
            }
            samples
                .into_iter()
                .map(|s| {
                    let ns = u64::try_from(s.median.as_nanos()).unwrap_or(u64::MAX);
                    (s.workload.to_string(), ns, s.samples)
                })
                .collect()
        };
    for (w, v, k) in rows {
        println!("RESULT\t{}\t{w}\t{}\t{mode}\t{v}\t{k}", args.lib, args.n);
    }
    ExitCode::SUCCESS
}
