//! `AppDataDictionary`, the content of the `app_data_dictionary` extension, and
//! `ComponentsList` (draft-ietf-mls-extensions § "Attaching Application Data to MLS
//! Messages", § "Negotiating Extensions and Components").

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{APP_DATA_DICTIONARY, ComponentId};
use crate::codec;
use crate::error::{Error, ExtensionError};
use crate::messages::{Extension, ExtensionContent, ExtensionType, Extensions};

/// `ComponentData`:
///
/// ```text
/// struct {
///     ComponentID component_id;
///     opaque data<V>;
/// } ComponentData;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ComponentData {
    /// The component the data belongs to.
    pub component_id: ComponentId,
    /// The component's data.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub data: Vec<u8>,
}

/// `AppDataDictionary`, the content of the `app_data_dictionary` extension (0x0006):
///
/// ```text
/// struct {
///     ComponentData component_data<V>;
/// } AppDataDictionary;
/// ```
///
/// "The entries in the `component_data` MUST be sorted by `component_id`, and there MUST
/// be at most one entry for each `component_id`": [`AppDataDictionary::from_extensions`]
/// and [`AppDataDictionary::decode`] check both; [`AppDataDictionary::insert`] keeps them.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct AppDataDictionary {
    /// The entries, sorted by `component_id`, at most one per component.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub component_data: Vec<ComponentData>,
}

impl ExtensionContent for AppDataDictionary {
    const EXTENSION_TYPE: ExtensionType = APP_DATA_DICTIONARY;
}

impl AppDataDictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        AppDataDictionary::default()
    }

    /// Decodes `bytes` and checks the order rules
    /// ([`ExtensionError::MalformedAppDataDictionary`],
    /// [`ExtensionError::DictionaryNotSorted`],
    /// [`ExtensionError::DictionaryDuplicateComponent`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let d: AppDataDictionary = codec::decode_exact(bytes)
            .map_err(|_| Error::Extension(ExtensionError::MalformedAppDataDictionary))?;
        d.check()?;
        Ok(d)
    }

    /// The `app_data_dictionary` of `extensions`, checked as [`AppDataDictionary::decode`],
    /// or `None` when absent.
    pub fn from_extensions(extensions: &Extensions) -> Result<Option<Self>, Error> {
        extensions
            .get(APP_DATA_DICTIONARY)
            .map(|e| Self::decode(&e.extension_data))
            .transpose()
    }

    /// The order rules: sorted by `component_id`, at most one entry each.
    pub fn check(&self) -> Result<(), Error> {
        for w in self.component_data.windows(2) {
            if let [a, b] = w {
                if a.component_id == b.component_id {
                    return Err(ExtensionError::DictionaryDuplicateComponent.into());
                }
                if a.component_id > b.component_id {
                    return Err(ExtensionError::DictionaryNotSorted.into());
                }
            }
        }
        Ok(())
    }

    /// The data of `component_id`, if it has an entry.
    pub fn get(&self, component_id: ComponentId) -> Option<&[u8]> {
        self.position(component_id)
            .ok()
            .and_then(|i| self.component_data.get(i))
            .map(|c| c.data.as_slice())
    }

    /// Sets the data of `component_id`, inserting the entry at its sorted place.
    pub fn insert(&mut self, component_id: ComponentId, data: Vec<u8>) {
        match self.position(component_id) {
            Ok(i) => {
                if let Some(e) = self.component_data.get_mut(i) {
                    e.data = data;
                }
            }
            Err(i) => self
                .component_data
                .insert(i, ComponentData { component_id, data }),
        }
    }

    /// Removes the entry of `component_id`; returns its data if it had one.
    pub fn remove(&mut self, component_id: ComponentId) -> Option<Vec<u8>> {
        let i = self.position(component_id).ok()?;
        if i < self.component_data.len() {
            Some(self.component_data.remove(i).data)
        } else {
            None
        }
    }

    /// The components that have an entry, in order.
    pub fn component_ids(&self) -> impl Iterator<Item = ComponentId> + '_ {
        self.component_data.iter().map(|c| c.component_id)
    }

    /// This dictionary as an `app_data_dictionary` extension.
    pub fn to_extension(&self) -> Result<Extension, Error> {
        Ok(Extension {
            extension_type: APP_DATA_DICTIONARY,
            extension_data: codec::encode(self)?,
        })
    }

    fn position(&self, component_id: ComponentId) -> Result<usize, usize> {
        self.component_data
            .binary_search_by_key(&component_id, |c| c.component_id)
    }
}

/// `ComponentsList`, the data of the `app_components` and `safe_aad` components
/// (§ "Negotiating Extensions and Components"):
///
/// ```text
/// struct {
///     ComponentID component_ids<V>;
/// } ComponentsList;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct ComponentsList {
    /// The component IDs.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub component_ids: Vec<ComponentId>,
}

impl ComponentsList {
    /// Decodes a `ComponentsList` ([`ExtensionError::MalformedComponentsList`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        codec::decode_exact(bytes)
            .map_err(|_| Error::Extension(ExtensionError::MalformedComponentsList))
    }

    /// The encoding, for the data of an `app_components` or `safe_aad` entry.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        codec::encode(self)
    }
}
