//! Padding of `PrivateMessageContent` (RFC 9420 §6.3.1).

/// How much zero padding a sender appends to a `PrivateMessageContent` (RFC 9420 §6.3.1
/// leaves the amount to the application).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaddingPolicy {
    /// No padding.
    #[default]
    None,
    /// Pad the plaintext (content, auth data and padding) up to a multiple of this many
    /// bytes; 0 and 1 mean no padding.
    PadToMultiple(u32),
}

impl PaddingPolicy {
    /// The number of zero bytes to append to a plaintext of `len` bytes.
    pub fn padding_len(self, len: usize) -> usize {
        match self {
            PaddingPolicy::None => 0,
            PaddingPolicy::PadToMultiple(m) => {
                let m = usize::try_from(m).unwrap_or(usize::MAX);
                match len.checked_rem(m) {
                    Some(0) | None => 0,
                    Some(r) => m.saturating_sub(r),
                }
            }
        }
    }
}

/// Whether every padding byte is zero (RFC 9420 §6.3.1). Reads every byte whatever their
/// values, so the time taken depends only on the length.
pub fn is_zero_padding(padding: &[u8]) -> bool {
    padding.iter().fold(0u8, |acc, b| acc | b) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_lengths() {
        assert_eq!(PaddingPolicy::None.padding_len(17), 0);
        assert_eq!(PaddingPolicy::PadToMultiple(0).padding_len(17), 0);
        assert_eq!(PaddingPolicy::PadToMultiple(1).padding_len(17), 0);
        assert_eq!(PaddingPolicy::PadToMultiple(16).padding_len(17), 15);
        assert_eq!(PaddingPolicy::PadToMultiple(16).padding_len(32), 0);
        assert_eq!(PaddingPolicy::PadToMultiple(16).padding_len(0), 0);
    }

    #[test]
    fn zero_padding() {
        assert!(is_zero_padding(&[]));
        assert!(is_zero_padding(&[0, 0, 0]));
        assert!(!is_zero_padding(&[0, 1, 0]));
    }
}
