//! Last-resort KeyPackages (draft-ietf-mls-extensions, "Last-Resort KeyPackages"): the
//! `last_resort_key_package` component (component ID 0x0004, "MLS Component Types") in
//! a KeyPackage's `app_data_dictionary` extension (0x0006) marks a KeyPackage that may be
//! used more than once, when all others are used up (RFC 9420 §16.8). The component
//! carries no data.
//!
//! The dictionary is the [`AppDataDictionary`] of [`crate::components`]. Reading the marker
//! needs only its entries: a dictionary that does not decode holds no marker, and one whose
//! entries are out of order is still searched (so the receiver rule sees every marker).

use alloc::vec::Vec;

use super::{ExtensionType, Extensions, KeyPackage};
use crate::codec;
use crate::components::{AppDataDictionary, LAST_RESORT_KEY_PACKAGE};
use crate::error::{Error, MessageError};

/// The `last_resort_key_package` component ID (draft-ietf-mls-extensions, IANA "MLS
/// Component Types").
pub const LAST_RESORT_KEY_PACKAGE_COMPONENT: u16 = LAST_RESORT_KEY_PACKAGE;

/// The data of the first `last_resort_key_package` entry of the `app_data_dictionary` in
/// `extensions`, if there is one. The entries are decoded without the order rules of
/// [`AppDataDictionary::decode`] and searched in order.
fn marker(extensions: &Extensions) -> Option<Vec<u8>> {
    let ext = extensions.get(ExtensionType::APP_DATA_DICTIONARY)?;
    codec::decode_exact::<AppDataDictionary>(&ext.extension_data)
        .ok()?
        .component_data
        .into_iter()
        .find(|e| e.component_id == LAST_RESORT_KEY_PACKAGE)
        .map(|e| e.data)
}

/// Puts the `last_resort_key_package` component (empty data) into the `app_data_dictionary`
/// of `extensions`, creating the extension if it is missing and keeping the entries
/// sorted by component ID. A present dictionary that does not decode, or whose entries are
/// not in strictly increasing component-ID order (draft-ietf-mls-extensions,
/// "AppDataDictionary"; [`AppDataDictionary::from_extensions`]), is
/// [`MessageError::MalformedExtension`].
pub(crate) fn mark_last_resort(extensions: &mut Extensions) -> Result<(), Error> {
    let mut dict = AppDataDictionary::from_extensions(extensions)
        .map_err(|_| MessageError::MalformedExtension)?
        .unwrap_or_default();
    dict.insert(LAST_RESORT_KEY_PACKAGE, Vec::new());
    let extension = dict.to_extension()?;
    extensions.remove(ExtensionType::APP_DATA_DICTIONARY);
    extensions.0.push(extension);
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
