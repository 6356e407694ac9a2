//! Saved state of a secret tree (RFC 9420 §9.2: what remains after deletion).
//!
//! The encoding holds exactly what the tree still holds: the node secrets not yet consumed,
//! each started leaf's two ratchet secrets with their generation, and the retained keys of
//! skipped generations. Consumed keys and deleted secrets are gone from memory and so are
//! never written. The bytes are secret: the caller must store them encrypted.
//!
//! ```text
//! struct {
//!     uint32 leaf_count;
//!     uint32 max_forward_jump;
//!     uint32 max_retained_keys;
//!     NodeSecret nodes<V>;          // ascending node index
//!     LeafRatchetsState leaves<V>;  // ascending leaf index
//! } SecretTreeState;
//! struct { uint32 node; opaque secret<V>; } NodeSecret;
//! struct { uint32 leaf; RatchetState handshake; RatchetState application; } LeafRatchetsState;
//! struct { uint64 next_generation; opaque secret<V>; RetainedKey retained<V>; } RatchetState;
//! struct { uint32 generation; opaque key<V>; opaque nonce<V>; } RetainedKey;
//! ```

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{HashRatchet, LeafRatchets, SecretTree, SecretTreeConfig};
use crate::codec;
use crate::crypto::Secret;
use crate::error::{DecodeError, Error};
use crate::key_schedule::AeadKeyNonce;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// Secret bytes in saved state, encoded as `opaque<V>`: decoded straight into a zeroizing
/// [`Secret`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StateSecret(pub(crate) Secret);

impl StateSecret {
    pub(crate) fn of(secret: &Secret) -> Self {
        StateSecret(secret.clone())
    }
}

impl Size for StateSecret {
    fn tls_serialized_len(&self) -> usize {
        codec::vl_bytes::tls_serialized_len(self.0.as_bytes())
    }
}

impl SerializeBytes for StateSecret {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        codec::vl_bytes::tls_serialize_bytes(self.0.as_bytes())
    }
}

impl DeserializeBytes for StateSecret {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (v, rest) = codec::vl_bytes::tls_deserialize_bytes(bytes)?;
        Ok((StateSecret(Secret::new(v)), rest))
    }
}

/// Writes saved state straight into one buffer, in the same encoding as its `tls_codec`
/// derive, so that secrets are never copied into temporary buffers that are freed without
/// zeroizing (the derive builds one temporary vector per field).
pub(crate) trait WriteState {
    /// Appends the encoding of `self` to `out`.
    fn write_state(&self, out: &mut Vec<u8>) -> Result<(), Error>;
}

impl WriteState for StateSecret {
    fn write_state(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        codec::write_opaque(self.0.as_bytes(), out)
    }
}

impl<T: WriteState> WriteState for Option<T> {
    fn write_state(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            None => {
                out.push(0);
                Ok(())
            }
            Some(v) => {
                out.push(1);
                v.write_state(out)
            }
        }
    }
}

/// Implements [`WriteState`] for types without secrets through their `tls_codec` encoding.
macro_rules! write_public_state {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::secret_tree::WriteState for $t {
            fn write_state(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), $crate::error::Error> {
                out.extend_from_slice(&$crate::codec::encode(self)?);
                Ok(())
            }
        })*
    };
}
pub(crate) use write_public_state;

/// Implements [`WriteState`] for a state struct, field by field in declaration order:
/// `field: state` (a [`WriteState`] field), `field: vec` (`T items<V>`), `field: bytes`
/// (`opaque<V>`).
macro_rules! write_state_struct {
    ($name:ident { $($field:ident : $kind:ident),* $(,)? }) => {
        impl $crate::secret_tree::WriteState for $name {
            fn write_state(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), $crate::error::Error> {
                $($crate::secret_tree::write_state_struct!(@$kind self.$field, out);)*
                Ok(())
            }
        }
    };
    (@state $e:expr, $out:ident) => {
        $crate::secret_tree::WriteState::write_state(&$e, $out)?
    };
    (@vec $e:expr, $out:ident) => {
        $crate::secret_tree::write_state_vec(&$e, $out)?
    };
    (@bytes $e:expr, $out:ident) => {
        $crate::codec::write_opaque(&$e, $out)?
    };
}
pub(crate) use write_state_struct;

/// Writes `T items<V>`: the varint byte length, then each item.
pub(crate) fn write_state_vec<T: WriteState + Size>(
    items: &[T],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let len = items
        .iter()
        .try_fold(0usize, |a, x| a.checked_add(x.tls_serialized_len()))
        .ok_or(Error::Encode)?;
    codec::write_varint(len, out)?;
    items.iter().try_for_each(|x| x.write_state(out))
}

/// Encodes `value` into a buffer sized once (no reallocation leaves copies behind) and
/// returns it as a [`Secret`].
pub(crate) fn encode_state<T: WriteState + Size>(value: &T) -> Result<Secret, Error> {
    let mut out = Vec::with_capacity(value.tls_serialized_len());
    let written = value.write_state(&mut out);
    let secret = Secret::new(out);
    written.map(|()| secret)
}

write_public_state!(u8, u16, u32, u64, NodeIndex, LeafIndex);

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct NodeSecret {
    pub(super) node: NodeIndex,
    pub(super) secret: StateSecret,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct RetainedKey {
    pub(super) generation: u32,
    pub(super) key: StateSecret,
    pub(super) nonce: StateSecret,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct RatchetState {
    pub(super) next_generation: u64,
    pub(super) secret: StateSecret,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) retained: Vec<RetainedKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(super) struct LeafRatchetsState {
    pub(super) leaf: LeafIndex,
    pub(super) handshake: RatchetState,
    pub(super) application: RatchetState,
}

/// The saved form of a [`SecretTree`] (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub(crate) struct SecretTreeState {
    pub(super) leaf_count: u32,
    pub(super) max_forward_jump: u32,
    pub(super) max_retained_keys: u32,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) nodes: Vec<NodeSecret>,
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub(super) leaves: Vec<LeafRatchetsState>,
}

fn malformed() -> Error {
    Error::Decode(DecodeError::Malformed)
}

impl RatchetState {
    fn of(r: &HashRatchet) -> Self {
        RatchetState {
            next_generation: r.next_generation,
            secret: StateSecret::of(&r.secret),
            retained: r
                .retained
                .iter()
                .map(|(g, k)| RetainedKey {
                    generation: *g,
                    key: StateSecret::of(&k.key),
                    nonce: StateSecret::of(&k.nonce),
                })
                .collect(),
        }
    }

    fn into_ratchet(self, config: &SecretTreeConfig) -> Result<HashRatchet, Error> {
        // `2^32` marks an exhausted ratchet; nothing lies beyond it.
        if self.next_generation > u64::from(u32::MAX).saturating_add(1) {
            return Err(malformed());
        }
        if self.retained.len() > config.max_retained_keys {
            return Err(malformed());
        }
        let mut retained = BTreeMap::new();
        let mut last: Option<u32> = None;
        for k in self.retained {
            let ascending = last.is_none_or(|l| k.generation > l);
            if !ascending || u64::from(k.generation) >= self.next_generation {
                return Err(malformed());
            }
            last = Some(k.generation);
            retained.insert(
                k.generation,
                AeadKeyNonce {
                    key: k.key.0,
                    nonce: k.nonce.0,
                },
            );
        }
        Ok(HashRatchet {
            next_generation: self.next_generation,
            secret: self.secret.0,
            retained,
        })
    }
}

impl SecretTree {
    /// The saved form of this tree (RFC 9420 §9.2: only what is still held).
    pub(crate) fn to_state(&self) -> Result<SecretTreeState, Error> {
        Ok(SecretTreeState {
            leaf_count: self.size.leaf_count(),
            max_forward_jump: self.config.max_forward_jump,
            max_retained_keys: u32::try_from(self.config.max_retained_keys)
                .map_err(|_| Error::Encode)?,
            nodes: self
                .nodes
                .iter()
                .map(|(n, s)| NodeSecret {
                    node: *n,
                    secret: StateSecret::of(s),
                })
                .collect(),
            leaves: self
                .leaves
                .iter()
                .map(|(l, r)| LeafRatchetsState {
                    leaf: *l,
                    handshake: RatchetState::of(&r.handshake),
                    application: RatchetState::of(&r.application),
                })
                .collect(),
        })
    }

    /// Rebuilds a tree from its saved form, checking its structure: a full tree size, node
    /// and leaf indices inside the tree and strictly ascending, generations in range, and
    /// retained keys within the window. Errors are [`DecodeError::Malformed`].
    pub(crate) fn from_state(state: SecretTreeState) -> Result<SecretTree, Error> {
        let size = TreeSize::from_leaf_count(state.leaf_count)
            .filter(|s| s.leaf_count() == state.leaf_count)
            .ok_or_else(malformed)?;
        let config = SecretTreeConfig {
            max_forward_jump: state.max_forward_jump,
            max_retained_keys: usize::try_from(state.max_retained_keys).map_err(|_| malformed())?,
        };
        let mut nodes = BTreeMap::new();
        let mut last: Option<NodeIndex> = None;
        for n in state.nodes {
            if !size.is_in_tree(n.node) || last.is_some_and(|l| n.node <= l) {
                return Err(malformed());
            }
            last = Some(n.node);
            nodes.insert(n.node, n.secret.0);
        }
        let mut leaves = BTreeMap::new();
        let mut last: Option<LeafIndex> = None;
        for l in state.leaves {
            if !size.contains_leaf(l.leaf) || last.is_some_and(|x| l.leaf <= x) {
                return Err(malformed());
            }
            last = Some(l.leaf);
            let ratchets = LeafRatchets {
                handshake: l.handshake.into_ratchet(&config)?,
                application: l.application.into_ratchet(&config)?,
            };
            leaves.insert(l.leaf, ratchets);
        }
        Ok(SecretTree {
            size,
            config,
            nodes,
            leaves,
        })
    }

    /// Encodes the tree's remaining state (RFC 9420 §9.2): the node secrets not yet consumed,
    /// each started ratchet, and the retained keys of skipped generations. The result is
    /// secret: store it encrypted.
    pub fn encode_state(&self) -> Result<Secret, Error> {
        encode_state(&self.to_state()?)
    }

    /// Decodes state written by [`SecretTree::encode_state`] (RFC 9420 §9.2; trailing bytes
    /// rejected).
    /// Malformed structure is [`DecodeError::Malformed`].
    pub fn decode_state(bytes: &[u8]) -> Result<SecretTree, Error> {
        Self::from_state(codec::decode_exact(bytes)?)
    }
}

write_state_struct!(NodeSecret {
    node: state,
    secret: state
});
write_state_struct!(RetainedKey {
    generation: state,
    key: state,
    nonce: state
});
write_state_struct!(RatchetState {
    next_generation: state,
    secret: state,
    retained: vec
});
write_state_struct!(LeafRatchetsState {
    leaf: state,
    handshake: state,
    application: state
});
write_state_struct!(SecretTreeState {
    leaf_count: state,
    max_forward_jump: state,
    max_retained_keys: state,
    nodes: vec,
    leaves: vec,
});
