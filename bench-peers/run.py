#!/usr/bin/env python3
"""Runs the bench-peers matrix and writes Markdown tables with ratios; or, with --quick,
the CI regression check of melos's instruction counts against the committed baseline.

  python3 bench-peers/run.py                      # n = 10, 100, 1000; all libraries; both measures
  python3 bench-peers/run.py --n10000             # also n = 10,000
  python3 bench-peers/run.py --n 100000 --libs melos   # 100,000 members: wall and memory
  python3 bench-peers/run.py --quick              # CI: melos only, n = 10, 100, instructions
  python3 bench-peers/run.py --quick --update-baseline   # accept the current counts

Instruction counts need valgrind (callgrind). Ratios are peer / melos: above 1 means melos
is cheaper by that factor.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "target"))
BIN = os.environ.get("BENCH_PEERS_BIN", os.path.join(TARGET, "release", "bench-peers"))
# The same runner with a counting global allocator (the memory measure).
BIN_MEM = os.environ.get("BENCH_PEERS_MEM_BIN", os.path.join(TARGET, "release", "bench-peers-mem"))
BASELINE = os.path.join(HERE, "baseline.tsv")
LIBS = ["melos", "openmls", "mls-rs"]
WORKLOADS = [
    "key_package", "add_all", "join", "commit_path", "process_commit", "remove",
    "commit_path_settled", "process_commit_settled", "encrypt_1k", "decrypt_1k",
]
# From this n on ("big" groups) only these workloads run, and the default measures are wall
# time and memory: the fresh-tree commits (a path encrypted to every other leaf) and the
# application messages add nothing there but minutes of setup.
BIG = 100_000
BIG_WORKLOADS = ["add_all", "join", "commit_path_settled", "process_commit_settled"]


def build(peers):
    cmd = ["cargo", "build", "--release", "--quiet"]
    if peers:
        cmd += ["--features", "peers"]
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=HERE, check=True)


def run(lib, n, mode, samples, budget, workloads=None, timeout=None):
    """One process per (lib, n, mode). Returns {workload: (value, samples)}; on a timeout
    (seconds) the process is stopped and the rows are empty."""
    cmd = [BIN_MEM if mode == "memory" else BIN, "--lib", lib, "--n", str(n), "--mode", mode,
           "--samples", str(samples), "--budget", str(budget)]
    if workloads:
        cmd += ["--workload", ",".join(workloads)]
    print("+", " ".join(cmd[1:]), file=sys.stderr, flush=True)
    env = dict(os.environ)
    env.setdefault("RAYON_NUM_THREADS", "1")
    try:
        out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True,
                             timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        print(f"  stopped: {lib} n={n} {mode} did not finish within {timeout:.0f} s",
              file=sys.stderr, flush=True)
        return {mode: {}}
    rows = {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "RESULT":
            # Wall mode also reports each region's CPU time (mode "cpu").
            rows.setdefault(f[4], {})[f[2]] = (int(f[5]), int(f[6]))
    return rows


def fmt_count(v):
    if v >= 1e12:
        return f"{v / 1e12:.2f} T"
    if v >= 1e9:
        return f"{v / 1e9:.2f} G"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return str(v)


def fmt_time(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns} ns"


def table(results, mode, ns, libs):
    """results[(lib, n, mode)] = {workload: (value, samples)}"""
    peers = [l for l in libs if l != "melos"]
    head = ["workload", "n"] + libs + [f"{p} / melos" for p in peers if "melos" in libs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in WORKLOADS:
        for n in ns:
            cells = [w, f"{n:,}"]
            vals = {}
            for lib in libs:
                r = results.get((lib, n, mode), {}).get(w)
                if r is None:
                    cells.append("–")
                    continue
                vals[lib] = r[0]
                if mode in ("wall", "cpu"):
                    cells.append(f"{fmt_time(r[0])} (k={r[1]})")
                else:
                    cells.append(fmt_count(r[0]))
            if "melos" in libs:
                for p in peers:
                    if p in vals and vals.get("melos"):
                        cells.append(f"{vals[p] / vals['melos']:.2f}")
                    else:
                        cells.append("–")
            if not vals:
                continue  # not run at this n
            if w == "key_package" and n != ns[0]:
                continue  # independent of n: shown once
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt_bytes(v):
    if v >= 1 << 20:
        return f"{v / (1 << 20):.1f} MiB"
    if v >= 1 << 10:
        return f"{v / (1 << 10):.1f} KiB"
    return f"{v} B"


def memory_table(results, ns, libs):
    """A member's state after join (live heap bytes) against its encoded ratchet tree."""
    lines = ["| library | n | state after join | encoded ratchet tree | state / tree |",
             "|---|---|---|---|---|"]
    for n in ns:
        for lib in libs:
            r = results.get((lib, n, "memory"), {})
            if "memory_state" not in r:
                continue
            state = r["memory_state"][0]
            tree = r.get("encoded_tree", (0, 0))[0]
            ratio = f"{state / tree:.2f}" if tree else "–"
            lines.append(f"| {lib} | {n:,} | {fmt_bytes(state)} | "
                         f"{fmt_bytes(tree) if tree else '–'} | {ratio} |")
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def quick(args):
    """CI: melos's instruction counts at n = 10 and 100 against baseline.tsv."""
    build(peers=False)
    current = {}
    for n in (10, 100):
        for w, (v, _) in run("melos", n, "instructions", 1, 0).get("instructions", {}).items():
            current[(w, n)] = v
    if args.update_baseline:
        with open(BASELINE, "w") as f:
            f.write("# melos instruction counts of bench-peers' timed regions (callgrind, one thread).\n")
            f.write("# Written by `python3 bench-peers/run.py --quick --update-baseline`; CI fails when a\n")
            f.write("# count grows more than 10% over this file.\n")
            f.write("# workload\tn\tinstructions\n")
            for (w, n), v in sorted(current.items(), key=lambda x: (x[0][1], WORKLOADS.index(x[0][0]))):
                f.write(f"{w}\t{n}\t{v}\n")
        print(f"baseline written: {BASELINE}")
        return 0
    baseline = {}
    with open(BASELINE) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            w, n, v = line.split("\t")
            baseline[(w, int(n))] = int(v)
    failed = []
    print(f"{'workload':<24} {'n':>5} {'baseline':>14} {'now':>14} {'change':>8}")
    for key in sorted(baseline, key=lambda k: (k[1], WORKLOADS.index(k[0]) if k[0] in WORKLOADS else 99)):
        b = baseline[key]
        c = current.get(key)
        if c is None:
            print(f"{key[0]:<24} {key[1]:>5} {b:>14} {'missing':>14}")
            failed.append(key)
            continue
        change = (c - b) / b
        mark = "  FAIL" if change > args.threshold else ""
        print(f"{key[0]:<24} {key[1]:>5} {b:>14} {c:>14} {change:>+8.1%}{mark}")
        if change > args.threshold:
            failed.append(key)
    if failed:
        print(f"\n{len(failed)} workload(s) grew more than {args.threshold:.0%} over {BASELINE}.\n"
              "If the extra cost is intended, update the baseline:\n"
              "  python3 bench-peers/run.py --quick --update-baseline\n"
              "and commit bench-peers/baseline.tsv with the reason.", file=sys.stderr)
        return 1
    print("instruction counts within the threshold")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="10,100,1000", help="comma-separated group sizes")
    ap.add_argument("--n10000", action="store_true", help="add n = 10,000")
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--modes", default="auto",
                    help="instructions,wall,memory (auto: instructions,wall; "
                         "wall,memory for n >= 100,000)")
    ap.add_argument("--workloads", help="comma-separated workloads (default: all; "
                    f"for n >= {BIG:,}: {','.join(BIG_WORKLOADS)})")
    ap.add_argument("--timeout", type=float, help="stop a (library, n, measure) run after "
                    "this many seconds and record nothing for it")
    ap.add_argument("--samples", type=int, default=11, help="wall-time samples per cell (at most)")
    ap.add_argument("--budget", type=float, default=10.0,
                    help="seconds per wall-time cell after which sampling stops (once 3 are in)")
    ap.add_argument("--out", help="write the Markdown here (default: stdout)")
    ap.add_argument("--raw", help="append the raw RESULT rows (TSV) here")
    ap.add_argument("--quick", action="store_true", help="CI check of melos against baseline.tsv")
    ap.add_argument("--update-baseline", action="store_true", help="with --quick: rewrite baseline.tsv")
    ap.add_argument("--threshold", type=float, default=0.10)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--from-raw", help="render the tables from a --raw file instead of running")
    args = ap.parse_args()
    if args.quick:
        return quick(args)
    ns = [int(x) for x in args.n.split(",") if x]
    if args.n10000 and 10000 not in ns:
        ns.append(10000)
    libs = [l for l in args.libs.split(",") if l]
    if args.modes == "auto":
        modes = ["wall", "memory"] if all(n >= BIG for n in ns) else ["instructions", "wall"]
    else:
        modes = [m for m in args.modes.split(",") if m]
    results = {}
    if args.from_raw:
        with open(args.from_raw) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                lib, w, n, mode, v, k = line.rstrip("\n").split("\t")
                results.setdefault((lib, int(n), mode), {})[w] = (int(v), int(k))
        ns = sorted({n for (_, n, _) in results})
        if args.modes == "auto":
            modes = ["instructions", "wall", "memory"]
        modes = [m for m in modes if any(k[2] == m for k in results)]
    elif not args.no_build:
        build(peers=any(l != "melos" for l in libs))
    for mode in ([] if args.from_raw else modes):
        for n in ns:
            for lib in libs:
                workloads = args.workloads.split(",") if args.workloads else None
                if workloads is None and n >= BIG:
                    workloads = BIG_WORKLOADS
                by_mode = run(lib, n, mode, args.samples, args.budget, workloads, args.timeout)
                for m, rows in by_mode.items():
                    results[(lib, n, m)] = rows
                    if args.raw:
                        with open(args.raw, "a") as f:
                            for w, (v, k) in rows.items():
                                f.write(f"{lib}\t{w}\t{n}\t{m}\t{v}\t{k}\n")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    threads = os.environ.get("RAYON_NUM_THREADS", "1")
    md = [f"Measured {date} on {machine()}; RAYON_NUM_THREADS={threads}.", ""]
    for mode in modes:
        if mode == "memory":
            md += ["### Memory of a member's state after join (live heap bytes)", "",
                   memory_table(results, ns, libs), ""]
            continue
        if mode == "instructions":
            md += ["### Instructions (callgrind, timed region only, one thread)", ""]
        else:
            md += ["### Wall time (median of k samples)", ""]
        md += [table(results, mode, ns, libs), ""]
        if mode == "wall" and any(k[2] == "cpu" for k in results):
            md += ["### CPU time of the same regions (median of k samples; all the "
                   "process's threads, CLOCK_PROCESS_CPUTIME_ID)", "",
                   table(results, "cpu", ns, libs), ""]
    text = "\n".join(md)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
