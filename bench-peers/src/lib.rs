//! One scenario, three MLS libraries: melos, OpenMLS 0.9.2 and mls-rs 0.57.0 driven through
//! the common [`Lib`] trait (suite 0x0001, basic credentials, ratchet tree in the Welcome,
//! handshakes as PublicMessage, application messages as PrivateMessage without padding).
//!
//! Each trait method that is a workload runs from bytes in to bytes out (decoding and
//! encoding are inside); state copies ([`Lib::dup`]) are made by the runner outside the
//! timed region. A Commit is created but not merged by its sender.
// Denied everywhere but in `valgrind`, whose client requests are an `asm!` block.
#![deny(unsafe_code)]

pub mod cli;
pub mod harness;
pub mod melos_lib;
#[cfg(feature = "mls-rs")]
pub mod mlsrs_lib;
#[cfg(feature = "openmls")]
pub mod openmls_lib;
pub mod valgrind;

/// The size of an application message's plaintext (1 KiB).
pub const APP_MESSAGE_LEN: usize = 1024;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What the scenario needs from an MLS library. `Member` is a client (its signature key,
/// its KeyPackages' private keys and, once it created or joined one, its group state).
pub trait Lib {
    /// A client with its state.
    type Member;
    /// The name used on the command line and in tables.
    const NAME: &'static str;
    /// A fresh client with a basic credential `m{i}` (setup).
    fn client(i: usize) -> Self::Member;
    /// Workload `key_package`: a fresh KeyPackage as an encoded `MLSMessage` (its private
    /// keys stay in `m`).
    fn key_package(m: &mut Self::Member) -> Vec<u8>;
    /// Creates a one-member group (setup).
    fn create_group(m: &mut Self::Member);
    /// Workload `add_all`: a Commit adding every KeyPackage (encoded `MLSMessage`s, each
    /// decoded and validated), with the ratchet tree in the Welcome; returns the encoded
    /// Commit and Welcome. Not merged.
    fn commit_add(m: &mut Self::Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>);
    /// Merges the pending Commit (setup).
    fn merge_pending(m: &mut Self::Member);
    /// Workload `join`: joins from an encoded Welcome carrying the ratchet tree.
    fn join(m: &mut Self::Member, welcome: &[u8]);
    /// Workloads `commit_path*`: an empty Commit (with an UpdatePath); returns its
    /// encoding. Not merged.
    fn commit_path(m: &mut Self::Member) -> Vec<u8>;
    /// Workload `remove`: a Commit removing the member at `leaf` (with a path). Not merged.
    fn commit_remove(m: &mut Self::Member, leaf: u32) -> Vec<u8>;
    /// Workloads `process_commit*`: decodes, validates and merges a received Commit.
    fn process_commit(m: &mut Self::Member, commit: &[u8]);
    /// Workload `encrypt_1k`: an application message (PrivateMessage, no padding).
    fn encrypt(m: &mut Self::Member, data: &[u8]) -> Vec<u8>;
    /// Workload `decrypt_1k`: decrypts a received application message; returns the data.
    fn decrypt(m: &mut Self::Member, message: &[u8]) -> Vec<u8>;
    /// A deep copy of the state (setup: outside every timed region).
    fn dup(m: &Self::Member) -> Self::Member;
    /// The epoch authenticator (to check members agree).
    fn epoch_authenticator(m: &Self::Member) -> Vec<u8>;
    /// The length of the member's ratchet tree encoded as RFC 9420 §12.4.3.3 `ratchet_tree`
    /// extension data (`optional<Node> ratchet_tree<V>`), for the memory measure; `None`
    /// when the library does not export it here.
    fn encoded_tree_len(m: &Self::Member) -> Option<usize> {
        let _ = m;
        None
    }
}
