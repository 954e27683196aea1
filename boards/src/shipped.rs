//! The board files shipped in `boards/`, built into the crate so that the
//! daemon has its default board without a path.

/// A board file shipped with yunhal.
#[derive(Debug, Clone, Copy)]
pub struct ShippedBoard {
    /// Workspace-relative file name, as diagnostics show it.
    pub file: &'static str,
    pub text: &'static str,
}

/// The simulated handset; the daemon's default.
pub const SIM: ShippedBoard = ShippedBoard {
    file: "boards/sim.toml",
    text: include_str!("../sim.toml"),
};

/// The PinePhone (Allwinner A64).
pub const PINEPHONE: ShippedBoard = ShippedBoard {
    file: "boards/pinephone.toml",
    text: include_str!("../pinephone.toml"),
};

/// A Linux handset whose kernel drives the hardware.
pub const LINUX_GENERIC: ShippedBoard = ShippedBoard {
    file: "boards/linux-generic.toml",
    text: include_str!("../linux-generic.toml"),
};

pub const ALL: [ShippedBoard; 3] = [SIM, PINEPHONE, LINUX_GENERIC];
