//! The client's state table (the harness's "pointer to new state"): group states, join
//! transactions, pending ReInits and external signers share one id space, as `StorePSK`
//! takes either a state or a transaction id.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use melos::group::{ExternalProposer, Group, PskStore, SigningIdentity};
use melos::messages::KeyPackageBundle;
use tonic::Status;

/// One member's state of a group plus what the RPC layer remembers about it.
pub struct GroupState {
    /// The melos group.
    pub group: Group,
    /// Encoded handshake messages this state sent or already processed in the current
    /// epoch: a by-reference proposal seen again is not processed twice (an own
    /// PrivateMessage cannot even be decrypted by its sender).
    pub seen: Vec<Vec<u8>>,
    /// The encoded Commit this state created and has not merged yet.
    pub pending_commit: Option<Vec<u8>>,
}

impl GroupState {
    /// A fresh entry for `group`.
    pub fn new(group: Group) -> Self {
        GroupState {
            group,
            seen: Vec::new(),
            pending_commit: None,
        }
    }

    /// Forgets per-epoch bookkeeping after the group moved to a new epoch.
    pub fn new_epoch(&mut self) {
        self.seen.clear();
        self.pending_commit = None;
    }
}

/// A KeyPackage waiting for its Welcome (RFC 9420 §10, §12.4.3.1).
pub struct PendingJoin {
    /// The KeyPackage and its private keys.
    pub bundle: KeyPackageBundle,
    /// The joiner's signing identity.
    pub identity: SigningIdentity,
    /// External PSKs stored for this transaction before the join.
    pub psks: PskStore,
}

/// A member after merging a Commit with a ReInit (RFC 9420 §11.2), waiting for the new
/// group: its old group and a KeyPackage in the new cipher suite.
pub struct PendingReInit {
    /// The old group (inactive, with its pending ReInit).
    pub group: Group,
    /// The KeyPackage and identity for the new group.
    pub join: PendingJoin,
}

/// Everything behind the lock.
#[derive(Default)]
pub struct Tables {
    next_id: u32,
    /// Group states by state id.
    pub states: HashMap<u32, GroupState>,
    /// Join transactions by transaction id.
    pub joins: HashMap<u32, PendingJoin>,
    /// Members waiting for their ReInit's new group, by reinit id.
    pub reinits: HashMap<u32, PendingReInit>,
    /// External signers (RFC 9420 §12.1.8.1), by signer id.
    pub signers: HashMap<u32, ExternalProposer>,
}

impl Tables {
    /// A fresh id, never 0 (0 is what an unset protobuf field reads as).
    pub fn fresh_id(&mut self) -> Result<u32, Status> {
        self.next_id = self
            .next_id
            .checked_add(1)
            .ok_or_else(|| Status::resource_exhausted("state ids exhausted"))?;
        Ok(self.next_id)
    }

    /// The group state `id`.
    pub fn state(&mut self, id: u32) -> Result<&mut GroupState, Status> {
        self.states
            .get_mut(&id)
            .ok_or_else(|| Status::not_found(format!("unknown state id {id}")))
    }

    /// Stores `state` under a fresh id.
    pub fn insert_state(&mut self, state: GroupState) -> Result<u32, Status> {
        let id = self.fresh_id()?;
        self.states.insert(id, state);
        Ok(id)
    }
}

/// The lock around the tables.
#[derive(Default)]
pub struct Store {
    tables: Mutex<Tables>,
}

impl Store {
    /// Locks the tables. A panic while the lock was held (none is expected: melos returns
    /// errors) leaves the tables usable: the failed call changed at most its own state.
    pub fn lock(&self) -> MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
