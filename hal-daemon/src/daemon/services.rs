//! The HAL services of a board, in start order.
//!
//! # For HAL authors
//! Each HAL issue adds, here, the arm that hands its built devices to its
//! service and the line that adds the service, as the sensors do.

use std::sync::Arc;
use yunhal_boards::{Board, BuiltDevice};
use yunhal_daemon::board::is_simulated;
use yunhal_daemon::modem::ModemService;
use yunhal_daemon::platform::SimulatedWorld;
use yunhal_daemon::registry::HalDevice;
use yunhal_daemon::sensors::hub::HubDevice;
use yunhal_daemon::sensors::SensorsService;
use yunhal_daemon::supervisor::HalService;

use crate::sim_control::SimControlService;

/// Services for the devices built from `board` (the daemon's own
/// management service is added before them).
pub fn hal_services(
    board: &Board,
    devices: Vec<BuiltDevice<HalDevice>>,
    simulation: Option<SimulatedWorld>,
) -> Vec<Arc<dyn HalService>> {
    let mut services: Vec<Arc<dyn HalService>> = Vec::new();
    let mut sensors = Vec::new();
    let mut modems = Vec::new();
    for built in devices {
        match built.device {
            HalDevice::Sensor(device) => sensors.push(HubDevice {
                name: built.name,
                device,
            }),
            HalDevice::Modem(device) => modems.push((built.name, device)),
        }
    }
    if !sensors.is_empty() {
        services.push(Arc::new(SensorsService::new(sensors, is_simulated(board))));
    }
    // One modem service: a board with a second modem gets the first.
    let mut modems = modems.into_iter();
    if let Some((name, device)) = modems.next() {
        tracing::info!(device = %name, "modem service");
        services.push(Arc::new(ModemService::new(device)));
    }
    for (name, _) in modems {
        tracing::warn!(device = %name, "a second modem is not served");
    }
    // The simulator-control service drives the world the simulated chips
    // sense; the default policy restricts it to root and the daemon's user.
    if let (true, Some(world)) = (is_simulated(board), simulation) {
        services.push(Arc::new(SimControlService::new(world)));
    }
    services
}
