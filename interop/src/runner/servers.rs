//! Starting `melos-interop` server processes on free loopback ports, connecting to them,
//! and killing them (by their pid, through the `Child` handles) when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tonic::transport::{Channel, Endpoint};

use crate::proto::mls_client_client::MlsClientClient;
use crate::server::MAX_MESSAGE;

/// A connected client: its name and supported suites as it reports them.
#[derive(Clone)]
pub struct Client {
    /// The gRPC stub.
    pub rpc: MlsClientClient<Channel>,
    /// `Name`, with the client's index for reports.
    pub name: String,
    /// `SupportedCiphersuites`.
    pub suites: Vec<u32>,
}

/// Server processes started by the runner; dropping this kills and reaps them.
pub struct Servers {
    children: Vec<Child>,
    /// The log file of each server's stderr.
    pub logs: Vec<PathBuf>,
    /// Their addresses.
    pub addrs: Vec<SocketAddr>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            // Only our own children, by the pid in their handle.
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(l.local_addr()?.port())
}

/// Starts `count` servers from `bin`, their stderr going to log files in `log_dir`.
pub fn spawn(bin: &Path, count: usize, log_dir: &Path) -> Result<Servers, String> {
    let mut servers = Servers {
        children: Vec::new(),
        logs: Vec::new(),
        addrs: Vec::new(),
    };
    std::fs::create_dir_all(log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    for i in 0..count {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let log = log_dir.join(format!("server-{i}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        servers.children.push(child);
        servers.logs.push(log);
        servers
            .addrs
            .push(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port));
    }
    Ok(servers)
}

/// Connects to `addr` (retrying for `wait` while a server starts) and asks for its name
/// and suites.
pub async fn connect(addr: &str, index: usize, wait: Duration) -> Result<Client, String> {
    let uri = if addr.starts_with("http") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    };
    let endpoint = Endpoint::from_shared(uri).map_err(|e| format!("{addr}: {e}"))?;
    let start = Instant::now();
    let channel = loop {
        match endpoint.connect().await {
            Ok(c) => break c,
            Err(e) if start.elapsed() > wait => return Err(format!("{addr}: {e}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let mut rpc = MlsClientClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE);
    let name = rpc
        .name(crate::proto::NameRequest {})
        .await
        .map_err(|e| format!("{addr}: Name: {e}"))?
        .into_inner()
        .name;
    let suites = rpc
        .supported_ciphersuites(crate::proto::SupportedCiphersuitesRequest {})
        .await
        .map_err(|e| format!("{addr}: SupportedCiphersuites: {e}"))?
        .into_inner()
        .ciphersuites;
    Ok(Client {
        rpc,
        name: format!("{name}#{index}"),
        suites,
    })
}
