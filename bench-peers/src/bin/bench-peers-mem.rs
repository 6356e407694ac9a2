//! The runner (see [`melos_bench_peers::cli`]) with a counting global allocator, for
//! `--mode memory`: the live heap bytes one member's state holds. A separate binary so that
//! the counting (atomic adds on every allocation) stays out of `bench-peers`'s wall times
//! and instruction counts.
#![forbid(unsafe_code)]

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated minus bytes freed so far (sizes as requested; reallocations count their
/// growth as allocated and their shrinking as freed).
fn live() -> usize {
    let s = GLOBAL.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

fn main() -> std::process::ExitCode {
    melos_bench_peers::cli::main(Some(&live))
}
