//! Which board the daemon runs on, and reading it.

use std::path::PathBuf;
use yunhal_boards::shipped::{self, ShippedBoard};
use yunhal_boards::{parse_board, Board, BoardError, DriverCatalog};

/// Where a board comes from.
#[derive(Debug, Clone)]
pub enum BoardSource {
    /// A board file built into the daemon (the default: the simulated handset).
    Shipped(ShippedBoard),
    /// A board file on disk.
    File(PathBuf),
}

impl Default for BoardSource {
    fn default() -> BoardSource {
        BoardSource::Shipped(shipped::SIM)
    }
}

impl BoardSource {
    /// `PATH`, or the simulated board when `None`.
    pub fn from_arg(path: Option<PathBuf>) -> BoardSource {
        path.map_or_else(BoardSource::default, BoardSource::File)
    }

    /// Reads, parses and validates the board against `drivers`.
    pub fn load<D: DriverCatalog + ?Sized>(&self, drivers: &D) -> Result<Board, BoardError> {
        match self {
            BoardSource::Shipped(board) => Ok(parse_board(board.file, board.text, drivers)?),
            BoardSource::File(path) => yunhal_boards::load_board(path, drivers),
        }
    }
}

/// Whether every bus of the board is simulated: the simulators run inside
/// the daemon and the simulator-control service is offered.
pub fn is_simulated(board: &Board) -> bool {
    !board.buses().is_empty() && board.buses().iter().all(|bus| bus.spec.is_simulated())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::driver_registry;

    #[test]
    fn default_board_is_the_simulated_handset_and_validates() {
        let board = BoardSource::default().load(&driver_registry()).unwrap();

        assert_eq!(board.name(), "sim");
        assert_eq!(board.file(), "boards/sim.toml");
        assert!(is_simulated(&board));
    }

    #[test]
    fn pinephone_board_is_not_simulated() {
        let board = BoardSource::Shipped(shipped::PINEPHONE)
            .load(&driver_registry())
            .unwrap();

        assert!(!is_simulated(&board));
    }
}
