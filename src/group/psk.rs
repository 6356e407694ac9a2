//! Pre-shared keys in a group (RFC 9420 §8.4, §8.6, §12.1.4): the resumption PSKs a member
//! keeps, PSK lookup, and PreSharedKey proposals with a fresh `psk_nonce`.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use crate::crypto::Secret;
use crate::error::{Error, GroupError};
use crate::framing::MlsMessage;
use crate::key_schedule::{PreSharedKeyId, Psk, ResumptionPskUsage};
use crate::messages::{PreSharedKey, Proposal};

use super::Group;
use super::config::PskStore;

/// A group's id and its kept `(epoch, resumption_psk)` list (RFC 9420 §8.6).
pub(super) type OwnPsks<'a> = Option<(&'a [u8], &'a VecDeque<(u64, Secret)>)>;

/// The value of the PSK `id` (RFC 9420 §8.4): an `external` PSK from `store`; a
/// `resumption` PSK from `own` (a group's id and its kept `(epoch, resumption_psk)` list) if
/// `psk_group_id` is that group's, else (or if that epoch is no longer kept) from `store`.
pub(super) fn resolve_psk<'a>(
    id: &PreSharedKeyId,
    store: &'a PskStore,
    own: OwnPsks<'a>,
) -> Option<&'a Secret> {
    match &id.psk {
        Psk::External(e) => store.get(&e.psk_id),
        Psk::Application(a) => store.get_application(a.component_id, &a.psk_id),
        Psk::Resumption(r) => own
            .filter(|(group_id, _)| *group_id == r.psk_group_id.as_slice())
            .and_then(|(_, kept)| kept.iter().find(|(e, _)| *e == r.psk_epoch))
            .map(|(_, s)| s)
            .or_else(|| store.get_resumption(&r.psk_group_id, r.psk_epoch)),
    }
}

impl Group {
    /// Keeps the current epoch's `resumption_psk` (RFC 9420 §8.6), dropping the oldest
    /// beyond `config.max_resumption_psks` (the current one is always kept).
    pub(super) fn remember_resumption_psk(&mut self) {
        let epoch = self.epoch();
        self.resumption_psks.retain(|(e, _)| *e != epoch);
        self.resumption_psks
            .push_back((epoch, self.epoch.resumption_psk.clone()));
        let cap = self.config.max_resumption_psks.max(1);
        while self.resumption_psks.len() > cap {
            self.resumption_psks.pop_front();
        }
    }

    /// The `resumption_psk` of `epoch` of this group (RFC 9420 §8.6), if still kept (the
    /// last [`GroupConfig::max_resumption_psks`](super::GroupConfig::max_resumption_psks)
    /// epochs). Give it to another group's [`PskStore::insert_resumption`] to use it there.
    pub fn resumption_psk_at(&self, epoch: u64) -> Option<&Secret> {
        self.resumption_psks
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, s)| s)
    }

    /// The epochs whose `resumption_psk` this member keeps, oldest first (RFC 9420 §8.6).
    pub fn resumption_psk_epochs(&self) -> impl Iterator<Item = u64> + '_ {
        self.resumption_psks.iter().map(|(e, _)| *e)
    }

    /// The PSKs this member knows besides its own group's resumption PSKs (RFC 9420 §8.4).
    pub fn psk_store(&self) -> &PskStore {
        &self.psks
    }

    /// A fresh random `psk_nonce` of `KDF.Nh` bytes (RFC 9420 §12.1.4).
    pub(super) fn psk_nonce(&self) -> Result<Vec<u8>, Error> {
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        let mut nonce = vec![0u8; cs.hash_len()];
        cs.random_bytes(&mut nonce)?;
        Ok(nonce)
    }

    /// A PreSharedKey proposal (RFC 9420 §12.1.4) for the external PSK `psk_id` of the store,
    /// with a fresh `psk_nonce`, to send by value in a Commit
    /// ([`CommitOptions::with_proposal`](super::CommitOptions::with_proposal)). An unknown
    /// `psk_id` is [`GroupError::UnknownPsk`].
    pub fn external_psk_proposal(&self, psk_id: &[u8]) -> Result<Proposal, Error> {
        if self.psks.get(psk_id).is_none() {
            return Err(GroupError::UnknownPsk.into());
        }
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId::external(psk_id.to_vec(), self.psk_nonce()?),
        }))
    }

    /// A PreSharedKey proposal (RFC 9420 §12.1.4) for the application PSK `psk_id` of
    /// component `component_id` (draft-ietf-mls-extensions § "Pre-Shared Keys (PSKs)",
    /// `psktype = application`) of the store, with a fresh `psk_nonce`. Unknown:
    /// [`GroupError::UnknownPsk`]; component 0 is reserved
    /// ([`ExtensionError::ReservedComponentId`](crate::error::ExtensionError::ReservedComponentId)).
    pub fn application_psk_proposal(
        &self,
        component_id: u16,
        psk_id: &[u8],
    ) -> Result<Proposal, Error> {
        if component_id == 0 {
            return Err(crate::error::ExtensionError::ReservedComponentId.into());
        }
        if self.psks.get_application(component_id, psk_id).is_none() {
            return Err(GroupError::UnknownPsk.into());
        }
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId::application(component_id, psk_id.to_vec(), self.psk_nonce()?),
        }))
    }

    /// A PreSharedKey proposal (RFC 9420 §12.1.4) for this group's `resumption_psk` of
    /// `epoch` (usage `application`, §8.6), with a fresh `psk_nonce`. An epoch whose PSK is
    /// not kept is [`GroupError::UnknownPsk`].
    pub fn resumption_psk_proposal(&self, epoch: u64) -> Result<Proposal, Error> {
        let group_id = self.group_id().to_vec();
        self.resumption_psk_proposal_of(&group_id, epoch)
    }

    /// A PreSharedKey proposal (RFC 9420 §12.1.4) for the `resumption_psk` of epoch `epoch`
    /// of group `group_id` (usage `application`, §8.6): this group's kept epochs, or one
    /// stored with [`PskStore::insert_resumption`]. Unknown: [`GroupError::UnknownPsk`].
    pub fn resumption_psk_proposal_of(
        &self,
        group_id: &[u8],
        epoch: u64,
    ) -> Result<Proposal, Error> {
        let id = PreSharedKeyId::resumption(
            ResumptionPskUsage::Application,
            group_id.to_vec(),
            epoch,
            self.psk_nonce()?,
        );
        let own = Some((self.group_id(), &self.resumption_psks));
        if resolve_psk(&id, &self.psks, own).is_none() {
            return Err(GroupError::UnknownPsk.into());
        }
        Ok(Proposal::PreSharedKey(PreSharedKey { psk: id }))
    }

    /// Sends a PreSharedKey proposal for the external PSK `psk_id` (RFC 9420 §12.1.4, see
    /// [`Group::external_psk_proposal`]) and stores it by reference.
    pub fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<MlsMessage, Error> {
        let proposal = self.external_psk_proposal(psk_id)?;
        self.propose(proposal)
    }

    /// Sends a PreSharedKey proposal for this group's `resumption_psk` of `epoch` (RFC 9420
    /// §12.1.4, see [`Group::resumption_psk_proposal`]) and stores it by reference.
    pub fn propose_resumption_psk(&mut self, epoch: u64) -> Result<MlsMessage, Error> {
        let proposal = self.resumption_psk_proposal(epoch)?;
        self.propose(proposal)
    }
}
