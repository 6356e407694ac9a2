//! `melos-interop --host 127.0.0.1 --port 50051`: serves `mls_client.MLSClient` over
//! plaintext HTTP/2 gRPC on that address only.
//!
//! GREASE (RFC 9420 §13.5): `--grease on|off` (env `MELOS_INTEROP_GREASE`, default on) for
//! GREASE values in capabilities and a GREASE extension in GroupInfos; `--grease-extensions
//! on|off` (env `MELOS_INTEROP_GREASE_EXTENSIONS`, default off) for GREASE extensions in
//! KeyPackages and leaves, which OpenMLS 0.9 refuses. An option beats the variable.

#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use melos_interop::args::Args;
use melos_interop::server::{Grease, Service};

const USAGE: &str = "usage: melos-interop [--host 127.0.0.1] --port PORT [--grease on|off] \
                     [--grease-extensions on|off]";

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("melos-interop: {e}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    let args = Args::parse(std::env::args().skip(1), &["help"])?;
    if args.flag("help") {
        println!("{USAGE}");
        return Ok(());
    }
    let unknown = args.unknown(&["host", "port", "grease", "grease-extensions"]);
    if !unknown.is_empty() {
        return Err(format!("unknown options {unknown:?}"));
    }
    let host: IpAddr = args.parsed("host")?.unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let port: u16 = args.parsed("port")?.ok_or("--port is required")?;
    let defaults = Grease::default();
    let grease = Grease {
        grease: switch(&args, "grease", "MELOS_INTEROP_GREASE", defaults.grease)?,
        grease_extensions: switch(
            &args,
            "grease-extensions",
            "MELOS_INTEROP_GREASE_EXTENSIONS",
            defaults.grease_extensions,
        )?,
    };
    let addr = SocketAddr::new(host, port);
    eprintln!("melos-interop: serving mls_client.MLSClient on {addr} ({grease:?})");
    tonic::transport::Server::builder()
        .add_service(Service::with_grease(grease).into_server())
        .serve(addr)
        .await
        .map_err(|e| format!("server on {addr}: {e}"))
}

/// An on/off setting: option `--name`, else environment variable `var`, else `default`.
fn switch(args: &Args, name: &str, var: &str, default: bool) -> Result<bool, String> {
    let env = std::env::var(var).ok();
    let (value, source) = match args.value(name) {
        Some(v) => (v.to_owned(), format!("--{name}")),
        None => match env {
            Some(v) => (v, var.to_owned()),
            None => return Ok(default),
        },
    };
    match value.as_str() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(format!("{source}: expected on or off, got {value:?}")),
    }
}
