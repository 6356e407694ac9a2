//! `Commit` (RFC 9420 §12.4).

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{ProposalOrRef, UpdatePath};

/// `Commit` (RFC 9420 §12.4):
///
/// ```text
/// struct {
///     ProposalOrRef proposals<V>;
///     optional<UpdatePath> path;
/// } Commit;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Commit {
    /// The committed proposals, inline or by reference, in order.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's UpdatePath, if any.
    pub path: Option<UpdatePath>,
}
