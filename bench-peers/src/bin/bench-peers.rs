//! The runner (see [`melos_bench_peers::cli`]): wall time and callgrind instruction counts,
//! with the system allocator.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    melos_bench_peers::cli::main(None)
}
