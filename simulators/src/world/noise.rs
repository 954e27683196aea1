//! Deterministic per-sensor noise.
//!
//! Noise is a pure function of (seed, channel, time): a SplitMix64 hash of
//! the three, turned into a Gaussian by Box–Muller. Being a hash rather
//! than a stream (as `rand_pcg` would give), the world can be read through
//! `&self`, the same instant always reads the same, and how often a model
//! samples does not change what another model sees. Fifteen lines; no
//! dependency needed.

/// One noisy quantity; its number feeds the hash so channels are independent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Channel {
    Acceleration = 0,
    AngularVelocity = 1,
    MagneticField = 2,
    Illuminance = 3,
    Proximity = 4,
    Temperature = 5,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform in (0, 1].
fn uniform(bits: u64) -> f64 {
    ((bits >> 11) + 1) as f64 / (1u64 << 53) as f64
}

/// A standard normal sample for `axis` of `channel` at `time_ns`.
pub(crate) fn gaussian(seed: u64, channel: Channel, axis: u64, time_ns: u64) -> f64 {
    let key = splitmix64(seed ^ splitmix64(time_ns ^ splitmix64((channel as u64) << 8 | axis)));
    let u1 = uniform(splitmix64(key));
    let u2 = uniform(splitmix64(key ^ 0x5555_5555_5555_5555));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
