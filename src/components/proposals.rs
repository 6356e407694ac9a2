//! The AppDataUpdate and AppEphemeral proposals (draft-ietf-mls-extensions § "Updating
//! Application Data in the GroupContext", § "Attaching Application Data to a Commit") and
//! their processing in a Commit.
//!
//! Both travel as a [`Proposal::Custom`] of type [`APP_DATA_UPDATE`] (0x0008) or
//! [`APP_EPHEMERAL`] (0x0009) whose `data` is the draft's struct, encoded *directly* after
//! the proposal type (not wrapped in an `opaque<V>` as other custom types are): the
//! [`Proposal`] codec knows these two types and finds their end from the struct.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::registry::ComponentUpdate;
use super::{
    APP_DATA_DICTIONARY, APP_DATA_UPDATE, APP_EPHEMERAL, AppDataDictionary, ComponentId,
    ComponentRegistry,
};
use crate::codec::{self, write_opaque};
use crate::error::{DecodeError, Error, ExtensionError, GroupError};
use crate::framing::Sender;
use crate::messages::Extensions;
use crate::messages::{GroupContext, Proposal, ProposalType, RequiredCapabilities};
use crate::ratchet_tree::TreeView;

/// Whether `t` is AppDataUpdate or AppEphemeral: their content is encoded directly, they
/// need no path and they may come from `external` senders (§ "MLS Proposal Types":
/// "External: Y", "Path Required: N").
pub(crate) fn is_app_proposal_type(t: ProposalType) -> bool {
    t == APP_DATA_UPDATE || t == APP_EPHEMERAL
}

/// `AppDataUpdateOperation` with its content:
///
/// ```text
/// enum { invalid(0), update(1), remove(2), (255) } AppDataUpdateOperation;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppDataUpdateOperation {
    /// `update(1)`: `opaque update<V>`, given to the component's logic.
    Update(Vec<u8>),
    /// `remove(2)`: removes the component's entry.
    Remove,
}

/// `AppDataUpdate`:
///
/// ```text
/// struct {
///     ComponentID component_id;
///     AppDataUpdateOperation op;
///     select (AppDataUpdate.op) {
///         case update: opaque update<V>;
///         case remove: struct{};
///     };
/// } AppDataUpdate;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppDataUpdate {
    /// The component whose data changes.
    pub component_id: ComponentId,
    /// The operation.
    pub op: AppDataUpdateOperation,
}

impl AppDataUpdate {
    /// An `update` of `component_id` with `update`.
    pub fn update(component_id: ComponentId, update: Vec<u8>) -> Self {
        AppDataUpdate {
            component_id,
            op: AppDataUpdateOperation::Update(update),
        }
    }

    /// A `remove` of `component_id`'s entry.
    pub fn remove(component_id: ComponentId) -> Self {
        AppDataUpdate {
            component_id,
            op: AppDataUpdateOperation::Remove,
        }
    }

    /// The struct's encoding.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.component_id.to_be_bytes());
        match &self.op {
            AppDataUpdateOperation::Update(u) => {
                out.push(1);
                write_opaque(u, &mut out)?;
            }
            AppDataUpdateOperation::Remove => out.push(2),
        }
        Ok(out)
    }

    /// Decodes one `AppDataUpdate` from the front of `bytes`.
    fn decode_prefix(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (component_id, rest) = u16_prefix(bytes)?;
        let (&op, rest) = rest.split_first().ok_or(DecodeError::EndOfInput)?;
        match op {
            1 => {
                let (update, rest) = codec::vl_bytes::tls_deserialize_bytes(rest)?;
                Ok((AppDataUpdate::update(component_id, update), rest))
            }
            2 => Ok((AppDataUpdate::remove(component_id), rest)),
            _ => Err(DecodeError::UnknownValue.into()),
        }
    }

    /// Decodes an `AppDataUpdate` that fills `bytes`
    /// ([`ExtensionError::MalformedAppDataUpdate`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        match Self::decode_prefix(bytes) {
            Ok((u, [])) => Ok(u),
            _ => Err(ExtensionError::MalformedAppDataUpdate.into()),
        }
    }

    /// This update as a proposal.
    pub fn to_proposal(&self) -> Result<Proposal, Error> {
        Ok(Proposal::Custom {
            proposal_type: APP_DATA_UPDATE,
            data: self.encode()?,
        })
    }
}

/// `AppEphemeral`:
///
/// ```text
/// struct {
///     ComponentID component_id;
///     opaque data<V>;
/// } AppEphemeral;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppEphemeral {
    /// The component the data is for.
    pub component_id: ComponentId,
    /// The data, given to the component's logic.
    pub data: Vec<u8>,
}

impl AppEphemeral {
    /// The struct's encoding.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.component_id.to_be_bytes());
        write_opaque(&self.data, &mut out)?;
        Ok(out)
    }

    fn decode_prefix(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (component_id, rest) = u16_prefix(bytes)?;
        let (data, rest) = codec::vl_bytes::tls_deserialize_bytes(rest)?;
        Ok((AppEphemeral { component_id, data }, rest))
    }

    /// Decodes an `AppEphemeral` that fills `bytes`
    /// ([`ExtensionError::MalformedAppEphemeral`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        match Self::decode_prefix(bytes) {
            Ok((e, [])) => Ok(e),
            _ => Err(ExtensionError::MalformedAppEphemeral.into()),
        }
    }

    /// This datum as a proposal.
    pub fn to_proposal(&self) -> Result<Proposal, Error> {
        Ok(Proposal::Custom {
            proposal_type: APP_EPHEMERAL,
            data: self.encode()?,
        })
    }
}

fn u16_prefix(bytes: &[u8]) -> Result<(u16, &[u8]), Error> {
    match bytes {
        [a, b, rest @ ..] => Ok((u16::from_be_bytes([*a, *b]), rest)),
        _ => Err(DecodeError::EndOfInput.into()),
    }
}

/// The length of the AppDataUpdate or AppEphemeral struct at the front of `bytes` (for the
/// [`Proposal`] codec).
pub(crate) fn app_proposal_len(t: ProposalType, bytes: &[u8]) -> Result<usize, Error> {
    let rest = if t == APP_DATA_UPDATE {
        AppDataUpdate::decode_prefix(bytes)?.1
    } else {
        AppEphemeral::decode_prefix(bytes)?.1
    };
    Ok(bytes.len().saturating_sub(rest.len()))
}

/// The application data a Commit carried, in Commit order, as its receivers and committer
/// see it after the Commit was validated: the AppEphemeral data (already accepted by the
/// components) and the AppDataUpdate operations (already applied to the new GroupContext's
/// `app_data_dictionary`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommittedAppData {
    /// The AppEphemeral proposals, in Commit order, with their senders.
    pub ephemeral: Vec<(AppEphemeral, Sender)>,
    /// The AppDataUpdate proposals, in Commit order, with their senders.
    pub updates: Vec<(AppDataUpdate, Sender)>,
}

impl CommittedAppData {
    /// Picks the AppEphemeral and AppDataUpdate proposals out of a Commit's custom
    /// proposals ([`StagedCommit::custom_proposals`](crate::group::StagedCommit::custom_proposals)).
    pub fn from_custom(custom: &[(Proposal, Sender)]) -> Result<Self, Error> {
        let mut out = CommittedAppData::default();
        for (p, s) in custom {
            if let Proposal::Custom {
                proposal_type,
                data,
            } = p
            {
                if *proposal_type == APP_EPHEMERAL {
                    out.ephemeral.push((AppEphemeral::decode(data)?, *s));
                } else if *proposal_type == APP_DATA_UPDATE {
                    out.updates.push((AppDataUpdate::decode(data)?, *s));
                }
            }
        }
        Ok(out)
    }
}

/// The operations of one Commit on one component.
#[derive(Default)]
struct Ops<'a> {
    removes: usize,
    updates: Vec<ComponentUpdate<'a>>,
}

/// Validates the AppEphemeral and AppDataUpdate proposals of a Commit and applies the
/// updates to `extensions` (the GroupContext extensions after any GroupContextExtensions
/// proposal), after RFC 9420's proposals, AppEphemeral before AppDataUpdate (§ "Updating
/// Application Data in the GroupContext", § "Attaching Application Data to a Commit").
/// `old` is the GroupContext before the Commit; `tree` the staged tree (its members must
/// support `app_data_dictionary` when the Commit creates the extension); `gce` whether the
/// Commit has a GroupContextExtensions proposal.
pub(crate) fn apply_app_proposals<T: TreeView + ?Sized>(
    registry: &ComponentRegistry,
    old: &GroupContext,
    tree: &T,
    gce: bool,
    proposals: &[(&Proposal, &Sender)],
    extensions: &mut Extensions,
) -> Result<(), Error> {
    // § "Updating ...": with AppDataUpdate required, a GroupContextExtensions proposal
    // MUST NOT add, remove or modify the dictionary.
    if gce
        && extensions.get(APP_DATA_DICTIONARY) != old.extensions.get(APP_DATA_DICTIONARY)
        && old
            .extensions
            .read::<RequiredCapabilities>()?
            .is_some_and(|r| r.proposal_types.contains(&APP_DATA_UPDATE))
    {
        return Err(ExtensionError::GroupContextExtensionsChangeAppData.into());
    }
    if gce {
        // The dictionary a GroupContextExtensions proposal sets obeys the order rules.
        AppDataDictionary::from_extensions(extensions)?;
    }
    let mut ops: BTreeMap<ComponentId, Ops<'_>> = BTreeMap::new();
    // AppEphemeral first, in Commit order.
    for (p, sender) in proposals {
        let Proposal::Custom {
            proposal_type,
            data,
        } = p
        else {
            continue;
        };
        if *proposal_type == APP_EPHEMERAL {
            let e = AppEphemeral::decode(data)?;
            let c = registry
                .get(e.component_id)
                .ok_or(ExtensionError::UnknownComponent)?;
            if !c.validate_ephemeral(old, sender, &e.data) {
                return Err(ExtensionError::AppEphemeralRejected.into());
            }
        } else if *proposal_type == APP_DATA_UPDATE {
            let u = AppDataUpdate::decode(data)?;
            if registry.get(u.component_id).is_none() {
                return Err(ExtensionError::UnknownComponent.into());
            }
            let entry = ops.entry(u.component_id).or_default();
            match u.op {
                AppDataUpdateOperation::Remove => entry.removes = entry.removes.saturating_add(1),
                AppDataUpdateOperation::Update(_) => {
                    // Borrow the update from the proposal (decoded again below by offset).
                    let update = update_slice(data)?;
                    entry.updates.push(ComponentUpdate { update, sender });
                }
            }
        }
    }
    if ops.is_empty() {
        return Ok(());
    }
    let existed = extensions.get(APP_DATA_DICTIONARY).is_some();
    let mut dict = AppDataDictionary::from_extensions(extensions)?.unwrap_or_default();
    for (id, o) in &ops {
        if o.removes > 1 {
            return Err(ExtensionError::MultipleRemovesForComponent.into());
        }
        if o.removes == 1 {
            if !o.updates.is_empty() {
                return Err(ExtensionError::UpdateAndRemoveForComponent.into());
            }
            if dict.remove(*id).is_none() {
                return Err(ExtensionError::RemoveOfAbsentComponent.into());
            }
            continue;
        }
        let c = registry.get(*id).ok_or(ExtensionError::UnknownComponent)?;
        let new = c
            .apply_updates(old, dict.get(*id), &o.updates)
            .ok_or(ExtensionError::ComponentUpdateRejected)?;
        dict.insert(*id, new);
    }
    if !existed {
        // RFC 9420 §12.1.7, §13: every member supports every GroupContext extension.
        for (_, leaf) in tree.leaves() {
            if !leaf.supports_extension(APP_DATA_DICTIONARY) {
                return Err(GroupError::GroupContextExtensionNotSupported.into());
            }
        }
    }
    extensions.write(&dict)
}

/// The `update` field of an encoded AppDataUpdate with `op == update`, borrowed.
fn update_slice(data: &[u8]) -> Result<&[u8], Error> {
    let rest = data
        .get(3..)
        .ok_or(ExtensionError::MalformedAppDataUpdate)?;
    let total = rest.len();
    let (content, tail) = codec::vl_bytes::tls_deserialize_bytes(rest)
        .map_err(|_| ExtensionError::MalformedAppDataUpdate)?;
    let start = total
        .checked_sub(tail.len())
        .and_then(|end| end.checked_sub(content.len()))
        .ok_or(ExtensionError::MalformedAppDataUpdate)?;
    rest.get(start..start.saturating_add(content.len()))
        .ok_or_else(|| ExtensionError::MalformedAppDataUpdate.into())
}
