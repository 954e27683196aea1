//! [`AnyModem`]: any modem driver as a [`BoxedModem`].

use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use super::*;
use crate::error::ErrorType;

/// Any modem driver behind one error type, so that a service can hold it
/// as a [`BoxedModem`] whatever its driver. The detail of an error is the
/// driver error's `Display` text (the modem's own answer, for AT modems).
pub struct AnyModem<M>(pub M);

/// A modem of any driver.
pub type BoxedModem = std::boxed::Box<dyn ModemDevice<Error = crate::error::DeviceError>>;

impl<M> AnyModem<M>
where
    M: ModemDevice + 'static,
    M::Error: fmt::Display,
{
    /// `modem`, boxed.
    pub fn boxed(modem: M) -> BoxedModem {
        std::boxed::Box::new(AnyModem(modem))
    }
}

fn any_error<E: crate::error::Error + fmt::Display>(error: E) -> crate::error::DeviceError {
    use alloc::string::ToString;
    crate::error::DeviceError {
        kind: error.kind(),
        detail: error.to_string(),
    }
}

impl<M: ModemDevice> ErrorType for AnyModem<M> {
    type Error = crate::error::DeviceError;
}

impl<M> ModemDevice for AnyModem<M>
where
    M: ModemDevice,
    M::Error: fmt::Display,
{
    fn power(&self) -> Result<PowerState, Self::Error> {
        self.0.power().map_err(any_error)
    }
    fn set_power(&self, state: PowerState) -> Result<(), Self::Error> {
        self.0.set_power(state).map_err(any_error)
    }
    fn identity(&self) -> Result<Identity, Self::Error> {
        self.0.identity().map_err(any_error)
    }
    fn sim(&self) -> Result<SimInfo, Self::Error> {
        self.0.sim().map_err(any_error)
    }
    fn enter_pin(&self, pin: &str) -> Result<SimStatus, Self::Error> {
        self.0.enter_pin(pin).map_err(any_error)
    }
    fn enter_puk(&self, puk: &str, new_pin: &str) -> Result<SimStatus, Self::Error> {
        self.0.enter_puk(puk, new_pin).map_err(any_error)
    }
    fn network(&self) -> Result<NetworkStatus, Self::Error> {
        self.0.network().map_err(any_error)
    }
    fn signal(&self) -> Result<SignalStrength, Self::Error> {
        self.0.signal().map_err(any_error)
    }
    fn calls(&self) -> Result<Vec<Call>, Self::Error> {
        self.0.calls().map_err(any_error)
    }
    fn dial(&self, number: &str) -> Result<(), Self::Error> {
        self.0.dial(number).map_err(any_error)
    }
    fn answer(&self) -> Result<(), Self::Error> {
        self.0.answer().map_err(any_error)
    }
    fn hang_up(&self, id: Option<u8>) -> Result<(), Self::Error> {
        self.0.hang_up(id).map_err(any_error)
    }
    fn swap_calls(&self) -> Result<(), Self::Error> {
        self.0.swap_calls().map_err(any_error)
    }
    fn send_dtmf(&self, digits: &str) -> Result<(), Self::Error> {
        self.0.send_dtmf(digits).map_err(any_error)
    }
    fn send_sms(&self, to: &str, text: &str, request_report: bool) -> Result<SentSms, Self::Error> {
        self.0.send_sms(to, text, request_report).map_err(any_error)
    }
    fn ussd(&self, request: &str, timeout: Duration) -> Result<UssdResponse, Self::Error> {
        self.0.ussd(request, timeout).map_err(any_error)
    }
    fn data_connections(&self) -> Result<Vec<DataConnection>, Self::Error> {
        self.0.data_connections().map_err(any_error)
    }
    fn data_up(&self, apn: &str, family: IpFamily) -> Result<DataConnection, Self::Error> {
        self.0.data_up(apn, family).map_err(any_error)
    }
    fn data_down(&self, cid: u8) -> Result<(), Self::Error> {
        self.0.data_down(cid).map_err(any_error)
    }
    fn next_indication(&self, timeout: Duration) -> Option<Indication> {
        self.0.next_indication(timeout)
    }
}
