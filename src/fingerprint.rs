//! FNV-1a (64 bits): the fingerprints lungseg stores beside what they identify — checkpoint files
//! under a calibration ([`crate::calibration::fingerprint`]), a run's slices in its `split.json`
//! ([`crate::pipeline::data_fingerprint`]). Not cryptographic: they tell a moved copy from other
//! content, not a forgery from the original.

/// An FNV-1a 64-bit hash, fed bytes in order.
pub struct Fnv1a(u64);

impl Fnv1a {
    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }

    /// The hash so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;

    #[test]
    fn matches_the_published_fnv1a_64_values() {
        // From the FNV reference test vectors (Landon Curt Noll): "" and "a".
        assert_eq!(Fnv1a::new().hex(), "cbf29ce484222325");
        let mut h = Fnv1a::new();
        h.write(b"a");
        assert_eq!(h.hex(), "af63dc4c8601ec8c");
    }
}
