//! The KeyPackage pool (RFC 9420 §10, §16.8): KeyPackages published for others to add this
//! client with, their private keys stored by `KeyPackageRef` until a Welcome uses them.

use alloc::vec::Vec;

use super::Client;
use crate::error::{Error, StorageError};
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::group::KeyPackageOptions;
use crate::messages::{KeyPackageBundle, LeafNodeSource, Lifetime};
use crate::storage::{KeyPackageRecord, Storage, Write, WriteBatch};

/// What the client knows about a stored KeyPackage without reading its private keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPackageInfo {
    /// Whether it is the last-resort KeyPackage (kept after use, RFC 9420 §16.8).
    pub last_resort: bool,
    /// When it was made (seconds, the caller's clock).
    pub created_at: u64,
    /// The end of its lifetime (RFC 9420 §10.1).
    pub not_after: u64,
}

impl KeyPackageInfo {
    pub(super) fn of_record(rec: &KeyPackageRecord) -> Result<Self, Error> {
        let bundle = KeyPackageBundle::from_bytes(rec.bundle.as_bytes())
            .map_err(|_| StorageError::RecordMalformed)?;
        let not_after = match &bundle.key_package.leaf_node.leaf_node_source {
            LeafNodeSource::KeyPackage(l) => l.not_after,
            _ => u64::MAX,
        };
        Ok(KeyPackageInfo {
            last_resort: rec.last_resort,
            created_at: rec.created_at,
            not_after,
        })
    }
}

impl<S: Storage> Client<S> {
    /// Makes one KeyPackage bundle valid from `now` (less [`super::KEY_PACKAGE_CLOCK_SKEW`])
    /// for [`ClientConfig::key_package_lifetime`](super::ClientConfig::key_package_lifetime).
    fn make_key_package(
        &self,
        now: u64,
        last_resort: bool,
    ) -> Result<(KeyPackageRecord, KeyPackageInfo, MlsMessage), Error> {
        let cs = self.provider.suite(self.config.cipher_suite)?;
        let lifetime = Lifetime {
            not_before: now.saturating_sub(super::KEY_PACKAGE_CLOCK_SKEW),
            not_after: now.saturating_add(self.config.key_package_lifetime),
        };
        let mut options = KeyPackageOptions::new(lifetime);
        options.hooks = self.config.group.hooks.clone();
        options.last_resort = last_resort;
        let bundle = self.identity.key_package_with(cs, options)?;
        let reference = bundle.key_package.key_package_ref(cs)?;
        let record = KeyPackageRecord {
            reference: reference.0,
            bundle: bundle.to_bytes()?,
            last_resort,
            created_at: now,
        };
        let info = KeyPackageInfo {
            last_resort,
            created_at: now,
            not_after: lifetime.not_after,
        };
        let message = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package));
        Ok((record, info, message))
    }

    /// Stores the records of `made` and the deletions of `delete` in one batch, then
    /// updates the pool; returns the KeyPackages to publish.
    fn store_key_packages(
        &mut self,
        made: Vec<(KeyPackageRecord, KeyPackageInfo, MlsMessage)>,
        delete: Vec<Vec<u8>>,
    ) -> Result<Vec<MlsMessage>, Error> {
        if made.is_empty() && delete.is_empty() {
            return Ok(Vec::new());
        }
        let mut batch = WriteBatch::new();
        for r in &delete {
            batch.push(Write::DeleteKeyPackage(r.clone()));
        }
        for (record, _, _) in &made {
            batch.push(Write::PutKeyPackage(record.clone()));
        }
        self.storage.apply(&batch)?;
        for r in &delete {
            self.key_packages.remove(r);
        }
        let mut out = Vec::with_capacity(made.len());
        for (record, info, message) in made {
            self.key_packages.insert(record.reference, info);
            out.push(message);
        }
        Ok(out)
    }

    /// Makes `n` KeyPackages (RFC 9420 §10) valid from `now`, stores their private keys by
    /// `KeyPackageRef` in **one** batch, and returns them to publish.
    pub fn generate_key_packages(&mut self, n: usize, now: u64) -> Result<Vec<MlsMessage>, Error> {
        let mut made = Vec::new();
        for _ in 0..n {
            made.push(self.make_key_package(now, false)?);
        }
        self.store_key_packages(made, Vec::new())
    }

    /// Brings the pool back to [`ClientConfig::key_package_target`](super::ClientConfig)
    /// unused KeyPackages valid at `now`, and makes sure a valid last-resort KeyPackage
    /// exists: deletes expired ones (their lifetime ended, RFC 9420 §10.1) and makes the
    /// missing ones, in one batch. Returns the new KeyPackages to publish (the last-resort
    /// one among them if it was made).
    pub fn replenish(&mut self, now: u64) -> Result<Vec<MlsMessage>, Error> {
        let expired: Vec<Vec<u8>> = self
            .key_packages
            .iter()
            .filter(|(_, i)| i.not_after <= now)
            .map(|(r, _)| r.clone())
            .collect();
        let live = |last_resort: bool| {
            self.key_packages
                .iter()
                .filter(|(r, i)| i.last_resort == last_resort && !expired.contains(r))
                .count()
        };
        let missing = self.config.key_package_target.saturating_sub(live(false));
        let mut made = Vec::new();
        if live(true) == 0 {
            made.push(self.make_key_package(now, true)?);
        }
        for _ in 0..missing {
            made.push(self.make_key_package(now, false)?);
        }
        self.store_key_packages(made, expired)
    }

    /// The last-resort KeyPackage (RFC 9420 §16.8: used when the others ran out, and kept
    /// after use), made and stored now if there is none. The KeyPackage carries the
    /// `last_resort_key_package` component of draft-ietf-mls-extensions
    /// ([`KeyPackage::is_last_resort`](crate::messages::KeyPackage::is_last_resort)), so
    /// that the Delivery Service hands it out only when the others ran out, and the store
    /// keeps it after a Welcome used it ([`KeyPackageRecord::last_resort`]).
    pub fn last_resort_key_package(&mut self, now: u64) -> Result<MlsMessage, Error> {
        let existing = self
            .key_packages
            .iter()
            .find(|(_, i)| i.last_resort && i.not_after > now)
            .map(|(r, _)| r.clone());
        if let Some(reference) = existing {
            let rec = self
                .storage
                .key_package(&reference)?
                .ok_or(StorageError::RecordMalformed)?;
            let bundle = KeyPackageBundle::from_bytes(rec.bundle.as_bytes())
                .map_err(|_| StorageError::RecordMalformed)?;
            return Ok(MlsMessage::new(MlsMessageBody::KeyPackage(
                bundle.key_package,
            )));
        }
        let made = self.make_key_package(now, true)?;
        let mut out = self.store_key_packages(vec![made], Vec::new())?;
        out.pop()
            .ok_or_else(|| StorageError::RecordMalformed.into())
    }

    /// The unused KeyPackages in the pool (the last-resort one not counted).
    pub fn key_package_count(&self) -> usize {
        self.key_packages
            .values()
            .filter(|i| !i.last_resort)
            .count()
    }

    /// Whether a last-resort KeyPackage is stored.
    pub fn has_last_resort_key_package(&self) -> bool {
        self.key_packages.values().any(|i| i.last_resort)
    }

    /// The stored KeyPackages by reference.
    pub fn key_packages(&self) -> impl Iterator<Item = (&[u8], &KeyPackageInfo)> {
        self.key_packages.iter().map(|(r, i)| (r.as_slice(), i))
    }
}
