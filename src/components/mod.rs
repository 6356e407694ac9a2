//! The safe application interface of draft-ietf-mls-extensions (editor's copy, § "The Safe
//! Application Interface"): application *components*, each identified by a
//! [`ComponentId`], use the group's keys and extension points without colliding with MLS or
//! with each other.
//!
//! - [`ComponentOperationLabel`] and the labelled operations
//!   [`safe_encrypt_with_label`] / [`safe_decrypt_with_label`] (HPKE) and
//!   [`safe_sign_with_label`] / [`safe_verify_with_label`] (signatures), with member
//!   shortcuts on [`Group`](crate::group::Group).
//! - [`AppDataDictionary`], the `app_data_dictionary` extension (type 0x0006), and the
//!   [`AppDataUpdate`] (0x0008) and [`AppEphemeral`] (0x0009) proposals, which a group
//!   validates with the application's [`AppComponent`]s registered in a
//!   [`ComponentRegistry`] ([`GroupHooks::with_app_components`]).
//! - [`SafeAad`], the framing of `authenticated_data` when the GroupContext's dictionary
//!   has a `safe_aad` component.
//! - [`AppAck`], the `app_ack` component (0x0005) sent inside an AppEphemeral proposal.
//!
//! [`GroupHooks::with_app_components`]: crate::group::GroupHooks::with_app_components

mod app_ack;
mod dictionary;
mod exporter;
mod negotiation;
mod proposals;
mod registry;
mod safe_aad;
mod safe_crypto;

pub(crate) use exporter::ExporterTree;
pub(crate) use negotiation::{RequiredComponents, check_leaf_components};
pub(crate) use proposals::{app_proposal_len, apply_app_proposals, is_app_proposal_type};
pub(crate) use safe_aad::{check_received_aad, sender_aad};

pub use app_ack::{AppAck, MessageRange};
pub use dictionary::{AppDataDictionary, ComponentData, ComponentsList};
pub use negotiation::{
    COMPONENT_GREASE_VALUES, add_component_grease, advertise_components, is_component_grease,
};
pub use proposals::{AppDataUpdate, AppDataUpdateOperation, AppEphemeral, CommittedAppData};
pub use registry::{AppComponent, ComponentRegistry, ComponentUpdate, OpaqueComponent};
pub use safe_aad::{SafeAad, SafeAadItem};
pub use safe_crypto::{
    COMPONENT_BASE_LABEL, ComponentOperationLabel, safe_decrypt_with_label,
    safe_encrypt_with_label, safe_sign_with_label, safe_verify_with_label,
};

use crate::messages::{ExtensionType, ProposalType};

/// `uint16 ComponentID` (§ "Component IDs"): identifies a component within an
/// application. 0x8000 to 0xFFFF are for private use (§ "MLS Component Types").
pub type ComponentId = u16;

/// `app_components` (0x0001, § "MLS Component Types"): a [`ComponentsList`] of supported
/// (LeafNode) or required (GroupContext) components.
pub const APP_COMPONENTS: ComponentId = 0x0001;
/// `safe_aad` (0x0002): a [`ComponentsList`] of components using Safe AAD; in the
/// GroupContext it makes every `authenticated_data` a [`SafeAad`].
pub const SAFE_AAD: ComponentId = 0x0002;
/// `content_media_types` (0x0003, § "Content Advertisement").
pub const CONTENT_MEDIA_TYPES: ComponentId = 0x0003;
/// `last_resort_key_package` (0x0004, § "Last-Resort KeyPackages").
pub const LAST_RESORT_KEY_PACKAGE: ComponentId = 0x0004;
/// `app_ack` (0x0005, § "AppAck"): an [`AppAck`] inside an AppEphemeral proposal.
pub const APP_ACK: ComponentId = 0x0005;

/// The `app_data_dictionary` extension type (0x0006, § "MLS Extension Types").
pub const APP_DATA_DICTIONARY: ExtensionType = ExtensionType(0x0006);
/// The `app_data_update` proposal type (0x0008, § "MLS Proposal Types").
pub const APP_DATA_UPDATE: ProposalType = ProposalType(0x0008);
/// The `app_ephemeral` proposal type (0x0009, § "MLS Proposal Types").
pub const APP_EPHEMERAL: ProposalType = ProposalType(0x0009);

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
