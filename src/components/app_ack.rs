//! `AppAck` (draft-ietf-mls-extensions § "AppAck"), the data of the `app_ack` component
//! (0x0005) inside an AppEphemeral proposal.

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{APP_ACK, AppEphemeral};
use crate::codec;
use crate::error::{Error, ExtensionError};

/// `MessageRange`: the messages of `sender` with generations `first_generation` to
/// `last_generation`, inclusive.
///
/// ```text
/// struct {
///     uint32 sender;
///     uint32 first_generation;
///     uint32 last_generation;
/// } MessageRange;
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct MessageRange {
    /// The leaf index of the messages' sender.
    pub sender: u32,
    /// The first generation received.
    pub first_generation: u32,
    /// The last generation received (inclusive).
    pub last_generation: u32,
}

/// `AppAck`:
///
/// ```text
/// struct {
///     MessageRange received_ranges<V>;
/// } AppAck;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct AppAck {
    /// The ranges of application messages the AppAck's sender received in this epoch.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub received_ranges: Vec<MessageRange>,
}

impl AppAck {
    /// Decodes an `AppAck` ([`ExtensionError::MalformedAppAck`]) whose ranges each start
    /// no later than they end ([`ExtensionError::AppAckRangeInverted`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let ack: AppAck = codec::decode_exact(bytes)
            .map_err(|_| Error::Extension(ExtensionError::MalformedAppAck))?;
        if ack
            .received_ranges
            .iter()
            .any(|r| r.first_generation > r.last_generation)
        {
            return Err(ExtensionError::AppAckRangeInverted.into());
        }
        Ok(ack)
    }

    /// This AppAck as the AppEphemeral of the `app_ack` component.
    pub fn to_app_ephemeral(&self) -> Result<AppEphemeral, Error> {
        Ok(AppEphemeral {
            component_id: APP_ACK,
            data: codec::encode(self)?,
        })
    }
}
