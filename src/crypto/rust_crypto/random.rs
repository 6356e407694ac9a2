//! Randomness: the operating-system source and the adapter that lends a [`RandomSource`] to
//! crates that want a `rand_core` generator.

use core::convert::Infallible;
use core::fmt;

use rand_core::{TryCryptoRng, TryRng};

use crate::crypto::RandomSource;
use crate::error::CryptoError;

/// Operating-system randomness through `getrandom` (features `std` or `getrandom`).
#[cfg(feature = "getrandom")]
#[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

#[cfg(feature = "getrandom")]
impl RandomSource for OsRandom {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(out).map_err(|_| CryptoError::Random)
    }
}

/// The filler byte of a failed [`LatchingRng`]. Not zero: a string of `0x01` bytes is a valid
/// nonzero scalar of every NIST curve, so the rejection sampling of an ephemeral P-256 or
/// P-384 key (the MLKEM768-P256 and MLKEM1024-P384 hybrids draw `RandomScalar` from the
/// generator) ends; all-zero candidates are rejected forever, and encapsulation hung.
const LATCHED_BYTE: u8 = 0x01;

/// A `rand_core` generator over a fallible [`RandomSource`].
///
/// `rand_core` generators handed to the `hpke` crate cannot fail, so a failure of the source
/// is latched: the generator then yields [`LATCHED_BYTE`] bytes and [`LatchingRng::finish`]
/// reports [`CryptoError::Random`], so the caller discards whatever was computed from those
/// bytes.
pub(crate) struct LatchingRng<'a> {
    source: &'a dyn RandomSource,
    failed: bool,
}

impl<'a> LatchingRng<'a> {
    pub(crate) fn new(source: &'a dyn RandomSource) -> Self {
        LatchingRng {
            source,
            failed: false,
        }
    }

    /// `Ok(value)` if every draw succeeded, else [`CryptoError::Random`].
    pub(crate) fn finish<T>(self, value: T) -> Result<T, CryptoError> {
        if self.failed {
            Err(CryptoError::Random)
        } else {
            Ok(value)
        }
    }
}

impl fmt::Debug for LatchingRng<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LatchingRng")
            .field("failed", &self.failed)
            .finish()
    }
}

impl TryRng for LatchingRng<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if self.failed || self.source.fill(dst).is_err() {
            self.failed = true;
            dst.fill(LATCHED_BYTE);
        }
        Ok(())
    }
}

impl TryCryptoRng for LatchingRng<'_> {}
