//! The radio and the network: power (`+CFUN`), identity, registration in
//! the circuit and EPS domains with the operator, and the signal.

use yunhal::modem::{
    AccessTechnology, Identity, Indication, NetworkStatus, Operator, PowerState, RegistrationState,
    SignalStrength,
};

use super::config::Vendor;
use super::convert;
use super::driver::{lock, Driver};
use super::error::ModemError;
use super::quectel;
use crate::at::commands::{self, RegistrationDomain};
use crate::at::parse::network::{
    parse_cesq, parse_cfun, parse_cops_query, parse_csq, parse_registration_query, Functionality,
    Registration, SignalQuality,
};
use crate::at::parse::sim::{parse_identity_line, parse_imei};
use crate::at::{Command, ParseError};

/// Registration in one domain.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Domain {
    state: RegistrationState,
    area: Option<u32>,
    cell: Option<u32>,
    tech: Option<AccessTechnology>,
}

impl Default for Domain {
    fn default() -> Self {
        Domain {
            state: RegistrationState::NotRegistered,
            area: None,
            cell: None,
            tech: None,
        }
    }
}

impl From<&Registration> for Domain {
    fn from(r: &Registration) -> Self {
        Domain {
            state: convert::registration_state(r.status),
            area: r.area,
            cell: r.cell_id,
            tech: r.access_tech.and_then(convert::access_technology),
        }
    }
}

#[derive(Default)]
pub(crate) struct NetworkCache {
    cs: Domain,
    eps: Domain,
    operator: Option<Operator>,
    /// What `Indication::Registration` last said.
    reported: Option<NetworkStatus>,
    /// What `Indication::Signal` last said, or the last reading.
    signal: Option<SignalStrength>,
}

impl NetworkCache {
    fn status(&self) -> NetworkStatus {
        // The serving cell of the domain the modem is registered in, EPS
        // first.
        let serving = [self.eps, self.cs]
            .into_iter()
            .find(|d| d.state.is_registered())
            .unwrap_or(if self.eps.area.is_some() {
                self.eps
            } else {
                self.cs
            });
        let registered = self.cs.state.is_registered() || self.eps.state.is_registered();
        NetworkStatus {
            cs: self.cs.state,
            eps: self.eps.state,
            operator: self.operator.clone().filter(|_| registered),
            access_technology: serving.tech,
            area_code: serving.area,
            cell_id: serving.cell,
        }
    }
}

impl Driver {
    pub fn power(&self) -> Result<PowerState, ModemError> {
        let fun = self.query(commands::functionality_query(), "+CFUN", parse_cfun)?;
        match fun {
            Functionality::Minimum => Ok(PowerState::Off),
            Functionality::Full => Ok(PowerState::On),
            Functionality::RadioOff | Functionality::TransmitOff | Functionality::ReceiveOff => {
                Ok(PowerState::Airplane)
            }
            Functionality::Other(code) => Err(ModemError::parse(
                "AT+CFUN?",
                ParseError::InvalidField {
                    name: "fun",
                    value: code.to_string(),
                },
            )),
        }
    }

    pub fn set_power(&self, state: PowerState) -> Result<(), ModemError> {
        let fun = match state {
            PowerState::Off => Functionality::Minimum,
            PowerState::On => Functionality::Full,
            PowerState::Airplane => Functionality::RadioOff,
        };
        self.run_network(commands::set_functionality(fun))?;
        Ok(())
    }

    pub fn identity(&self) -> Result<Identity, ModemError> {
        let text_of = |command: Command| -> Result<String, ModemError> {
            let response = self.run(command)?;
            Ok(response
                .first_line()
                .map(parse_identity_line)
                .unwrap_or_default())
        };
        let imei_response = self.run(commands::imei())?;
        let imei = imei_response
            .first_line()
            .map(parse_imei)
            .unwrap_or_else(|| {
                Err(ParseError::MissingField {
                    name: "imei",
                    line: String::new(),
                })
            })
            .map_err(|e| ModemError::parse("AT+CGSN", e))?;
        Ok(Identity {
            manufacturer: text_of(commands::manufacturer())?,
            model: text_of(commands::model())?,
            firmware: text_of(commands::revision())?,
            imei,
        })
    }

    /// Reads registration and operator from the modem and remembers them
    /// (a query reports nothing).
    pub fn network_status(&self) -> Result<NetworkStatus, ModemError> {
        let cs = self.read_domain(RegistrationDomain::Circuit)?;
        // Modems without LTE refuse +CEREG.
        let eps = match self.read_domain(RegistrationDomain::Eps) {
            Ok(eps) => eps,
            Err(e) if e.is_link_failure() => return Err(e),
            Err(_) => Domain::default(),
        };
        let operator = if cs.state.is_registered() || eps.state.is_registered() {
            self.read_operator()?
        } else {
            None
        };
        let mut cache = lock(&self.network);
        cache.cs = cs;
        cache.eps = eps;
        cache.operator = operator;
        Ok(cache.status())
    }

    /// Takes the state read at start as the one clients know.
    pub fn settle_network_report(&self) {
        let mut cache = lock(&self.network);
        cache.reported = Some(cache.status());
    }

    fn read_domain(&self, domain: RegistrationDomain) -> Result<Domain, ModemError> {
        let registration = self.query(
            commands::registration_query(domain),
            domain.prefix(),
            parse_registration_query,
        )?;
        Ok(Domain::from(&registration))
    }

    /// The operator's name and code: `+COPS?` in the numeric and then the
    /// long format (which stays set).
    fn read_operator(&self) -> Result<Option<Operator>, ModemError> {
        let read = |format: u8| -> Result<Option<String>, ModemError> {
            self.run(commands::operator_format(format))?;
            let current = self.query(commands::operator_query(), "+COPS", parse_cops_query)?;
            Ok(current.operator.map(|o| match o {
                crate::at::parse::network::Operator::Long(n)
                | crate::at::parse::network::Operator::Short(n)
                | crate::at::parse::network::Operator::Numeric(n) => n,
            }))
        };
        let code = read(2)?;
        let name = read(0)?;
        Ok((code.is_some() || name.is_some()).then_some(Operator { name, code }))
    }

    /// A `+CREG`/`+CEREG` URC: the operator is read again when the modem
    /// registers; a change is reported.
    pub fn on_registration(
        &self,
        prefix: &str,
        registration: &Registration,
    ) -> Result<(), ModemError> {
        let domain = Domain::from(registration);
        let needs_operator = {
            let mut cache = lock(&self.network);
            let was_registered = cache.cs.state.is_registered() || cache.eps.state.is_registered();
            match prefix {
                "+CREG" => cache.cs = domain,
                "+CEREG" => cache.eps = domain,
                _ => return Ok(()),
            }
            let registered = cache.cs.state.is_registered() || cache.eps.state.is_registered();
            if !registered {
                cache.operator = None;
            }
            registered && (!was_registered || cache.operator.is_none())
        };
        if needs_operator {
            let operator = self.read_operator()?;
            lock(&self.network).operator = operator;
        }
        let report = {
            let mut cache = lock(&self.network);
            let status = cache.status();
            (cache.reported.as_ref() != Some(&status)).then(|| {
                cache.reported = Some(status.clone());
                status
            })
        };
        if let Some(status) = report {
            self.emit(Indication::Registration(status));
            // The serving cell changed: the LTE figures of the signal come
            // and go with it.
            self.poll_signal()?;
        }
        Ok(())
    }

    /// `+CSQ`, `+CESQ` where the modem has it, and the EG25-G's SINR.
    pub fn signal(&self) -> Result<SignalStrength, ModemError> {
        let quality = self.query(commands::signal_quality(), "+CSQ", parse_csq)?;
        let mut signal = SignalStrength {
            rssi: quality.rssi.map(|d| convert::dbm(d.0)),
            ..SignalStrength::default()
        };
        if let Some(response) = self.run_optional(commands::extended_signal_quality())? {
            if let Ok(extended) = Driver::parse_line(&response, "+CESQ", "AT+CESQ", parse_cesq) {
                signal.rsrp = extended.rsrp.map(|d| convert::dbm(d.0));
                signal.rsrq = extended.rsrq.map(|q| convert::decibels(q.as_db()));
            }
        }
        if self.config.vendor == Vendor::QuectelEg25 {
            if let Some(response) = self.run_optional(quectel::serving_cell())? {
                signal.sinr = response
                    .line_with("+QENG")
                    .and_then(|l| quectel::parse_lte_sinr(l).ok().flatten())
                    .map(convert::decibels);
            }
        }
        Ok(signal)
    }

    /// Reads the signal and reports it if it changed.
    pub fn poll_signal(&self) -> Result<(), ModemError> {
        let signal = self.signal()?;
        self.report_signal(signal);
        Ok(())
    }

    /// The EG25-G's `+QIND: "csq"`: RSSI only; the LTE figures of the last
    /// reading are kept. Before any reading, one is taken, so that the
    /// first report does not lose them.
    pub fn on_signal_report(&self, quality: &SignalQuality) {
        let rssi = quality.rssi.map(|d| convert::dbm(d.0));
        let last = lock(&self.network).signal;
        let last = match last {
            Some(last) => last,
            None => match self.signal() {
                Ok(full) => full,
                Err(error) => {
                    tracing::debug!(%error, "reading the signal after +QIND: \"csq\"");
                    SignalStrength::default()
                }
            },
        };
        self.report_signal(SignalStrength { rssi, ..last });
    }

    fn report_signal(&self, signal: SignalStrength) {
        let changed = lock(&self.network).signal.replace(signal) != Some(signal);
        if changed {
            self.emit(Indication::Signal(signal));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::parse::network::parse_registration_urc;

    fn domain(line: &str) -> Domain {
        Domain::from(&parse_registration_urc(line).unwrap().1)
    }

    #[test]
    fn status_takes_the_cell_of_the_registered_domain_and_hides_a_stale_operator() {
        let mut cache = NetworkCache {
            cs: domain("+CREG: 2"),
            eps: domain("+CEREG: 1,\"2A01\",\"1A2D001\",7"),
            operator: Some(Operator {
                name: Some("Test".into()),
                code: Some("00101".into()),
            }),
            ..NetworkCache::default()
        };

        let status = cache.status();

        assert_eq!(status.cs, RegistrationState::Searching);
        assert_eq!(status.eps, RegistrationState::Home);
        assert_eq!(status.area_code, Some(0x2A01));
        assert_eq!(status.access_technology, Some(AccessTechnology::Lte));
        assert!(status.operator.is_some());
        cache.eps = domain("+CEREG: 4");
        assert_eq!(cache.status().operator, None);
    }
}
