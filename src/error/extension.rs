//! Errors of the MLS extensions draft (draft-ietf-mls-extensions, editor's copy): the safe
//! application interface, `app_data_dictionary`, AppDataUpdate, AppEphemeral, SafeAAD and
//! AppAck. One variant per receiver rule of the draft.

/// A structure or proposal of draft-ietf-mls-extensions breaks one of its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionError {
    /// An `app_data_dictionary` extension's content does not decode as an
    /// `AppDataDictionary` (§ "Attaching Application Data to MLS Messages").
    MalformedAppDataDictionary,
    /// The `component_data` entries of an `AppDataDictionary` are not sorted by
    /// `component_id` (same section: "MUST be sorted by `component_id`").
    DictionaryNotSorted,
    /// An `AppDataDictionary` has two entries for one `component_id` (same section: "at
    /// most one entry for each `component_id`").
    DictionaryDuplicateComponent,
    /// An AppDataUpdate proposal's content does not decode (an `op` other than `update` or
    /// `remove`, or trailing bytes) (§ "Updating Application Data in the GroupContext").
    MalformedAppDataUpdate,
    /// An AppEphemeral proposal's content does not decode (§ "Attaching Application Data
    /// to a Commit").
    MalformedAppEphemeral,
    /// An AppDataUpdate or AppEphemeral proposal names a component the application did not
    /// register ("invalid if its `component_id` references a component that is not known
    /// to the application").
    UnknownComponent,
    /// An AppDataUpdate `remove` names a component with no entry in the GroupContext's
    /// `app_data_dictionary` ("the removal of state for a `component_id` that has no state
    /// present").
    RemoveOfAbsentComponent,
    /// A Commit covers two AppDataUpdate `remove` operations for one component.
    MultipleRemovesForComponent,
    /// A Commit covers both an `update` and a `remove` AppDataUpdate for one component.
    UpdateAndRemoveForComponent,
    /// The application logic registered for the component refused the AppDataUpdate
    /// `update` operations ("the MLS client MUST consider the proposal list invalid").
    ComponentUpdateRejected,
    /// The application logic registered for the component refused an AppEphemeral's
    /// `data`.
    AppEphemeralRejected,
    /// A GroupContextExtensions proposal adds, removes or changes the
    /// `app_data_dictionary` GroupContext extension while AppDataUpdate is in the group's
    /// `required_capabilities` (§ "Updating Application Data in the GroupContext": "MUST
    /// NOT").
    GroupContextExtensionsChangeAppData,
    /// A `ComponentsList` (the data of the `app_components` or `safe_aad` component) does
    /// not decode (§ "Negotiating Extensions and Components").
    MalformedComponentsList,
    /// The GroupContext has a `safe_aad` component but a message's `authenticated_data` is
    /// not a `SafeAAD` struct: unsafe AAD is not allowed (§ "Safe Additional Authenticated
    /// Data (AAD)").
    UnsafeAuthenticatedData,
    /// The `aad_items` of a `SafeAAD` are not in strictly increasing `component_id` order.
    SafeAadNotSorted,
    /// An `AppAck` does not decode (§ "AppAck").
    MalformedAppAck,
    /// A `MessageRange` of an `AppAck` has `first_generation` after `last_generation`.
    AppAckRangeInverted,
    /// The safe application interface was asked to use a component ID outside the range
    /// a member may operate under (0x0000 is RESERVED, § "MLS Component Types").
    ReservedComponentId,
    /// This member holds no private key for the ratchet tree node asked for in a
    /// SafeDecryptWithLabel (§ "Hybrid Public Key Encryption (HPKE) Keys").
    NoNodePrivateKey,
    /// The Exporter Tree of this epoch is not available: the epoch was restored from saved
    /// state, which does not keep it (§ "Exported Secrets"); the next epoch has one.
    ExporterUnavailable,
    /// The component's exported secret was already consumed in this epoch (§ "Exported
    /// Secrets": "MUST regard that component's exported secret as consumed").
    ExportedSecretConsumed,
    /// A message given to an external joiner as a pending SelfRemove proposal
    /// (`ExternalCommitOptions::self_removes`) carries another content (draft-ietf-mls-
    /// extensions, "SelfRemove Proposal": the joiner "MUST validate the SelfRemove
    /// Proposal before including it by reference").
    PendingProposalNotSelfRemove,
    /// A leaf does not list, in the `app_components` of its `app_data_dictionary`, every
    /// component the GroupContext's `app_components` requires: a new member, an updated
    /// leaf, or an existing member when a GroupContextExtensions or AppDataUpdate proposal
    /// adds the requirement (§ "Negotiating Extensions and Components").
    RequiredComponentNotSupported,
    /// A leaf does not list, in the `safe_aad` of its `app_data_dictionary`, every Safe AAD
    /// component the GroupContext's `safe_aad` requires ("those that must be understood by
    /// the entire group").
    RequiredSafeAadComponentNotSupported,
}

impl core::fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ExtensionError::MalformedAppDataDictionary => {
                "an app_data_dictionary extension does not decode"
            }
            ExtensionError::DictionaryNotSorted => {
                "the entries of an app_data_dictionary are not sorted by component id"
            }
            ExtensionError::DictionaryDuplicateComponent => {
                "an app_data_dictionary has two entries for one component"
            }
            ExtensionError::MalformedAppDataUpdate => "an AppDataUpdate proposal does not decode",
            ExtensionError::MalformedAppEphemeral => "an AppEphemeral proposal does not decode",
            ExtensionError::UnknownComponent => {
                "a proposal names a component the application did not register"
            }
            ExtensionError::RemoveOfAbsentComponent => {
                "an AppDataUpdate removes the data of a component that has none"
            }
            ExtensionError::MultipleRemovesForComponent => {
                "a commit removes the data of one component twice"
            }
            ExtensionError::UpdateAndRemoveForComponent => {
                "a commit both updates and removes the data of one component"
            }
            ExtensionError::ComponentUpdateRejected => {
                "the application refused the update of a component's data"
            }
            ExtensionError::AppEphemeralRejected => {
                "the application refused the data of an AppEphemeral proposal"
            }
            ExtensionError::GroupContextExtensionsChangeAppData => {
                "a GroupContextExtensions proposal changes the app_data_dictionary although \
                 AppDataUpdate is a required proposal type"
            }
            ExtensionError::MalformedComponentsList => "a list of component ids does not decode",
            ExtensionError::UnsafeAuthenticatedData => {
                "the group requires safe AAD but the message's authenticated data is not a \
                 SafeAAD structure"
            }
            ExtensionError::SafeAadNotSorted => {
                "the items of a SafeAAD are not in strictly increasing component order"
            }
            ExtensionError::MalformedAppAck => "an AppAck does not decode",
            ExtensionError::AppAckRangeInverted => {
                "a message range of an AppAck ends before it starts"
            }
            ExtensionError::ReservedComponentId => "the component id 0 is reserved",
            ExtensionError::NoNodePrivateKey => {
                "this member holds no private key for the requested tree node"
            }
            ExtensionError::ExporterUnavailable => {
                "the safe exporter of this epoch is not available in a restored group"
            }
            ExtensionError::ExportedSecretConsumed => {
                "the component's exported secret of this epoch was already consumed"
            }
            ExtensionError::PendingProposalNotSelfRemove => {
                "a message given as a pending SelfRemove proposal is not a SelfRemove proposal"
            }
            ExtensionError::RequiredComponentNotSupported => {
                "a member does not advertise every application component the group requires"
            }
            ExtensionError::RequiredSafeAadComponentNotSupported => {
                "a member does not advertise every Safe AAD component the group requires"
            }
        })
    }
}

impl core::error::Error for ExtensionError {}
