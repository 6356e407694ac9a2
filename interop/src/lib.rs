//! melos behind the MLS interop harness (mlswg/mls-implementations `interop/`): the
//! `mls_client.MLSClient` gRPC service ([`server`]) and a scenario runner that plays the
//! harness's JSON scripts against two server processes ([`runner`]).
//!
//! This crate is a std test tool, not part of the no_std library: it talks gRPC (tonic,
//! prost) over plaintext HTTP/2 on loopback.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

/// The code generated from `proto/mls_client.proto`.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]
pub mod proto {
    tonic::include_proto!("mls_client");
}

pub mod args;
pub mod runner;
pub mod server;
