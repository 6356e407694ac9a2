//! `SafeAAD` (draft-ietf-mls-extensions § "Safe Additional Authenticated Data (AAD)"): the
//! framing of a message's `authenticated_data` when the GroupContext's
//! `app_data_dictionary` has a `safe_aad` component.

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{AppDataDictionary, ComponentId, SAFE_AAD};
use crate::codec;
use crate::error::{Error, ExtensionError};
use crate::messages::Extensions;

/// `SafeAADItem`:
///
/// ```text
/// struct {
///   ComponentID component_id;
///   opaque aad_item_data<V>;
/// } SafeAADItem;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct SafeAadItem {
    /// The component the item belongs to.
    pub component_id: ComponentId,
    /// The component's authenticated data.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub aad_item_data: Vec<u8>,
}

/// `SafeAAD`:
///
/// ```text
/// struct {
///   SafeAADItem aad_items<V>;
/// } SafeAAD;
/// ```
///
/// The items are "sorted in increasing numerical order of the `component_id`" (checked
/// strictly: one item per component).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct SafeAad {
    /// The items, in strictly increasing `component_id` order.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub aad_items: Vec<SafeAadItem>,
}

impl SafeAad {
    /// An empty `SafeAAD` (what a message carries when no component has data).
    pub fn new() -> Self {
        SafeAad::default()
    }

    /// This `SafeAAD` with `data` for `component_id`, kept in order (replacing an item of
    /// the same component).
    pub fn with_item(mut self, component_id: ComponentId, data: Vec<u8>) -> Self {
        match self
            .aad_items
            .binary_search_by_key(&component_id, |i| i.component_id)
        {
            Ok(i) => {
                if let Some(item) = self.aad_items.get_mut(i) {
                    item.aad_item_data = data;
                }
            }
            Err(i) => self.aad_items.insert(
                i,
                SafeAadItem {
                    component_id,
                    aad_item_data: data,
                },
            ),
        }
        self
    }

    /// The data of `component_id`'s item, if any.
    pub fn get(&self, component_id: ComponentId) -> Option<&[u8]> {
        self.aad_items
            .iter()
            .find(|i| i.component_id == component_id)
            .map(|i| i.aad_item_data.as_slice())
    }

    /// The encoding, to pass as `authenticated_data`.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        codec::encode(self)
    }

    /// Decodes an `authenticated_data` as a `SafeAAD`
    /// ([`ExtensionError::UnsafeAuthenticatedData`] if it is not one,
    /// [`ExtensionError::SafeAadNotSorted`] if its items are out of order).
    pub fn decode(authenticated_data: &[u8]) -> Result<Self, Error> {
        let aad: SafeAad = codec::decode_exact(authenticated_data)
            .map_err(|_| Error::Extension(ExtensionError::UnsafeAuthenticatedData))?;
        if aad
            .aad_items
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.component_id >= b.component_id))
        {
            return Err(ExtensionError::SafeAadNotSorted.into());
        }
        Ok(aad)
    }

    /// Whether a group with GroupContext `extensions` requires Safe AAD: its
    /// `app_data_dictionary` has a `safe_aad` entry ("even with an empty list").
    pub fn required_by(extensions: &Extensions) -> Result<bool, Error> {
        Ok(AppDataDictionary::from_extensions(extensions)?
            .is_some_and(|d| d.get(SAFE_AAD).is_some()))
    }
}

/// The receiver's rule: when the group requires Safe AAD, `authenticated_data` is a
/// well-formed [`SafeAad`] ("unsafe AAD is no longer allowed").
pub(crate) fn check_received_aad(
    extensions: &Extensions,
    authenticated_data: &[u8],
) -> Result<(), Error> {
    if SafeAad::required_by(extensions)? {
        SafeAad::decode(authenticated_data)?;
    }
    Ok(())
}

/// The sender's side: in a group that requires Safe AAD, an empty `authenticated_data`
/// becomes the empty `SafeAAD` and any other must be a well-formed one; otherwise it is
/// sent as given.
pub(crate) fn sender_aad(
    extensions: &Extensions,
    authenticated_data: &[u8],
) -> Result<Vec<u8>, Error> {
    if !SafeAad::required_by(extensions)? {
        return Ok(authenticated_data.to_vec());
    }
    if authenticated_data.is_empty() {
        return SafeAad::new().encode();
    }
    SafeAad::decode(authenticated_data)?;
    Ok(authenticated_data.to_vec())
}
