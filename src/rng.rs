//! All randomness in certify: papers, option orders, task draws, rehearsal data, and
//! the secrets the tool makes (keys, later access codes and salts).
//!
//! Secrets ([`secret_bytes`]) come from `rand`'s OS-seeded generator and are never
//! reproducible; everything else is reproducible from a recorded seed, as follows.
//!
//! Guarantees: the same seed and stream name give the same numbers on every machine
//! and every build, forever (golden-vector tests pin them). Hence only portable
//! pieces: ChaCha8 (a fixed algorithm) keyed by SHA-256 of our own seed encoding, and
//! our own bounded draw and Fisher–Yates shuffle, never a library's `shuffle` or
//! `gen_range`, whose algorithms may change between versions. Independent streams
//! (one per purpose and form) mean that changing how one form is drawn never shifts
//! the numbers another form gets.

use chacha20::ChaCha8Rng;
use rand_core::{Rng as _, SeedableRng};
use sha2::{Digest, Sha256};

/// Seeds are kept below 2^53 so they survive JSON and spreadsheets unchanged.
pub const SEED_LIMIT: u64 = 1 << 53;

/// A deterministic random stream.
pub struct Rng {
    inner: ChaCha8Rng,
}

impl Rng {
    /// The stream named `stream` of `seed`.
    pub fn new(seed: u64, stream: &str) -> Rng {
        let mut hasher = Sha256::new();
        hasher.update(b"certify-rng-v1\0");
        hasher.update(seed.to_le_bytes());
        hasher.update(stream.as_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        Rng { inner: ChaCha8Rng::from_seed(key) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..bound` (`bound` > 0), without modulo bias: draws
    /// above the largest multiple of `bound` are rejected and drawn again.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "bound must be positive");
        let zone = u64::MAX - (u64::MAX % bound + 1) % bound;
        loop {
            let x = self.next_u64();
            if x <= zone {
                return x % bound;
            }
        }
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Fisher–Yates shuffle (Durstenfeld's in-place form, from the end).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A random permutation of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }
}

/// A fresh seed, for when the user gives none; it is recorded, so what it makes can be
/// rebuilt.
pub fn fresh_seed() -> u64 {
    rand::random::<u64>() % SEED_LIMIT
}

/// `N` secret random bytes from `rand`'s generator, seeded by the operating system.
pub fn secret_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden vectors: these numbers are what every certify build must produce. If this
    // test fails, papers built earlier can no longer be rebuilt from their seed.
    #[test]
    fn golden_vector_raw_stream() {
        let mut rng = Rng::new(20261122, "golden");
        let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(got, GOLDEN_RAW);
    }

    #[test]
    fn golden_vector_shuffle_and_draws() {
        let mut rng = Rng::new(42, "golden/shuffle");
        assert_eq!(rng.permutation(10), GOLDEN_PERMUTATION);
        let draws: Vec<u64> = (0..8).map(|_| rng.below(6)).collect();
        assert_eq!(draws, GOLDEN_DRAWS);
    }

    const GOLDEN_RAW: [u64; 4] =
        [13294291042656790636, 16081064448480773121, 12831989095402562546, 7994256775337008896];
    const GOLDEN_PERMUTATION: [usize; 10] = [3, 1, 0, 7, 8, 4, 2, 5, 6, 9];
    const GOLDEN_DRAWS: [u64; 8] = [0, 1, 5, 4, 4, 2, 1, 3];

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: Vec<u64> = (0..3)
            .map({
                let mut r = Rng::new(7, "a");
                move |_| r.next_u64()
            })
            .collect();
        let again: Vec<u64> = (0..3)
            .map({
                let mut r = Rng::new(7, "a");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..3)
            .map({
                let mut r = Rng::new(7, "b");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, again);
        assert_ne!(a, b);
    }

    #[test]
    fn bounded_draws_cover_the_range_evenly() {
        let mut rng = Rng::new(1, "even");
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[rng.below(5) as usize] += 1;
        }
        for count in counts {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
        assert!((0..1000).map(|_| rng.unit()).all(|x| (0.0..1.0).contains(&x)));
    }

    #[test]
    fn fresh_seeds_fit_json_numbers() {
        assert!(fresh_seed() < SEED_LIMIT);
    }
}
