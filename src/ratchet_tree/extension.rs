//! The `ratchet_tree` extension (RFC 9420 §12.4.3.3):
//!
//! ```text
//! optional<Node> ratchet_tree<V>;
//! ```

use alloc::vec::Vec;

use super::node::{LeafNodeRef, NODE_TYPE_LEAF, NODE_TYPE_PARENT, ParentNodeRef};
use super::store::StoreBuilder;
use super::{RatchetTree, TreeLimits, TreeView};
use crate::codec::{read_varint, write_varint};
use crate::error::{DecodeError, Error, TreeError};
use crate::tree_math::NodeIndex;

/// Decodes `optional<Node> ratchet_tree<V>` within `limits`: the encoded length is checked
/// before anything is read, the number of leaves the nodes span before each node is
/// stored. Each node's canonical encoding is kept as is; a blank node costs one bit.
pub(super) fn decode(bytes: &[u8], limits: &TreeLimits) -> Result<RatchetTree, Error> {
    limits.check_encoded_len(bytes.len())?;
    let (len, rest) = read_varint(bytes)?;
    let len = len as usize;
    if rest.len() < len {
        return Err(DecodeError::EndOfInput.into());
    }
    if rest.len() > len {
        return Err(DecodeError::TrailingBytes.into());
    }
    let mut content = rest;
    let mut slots = StoreBuilder::new();
    while let Some((&present, after)) = content.split_first() {
        let index = slots.len();
        // The tree would span one more node: refused before it is stored.
        limits.check_node_count(index.saturating_add(1))?;
        match present {
            0 => {
                slots.push(None);
                content = after;
            }
            1 => {
                let (&node_type, body) = after.split_first().ok_or(DecodeError::EndOfInput)?;
                let leaf_position = index.is_multiple_of(2);
                let rest = match node_type {
                    NODE_TYPE_LEAF if leaf_position => {
                        LeafNodeRef::parse_prefix(body)
                            .ok_or(DecodeError::Malformed)?
                            .1
                    }
                    NODE_TYPE_PARENT if !leaf_position => {
                        ParentNodeRef::parse_prefix(body)
                            .ok_or(DecodeError::Malformed)?
                            .1
                    }
                    NODE_TYPE_LEAF | NODE_TYPE_PARENT => {
                        return Err(TreeError::NodeTypeMismatch.into());
                    }
                    _ => return Err(DecodeError::UnknownValue.into()),
                };
                let used = body.len().saturating_sub(rest.len());
                let node = body.get(..used).ok_or(DecodeError::Malformed)?;
                slots.push(Some(node.into()));
                content = rest;
            }
            _ => return Err(DecodeError::InvalidOptional.into()),
        }
    }
    RatchetTree::from_slots(slots)
}

/// Encodes `optional<Node> ratchet_tree<V>` for any tree view, omitting trailing blanks.
pub(super) fn encode<V: TreeView + ?Sized>(tree: &V) -> Result<Vec<u8>, Error> {
    let width = tree.size().node_width();
    let last = (0..width)
        .rev()
        .find(|&i| !tree.is_blank(NodeIndex(i)))
        .map_or(0, |i| i.saturating_add(1));
    let mut len = 0usize;
    for i in 0..last {
        len = len.saturating_add(match tree.node_bytes(NodeIndex(i)) {
            Some(b) => b.len().saturating_add(2),
            None => 1,
        });
    }
    let mut out = Vec::with_capacity(len.saturating_add(4));
    write_varint(len, &mut out)?;
    for i in 0..last {
        let x = NodeIndex(i);
        match tree.node_bytes(x) {
            Some(b) => {
                let tag = if x.is_leaf() {
                    NODE_TYPE_LEAF
                } else {
                    NODE_TYPE_PARENT
                };
                out.push(1);
                out.push(tag);
                out.extend_from_slice(b);
            }
            None => out.push(0),
        }
    }
    Ok(out)
}
