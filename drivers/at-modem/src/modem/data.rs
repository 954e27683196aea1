//! Packet data: PDP contexts (`+CGDCONT`), activation (`+CGACT`), their
//! addresses (`+CGPADDR`), and the network taking one down (`+CGEV`).

use std::collections::BTreeSet;

use yunhal::modem::{DataConnection, Indication, IpFamily};

use super::driver::{lock, Driver};
use super::error::ModemError;
use crate::at::commands;
use crate::at::parse::data::{parse_cgact, parse_cgdcont, parse_cgpaddr, PacketEvent, PdpContext};

/// Context identifiers of TS 27.007 (1..=15 on most modems).
const CIDS: std::ops::RangeInclusive<u8> = 1..=15;
/// The longest APN (TS 23.003 §9.1).
const MAX_APN: usize = 100;

#[derive(Default)]
pub(crate) struct DataState {
    /// Contexts this driver activated and still thinks are up.
    active: BTreeSet<u8>,
}

fn check_apn(apn: &str) -> Result<(), ModemError> {
    if apn.len() > MAX_APN {
        return Err(ModemError::invalid(
            "APN",
            format!("longer than {MAX_APN} characters"),
        ));
    }
    let label_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if !apn.chars().all(label_char) {
        return Err(ModemError::invalid(
            "APN",
            "must be letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(())
}

impl Driver {
    fn contexts(&self) -> Result<Vec<PdpContext>, ModemError> {
        self.query_all(commands::pdp_contexts(), "+CGDCONT", parse_cgdcont)
    }

    fn active_cids(&self) -> Result<BTreeSet<u8>, ModemError> {
        let states = self.query_all(commands::pdp_activation_states(), "+CGACT", parse_cgact)?;
        Ok(states
            .into_iter()
            .filter(|&(_, on)| on)
            .filter_map(|(cid, _)| u8::try_from(cid).ok())
            .collect())
    }

    fn addresses(&self, cid: u8) -> Result<Vec<String>, ModemError> {
        let command = commands::pdp_addresses(Some(cid));
        let lists = self.query_all(command, "+CGPADDR", parse_cgpaddr)?;
        Ok(lists
            .iter()
            .filter(|list| list.cid == u32::from(cid))
            .flat_map(|list| list.addresses.iter().map(ToString::to_string))
            .collect())
    }

    fn connection(&self, context: &PdpContext, active: bool) -> Result<DataConnection, ModemError> {
        let cid = u8::try_from(context.cid).unwrap_or(0);
        Ok(DataConnection {
            cid,
            apn: context.apn.clone().unwrap_or_default(),
            family: IpFamily::from_pdp_type(&context.pdp_type).unwrap_or(IpFamily::Ipv4),
            active,
            addresses: if active {
                self.addresses(cid)?
            } else {
                Vec::new()
            },
        })
    }

    pub fn data_connections(&self) -> Result<Vec<DataConnection>, ModemError> {
        let contexts = self.contexts()?;
        let active = self.active_cids()?;
        contexts
            .iter()
            .map(|c| {
                let on = u8::try_from(c.cid).is_ok_and(|cid| active.contains(&cid));
                self.connection(c, on)
            })
            .collect()
    }

    /// Activates a context for `apn`: the one already defined with it (of
    /// `family`, else redefined), or a new one on the lowest free cid.
    pub fn data_up(&self, apn: &str, family: IpFamily) -> Result<DataConnection, ModemError> {
        check_apn(apn)?;
        let contexts = self.contexts()?;
        let same_apn = |c: &&PdpContext| {
            c.apn.as_deref().unwrap_or("").eq_ignore_ascii_case(apn)
                && u8::try_from(c.cid).is_ok_and(|cid| CIDS.contains(&cid))
        };
        let cid = match contexts.iter().find(same_apn) {
            Some(c) if IpFamily::from_pdp_type(&c.pdp_type) == Some(family) => c.cid as u8,
            Some(c) => {
                self.define(c.cid as u8, apn, family)?;
                c.cid as u8
            }
            None => {
                let cid = CIDS
                    .clone()
                    .find(|cid| contexts.iter().all(|c| c.cid != u32::from(*cid)))
                    .ok_or_else(|| {
                        ModemError::InvalidState("every PDP context identifier is in use".into())
                    })?;
                self.define(cid, apn, family)?;
                cid
            }
        };
        self.run_network(commands::activate_pdp_context(cid, true))?;
        lock(&self.data).active.insert(cid);
        Ok(DataConnection {
            cid,
            apn: apn.to_owned(),
            family,
            active: true,
            addresses: self.addresses(cid)?,
        })
    }

    fn define(&self, cid: u8, apn: &str, family: IpFamily) -> Result<(), ModemError> {
        self.run(commands::define_pdp_context(cid, family.pdp_type(), apn))?;
        Ok(())
    }

    pub fn data_down(&self, cid: u8) -> Result<(), ModemError> {
        if !CIDS.contains(&cid) {
            return Err(ModemError::invalid(
                "context",
                format!("cid {cid} is outside {}..={}", CIDS.start(), CIDS.end()),
            ));
        }
        lock(&self.data).active.remove(&cid);
        self.run_network(commands::activate_pdp_context(cid, false))?;
        Ok(())
    }

    /// A `+CGEV`: a context the network took down is reported.
    pub fn on_packet_event(&self, event: &PacketEvent) {
        let gone: Vec<u8> = {
            let mut data = lock(&self.data);
            match event {
                PacketEvent::NetworkDeactivated { cid: Some(cid) } => u8::try_from(*cid)
                    .ok()
                    .filter(|cid| data.active.remove(cid))
                    .into_iter()
                    .collect(),
                PacketEvent::NetworkDeactivated { cid: None } | PacketEvent::NetworkDetach => {
                    std::mem::take(&mut data.active).into_iter().collect()
                }
                _ => Vec::new(),
            }
        };
        for cid in gone {
            self.emit(Indication::DataDisconnected { cid });
        }
    }

    /// Reads which contexts are up (after an open or a restart).
    pub fn settle_data(&self) -> Result<(), ModemError> {
        let active = match self.active_cids() {
            Ok(active) => active,
            Err(e) if e.is_link_failure() => return Err(e),
            Err(_) => BTreeSet::new(),
        };
        lock(&self.data).active = active;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apns_are_checked_before_sending() {
        assert!(check_apn("internet").is_ok());
        assert!(check_apn("fast.t-mobile.com").is_ok());
        assert!(check_apn("").is_ok());
        assert!(check_apn("a\"b").is_err());
        assert!(check_apn("a b").is_err());
        assert!(check_apn(&"a".repeat(101)).is_err());
    }
}
