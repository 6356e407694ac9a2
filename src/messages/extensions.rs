//! `Extension` (RFC 9420 §7.2, §13).

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::ExtensionType;

/// `Extension` (RFC 9420 §7.2):
///
/// ```text
/// struct {
///     ExtensionType extension_type;
///     opaque extension_data<V>;
/// } Extension;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Extension {
    /// The type.
    pub extension_type: ExtensionType,
    /// The encoded content.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub extension_data: Vec<u8>,
}

/// `Extension extensions<V>`: a list of extensions, kept in wire order.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct Extensions(#[tls_codec(with = "crate::codec::vl_vec")] pub Vec<Extension>);

impl Extensions {
    /// The extension of type `t`, if present.
    pub fn get(&self, t: ExtensionType) -> Option<&Extension> {
        self.0.iter().find(|e| e.extension_type == t)
    }

    /// Whether an extension of type `t` is present.
    pub fn contains(&self, t: ExtensionType) -> bool {
        self.get(t).is_some()
    }

    /// Whether some extension type appears twice (RFC 9420 §13.4 forbids it).
    pub fn has_duplicates(&self) -> bool {
        let mut types: Vec<u16> = self.0.iter().map(|e| e.extension_type.0).collect();
        types.sort_unstable();
        types.windows(2).any(|w| w.first() == w.get(1))
    }

    /// Iterates over the extensions in wire order.
    pub fn iter(&self) -> core::slice::Iter<'_, Extension> {
        self.0.iter()
    }

    /// The number of extensions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no extensions.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<Extension>> for Extensions {
    fn from(v: Vec<Extension>) -> Self {
        Extensions(v)
    }
}
