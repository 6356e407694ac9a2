//! Crate-internal macros.

/// Declares an open `uint16` registry value (RFC 9420 §17): a `u16` newtype with named
/// constants, so unknown values decode, round-trip and print as hex.
macro_rules! registry_u16 {
    ($(#[$m:meta])* $name:ident { $($(#[$cm:meta])* $c:ident = $v:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u16);

        impl tls_codec::Size for $name {
            fn tls_serialized_len(&self) -> usize {
                2
            }
        }

        impl tls_codec::SerializeBytes for $name {
            fn tls_serialize_bytes(&self) -> Result<alloc::vec::Vec<u8>, tls_codec::Error> {
                Ok(self.0.to_be_bytes().to_vec())
            }
        }

        impl tls_codec::DeserializeBytes for $name {
            fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
                let (v, rest) = u16::tls_deserialize_bytes(bytes)?;
                Ok(($name(v), rest))
            }
        }

        impl $name {
            $($(#[$cm])* pub const $c: $name = $name($v);)*
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match *self {
                    $($name::$c => f.write_str(stringify!($c)),)*
                    _ => write!(f, "{}(0x{:04x})", stringify!($name), self.0),
                }
            }
        }

        impl From<u16> for $name {
            fn from(v: u16) -> Self {
                $name(v)
            }
        }
    };
}
