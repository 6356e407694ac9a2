//! Last-resort KeyPackages (draft-ietf-mls-extensions, "Last-Resort KeyPackages"): the
//! `last_resort_key_package` component (component ID 0x0004, "MLS Component Types") in
//! a KeyPackage's `app_data_dictionary` extension (0x0006) marks a KeyPackage that may be
//! used more than once, when all others are used up (RFC 9420 §16.8). The component
//! carries no data.
//!
//! Only the parts of the `AppDataDictionary` this marker needs are read here: a dictionary
//! that does not decode holds no marker.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{Extension, ExtensionType, Extensions, KeyPackage};
use crate::error::{Error, MessageError};

/// The `last_resort_key_package` component ID (draft-ietf-mls-extensions, IANA "MLS
/// Component Types").
pub const LAST_RESORT_KEY_PACKAGE_COMPONENT: u16 = 0x0004;

/// `ComponentData` (draft-ietf-mls-extensions, "Attaching Application Data to MLS
/// Messages"):
///
/// ```text
/// struct {
///     ComponentID component_id;
///     opaque data<V>;
/// } ComponentData;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
struct Entry {
    component_id: u16,
    #[tls_codec(with = "crate::codec::vl_bytes")]
    data: Vec<u8>,
}

/// `struct { ComponentData component_data<V>; } AppDataDictionary;`
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
struct Dictionary(#[tls_codec(with = "crate::codec::vl_vec")] Vec<Entry>);

fn dictionary(extensions: &Extensions) -> Option<Dictionary> {
    let ext = extensions.get(ExtensionType::APP_DATA_DICTIONARY)?;
    let (d, rest) = Dictionary::tls_deserialize_bytes(&ext.extension_data).ok()?;
    rest.is_empty().then_some(d)
}

/// The data of the `last_resort_key_package` component in `extensions`, if there is one.
fn marker(extensions: &Extensions) -> Option<Vec<u8>> {
    dictionary(extensions)?
        .0
        .into_iter()
        .find(|e| e.component_id == LAST_RESORT_KEY_PACKAGE_COMPONENT)
        .map(|e| e.data)
}

/// Puts the `last_resort_key_package` component (empty data) into the `app_data_dictionary`
/// of `extensions`, creating the extension if it is missing and keeping the entries
/// sorted by component ID. A present dictionary that does not decode, or whose entries are
/// not in strictly increasing component-ID order (draft-ietf-mls-extensions,
/// "AppDataDictionary"), is [`MessageError::MalformedExtension`].
pub(crate) fn mark_last_resort(extensions: &mut Extensions) -> Result<(), Error> {
    let mut dict = match extensions.get(ExtensionType::APP_DATA_DICTIONARY) {
        None => Dictionary(Vec::new()),
        Some(_) => dictionary(extensions).ok_or(MessageError::MalformedExtension)?,
    };
    if !dict
        .0
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.component_id < b.component_id))
    {
        return Err(MessageError::MalformedExtension.into());
    }
    let id = LAST_RESORT_KEY_PACKAGE_COMPONENT;
    match dict.0.binary_search_by_key(&id, |e| e.component_id) {
        Ok(i) => {
            if let Some(e) = dict.0.get_mut(i) {
                e.data.clear();
            }
        }
        Err(i) => dict.0.insert(
            i,
            Entry {
                component_id: id,
                data: Vec::new(),
            },
        ),
    }
    let data = crate::codec::encode(&dict)?;
    extensions
        .0
        .retain(|e| e.extension_type != ExtensionType::APP_DATA_DICTIONARY);
    extensions.0.push(Extension {
        extension_type: ExtensionType::APP_DATA_DICTIONARY,
        extension_data: data,
    });
    Ok(())
}

/// The receiver rule of the marker (draft-ietf-mls-extensions, "Format": the component
/// has "an empty `data` field"): [`MessageError::LastResortComponentNotEmpty`] otherwise.
pub(crate) fn check_last_resort(extensions: &Extensions) -> Result<(), Error> {
    match marker(extensions) {
        Some(data) if !data.is_empty() => Err(MessageError::LastResortComponentNotEmpty.into()),
        _ => Ok(()),
    }
}

impl KeyPackage {
    /// Whether this KeyPackage is marked as a last-resort KeyPackage
    /// (draft-ietf-mls-extensions, "Last-Resort KeyPackages"): its `app_data_dictionary`
    /// extension holds the `last_resort_key_package` component. The marker is covered by
    /// the KeyPackage's signature, so a member processing an Add can base a policy on it
    /// (e.g. in a [`ProposalPolicy`](crate::group::ProposalPolicy)).
    pub fn is_last_resort(&self) -> bool {
        marker(&self.extensions).is_some()
    }
}
