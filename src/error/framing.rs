//! Framing errors (RFC 9420 §6): one variant per receiver check.

/// A PublicMessage or PrivateMessage fails a receiver check (RFC 9420 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FramingError {
    /// The membership tag does not verify (§6.2).
    MembershipTagMismatch,
    /// The message is for another group (§6).
    WrongGroupId,
    /// The message is for another epoch (§6).
    WrongEpoch,
}
