//! Fuzzes the wire structures of draft-ietf-mls-extensions ([`crate::components`]): each
//! decoder either refuses or returns a value that re-encodes to the same bytes, and the
//! AppDataUpdate and AppEphemeral proposals round-trip inside a [`Proposal`]; a decoded
//! dictionary also goes through the component negotiation check.

use crate::codec;
use crate::components::check_leaf_components;
use crate::components::{
    AppAck, AppDataDictionary, AppDataUpdate, AppEphemeral, ComponentsList, SafeAad,
};
use crate::error::{Error, ExtensionError};
use crate::messages::{Extensions, Proposal};

use super::round_trip;

/// The entry point of the `components` fuzz target: the first byte picks the structure.
pub fn components(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 7 {
        0 => {
            if let Ok(d) = AppDataDictionary::decode(rest) {
                assert_eq!(codec::encode(&d).ok().as_deref(), Some(rest));
                assert!(d.check().is_ok());
                // Negotiation (§ "Negotiating Extensions and Components"): a leaf that
                // advertises exactly what a GroupContext requires meets the requirements,
                // unless a list does not decode.
                if let Ok(ext) = d.to_extension() {
                    let e = Extensions(alloc::vec![ext]);
                    let r = check_leaf_components(&e, &e);
                    assert!(matches!(
                        r,
                        Ok(()) | Err(Error::Extension(ExtensionError::MalformedComponentsList))
                    ));
                }
            }
        }
        1 => {
            if let Ok(l) = ComponentsList::decode(rest) {
                assert_eq!(l.encode().ok().as_deref(), Some(rest));
            }
        }
        2 => {
            if let Ok(a) = SafeAad::decode(rest) {
                assert_eq!(a.encode().ok().as_deref(), Some(rest));
            }
        }
        3 => {
            if let Ok(a) = AppAck::decode(rest) {
                assert_eq!(codec::encode(&a).ok().as_deref(), Some(rest));
            }
        }
        4 => {
            if let Ok(u) = AppDataUpdate::decode(rest) {
                assert_eq!(u.encode().ok().as_deref(), Some(rest));
            }
        }
        5 => {
            if let Ok(e) = AppEphemeral::decode(rest) {
                assert_eq!(e.encode().ok().as_deref(), Some(rest));
            }
        }
        _ => round_trip::<Proposal>(rest),
    }
}
