//! The byte stream a fuzz program is decoded from: every read succeeds (zeros once the
//! input is used up), so any input is a program.

/// Reads a fuzz program's fields from the input bytes.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// Whether the input is used up.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, `0` past the end.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next byte modulo `n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()).checked_rem(n).unwrap_or(0)
    }

    /// The low bit of the next byte.
    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// The next `N` bytes (zero-filled past the end).
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in out.iter_mut() {
            *b = self.byte();
        }
        out
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.array())
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    /// A byte string: a length byte, then that many bytes (fewer at the end of the input).
    pub fn blob(&mut self) -> &'a [u8] {
        let len = usize::from(self.byte()).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_as_zeros() {
        let mut r = Reader::new(&[3, 1, 2, 9, 7]);
        assert_eq!(r.blob(), &[1, 2, 9]);
        assert_eq!(r.u16(), 0x0700);
        assert!(r.is_empty());
        assert_eq!(r.byte(), 0);
        assert_eq!(r.blob(), &[] as &[u8]);
        assert_eq!(r.below(0), 0);
        let mut r = Reader::new(&[200, 1]);
        assert_eq!(r.blob(), &[1]);
    }
}
