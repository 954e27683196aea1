//! A simulated I2C bus and the trait its device models implement.

use crate::world::PhysicalState;
use embedded_hal::i2c::{self, ErrorKind, NoAcknowledgeSource, Operation, SevenBitAddress};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Why a model refused a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nack {
    /// The device did not acknowledge a data byte (e.g. a write to a
    /// register that does not exist).
    Data,
}

/// A register-level model of one I2C device.
///
/// The bus calls `write` for each write operation (the first byte is, for
/// register-based chips, the register address) and `read` for each read
/// operation (bytes from the model's current register pointer). A repeated
/// start between a write and a read is a `write` then a `read`.
pub trait I2cDeviceModel: Send {
    /// The master wrote `data`.
    fn write(&mut self, data: &[u8]) -> Result<(), Nack>;
    /// The master reads `buf.len()` bytes.
    fn read(&mut self, buf: &mut [u8]) -> Result<(), Nack>;
    /// Simulated time moved on to `world.time`: sample, fill FIFOs, raise
    /// data-ready. Called with non-decreasing times.
    fn advance(&mut self, world: &PhysicalState);
    /// The level the model drives on its interrupt line, if it has one.
    fn interrupt_line(&self) -> bool {
        false
    }
}

/// An error on the simulated bus, with embedded-hal's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimI2cError(pub ErrorKind);

impl i2c::Error for SimI2cError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

/// A simulated I2C bus: devices by 7-bit address.
#[derive(Default)]
pub struct SimI2cBus {
    devices: BTreeMap<u8, Box<dyn I2cDeviceModel>>,
    /// Transfers that will fail with a NACK, to test a driver's retries.
    inject_nacks: u32,
}

impl SimI2cBus {
    /// An empty bus.
    pub fn new() -> SimI2cBus {
        SimI2cBus::default()
    }

    /// Attaches `model` at `address`; replaces what was there.
    pub fn attach(&mut self, address: u8, model: Box<dyn I2cDeviceModel>) {
        self.devices.insert(address, model);
    }

    /// Takes the model at `address` off the bus: transfers to it NACK, as
    /// to a chip that lost its connection, until it is attached again.
    pub fn detach(&mut self, address: u8) -> Option<Box<dyn I2cDeviceModel>> {
        self.devices.remove(&address)
    }

    /// The model at `address`.
    pub fn device_mut(&mut self, address: u8) -> Option<&mut (dyn I2cDeviceModel + 'static)> {
        self.devices.get_mut(&address).map(|b| b.as_mut())
    }

    /// Makes the next `count` transfers fail with an address NACK.
    pub fn inject_nacks(&mut self, count: u32) {
        self.inject_nacks = count;
    }

    /// Moves every model to `world.time`.
    pub fn advance(&mut self, world: &PhysicalState) {
        for model in self.devices.values_mut() {
            model.advance(world);
        }
    }
}

impl i2c::ErrorType for SimI2cBus {
    type Error = SimI2cError;
}

impl i2c::I2c<SevenBitAddress> for SimI2cBus {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), SimI2cError> {
        let nack_address = SimI2cError(ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address));
        if self.inject_nacks > 0 {
            self.inject_nacks -= 1;
            return Err(nack_address);
        }
        let model = self.devices.get_mut(&address).ok_or(nack_address)?;
        for op in operations {
            let result = match op {
                Operation::Write(data) => model.write(data),
                Operation::Read(buf) => model.read(buf),
            };
            result.map_err(|Nack::Data| {
                SimI2cError(ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data))
            })?;
        }
        Ok(())
    }
}

/// A [`SimI2cBus`] shared by the drivers on it (the sensors of one I2C
/// bus each own a handle, as on the phone) and by whoever moves simulated
/// time on. Each transfer holds the bus for its duration.
#[derive(Clone)]
pub struct SharedI2cBus(Arc<Mutex<SimI2cBus>>);

impl SharedI2cBus {
    /// Shares `bus`.
    pub fn new(bus: SimI2cBus) -> SharedI2cBus {
        SharedI2cBus(Arc::new(Mutex::new(bus)))
    }

    /// The bus itself, to attach models, inject faults or advance time.
    pub fn lock(&self) -> MutexGuard<'_, SimI2cBus> {
        // A test that panicked while holding the bus leaves it usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves every model on the bus to `world.time`.
    pub fn advance(&self, world: &PhysicalState) {
        self.lock().advance(world);
    }

    /// Whether two handles share one bus.
    pub fn same_bus(&self, other: &SharedI2cBus) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The interrupt line of the model at `address` (low if none).
    pub fn interrupt_line(&self, address: u8) -> bool {
        self.lock()
            .device_mut(address)
            .is_some_and(|m| m.interrupt_line())
    }
}

impl i2c::ErrorType for SharedI2cBus {
    type Error = SimI2cError;
}

impl i2c::I2c<SevenBitAddress> for SharedI2cBus {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), SimI2cError> {
        self.lock().transaction(address, operations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal::i2c::I2c;

    /// Eight registers; writes set the pointer then store, reads
    /// auto-increment.
    struct Scratch {
        regs: [u8; 8],
        pointer: usize,
    }

    impl I2cDeviceModel for Scratch {
        fn write(&mut self, data: &[u8]) -> Result<(), Nack> {
            let (&reg, values) = data.split_first().ok_or(Nack::Data)?;
            self.pointer = usize::from(reg);
            for v in values {
                *self.regs.get_mut(self.pointer).ok_or(Nack::Data)? = *v;
                self.pointer += 1;
            }
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8]) -> Result<(), Nack> {
            for b in buf {
                *b = *self.regs.get(self.pointer).ok_or(Nack::Data)?;
                self.pointer += 1;
            }
            Ok(())
        }
        fn advance(&mut self, _world: &PhysicalState) {}
    }

    fn bus_with_scratch_at_0x42() -> SimI2cBus {
        let mut bus = SimI2cBus::new();
        bus.attach(
            0x42,
            Box::new(Scratch {
                regs: [0; 8],
                pointer: 0,
            }),
        );
        bus
    }

    #[test]
    fn write_then_read_reaches_the_model_at_its_address() {
        let mut bus = bus_with_scratch_at_0x42();
        bus.write(0x42, &[2, 0xAA, 0xBB]).unwrap();
        let mut got = [0u8; 2];
        bus.write_read(0x42, &[2], &mut got).unwrap();
        assert_eq!(got, [0xAA, 0xBB]);
    }

    #[test]
    fn unknown_address_is_an_address_nack() {
        let mut bus = bus_with_scratch_at_0x42();
        let err = bus.write(0x10, &[0]).unwrap_err();
        assert_eq!(
            err.0,
            ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address)
        );
    }

    #[test]
    fn register_past_the_end_is_a_data_nack() {
        let mut bus = bus_with_scratch_at_0x42();
        let err = bus.write(0x42, &[7, 1, 2]).unwrap_err();
        assert_eq!(err.0, ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data));
    }

    #[test]
    fn injected_nacks_fail_that_many_transfers_then_stop() {
        let mut bus = bus_with_scratch_at_0x42();
        bus.inject_nacks(2);
        assert!(bus.write(0x42, &[0, 1]).is_err());
        assert!(bus.write(0x42, &[0, 1]).is_err());
        assert!(bus.write(0x42, &[0, 1]).is_ok());
    }
}
