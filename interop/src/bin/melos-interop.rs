//! `melos-interop --host 127.0.0.1 --port 50051`: serves `mls_client.MLSClient` over
//! plaintext HTTP/2 gRPC on that address only.

#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use melos_interop::args::Args;
use melos_interop::server::Service;

const USAGE: &str = "usage: melos-interop [--host 127.0.0.1] --port PORT";

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
    let unknown = args.unknown(&["host", "port"]);
    if !unknown.is_empty() {
        return Err(format!("unknown options {unknown:?}"));
    }
    let host: IpAddr = args.parsed("host")?.unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let port: u16 = args.parsed("port")?.ok_or("--port is required")?;
    let addr = SocketAddr::new(host, port);
    eprintln!("melos-interop: serving mls_client.MLSClient on {addr}");
    tonic::transport::Server::builder()
        .add_service(Service::new().into_server())
        .serve(addr)
        .await
        .map_err(|e| format!("server on {addr}: {e}"))
}
