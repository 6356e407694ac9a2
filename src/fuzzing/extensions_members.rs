//! Fuzzing of the wire structures of the membership features of draft-ietf-mls-extensions:
//! SelfRemove proposals, credential bindings and multi-credentials, the last-resort marker,
//! the wire-format extensions, media types and `ApplicationFraming`.

use alloc::vec;

use super::round_trip;
use crate::messages::{
    ApplicationFraming, Credential, CredentialBinding, CredentialType, Extension, ExtensionType,
    Extensions, MAX_CREDENTIAL_BINDINGS, MediaTypeList, MultiCredential, Proposal,
    SupportedWireFormats, check_last_resort, mark_last_resort,
};

/// The first byte picks the structure, the rest is decoded: every decoder round-trips, a
/// decoded multi-credential re-encodes to its credential and holds at most
/// [`MAX_CREDENTIAL_BINDINGS`] bindings, and marking any decodable `app_data_dictionary`
/// as last resort gives a marker that passes the receiver rule.
pub fn membership_extensions(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 7 {
        0 => round_trip::<CredentialBinding>(rest),
        1 => round_trip::<MediaTypeList>(rest),
        2 => round_trip::<ApplicationFraming>(rest),
        3 => round_trip::<SupportedWireFormats>(rest),
        4 => {
            round_trip::<Proposal>(rest);
            if rest == [0x00, 0x0a] {
                assert_eq!(
                    crate::codec::decode_exact::<Proposal>(rest).ok(),
                    Some(Proposal::SelfRemove)
                );
            }
        }
        5 => {
            for credential_type in [CredentialType::MULTI, CredentialType::WEAK_MULTI] {
                let c = Credential::Other {
                    credential_type,
                    data: rest.to_vec(),
                };
                if let Ok(Some(m)) = MultiCredential::from_credential(&c) {
                    assert!(!m.bindings.is_empty() && m.bindings.len() <= MAX_CREDENTIAL_BINDINGS);
                    assert_eq!(m.to_credential().ok(), Some(c));
                }
            }
        }
        _ => {
            let mut extensions = Extensions(vec![Extension {
                extension_type: ExtensionType::APP_DATA_DICTIONARY,
                extension_data: rest.to_vec(),
            }]);
            let _ = check_last_resort(&extensions);
            if mark_last_resort(&mut extensions).is_ok() {
                assert!(check_last_resort(&extensions).is_ok());
                assert_eq!(extensions.len(), 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::membership_extensions;

    #[test]
    fn seeds_run() {
        let seeds: [&[u8]; 10] = [
            &[],
            // CI's 20 s run (seed 1): an unsorted dictionary (component 4 before 0) was
            // marked with a second component-4 entry, and the first, non-empty one failed
            // the receiver rule.
            &[6, 8, 0, 4, 2, 0, 2, 0, 0, 0],
            &[4, 0x00, 0x0a],
            &[6],
            &[6, 0x03, 0x00, 0x04, 0x00],
            &[6, 0x04, 0x00, 0x04, 0x01, 0x01],
            &[5, 0x00],
            &[1, 0x00],
            &[2, 0x00, 0x00, 0x00],
            &[3, 0x02, 0xf0, 0x00],
        ];
        for s in seeds {
            membership_extensions(s);
        }
        for i in 0..=255u8 {
            membership_extensions(&[i, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
        }
    }
}
