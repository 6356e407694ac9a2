//! Group engine errors (RFC 9420 §12 to §14): one variant per check.

/// A group operation or an incoming handshake message fails a rule of RFC 9420 §12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// The message belongs to an epoch later than the group's: process earlier commits first.
    FutureEpoch,
    /// There is no pending commit to merge.
    NoPendingCommit,
}
