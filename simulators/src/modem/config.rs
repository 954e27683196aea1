//! What the simulated modem, its SIM and its network are: identities,
//! operators, and the delays the network takes.

use std::net::Ipv4Addr;
use yunhal::time::Nanos;

/// Radio access technology, as `<AcT>` of 27.007 numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTech {
    /// GSM (0).
    Gsm,
    /// UTRAN (2).
    Utran,
    /// E-UTRAN, LTE (7).
    Eutran,
}

impl AccessTech {
    /// The `<AcT>` number.
    pub fn code(self) -> u8 {
        match self {
            AccessTech::Gsm => 0,
            AccessTech::Utran => 2,
            AccessTech::Eutran => 7,
        }
    }
}

/// A network operator and the cell the modem camps on when it uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// MCC and MNC, e.g. `"00101"`.
    pub mcc_mnc: String,
    /// Long alphanumeric name.
    pub long_name: String,
    /// Short alphanumeric name.
    pub short_name: String,
    /// The SIM's home network (registration "home"), else "roaming".
    pub home: bool,
    /// Registration is refused ("denied").
    pub forbidden: bool,
    /// Access technology of the serving cell.
    pub tech: AccessTech,
    /// Location (GSM/UTRAN) or tracking (LTE) area code.
    pub area_code: u16,
    /// Cell identity.
    pub cell_id: u32,
}

impl Operator {
    /// An LTE operator.
    pub fn lte(mcc_mnc: &str, long_name: &str, short_name: &str, home: bool) -> Operator {
        Operator {
            mcc_mnc: mcc_mnc.to_owned(),
            long_name: long_name.to_owned(),
            short_name: short_name.to_owned(),
            home,
            forbidden: false,
            tech: AccessTech::Eutran,
            area_code: 0x2A01,
            cell_id: 0x01A2_D001,
        }
    }
}

/// The modem, its SIM and the network around it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModemConfig {
    /// IMEI without its check digit (14 digits); the Luhn digit is added.
    pub imei_body: String,
    /// The SIM's ICCID.
    pub iccid: String,
    /// The SIM's IMSI.
    pub imsi: String,
    /// The subscriber's own number (calls to it are busy, SMS to it loop
    /// back).
    pub own_number: String,
    /// Whether a SIM is inserted.
    pub sim_present: bool,
    /// The SIM's PIN, or `None` for a SIM with the PIN check disabled.
    pub pin: Option<String>,
    /// The SIM's PUK.
    pub puk: String,
    /// Operators, in the order `AT+COPS=?` lists them; automatic selection
    /// takes the first home operator that is not forbidden.
    pub operators: Vec<Operator>,
    /// Service centre address stored on the SIM.
    pub smsc: String,
    /// Capacity of each message memory ("ME" and "SM").
    pub sms_capacity: usize,
    /// First address of the PDP address pool.
    pub address_pool_start: Ipv4Addr,
    /// Addresses in the pool.
    pub address_pool_size: u32,
    /// Seed of the signal's wander.
    pub signal_seed: u64,
    /// Received signal strength the signal wanders around, dBm.
    pub signal_dbm: i32,
    /// Whether the module has power when the simulator starts (it boots
    /// at once); otherwise it is off until its PWRKEY is pressed, as a
    /// board's modem is.
    pub powered_at_start: bool,
    /// Silent time after `AT+CFUN=1,1` (or switching on) before `RDY`.
    pub reboot_time: Nanos,
    /// From the power key's release until a module switched off by it is
    /// off (STATUS low): logging off the network.
    pub power_down_time: Nanos,
    /// Searching time before registration.
    pub registration_delay: Nanos,
    /// From `ATD` until the remote end rings (alerting).
    pub alerting_delay: Nanos,
    /// Ring time before the remote end answers an outgoing call.
    pub answer_delay: Nanos,
    /// Ring time before an unanswered outgoing call gives up.
    pub no_answer_timeout: Nanos,
    /// Period of `RING` for an incoming call.
    pub ring_period: Nanos,
    /// Time the network takes to answer USSD.
    pub ussd_delay: Nanos,
    /// Time from submission to delivery (looped-back SMS) and to the status
    /// report.
    pub sms_delay: Nanos,
    /// Numbers that are busy.
    pub busy_numbers: Vec<String>,
    /// Numbers that ring but never answer.
    pub no_answer_numbers: Vec<String>,
    /// Numbers whose calls the simulator answers by itself after
    /// [`answer_delay`](Self::answer_delay); others wait for
    /// `remote_answer()`. Empty means every other number answers.
    pub answering_numbers: Vec<String>,
    /// The prepaid balance `*100#` reports.
    pub balance: String,
}

impl Default for ModemConfig {
    fn default() -> Self {
        let mut second = Operator::lte("00102", "Other Net", "Other", false);
        second.area_code = 0x3B02;
        second.cell_id = 0x02B3_E002;
        ModemConfig {
            imei_body: "86710703912345".to_owned(),
            iccid: "8988211000000123456".to_owned(),
            imsi: "001010123456789".to_owned(),
            own_number: "+15550100".to_owned(),
            sim_present: true,
            pin: Some("1234".to_owned()),
            puk: "12345678".to_owned(),
            operators: vec![
                Operator::lte("00101", "Yunhal Test", "YunTest", true),
                second,
            ],
            smsc: "+15550199".to_owned(),
            sms_capacity: 50,
            address_pool_start: Ipv4Addr::new(10, 64, 0, 2),
            address_pool_size: 250,
            signal_seed: 0x5EED,
            signal_dbm: -75,
            powered_at_start: true,
            reboot_time: Nanos::from_millis(200),
            power_down_time: Nanos::from_millis(300),
            registration_delay: Nanos::from_millis(100),
            alerting_delay: Nanos::from_millis(100),
            answer_delay: Nanos::from_millis(300),
            no_answer_timeout: Nanos::from_secs(30),
            ring_period: Nanos::from_secs(3),
            ussd_delay: Nanos::from_millis(50),
            sms_delay: Nanos::from_millis(50),
            busy_numbers: vec!["+15550111".to_owned()],
            no_answer_numbers: vec!["+15550122".to_owned()],
            answering_numbers: Vec::new(),
            balance: "12.34 EUR".to_owned(),
        }
    }
}

impl ModemConfig {
    /// The 15-digit IMEI: the body and its Luhn check digit.
    pub fn imei(&self) -> String {
        format!("{}{}", self.imei_body, luhn_check_digit(&self.imei_body))
    }
}

/// The digit that makes `digits` followed by it pass the Luhn check.
pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Whether two dialled numbers are the same subscriber: an international
/// `+` and a leading `00` are the same thing.
pub(crate) fn same_number(a: &str, b: &str) -> bool {
    fn normal(n: &str) -> String {
        let n = n.trim();
        let n = n
            .strip_prefix('+')
            .or_else(|| n.strip_prefix("00"))
            .unwrap_or(n);
        n.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
    }
    normal(a) == normal(b)
}
