//! Packet data: +CGDCONT, +CGACT, +CGPADDR, and +CGEV reports.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Fields, ParseError};

/// One PDP context of `AT+CGDCONT?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdpContext {
    pub cid: u32,
    /// `IP`, `IPV6`, `IPV4V6`, ...
    pub pdp_type: String,
    pub apn: Option<String>,
    pub address: Option<String>,
}

/// Parses `+CGDCONT: <cid>,<PDP_type>,<APN>,<PDP_addr>,...`.
pub fn parse_cgdcont(line: &str) -> Result<PdpContext, ParseError> {
    let f = Fields::after_prefix(line, "+CGDCONT")?;
    Ok(PdpContext {
        cid: f.u32(0, "cid")?,
        pdp_type: f.string(1, "PDP_type")?,
        apn: f.opt_string(2),
        address: f.opt_string(3).filter(|a| a != "0.0.0.0"),
    })
}

/// Parses `+CGACT: <cid>,<state>` into `(cid, active)`.
pub fn parse_cgact(line: &str) -> Result<(u32, bool), ParseError> {
    let f = Fields::after_prefix(line, "+CGACT")?;
    Ok((f.u32(0, "cid")?, f.u32(1, "state")? == 1))
}

/// The addresses of one context from `AT+CGPADDR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdpAddresses {
    pub cid: u32,
    pub addresses: Vec<IpAddr>,
}

/// Parses `+CGPADDR: <cid>[,<addr1>[,<addr2>]]`. An address is IPv4
/// dotted, IPv6 in 27.007's 16-byte dotted form (`a1.a2...a16`), or IPv6
/// text; the all-zero address means "none".
pub fn parse_cgpaddr(line: &str) -> Result<PdpAddresses, ParseError> {
    let f = Fields::after_prefix(line, "+CGPADDR")?;
    let cid = f.u32(0, "cid")?;
    let mut addresses = Vec::new();
    for index in 1..f.len() {
        let Some(text) = f.opt_string(index) else {
            continue;
        };
        let addr = parse_address(&text)?;
        if !addr.is_unspecified() {
            addresses.push(addr);
        }
    }
    Ok(PdpAddresses { cid, addresses })
}

/// A packet domain event of `+CGEV` (TS 27.007 §10.1.19), as far as a
/// driver acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketEvent {
    /// The network deactivated context `cid` (`NW PDN DEACT <cid>`, `NW
    /// DEACT <type>,<addr>[,<cid>]`); `None` when the modem did not say
    /// which.
    NetworkDeactivated { cid: Option<u32> },
    /// The network detached the modem: every context is gone.
    NetworkDetach,
    /// The modem deactivated context `cid` (`ME PDN DEACT <cid>`, `ME
    /// DEACT ...`).
    MeDeactivated { cid: Option<u32> },
    /// Context `cid` was activated (`NW`/`ME PDN ACT <cid>`).
    Activated { cid: Option<u32> },
    /// Another event, as sent.
    Other(String),
}

/// Parses the text after `+CGEV: `.
pub fn parse_cgev(text: &str) -> PacketEvent {
    let text = text.trim();
    let upper = text.to_ascii_uppercase();
    // The cid is the last number: `NW PDN DEACT 1`, `NW DEACT "IP","10.0.0.2",1`.
    let last_cid = || {
        upper
            .rsplit([' ', ','])
            .next()
            .and_then(|t| t.trim().parse::<u32>().ok())
    };
    if upper == "NW DETACH" {
        PacketEvent::NetworkDetach
    } else if upper.starts_with("NW PDN DEACT") || upper.starts_with("NW DEACT") {
        PacketEvent::NetworkDeactivated { cid: last_cid() }
    } else if upper.starts_with("ME PDN DEACT") || upper.starts_with("ME DEACT") {
        PacketEvent::MeDeactivated { cid: last_cid() }
    } else if upper.starts_with("NW PDN ACT") || upper.starts_with("ME PDN ACT") {
        PacketEvent::Activated { cid: last_cid() }
    } else {
        PacketEvent::Other(text.to_owned())
    }
}

fn parse_address(text: &str) -> Result<IpAddr, ParseError> {
    let invalid = || ParseError::InvalidField {
        name: "PDP_addr",
        value: text.to_owned(),
    };
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(addr);
    }
    let octets: Vec<u8> = text
        .split('.')
        .map(|o| o.trim().parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    match octets.len() {
        16 => {
            let bytes: [u8; 16] = octets.try_into().map_err(|_| invalid())?;
            Ok(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        // Some modems put the IPv4 and IPv6 forms in one field (v4 then v6).
        20 => {
            let bytes: [u8; 16] = octets[4..].try_into().map_err(|_| invalid())?;
            Ok(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        4 => Ok(IpAddr::V4(Ipv4Addr::new(
            octets[0], octets[1], octets[2], octets[3],
        ))),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgdcont_and_cgact_parse() {
        let c = parse_cgdcont("+CGDCONT: 1,\"IPV4V6\",\"fast.t-mobile.com\",\"0.0.0.0\",0,0,0,0")
            .unwrap();
        assert_eq!(
            (c.cid, c.pdp_type.as_str(), c.apn.as_deref(), c.address),
            (1, "IPV4V6", Some("fast.t-mobile.com"), None)
        );
        let c = parse_cgdcont("+CGDCONT: 2,\"IP\",\"\"").unwrap();
        assert_eq!(c.apn, None);
        assert_eq!(parse_cgact("+CGACT: 1,1").unwrap(), (1, true));
        assert_eq!(parse_cgact("+CGACT: 2,0").unwrap(), (2, false));
    }

    #[test]
    fn cgev_events_name_their_context() {
        assert_eq!(
            parse_cgev("NW PDN DEACT 1"),
            PacketEvent::NetworkDeactivated { cid: Some(1) }
        );
        assert_eq!(
            parse_cgev("NW DEACT \"IP\",\"10.0.0.2\",3"),
            PacketEvent::NetworkDeactivated { cid: Some(3) }
        );
        assert_eq!(
            parse_cgev("NW DEACT \"IP\",\"10.0.0.2\""),
            PacketEvent::NetworkDeactivated { cid: None }
        );
        assert_eq!(parse_cgev("NW DETACH"), PacketEvent::NetworkDetach);
        assert_eq!(
            parse_cgev("ME PDN DEACT 2"),
            PacketEvent::MeDeactivated { cid: Some(2) }
        );
        assert_eq!(
            parse_cgev("ME PDN ACT 2"),
            PacketEvent::Activated { cid: Some(2) }
        );
        assert_eq!(
            parse_cgev("NW CLASS \"B\""),
            PacketEvent::Other("NW CLASS \"B\"".into())
        );
    }

    #[test]
    fn cgpaddr_accepts_ipv4_dotted_ipv6_and_plain_ipv6() {
        let a = parse_cgpaddr("+CGPADDR: 1,\"10.11.12.13\"").unwrap();
        assert_eq!(a.addresses, vec!["10.11.12.13".parse::<IpAddr>().unwrap()]);
        let a = parse_cgpaddr(
            "+CGPADDR: 1,\"10.11.12.13\",\"38.0.16.0.11.32.116.56.0.0.0.76.83.114.102.1\"",
        )
        .unwrap();
        assert_eq!(
            a.addresses[1],
            "2600:1000:b20:7438:0:4c:5372:6601"
                .parse::<IpAddr>()
                .unwrap()
        );
        let a = parse_cgpaddr("+CGPADDR: 3,\"2001:db8::1\"").unwrap();
        assert_eq!(a.addresses, vec!["2001:db8::1".parse::<IpAddr>().unwrap()]);
        assert_eq!(
            parse_cgpaddr("+CGPADDR: 2,\"0.0.0.0\"").unwrap().addresses,
            Vec::<IpAddr>::new()
        );
        assert_eq!(
            parse_cgpaddr("+CGPADDR: 2").unwrap().addresses,
            Vec::<IpAddr>::new()
        );
        assert!(parse_cgpaddr("+CGPADDR: 1,\"1.2.3\"").is_err());
    }
}
