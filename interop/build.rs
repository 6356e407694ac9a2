//! Generates the `mls_client` gRPC code from `proto/mls_client.proto` with protox (a
//! pure-Rust protobuf compiler), so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/mls_client.proto");
    let fds = protox::compile(["mls_client.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
