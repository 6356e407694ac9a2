//! The client layer's own encodings inside the storage records (RFC 9420 §16.5 leaves
//! storage to the application): the client record, the group envelope and the proposals
//! of a pending Commit.
//!
//! ```text
//! struct {
//!     opaque magic[8] = "melosCLI";
//!     uint16 version = 1;
//!     opaque identity<V>;         // SigningIdentity::to_bytes
//! } ClientRecord;
//!
//! struct {
//!     opaque magic[8] = "melosCGR";
//!     uint16 version = 1;
//!     uint64 next_sequence;       // the next buffered message's sequence number
//!     uint32 count;
//!     EpochStart starts[count];   // struct { uint64 epoch; uint64 start; }
//!     opaque group<V>;            // Group::to_bytes
//! } GroupEnvelope;                // GroupRecord.state
//!
//! struct {
//!     uint32 count;
//!     opaque proposal<V>[count];  // each an encoded Proposal
//! } Resend;                       // PendingCommitRecord.resend
//! ```
//!
//! `<V>` here is a `uint32` length. Decoding allocates no more than the input holds;
//! anything malformed is [`StorageError::RecordMalformed`], a newer version
//! [`StorageError::SchemaTooNew`].

use alloc::vec::Vec;

use crate::crypto::Secret;
use crate::error::{Error, StorageError};
use crate::messages::Proposal;

const CLIENT_MAGIC: &[u8; 8] = b"melosCLI";
const GROUP_MAGIC: &[u8; 8] = b"melosCGR";
/// The version of the client layer's records.
pub(super) const RECORD_VERSION: u16 = 1;

/// The per-group metadata kept beside the saved group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct GroupMeta {
    /// The sequence number of the next buffered message.
    pub(super) next_sequence: u64,
    /// When this client entered each epoch it still keeps secrets of (seconds, the
    /// caller's clock), oldest first.
    pub(super) starts: Vec<(u64, u64)>,
}

fn malformed() -> Error {
    StorageError::RecordMalformed.into()
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.0.len() {
            return Err(malformed());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes(b.try_into().map_err(|_| malformed())?))
    }

    fn u32(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes(b.try_into().map_err(|_| malformed())?))
    }

    fn u64(&mut self) -> Result<u64, Error> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes(b.try_into().map_err(|_| malformed())?))
    }

    fn opaque(&mut self) -> Result<&'a [u8], Error> {
        let n = usize::try_from(self.u32()?).map_err(|_| malformed())?;
        self.take(n)
    }

    fn header(&mut self, magic: &[u8; 8]) -> Result<(), Error> {
        if self.take(8)? != magic {
            return Err(malformed());
        }
        let version = self.u16()?;
        if version > RECORD_VERSION {
            return Err(StorageError::SchemaTooNew {
                found: u32::from(version),
                supported: u32::from(RECORD_VERSION),
            }
            .into());
        }
        if version != RECORD_VERSION {
            return Err(malformed());
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(malformed())
        }
    }
}

fn put_opaque(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), Error> {
    let n = u32::try_from(bytes.len()).map_err(|_| malformed())?;
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// The client record: the identity (secret).
pub(super) fn encode_client(identity: &Secret) -> Result<Secret, Error> {
    let len = 8usize
        .saturating_add(2)
        .saturating_add(4)
        .saturating_add(identity.len());
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(CLIENT_MAGIC);
    out.extend_from_slice(&RECORD_VERSION.to_be_bytes());
    put_opaque(&mut out, identity.as_bytes())?;
    Ok(Secret::new(out))
}

/// The identity bytes of a client record.
pub(super) fn decode_client(bytes: &[u8]) -> Result<&[u8], Error> {
    let mut r = Reader(bytes);
    r.header(CLIENT_MAGIC)?;
    let identity = r.opaque()?;
    r.finish()?;
    Ok(identity)
}

/// The group envelope around `group` (secret).
pub(super) fn encode_group(meta: &GroupMeta, group: &Secret) -> Result<Secret, Error> {
    let len = 8usize
        .saturating_add(2)
        .saturating_add(8)
        .saturating_add(4)
        .saturating_add(meta.starts.len().saturating_mul(16))
        .saturating_add(4)
        .saturating_add(group.len());
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(GROUP_MAGIC);
    out.extend_from_slice(&RECORD_VERSION.to_be_bytes());
    out.extend_from_slice(&meta.next_sequence.to_be_bytes());
    let count = u32::try_from(meta.starts.len()).map_err(|_| malformed())?;
    out.extend_from_slice(&count.to_be_bytes());
    for (epoch, start) in &meta.starts {
        out.extend_from_slice(&epoch.to_be_bytes());
        out.extend_from_slice(&start.to_be_bytes());
    }
    put_opaque(&mut out, group.as_bytes())?;
    Ok(Secret::new(out))
}

/// The metadata and the saved group's bytes of a group envelope.
pub(super) fn decode_group(bytes: &[u8]) -> Result<(GroupMeta, &[u8]), Error> {
    let mut r = Reader(bytes);
    r.header(GROUP_MAGIC)?;
    let next_sequence = r.u64()?;
    let count = usize::try_from(r.u32()?).map_err(|_| malformed())?;
    // Each entry takes 16 bytes: a count beyond what is present is refused before any
    // allocation.
    if count > r.0.len() / 16 {
        return Err(malformed());
    }
    let mut starts = Vec::with_capacity(count);
    for _ in 0..count {
        starts.push((r.u64()?, r.u64()?));
    }
    let group = r.opaque()?;
    r.finish()?;
    Ok((
        GroupMeta {
            next_sequence,
            starts,
        },
        group,
    ))
}

/// The proposals to re-propose, encoded.
pub(super) fn encode_resend(proposals: &[Proposal]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let count = u32::try_from(proposals.len()).map_err(|_| malformed())?;
    out.extend_from_slice(&count.to_be_bytes());
    for p in proposals {
        put_opaque(&mut out, &crate::codec::encode(p)?)?;
    }
    Ok(out)
}

/// The proposals of [`encode_resend`].
pub(super) fn decode_resend(bytes: &[u8]) -> Result<Vec<Proposal>, Error> {
    let mut r = Reader(bytes);
    let count = usize::try_from(r.u32()?).map_err(|_| malformed())?;
    // Each proposal takes at least its 4-byte length.
    if count > r.0.len() / 4 {
        return Err(malformed());
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let p = r.opaque()?;
        out.push(crate::codec::decode_exact::<Proposal>(p).map_err(|_| malformed())?);
    }
    r.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_envelope_round_trips_and_refuses_damage() {
        let meta = GroupMeta {
            next_sequence: 7,
            starts: vec![(1, 10), (2, 20)],
        };
        let group = Secret::from_slice(b"group bytes");
        let bytes = encode_group(&meta, &group).unwrap();
        let (m, g) = decode_group(bytes.as_bytes()).unwrap();
        assert_eq!(m, meta);
        assert_eq!(g, b"group bytes");
        let b = bytes.as_bytes();
        for cut in 0..b.len() {
            assert!(decode_group(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut newer = b.to_vec();
        newer[9] = 2;
        assert_eq!(
            decode_group(&newer).unwrap_err(),
            Error::Storage(StorageError::SchemaTooNew {
                found: 2,
                supported: 1
            })
        );
        let mut huge = b.to_vec();
        huge[18..22].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            decode_group(&huge).unwrap_err(),
            Error::Storage(StorageError::RecordMalformed)
        );
    }

    #[test]
    fn client_record_round_trips() {
        let id = Secret::from_slice(b"identity");
        let rec = encode_client(&id).unwrap();
        assert_eq!(decode_client(rec.as_bytes()).unwrap(), b"identity");
        assert!(decode_client(&rec.as_bytes()[1..]).is_err());
        assert!(decode_resend(&[0, 0, 0, 9]).is_err());
        assert_eq!(decode_resend(&encode_resend(&[]).unwrap()).unwrap(), vec![]);
    }
}
