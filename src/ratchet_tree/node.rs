//! Node wire types (RFC 9420 §7.1, §12.4.3.3) and the zero-copy views the tree hands out.
//!
//! The tree stores every non-blank node as its canonical encoding (one boxed byte slice per
//! node). That keeps a 100,000-member tree close to its wire size, lets the tree hash feed
//! the stored bytes straight into the hash, and makes encoding the `ratchet_tree` extension a
//! copy. [`LeafNodeRef`] and [`ParentNodeRef`] are views over those bytes: every field is a
//! slice, parsed in O(number of fields) without allocating.

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use crate::codec::{self, read_varint};
use crate::crypto::{CipherSuite, HpkePublicKey};
use crate::error::Error;
use crate::messages::{
    CredentialType, ExtensionType, LeafNode, Lifetime, ProposalType, ProtocolVersion,
};
use crate::tree_math::LeafIndex;

/// `ParentNode` (RFC 9420 §7.1):
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     opaque parent_hash<V>;
///     uint32 unmerged_leaves<V>;
/// } ParentNode;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct ParentNode {
    /// The node's HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// The parent hash of the next node on the filtered direct path (§7.9).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub parent_hash: Vec<u8>,
    /// The unmerged leaves below this node, in increasing order.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub unmerged_leaves: Vec<LeafIndex>,
}

/// `NodeType` (RFC 9420 §7.8): `enum { reserved(0), leaf(1), parent(2), (255) } NodeType;`
pub const NODE_TYPE_LEAF: u8 = 1;
/// `NodeType` `parent(2)` (RFC 9420 §7.8).
pub const NODE_TYPE_PARENT: u8 = 2;

/// `Node` (RFC 9420 §12.4.3.3):
///
/// ```text
/// struct {
///     NodeType node_type;
///     select (Node.node_type) {
///         case leaf:   LeafNode leaf_node;
///         case parent: ParentNode parent_node;
///     };
/// } Node;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// `leaf(1)`.
    Leaf(LeafNode),
    /// `parent(2)`.
    Parent(ParentNode),
}

impl Size for Node {
    fn tls_serialized_len(&self) -> usize {
        1usize.saturating_add(match self {
            Node::Leaf(l) => l.tls_serialized_len(),
            Node::Parent(p) => p.tls_serialized_len(),
        })
    }
}

impl SerializeBytes for Node {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let (tag, body) = match self {
            Node::Leaf(l) => (NODE_TYPE_LEAF, l.tls_serialize_bytes()?),
            Node::Parent(p) => (NODE_TYPE_PARENT, p.tls_serialize_bytes()?),
        };
        let mut out = Vec::with_capacity(body.len().saturating_add(1));
        out.push(tag);
        out.extend_from_slice(&body);
        Ok(out)
    }
}

impl DeserializeBytes for Node {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (tag, rest) = u8::tls_deserialize_bytes(bytes)?;
        match tag {
            NODE_TYPE_LEAF => {
                let (l, rest) = LeafNode::tls_deserialize_bytes(rest)?;
                Ok((Node::Leaf(l), rest))
            }
            NODE_TYPE_PARENT => {
                let (p, rest) = ParentNode::tls_deserialize_bytes(rest)?;
                Ok((Node::Parent(p), rest))
            }
            t => Err(tls_codec::Error::UnknownValue(u64::from(t))),
        }
    }
}

/// A cursor over encoded bytes that never panics: every read returns `None` past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    /// An `opaque<V>` (or any `<V>` vector): its content.
    fn vector(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = read_varint(self.0).ok()?;
        self.0 = rest;
        self.take(len as usize)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }

    fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_be_bytes(a))
    }
}

/// Checks that `content` is a sequence of `opaque<V>` items (e.g. `Certificate certificates<V>`
/// with `Certificate { opaque cert_data<V>; }`).
fn is_vector_of_vectors(content: &[u8]) -> bool {
    let mut r = Reader(content);
    while !r.0.is_empty() {
        if r.vector().is_none() {
            return false;
        }
    }
    true
}

/// Checks that `content` is a sequence of `Extension { uint16 type; opaque data<V>; }`.
fn is_extension_list(content: &[u8]) -> bool {
    let mut r = Reader(content);
    while !r.0.is_empty() {
        if r.u16().is_none() || r.vector().is_none() {
            return false;
        }
    }
    true
}

/// Iterates over a `uint16 x<V>` vector content given as bytes.
fn u16_list(content: &[u8]) -> impl Iterator<Item = u16> + '_ {
    content.chunks_exact(2).map(|c| {
        u16::from_be_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ])
    })
}

/// A borrowed, parsed view of an encoded `LeafNode` (RFC 9420 §7.2): every field is a slice
/// of the stored encoding, so reading a leaf never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafNodeRef<'a> {
    encoded: &'a [u8],
    encryption_key: &'a [u8],
    signature_key: &'a [u8],
    credential_type: u16,
    versions: &'a [u8],
    cipher_suites: &'a [u8],
    capability_extensions: &'a [u8],
    capability_proposals: &'a [u8],
    capability_credentials: &'a [u8],
    source: u8,
    lifetime: Option<Lifetime>,
    parent_hash: &'a [u8],
    extensions: &'a [u8],
    signature: &'a [u8],
    tbs_len: usize,
}

impl<'a> LeafNodeRef<'a> {
    /// Parses `encoded`, which must be exactly one canonical `LeafNode` encoding, with the
    /// same rules as decoding [`LeafNode`]; `None` if it is not.
    pub fn parse(encoded: &'a [u8]) -> Option<Self> {
        let (view, rest) = Self::parse_prefix(encoded)?;
        rest.is_empty().then_some(view)
    }

    /// Parses a `LeafNode` at the front of `bytes`; returns the view and the rest.
    pub fn parse_prefix(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let mut r = Reader(bytes);
        let encryption_key = r.vector()?;
        let signature_key = r.vector()?;
        let credential_type = r.u16()?;
        let credential = r.vector()?;
        if credential_type == CredentialType::X509.0 && !is_vector_of_vectors(credential) {
            return None;
        }
        let mut caps = [&[][..]; 5];
        for c in caps.iter_mut() {
            let v = r.vector()?;
            if v.len() % 2 != 0 {
                return None;
            }
            *c = v;
        }
        let [
            versions,
            cipher_suites,
            capability_extensions,
            capability_proposals,
            capability_credentials,
        ] = caps;
        let source = r.u8()?;
        let (mut lifetime, mut parent_hash) = (None, &[][..]);
        match source {
            1 => {
                let not_before = r.u64()?;
                let not_after = r.u64()?;
                lifetime = Some(Lifetime {
                    not_before,
                    not_after,
                });
            }
            2 => {}
            3 => parent_hash = r.vector()?,
            _ => return None,
        }
        let extensions = r.vector()?;
        if !is_extension_list(extensions) {
            return None;
        }
        let tbs_len = bytes.len().checked_sub(r.0.len())?;
        let signature = r.vector()?;
        let used = bytes.len().checked_sub(r.0.len())?;
        let (encoded, rest) = bytes.split_at_checked(used)?;
        Some((
            LeafNodeRef {
                encoded,
                encryption_key,
                signature_key,
                credential_type,
                versions,
                cipher_suites,
                capability_extensions,
                capability_proposals,
                capability_credentials,
                source,
                lifetime,
                parent_hash,
                extensions,
                signature,
                tbs_len,
            },
            rest,
        ))
    }

    /// The full `LeafNode` encoding.
    pub fn encoded(&self) -> &'a [u8] {
        self.encoded
    }

    /// `encryption_key` (the HPKE public key bytes).
    pub fn encryption_key(&self) -> &'a [u8] {
        self.encryption_key
    }

    /// `signature_key` (the signature public key bytes).
    pub fn signature_key(&self) -> &'a [u8] {
        self.signature_key
    }

    /// The credential type.
    pub fn credential_type(&self) -> CredentialType {
        CredentialType(self.credential_type)
    }

    /// `capabilities.versions`.
    pub fn versions(&self) -> impl Iterator<Item = ProtocolVersion> + 'a {
        u16_list(self.versions).map(ProtocolVersion)
    }

    /// `capabilities.cipher_suites`.
    pub fn cipher_suites(&self) -> impl Iterator<Item = CipherSuite> + 'a {
        u16_list(self.cipher_suites).map(CipherSuite)
    }

    /// `capabilities.extensions`.
    pub fn capability_extensions(&self) -> impl Iterator<Item = ExtensionType> + 'a {
        u16_list(self.capability_extensions).map(ExtensionType)
    }

    /// `capabilities.proposals`.
    pub fn capability_proposals(&self) -> impl Iterator<Item = ProposalType> + 'a {
        u16_list(self.capability_proposals).map(ProposalType)
    }

    /// `capabilities.credentials`.
    pub fn capability_credentials(&self) -> impl Iterator<Item = CredentialType> + 'a {
        u16_list(self.capability_credentials).map(CredentialType)
    }

    /// Whether `capabilities` lists extension type `t` or `t` is a default type (§7.2).
    pub fn supports_extension(&self, t: ExtensionType) -> bool {
        t.is_default() || self.capability_extensions().any(|e| e == t)
    }

    /// The `leaf_node_source` tag: 1 `key_package`, 2 `update`, 3 `commit`.
    pub fn source(&self) -> u8 {
        self.source
    }

    /// The lifetime of a `key_package` leaf.
    pub fn lifetime(&self) -> Option<Lifetime> {
        self.lifetime
    }

    /// The `parent_hash` of a `commit` leaf (empty for the other sources).
    pub fn parent_hash(&self) -> &'a [u8] {
        self.parent_hash
    }

    /// The types of the leaf's `extensions`, in wire order.
    pub fn extension_types(&self) -> impl Iterator<Item = ExtensionType> + 'a {
        let mut r = Reader(self.extensions);
        core::iter::from_fn(move || {
            let t = r.u16()?;
            r.vector()?;
            Some(ExtensionType(t))
        })
    }

    /// `signature`.
    pub fn signature(&self) -> &'a [u8] {
        self.signature
    }

    /// The fields covered by the signature, as encoded (the `LeafNodeTBS` prefix without
    /// the group id and leaf index of the `update` and `commit` sources).
    pub fn signed_fields(&self) -> &'a [u8] {
        self.encoded.get(..self.tbs_len).unwrap_or_default()
    }

    /// The encoded `LeafNodeTBS` (RFC 9420 §7.2) for this leaf at `leaf_index` of group
    /// `group_id`.
    pub fn to_be_signed(&self, group_id: &[u8], leaf_index: LeafIndex) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(
            self.tbs_len
                .saturating_add(group_id.len())
                .saturating_add(8),
        );
        out.extend_from_slice(self.signed_fields());
        if self.source != 1 {
            codec::write_opaque(group_id, &mut out)?;
            out.extend_from_slice(&leaf_index.0.to_be_bytes());
        }
        Ok(out)
    }

    /// Decodes the full [`LeafNode`] (allocates).
    pub fn to_leaf_node(&self) -> Result<LeafNode, Error> {
        codec::decode_exact(self.encoded)
    }
}

/// A borrowed, parsed view of an encoded `ParentNode` (RFC 9420 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParentNodeRef<'a> {
    encoded: &'a [u8],
    encryption_key: &'a [u8],
    parent_hash: &'a [u8],
    unmerged: &'a [u8],
}

impl<'a> ParentNodeRef<'a> {
    /// Parses `encoded`, which must be exactly one `ParentNode` encoding; `None` otherwise.
    pub fn parse(encoded: &'a [u8]) -> Option<Self> {
        let (view, rest) = Self::parse_prefix(encoded)?;
        rest.is_empty().then_some(view)
    }

    /// Parses a `ParentNode` at the front of `bytes`; returns the view and the rest.
    pub fn parse_prefix(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let mut r = Reader(bytes);
        let encryption_key = r.vector()?;
        let parent_hash = r.vector()?;
        let unmerged = r.vector()?;
        if unmerged.len() % 4 != 0 {
            return None;
        }
        let used = bytes.len().checked_sub(r.0.len())?;
        let (encoded, rest) = bytes.split_at_checked(used)?;
        Some((
            ParentNodeRef {
                encoded,
                encryption_key,
                parent_hash,
                unmerged,
            },
            rest,
        ))
    }

    /// The full `ParentNode` encoding.
    pub fn encoded(&self) -> &'a [u8] {
        self.encoded
    }

    /// `encryption_key`.
    pub fn encryption_key(&self) -> &'a [u8] {
        self.encryption_key
    }

    /// `parent_hash`.
    pub fn parent_hash(&self) -> &'a [u8] {
        self.parent_hash
    }

    /// `unmerged_leaves`, in wire order.
    pub fn unmerged_leaves(&self) -> impl ExactSizeIterator<Item = LeafIndex> + 'a {
        self.unmerged.chunks_exact(4).map(|c| {
            let mut a = [0u8; 4];
            a.copy_from_slice(c);
            LeafIndex(u32::from_be_bytes(a))
        })
    }

    /// The number of unmerged leaves.
    pub fn unmerged_count(&self) -> usize {
        self.unmerged.len() / 4
    }

    /// Whether `leaf` is listed in `unmerged_leaves` (binary search: the list must be sorted,
    /// which validation checks).
    pub fn has_unmerged(&self, leaf: LeafIndex) -> bool {
        let (mut lo, mut hi) = (0usize, self.unmerged_count());
        while lo < hi {
            let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
            let v = self.unmerged_at(mid);
            match v.cmp(&leaf.0) {
                core::cmp::Ordering::Equal => return true,
                core::cmp::Ordering::Less => lo = mid.saturating_add(1),
                core::cmp::Ordering::Greater => hi = mid,
            }
        }
        false
    }

    fn unmerged_at(&self, i: usize) -> u32 {
        let start = i.saturating_mul(4);
        let mut a = [0u8; 4];
        if let Some(s) = self.unmerged.get(start..start.saturating_add(4)) {
            a.copy_from_slice(s);
        }
        u32::from_be_bytes(a)
    }

    /// Decodes the full [`ParentNode`] (allocates).
    pub fn to_parent_node(&self) -> Result<ParentNode, Error> {
        codec::decode_exact(self.encoded)
    }
}

/// The `SignContent` (RFC 9420 §5.1.2) a leaf's signature covers: label `"MLS 1.0
/// LeafNodeTBS"` and the `LeafNodeTBS` of `leaf` at `leaf_index` of group `group_id`.
pub(crate) fn sign_content(
    leaf: &LeafNodeRef<'_>,
    group_id: &[u8],
    leaf_index: LeafIndex,
) -> Result<Vec<u8>, Error> {
    const LABEL: &[u8] = b"MLS 1.0 LeafNodeTBS";
    let tbs = leaf.to_be_signed(group_id, leaf_index)?;
    let mut out = Vec::with_capacity(tbs.len().saturating_add(LABEL.len()).saturating_add(8));
    codec::write_opaque(LABEL, &mut out)?;
    codec::write_opaque(&tbs, &mut out)?;
    Ok(out)
}
