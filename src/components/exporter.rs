//! The forward-secure safe exporter (draft-ietf-mls-extensions § "Exported Secrets"): an
//! Exporter Tree with 2^16 leaves, one per [`ComponentId`], shaped like the Secret Tree of
//! RFC 9420 §9 and rooted at `application_export_secret = DeriveSecret(epoch_secret,
//! "application_export")`.
//!
//! Nodes are derived on demand; deriving a leaf deletes every secret on its path and keeps
//! only the siblings (its copath), and the leaf's secret is handed out once ("consumed").
//! At most 16 secrets are added per export.

use alloc::vec::Vec;

use super::ComponentId;
use crate::crypto::{CipherSuiteProvider, Secret, labels};
use crate::error::{Error, ExtensionError};

/// The depth of the tree: 16 bits of a ComponentID.
const DEPTH: u32 = 16;

/// The remaining node secrets of one epoch's Exporter Tree, each with its depth and the
/// prefix of component-ID bits (most significant first) leading to it.
#[derive(Clone, Debug)]
pub(crate) struct ExporterTree {
    nodes: Vec<(u32, u32, Secret)>,
}

impl ExporterTree {
    /// The tree rooted at `application_export_secret`.
    pub(crate) fn new(application_export_secret: Secret) -> Self {
        ExporterTree {
            nodes: alloc::vec![(0, 0, application_export_secret)],
        }
    }

    /// `SafeExportSecret(component_id) = tree_node_[LeafIndex(component_id)]_secret`,
    /// consumed: a second call in the epoch is [`ExtensionError::ExportedSecretConsumed`].
    pub(crate) fn export(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        component_id: ComponentId,
    ) -> Result<Secret, Error> {
        let id = u32::from(component_id);
        let prefix_at = |depth: u32| id.checked_shr(DEPTH.saturating_sub(depth)).unwrap_or(0);
        // The stored node above (or at) the leaf: at most one, as stored subtrees are
        // disjoint.
        let pos = self
            .nodes
            .iter()
            .position(|(d, p, _)| *d <= DEPTH && *p == prefix_at(*d))
            .ok_or(ExtensionError::ExportedSecretConsumed)?;
        let (depth, mut prefix, mut secret) = self.nodes.swap_remove(pos);
        let nh = cs.hash_len();
        for d in depth..DEPTH {
            let left = labels::expand_with_label(cs, secret.as_bytes(), b"tree", b"left", nh)?;
            let right = labels::expand_with_label(cs, secret.as_bytes(), b"tree", b"right", nh)?;
            let shift = DEPTH.saturating_sub(d).saturating_sub(1);
            let bit = id.checked_shr(shift).unwrap_or(0) & 1;
            let (next, sibling) = if bit == 1 {
                (right, left)
            } else {
                (left, right)
            };
            self.nodes
                .push((d.saturating_add(1), (prefix << 1) | (bit ^ 1), sibling));
            prefix = (prefix << 1) | bit;
            secret = next;
        }
        Ok(secret)
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use super::*;
    use crate::crypto::CryptoProvider;
    use crate::crypto::rust_crypto::RustCrypto;

    /// The leaf secret computed the slow way: down from the root along the ID's bits.
    fn direct(cs: &dyn CipherSuiteProvider, root: &[u8], id: u16) -> Vec<u8> {
        let mut s = root.to_vec();
        for i in (0..16).rev() {
            let dir: &[u8] = if (id >> i) & 1 == 1 {
                b"right"
            } else {
                b"left"
            };
            s = labels::expand_with_label(cs, &s, b"tree", dir, cs.hash_len())
                .unwrap()
                .as_bytes()
                .to_vec();
        }
        s
    }

    #[test]
    fn exports_match_the_tree_and_are_consumed_once() {
        let p = RustCrypto::new();
        let cs = p.suite(crate::CipherSuite(1)).unwrap();
        let root = [7u8; 32];
        let mut t = ExporterTree::new(Secret::from(root.to_vec()));
        for id in [0x8001u16, 0x8000, 0x0001, 0xFFFF, 0x0000, 0x1234] {
            let s = t.export(cs, id).unwrap();
            assert_eq!(s.as_bytes(), direct(cs, &root, id).as_slice(), "id {id:#x}");
            assert_eq!(
                t.export(cs, id).unwrap_err(),
                Error::Extension(ExtensionError::ExportedSecretConsumed)
            );
        }
        // 16 levels: the frontier stays small.
        assert!(t.nodes.len() <= 6 * 16);
    }
}
