//! `melos-interop-runner`: plays the IETF interop scripts against two `melos-interop`
//! servers and prints a pass/fail table (see `melos_interop::runner`).

#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> std::process::ExitCode {
    melos_interop::runner::main().await
}
