//! PDP contexts: definitions (kept across reboots, as the modem keeps them
//! in flash), activation with an address from the network's pool, packet
//! attach, and `+CGEV` reports.

use super::command::{Command, Kind};
use super::config::ModemConfig;
use super::engine::{Cme, Done, Engine, Fail, Reply};
use std::net::Ipv4Addr;

/// One PDP context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdpContext {
    pub cid: u8,
    /// `"IP"`, `"IPV6"` or `"IPV4V6"`.
    pub pdp_type: String,
    pub apn: String,
    /// The address the network assigned, while active.
    pub address: Option<Ipv4Addr>,
}

#[derive(Debug, Clone)]
pub(crate) struct Contexts {
    /// Sorted by cid.
    pub list: Vec<PdpContext>,
    pool_start: Ipv4Addr,
    pool_size: u32,
    cgerep: u8,
}

impl Contexts {
    pub fn new(config: &ModemConfig) -> Contexts {
        Contexts {
            list: vec![PdpContext {
                cid: 1,
                pdp_type: "IP".to_owned(),
                apn: String::new(),
                address: None,
            }],
            pool_start: config.address_pool_start,
            pool_size: config.address_pool_size,
            cgerep: 0,
        }
    }

    pub fn reset_volatile(&mut self) {
        for context in &mut self.list {
            context.address = None;
        }
        self.cgerep = 0;
    }

    fn get_mut(&mut self, cid: u8) -> Option<&mut PdpContext> {
        self.list.iter_mut().find(|c| c.cid == cid)
    }

    /// The lowest pool address no active context holds.
    fn free_address(&self) -> Option<Ipv4Addr> {
        let start = u32::from(self.pool_start);
        (start..start + self.pool_size)
            .map(Ipv4Addr::from)
            .find(|a| self.list.iter().all(|c| c.address != Some(*a)))
    }
}

impl Engine {
    /// The network took every context down (deregistration, radio off).
    pub(crate) fn contexts_lost(&mut self) {
        let active: Vec<u8> = self
            .contexts
            .list
            .iter()
            .filter(|c| c.address.is_some())
            .map(|c| c.cid)
            .collect();
        for cid in active {
            if let Some(context) = self.contexts.get_mut(cid) {
                context.address = None;
            }
            if self.contexts.cgerep > 0 {
                self.urc(&format!("+CGEV: NW PDN DEACT {cid}"));
            }
        }
    }

    fn set_context_active(&mut self, cid: u8, active: bool) -> Result<(), Fail> {
        let context = self
            .contexts
            .list
            .iter()
            .find(|c| c.cid == cid)
            .ok_or(Fail::Cme(Cme::IncorrectParameters))?;
        if context.address.is_some() == active {
            return Ok(());
        }
        let address = if active {
            if !self.network.state.is_registered() || !self.network.ps_attached {
                return Err(Fail::Cme(Cme::NoNetworkService));
            }
            Some(
                self.contexts
                    .free_address()
                    .ok_or(Fail::Cme(Cme::Unknown))?,
            )
        } else {
            None
        };
        self.contexts.get_mut(cid).expect("found above").address = address;
        if self.contexts.cgerep > 0 {
            let verb = if active { "ACT" } else { "DEACT" };
            self.urc(&format!("+CGEV: ME PDN {verb} {cid}"));
        }
        Ok(())
    }

    pub(super) fn pdp_command(&mut self, command: &Command) -> Reply {
        match (command.name.as_str(), &command.kind) {
            ("+CGDCONT", Kind::Read) => {
                for c in self.contexts.list.clone() {
                    let (cid, pdp_type, apn) = (c.cid, &c.pdp_type, &c.apn);
                    self.info(&format!(
                        "+CGDCONT: {cid},\"{pdp_type}\",\"{apn}\",\"0.0.0.0\",0,0,0,0"
                    ));
                }
            }
            ("+CGDCONT", Kind::Test) => {
                for pdp_type in ["IP", "IPV6", "IPV4V6"] {
                    self.info(&format!(
                        "+CGDCONT: (1-15),\"{pdp_type}\",,,(0-2),(0-4),(0-1),(0-1)"
                    ));
                }
            }
            ("+CGDCONT", Kind::Set(_)) => {
                let cid = command.int_in(0, 1..=15, None)? as u8;
                let existing = self.contexts.list.iter().position(|c| c.cid == cid);
                if existing.is_some_and(|i| self.contexts.list[i].address.is_some()) {
                    return Err(Fail::Cme(Cme::NotAllowed));
                }
                match command.text(1) {
                    None => {
                        self.contexts.list.retain(|c| c.cid != cid);
                    }
                    Some(pdp_type) => {
                        let pdp_type = pdp_type.to_ascii_uppercase();
                        if !matches!(pdp_type.as_str(), "IP" | "IPV6" | "IPV4V6") {
                            return Err(Fail::Cme(Cme::IncorrectParameters));
                        }
                        let context = PdpContext {
                            cid,
                            pdp_type,
                            apn: command.text(2).unwrap_or("").to_owned(),
                            address: None,
                        };
                        match existing {
                            Some(i) => self.contexts.list[i] = context,
                            None => {
                                self.contexts.list.push(context);
                                self.contexts.list.sort_by_key(|c| c.cid);
                            }
                        }
                    }
                }
            }
            ("+CGACT", Kind::Read) => {
                for c in self.contexts.list.clone() {
                    let state = u8::from(c.address.is_some());
                    self.info(&format!("+CGACT: {},{state}", c.cid));
                }
            }
            ("+CGACT", Kind::Test) => self.info("+CGACT: (0,1)"),
            ("+CGACT", Kind::Set(_)) => {
                let active = command.int_in(0, 0..=1, None)? == 1;
                let cids: Vec<u8> = if command.param_count() > 1 {
                    (1..command.param_count())
                        .map(|i| command.int_in(i, 1..=15, None).map(|c| c as u8))
                        .collect::<Result<_, _>>()?
                } else {
                    self.contexts.list.iter().map(|c| c.cid).collect()
                };
                for cid in cids {
                    self.set_context_active(cid, active)?;
                }
            }
            ("+CGPADDR", Kind::Test) => self.info("+CGPADDR: (1-15)"),
            ("+CGPADDR", Kind::Action | Kind::Set(_)) => {
                let wanted = command.int(0)?;
                for c in self.contexts.list.clone() {
                    if wanted.is_some_and(|w| w != i64::from(c.cid)) {
                        continue;
                    }
                    match c.address {
                        Some(address) => self.info(&format!("+CGPADDR: {},\"{address}\"", c.cid)),
                        None => self.info(&format!("+CGPADDR: {},\"0.0.0.0\"", c.cid)),
                    }
                }
            }
            ("+CGATT", Kind::Read) => {
                let attached =
                    u8::from(self.network.ps_attached && self.network.state.is_registered());
                self.info(&format!("+CGATT: {attached}"));
            }
            ("+CGATT", Kind::Test) => self.info("+CGATT: (0,1)"),
            ("+CGATT", Kind::Set(_)) => {
                let attach = command.int_in(0, 0..=1, None)? == 1;
                if attach && !self.network.state.is_registered() {
                    return Err(Fail::Cme(Cme::NoNetworkService));
                }
                if !attach && self.network.ps_attached {
                    self.contexts_lost();
                }
                self.network.ps_attached = attach;
            }
            ("+CGEREP", Kind::Read) => self.info(&format!("+CGEREP: {},0", self.contexts.cgerep)),
            ("+CGEREP", Kind::Set(_)) => {
                self.contexts.cgerep = command.int_in(0, 0..=2, Some(0))? as u8
            }
            _ => return Err(Fail::Unknown),
        }
        Ok(Done::Ok)
    }
}
