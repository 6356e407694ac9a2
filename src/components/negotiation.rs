//! Negotiating components (draft-ietf-mls-extensions § "Negotiating Extensions and
//! Components") and their GREASE values (§ "GREASE").
//!
//! The `app_components` and `safe_aad` components hold a [`ComponentsList`]: in a
//! LeafNode's `app_data_dictionary`, the components (and Safe AAD components) the member
//! supports; in the GroupContext's, the ones every member must support.
//! [`check_leaf_components`] is the rule for one leaf (an Add, an Update, a Commit's path,
//! an external joiner, and every member when a GroupContextExtensions or AppDataUpdate
//! proposal changes the requirements): [`ExtensionError::RequiredComponentNotSupported`],
//! [`ExtensionError::RequiredSafeAadComponentNotSupported`]. Unknown values in a leaf's lists
//! (GREASE included) are ignored: only the required IDs are looked up.
//!
//! The draft puts no other restriction on where a component ID may appear ("MLS
//! implementations MUST NOT impose restrictions on where component IDs are used ... unless
//! specifically directed to by the application", § "MLS Component Types"): a dictionary
//! entry, an AppDataUpdate or a SafeAAD item for a component outside the required list is
//! not refused here (the application's [`ComponentRegistry`](super::ComponentRegistry)
//! decides which components it knows).
//!
//! GREASE: the eight component IDs 0x0A0A, 0x1A1A, ..., 0x7A7A ([`COMPONENT_GREASE_VALUES`])
//! "MAY be present in GI, KP, and LN objects"; "A random selection of GREASE values SHOULD
//! be included in any of these fields that would otherwise be present"
//! ([`add_component_grease`]).

use alloc::vec::Vec;

use super::{APP_COMPONENTS, AppDataDictionary, ComponentId, ComponentsList, SAFE_AAD};
use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, ExtensionError};
use crate::messages::{Capabilities, ExtensionType, Extensions};

/// The GREASE component IDs (§ "MLS Component Types": 0x0A0A to 0x7A7A, in the
/// Specification Required range; the RFC 9420 GREASE values from 0x8A8A up are private
/// use here).
pub const COMPONENT_GREASE_VALUES: [ComponentId; 8] = [
    0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A,
];

/// The most random bytes a GREASE dictionary entry carries.
const MAX_GREASE_DATA: usize = 16;

/// Whether `id` is one of the [`COMPONENT_GREASE_VALUES`].
pub fn is_component_grease(id: ComponentId) -> bool {
    COMPONENT_GREASE_VALUES.contains(&id)
}

/// One random byte from the provider's randomness.
fn random_byte(cs: &dyn CipherSuiteProvider) -> Result<u8, Error> {
    let mut b = [0u8; 1];
    cs.random_bytes(&mut b)?;
    let [byte] = b;
    Ok(byte)
}

/// A random GREASE component ID not in `taken`, if any is left.
fn random_grease(
    cs: &dyn CipherSuiteProvider,
    taken: impl Fn(ComponentId) -> bool,
) -> Result<Option<ComponentId>, Error> {
    let free: Vec<ComponentId> = COMPONENT_GREASE_VALUES
        .iter()
        .copied()
        .filter(|v| !taken(*v))
        .collect();
    if free.is_empty() {
        return Ok(None);
    }
    let i = usize::from(random_byte(cs)?)
        .checked_rem(free.len())
        .unwrap_or(0);
    Ok(free.get(i).copied())
}

/// Adds a random GREASE value to each component list `list` (encoded) that has none.
fn grease_list(cs: &dyn CipherSuiteProvider, list: &[u8]) -> Result<Option<Vec<u8>>, Error> {
    let mut l = ComponentsList::decode(list)?;
    if l.component_ids.iter().any(|c| is_component_grease(*c)) {
        return Ok(None);
    }
    match random_grease(cs, |v| l.component_ids.contains(&v))? {
        Some(v) => l.component_ids.push(v),
        None => return Ok(None),
    }
    l.encode().map(Some)
}

/// Adds component GREASE (§ "GREASE") to the `app_data_dictionary` of `extensions` (a
/// LeafNode's, a KeyPackage's or a GroupInfo's, never the GroupContext's), if it has one:
/// a GREASE entry with a few random bytes, unless one is there; with `lists` (a LeafNode),
/// also a GREASE ID in its `app_components` and `safe_aad` lists, where present. Fields that
/// are absent stay absent ("in any of these fields that would otherwise be present").
///
/// A dictionary or list that does not decode is [`ExtensionError::MalformedAppDataDictionary`]
/// / [`ExtensionError::MalformedComponentsList`] (or the order errors).
pub fn add_component_grease(
    cs: &dyn CipherSuiteProvider,
    extensions: &mut Extensions,
    lists: bool,
) -> Result<(), Error> {
    let Some(mut dict) = AppDataDictionary::from_extensions(extensions)? else {
        return Ok(());
    };
    if lists {
        for id in [APP_COMPONENTS, SAFE_AAD] {
            if let Some(list) = dict.get(id)
                && let Some(new) = grease_list(cs, list)?
            {
                dict.insert(id, new);
            }
        }
    }
    if !dict.component_ids().any(is_component_grease) {
        let taken: Vec<ComponentId> = dict.component_ids().collect();
        if let Some(v) = random_grease(cs, |v| taken.contains(&v))? {
            let len = usize::from(random_byte(cs)?)
                .checked_rem(MAX_GREASE_DATA.saturating_add(1))
                .unwrap_or(0);
            let mut data = alloc::vec![0u8; len];
            cs.random_bytes(&mut data)?;
            dict.insert(v, data);
        }
    }
    extensions.write(&dict)
}

/// Advertises components in a LeafNode (§ "Negotiating Extensions and Components"): sets
/// the `app_components` list of the `app_data_dictionary` in `leaf_extensions` to
/// `app_components` plus `app_components` itself (0x0001: "Every implementation that
/// advertises support for the `app_data_dictionary` extension MUST understand and
/// advertise the `app_components` component"), sorted, and with `safe_aad` the `safe_aad`
/// list; other entries are kept. `app_data_dictionary` goes into `capabilities.extensions`
/// if missing.
pub fn advertise_components(
    leaf_extensions: &mut Extensions,
    capabilities: &mut Capabilities,
    app_components: &[ComponentId],
    safe_aad: Option<&[ComponentId]>,
) -> Result<(), Error> {
    let mut dict = AppDataDictionary::from_extensions(leaf_extensions)?.unwrap_or_default();
    let mut ids: Vec<ComponentId> = app_components.to_vec();
    ids.push(APP_COMPONENTS);
    ids.sort_unstable();
    ids.dedup();
    dict.insert(
        APP_COMPONENTS,
        ComponentsList { component_ids: ids }.encode()?,
    );
    if let Some(aad) = safe_aad {
        dict.insert(
            SAFE_AAD,
            ComponentsList {
                component_ids: aad.to_vec(),
            }
            .encode()?,
        );
    }
    leaf_extensions.write(&dict)?;
    let t = ExtensionType::APP_DATA_DICTIONARY;
    if !capabilities.extensions.contains(&t) {
        capabilities.extensions.push(t);
    }
    Ok(())
}

/// The components a GroupContext's `app_data_dictionary` requires: its `app_components` and
/// `safe_aad` lists (`None` where absent), decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RequiredComponents {
    components: Option<ComponentsList>,
    safe_aad: Option<ComponentsList>,
}

impl RequiredComponents {
    /// The requirements of the GroupContext `extensions`.
    pub(crate) fn of(extensions: &Extensions) -> Result<Self, Error> {
        let Some(dict) = AppDataDictionary::from_extensions(extensions)? else {
            return Ok(Self::default());
        };
        let list = |id| dict.get(id).map(ComponentsList::decode).transpose();
        Ok(RequiredComponents {
            components: list(APP_COMPONENTS)?,
            safe_aad: list(SAFE_AAD)?,
        })
    }

    /// Whether there is anything to require of a leaf.
    pub(crate) fn is_empty(&self) -> bool {
        let empty =
            |l: &Option<ComponentsList>| l.as_ref().is_none_or(|l| l.component_ids.is_empty());
        empty(&self.components) && empty(&self.safe_aad)
    }

    /// The leaf with extensions `leaf_extensions` lists every required component in its
    /// `app_components` ([`ExtensionError::RequiredComponentNotSupported`]) and every
    /// required Safe AAD component in its `safe_aad`
    /// ([`ExtensionError::RequiredSafeAadComponentNotSupported`]). Unknown and GREASE values
    /// in the leaf's lists are ignored. O(r·s) for r required and s listed IDs.
    pub(crate) fn check_leaf(&self, leaf_extensions: &Extensions) -> Result<(), Error> {
        if self.is_empty() {
            return Ok(());
        }
        let dict = AppDataDictionary::from_extensions(leaf_extensions)?.unwrap_or_default();
        let supported = |id| -> Result<ComponentsList, Error> {
            Ok(dict
                .get(id)
                .map(ComponentsList::decode)
                .transpose()?
                .unwrap_or_default())
        };
        if let Some(required) = &self.components
            && !required.component_ids.is_empty()
        {
            let have = supported(APP_COMPONENTS)?;
            if !required
                .component_ids
                .iter()
                .all(|c| have.component_ids.contains(c))
            {
                return Err(ExtensionError::RequiredComponentNotSupported.into());
            }
        }
        if let Some(required) = &self.safe_aad
            && !required.component_ids.is_empty()
        {
            let have = supported(SAFE_AAD)?;
            if !required
                .component_ids
                .iter()
                .all(|c| have.component_ids.contains(c))
            {
                return Err(ExtensionError::RequiredSafeAadComponentNotSupported.into());
            }
        }
        Ok(())
    }
}

/// [`RequiredComponents::check_leaf`] of the GroupContext `group`'s requirements.
pub(crate) fn check_leaf_components(
    leaf_extensions: &Extensions,
    group: &Extensions,
) -> Result<(), Error> {
    RequiredComponents::of(group)?.check_leaf(leaf_extensions)
}
