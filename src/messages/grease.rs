//! GREASE (RFC 9420 §13.5): random reserved values a client puts into the lists other
//! clients must ignore unknown values of, so that an implementation that wrongly rejects
//! unknown code points fails early.
//!
//! The GREASE fields are `LeafNode.capabilities.{cipher_suites, extensions, proposals,
//! credentials}`, `LeafNode.extensions`, `KeyPackage.extensions` and `GroupInfo.extensions`.
//! Never `Proposal.proposal_type`, `Credential.credential_type` or GroupContext extensions
//! (§13.5). Received GREASE values get no special treatment: they are unknown values, which
//! every check already ignores.

use alloc::vec::Vec;

use super::{Capabilities, CredentialType, Extension, ExtensionType, Extensions, ProposalType};
use crate::crypto::{CipherSuite, CipherSuiteProvider};
use crate::error::Error;

/// The fifteen GREASE values of RFC 9420 §13.5, reserved in every MLS registry
/// (`0xFAFA` is private use, not GREASE).
pub const GREASE_VALUES: [u16; 15] = [
    0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A, 0x8A8A, 0x9A9A, 0xAAAA, 0xBABA,
    0xCACA, 0xDADA, 0xEAEA,
];

/// The most random bytes a GREASE extension carries (§13.5: "a randomly sized amount of
/// random data").
const MAX_GREASE_DATA: usize = 16;

/// One random byte from the provider's randomness.
fn random_byte(cs: &dyn CipherSuiteProvider) -> Result<u8, Error> {
    let mut b = [0u8; 1];
    cs.random_bytes(&mut b)?;
    let [byte] = b;
    Ok(byte)
}

/// A random GREASE value (§13.5) not in `taken`, if any is left.
fn random_grease(cs: &dyn CipherSuiteProvider, taken: &[u16]) -> Result<Option<u16>, Error> {
    let free: Vec<u16> = GREASE_VALUES
        .iter()
        .copied()
        .filter(|v| !taken.contains(v))
        .collect();
    if free.is_empty() {
        return Ok(None);
    }
    let i = usize::from(random_byte(cs)?)
        .checked_rem(free.len())
        .unwrap_or(0);
    Ok(free.get(i).copied())
}

impl Capabilities {
    /// Adds one random GREASE value (RFC 9420 §13.5) to each of `cipher_suites`,
    /// `extensions`, `proposals` and `credentials` (a list that already has one keeps it).
    pub fn add_grease(&mut self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        if !self.cipher_suites.iter().any(|s| s.is_grease()) {
            let taken: Vec<u16> = self.cipher_suites.iter().map(|s| s.0).collect();
            if let Some(v) = random_grease(cs, &taken)? {
                self.cipher_suites.push(CipherSuite(v));
            }
        }
        if !self.extensions.iter().any(|t| super::is_grease(t.0)) {
            let taken: Vec<u16> = self.extensions.iter().map(|t| t.0).collect();
            if let Some(v) = random_grease(cs, &taken)? {
                self.extensions.push(ExtensionType(v));
            }
        }
        if !self.proposals.iter().any(|t| super::is_grease(t.0)) {
            let taken: Vec<u16> = self.proposals.iter().map(|t| t.0).collect();
            if let Some(v) = random_grease(cs, &taken)? {
                self.proposals.push(ProposalType(v));
            }
        }
        if !self.credentials.iter().any(|t| super::is_grease(t.0)) {
            let taken: Vec<u16> = self.credentials.iter().map(|t| t.0).collect();
            if let Some(v) = random_grease(cs, &taken)? {
                self.credentials.push(CredentialType(v));
            }
        }
        Ok(())
    }

    /// These capabilities without any GREASE value: how a client represents its own
    /// capabilities when comparing them with others' (RFC 9420 §13.5: "MUST NOT contain
    /// GREASE values").
    pub fn without_grease(&self) -> Capabilities {
        Capabilities {
            versions: self.versions.clone(),
            cipher_suites: self
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| !s.is_grease())
                .collect(),
            extensions: self
                .extensions
                .iter()
                .copied()
                .filter(|t| !super::is_grease(t.0))
                .collect(),
            proposals: self
                .proposals
                .iter()
                .copied()
                .filter(|t| !super::is_grease(t.0))
                .collect(),
            credentials: self
                .credentials
                .iter()
                .copied()
                .filter(|t| !super::is_grease(t.0))
                .collect(),
        }
    }
}

impl Extensions {
    /// Appends one extension of a random GREASE type not yet in the list, with 0 to 16
    /// random bytes of `extension_data` (RFC 9420 §13.5). If `capabilities` is given (for
    /// `LeafNode.extensions` and `KeyPackage.extensions`, which must be listed in the leaf's
    /// capabilities, §7.2, §10), the type is one GREASE type already listed there and not
    /// yet in this list, else a new one, which is then added to `capabilities.extensions`.
    pub fn add_grease(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        capabilities: Option<&mut Capabilities>,
    ) -> Result<(), Error> {
        let mut taken: Vec<u16> = self.0.iter().map(|e| e.extension_type.0).collect();
        let listed = capabilities.as_ref().and_then(|c| {
            c.extensions
                .iter()
                .map(|t| t.0)
                .find(|&t| super::is_grease(t) && !taken.contains(&t))
        });
        if let Some(c) = &capabilities {
            taken.extend(c.extensions.iter().map(|t| t.0));
        }
        let v = match listed {
            Some(v) => v,
            None => match random_grease(cs, &taken)? {
                Some(v) => v,
                None => return Ok(()),
            },
        };
        let len = usize::from(random_byte(cs)?)
            .checked_rem(MAX_GREASE_DATA.saturating_add(1))
            .unwrap_or(0);
        let mut data = alloc::vec![0u8; len];
        cs.random_bytes(&mut data)?;
        self.0.push(Extension {
            extension_type: ExtensionType(v),
            extension_data: data,
        });
        if let Some(c) = capabilities
            && !c.extensions.contains(&ExtensionType(v))
        {
            c.extensions.push(ExtensionType(v));
        }
        Ok(())
    }
}
