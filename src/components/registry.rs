//! The application's components: the logic a group asks about AppDataUpdate and
//! AppEphemeral proposals (draft-ietf-mls-extensions § "Updating Application Data in the
//! GroupContext", § "Attaching Application Data to a Commit").

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{APP_ACK, APP_COMPONENTS, AppAck, ComponentId, ComponentsList, SAFE_AAD};
use crate::framing::Sender;
use crate::messages::GroupContext;

/// One `update` operation of an AppDataUpdate proposal, as an [`AppComponent`] sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ComponentUpdate<'a> {
    /// The content of the `update` field.
    pub update: &'a [u8],
    /// Who proposed it (an `external` sender or a `new_member_commit` joiner included:
    /// the draft allows both, and a component may be stricter).
    pub sender: &'a Sender,
}

/// The logic of one application component (§ "Component IDs"), registered in a
/// [`ComponentRegistry`] under its [`ComponentId`].
///
/// Every member must answer alike for the same input, or the group forks (as for every
/// proposal rule, RFC 9420 §12.2). The defaults are the safe ones: a component refuses
/// every update and every ephemeral datum until it says otherwise. [`OpaqueComponent`]
/// accepts everything (last update wins).
pub trait AppComponent: Send + Sync {
    /// The new data of the component after the `update` operations of one Commit, in Commit
    /// order, given its `current` data in the GroupContext's `app_data_dictionary` (`None`:
    /// no entry); `None` refuses the updates, and with them the Commit
    /// ([`ExtensionError::ComponentUpdateRejected`]). Default: refuse.
    ///
    /// [`ExtensionError::ComponentUpdateRejected`]:
    ///     crate::error::ExtensionError::ComponentUpdateRejected
    fn apply_updates(
        &self,
        context: &GroupContext,
        current: Option<&[u8]>,
        updates: &[ComponentUpdate<'_>],
    ) -> Option<Vec<u8>> {
        let _ = (context, current, updates);
        None
    }

    /// Whether the `data` of an AppEphemeral proposal from `sender` is valid; `false`
    /// refuses the Commit ([`ExtensionError::AppEphemeralRejected`]). Default: refuse.
    ///
    /// [`ExtensionError::AppEphemeralRejected`]:
    ///     crate::error::ExtensionError::AppEphemeralRejected
    fn validate_ephemeral(&self, context: &GroupContext, sender: &Sender, data: &[u8]) -> bool {
        let _ = (context, sender, data);
        false
    }
}

/// A component that accepts every AppEphemeral datum and every update, the last `update`
/// of a Commit becoming its data (a plain key-value slot). For tests and for applications
/// whose authorization lives elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpaqueComponent;

impl AppComponent for OpaqueComponent {
    fn apply_updates(
        &self,
        _context: &GroupContext,
        _current: Option<&[u8]>,
        updates: &[ComponentUpdate<'_>],
    ) -> Option<Vec<u8>> {
        updates.last().map(|u| u.update.to_vec())
    }

    fn validate_ephemeral(&self, _context: &GroupContext, _sender: &Sender, _data: &[u8]) -> bool {
        true
    }
}

/// The built-in `app_components` and `safe_aad` components: their data is a
/// [`ComponentsList`]; an update replaces it and must decode.
struct ListComponent;

impl AppComponent for ListComponent {
    fn apply_updates(
        &self,
        _context: &GroupContext,
        _current: Option<&[u8]>,
        updates: &[ComponentUpdate<'_>],
    ) -> Option<Vec<u8>> {
        let last = updates.last()?;
        ComponentsList::decode(last.update).ok()?;
        Some(last.update.to_vec())
    }
}

/// The built-in `app_ack` component: an AppEphemeral datum must be a well-formed
/// [`AppAck`] (§ "AppAck").
struct AppAckComponent;

impl AppComponent for AppAckComponent {
    fn validate_ephemeral(&self, _context: &GroupContext, _sender: &Sender, data: &[u8]) -> bool {
        AppAck::decode(data).is_ok()
    }
}

static LIST_COMPONENT: ListComponent = ListComponent;
static APP_ACK_COMPONENT: AppAckComponent = AppAckComponent;

/// The components an application registers with a group
/// ([`GroupHooks::with_app_components`](crate::group::GroupHooks::with_app_components)).
///
/// A component ID without a registered component is "not known to the application": an
/// AppDataUpdate or AppEphemeral for it is invalid
/// ([`ExtensionError::UnknownComponent`](crate::error::ExtensionError::UnknownComponent)).
/// `app_components` and `safe_aad` (updates must be a [`ComponentsList`]) and `app_ack`
/// (AppEphemeral data must be an [`AppAck`]) are known without registration, unless the
/// application registers its own logic for them.
#[derive(Clone, Default)]
pub struct ComponentRegistry {
    components: BTreeMap<ComponentId, Arc<dyn AppComponent>>,
}

impl ComponentRegistry {
    /// The empty registry.
    pub const EMPTY: ComponentRegistry = ComponentRegistry {
        components: BTreeMap::new(),
    };

    /// An empty registry (only the built-in components are known).
    pub fn new() -> Self {
        ComponentRegistry::default()
    }

    /// This registry with `component` registered under `id` (replacing an earlier one).
    pub fn with(mut self, id: ComponentId, component: Arc<dyn AppComponent>) -> Self {
        self.register(id, component);
        self
    }

    /// Registers `component` under `id` (replacing an earlier one).
    pub fn register(&mut self, id: ComponentId, component: Arc<dyn AppComponent>) {
        self.components.insert(id, component);
    }

    /// The component known under `id`: registered, else built in.
    pub fn get(&self, id: ComponentId) -> Option<&dyn AppComponent> {
        if let Some(c) = self.components.get(&id) {
            return Some(c.as_ref());
        }
        match id {
            APP_COMPONENTS | SAFE_AAD => Some(&LIST_COMPONENT),
            APP_ACK => Some(&APP_ACK_COMPONENT),
            _ => None,
        }
    }

    /// The registered component IDs, in order.
    pub fn registered(&self) -> impl Iterator<Item = ComponentId> + '_ {
        self.components.keys().copied()
    }
}

impl core::fmt::Debug for ComponentRegistry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ComponentRegistry")
            .field("registered", &self.components.keys().collect::<Vec<_>>())
            .finish()
    }
}
