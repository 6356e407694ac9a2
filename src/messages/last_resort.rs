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

#[cfg(test)]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use super::{check_last_resort, mark_last_resort};
    use crate::error::{Error, MessageError};
    use crate::messages::{Extension, ExtensionType, Extensions};

    fn dictionary(data: &[u8]) -> Extensions {
        Extensions(vec![Extension {
            extension_type: ExtensionType::APP_DATA_DICTIONARY,
            extension_data: data.to_vec(),
        }])
    }

    fn dictionary_data(extensions: &Extensions) -> Vec<u8> {
        extensions
            .get(ExtensionType::APP_DATA_DICTIONARY)
            .unwrap()
            .extension_data
            .clone()
    }

    #[test]
    fn marking_creates_sorts_in_and_clears() {
        let mut e = Extensions(vec![Extension {
            extension_type: ExtensionType(0xff00),
            extension_data: vec![1],
        }]);
        mark_last_resort(&mut e).unwrap();
        assert_eq!(dictionary_data(&e), [0x03, 0x00, 0x04, 0x00]);
        // Components 1 and 5 around the new entry; the dictionary moves to the end.
        let mut e = dictionary(&[0x07, 0x00, 0x01, 0x00, 0x00, 0x05, 0x01, 0xaa]);
        e.0.push(Extension {
            extension_type: ExtensionType(0xff00),
            extension_data: vec![],
        });
        mark_last_resort(&mut e).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            e.0.last().unwrap().extension_type,
            ExtensionType::APP_DATA_DICTIONARY
        );
        assert_eq!(
            dictionary_data(&e),
            [
                0x0a, 0x00, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x05, 0x01, 0xaa
            ]
        );
        // A marker with data is emptied.
        let mut e = dictionary(&[0x04, 0x00, 0x04, 0x01, 0x01]);
        assert_eq!(
            check_last_resort(&e).unwrap_err(),
            Error::Message(MessageError::LastResortComponentNotEmpty)
        );
        mark_last_resort(&mut e).unwrap();
        assert_eq!(dictionary_data(&e), [0x03, 0x00, 0x04, 0x00]);
        check_last_resort(&e).unwrap();
    }

    #[test]
    fn marking_refuses_a_malformed_dictionary_unchanged() {
        for data in [
            // Does not decode.
            &[0x05, 0x00][..],
            // Trailing bytes.
            &[0x03, 0x00, 0x01, 0x00, 0x00],
            // Unsorted: component 4 before 0 (the CI fuzz seed).
            &[0x08, 0x00, 0x04, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00],
            // Two entries for component 1.
            &[0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00],
        ] {
            let mut e = dictionary(data);
            assert_eq!(
                mark_last_resort(&mut e).unwrap_err(),
                Error::Message(MessageError::MalformedExtension),
                "{data:02x?}"
            );
            assert_eq!(e, dictionary(data));
        }
    }

    #[test]
    fn the_receiver_rule_reads_an_unsorted_dictionary() {
        // Component 4 (data 0x02, 0x00) before component 0: the marker is still found.
        let e = dictionary(&[0x08, 0x00, 0x04, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00]);
        assert_eq!(
            check_last_resort(&e).unwrap_err(),
            Error::Message(MessageError::LastResortComponentNotEmpty)
        );
        // No dictionary, or one that does not decode: no marker.
        check_last_resort(&Extensions::default()).unwrap();
        check_last_resort(&dictionary(&[0x05])).unwrap();
    }
}
