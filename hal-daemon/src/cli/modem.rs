//! `yunctl modem ...`: the board's modem through
//! `yunhal.modem.IModem/default`.

use crate::output::{or_dash, print_json, Table};
use crate::Global;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yunhal::modem::ipc::{IModem, IModemListener, ModemStatus, MODEM_SERVICE};
use yunhal::modem::{Call, Indication, IpFamily, PowerState};
use yunhal_ipc::{Status, Strong};

/// The board's modem.
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl modem status\n  yunctl modem dial +4930123456\n  yunctl modem sms send +4930123456 'Hello'\n  yunctl modem watch"
)]
pub enum ModemCommand {
    /// Power, SIM, registration, signal, calls, data and unread SMS.
    #[command(after_help = "Example:\n  yunctl modem status --json")]
    Status,
    /// Radio on, off or airplane mode.
    #[command(after_help = "Example:\n  yunctl modem power airplane")]
    Power { state: String },
    /// Enters the SIM PIN.
    #[command(after_help = "Example:\n  yunctl modem pin 1234")]
    Pin { pin: String },
    /// Enters the PUK and sets a new PIN.
    #[command(after_help = "Example:\n  yunctl modem puk 12345678 1234")]
    Puk { puk: String, new_pin: String },
    /// The calls now.
    #[command(after_help = "Example:\n  yunctl modem calls")]
    Calls,
    /// Dials a voice call.
    #[command(after_help = "Example:\n  yunctl modem dial +4930123456")]
    Dial { number: String },
    /// Answers the ringing call.
    #[command(after_help = "Example:\n  yunctl modem answer")]
    Answer,
    /// Hangs up call ID, or every call.
    #[command(after_help = "Examples:\n  yunctl modem hangup\n  yunctl modem hangup 1")]
    Hangup { id: Option<u8> },
    /// Holds the active call and takes up the held or waiting one.
    #[command(after_help = "Example:\n  yunctl modem swap")]
    Swap,
    /// Sends DTMF tones in the active call.
    #[command(after_help = "Example:\n  yunctl modem dtmf 123#")]
    Dtmf { digits: String },
    /// SMS: send, list the inbox, delete.
    #[command(subcommand)]
    Sms(SmsCommand),
    /// Sends a USSD request and prints the network's answer.
    #[command(after_help = "Example:\n  yunctl modem ussd '*100#'")]
    Ussd { request: String },
    /// Packet data: up on an APN, down by context id.
    #[command(subcommand)]
    Data(DataCommand),
    /// Prints the modem's indications as they come (ring, calls, SMS,
    /// registration, signal, resets); with --json, one object per line.
    #[command(after_help = "Example:\n  yunctl modem watch --count 3 --json")]
    Watch(WatchArgs),
}

/// SMS.
#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// Sends TEXT to TO (long or non-Latin texts go in several parts).
    #[command(after_help = "Example:\n  yunctl modem sms send +4930123456 'Hello' --report")]
    Send {
        to: String,
        text: String,
        /// Ask the network for a delivery report.
        #[arg(long)]
        report: bool,
    },
    /// The inbox.
    #[command(after_help = "Example:\n  yunctl modem sms list --json")]
    List,
    /// Deletes inbox message ID.
    #[command(after_help = "Example:\n  yunctl modem sms delete 3")]
    Delete { id: u32 },
}

/// Packet data.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Brings up data on APN and prints its addresses.
    #[command(after_help = "Example:\n  yunctl modem data up internet")]
    Up {
        apn: String,
        /// ipv4, ipv6 or ipv4v6.
        #[arg(long, default_value = "ipv4")]
        family: String,
    },
    /// Takes data context CID down.
    #[command(after_help = "Example:\n  yunctl modem data down 1")]
    Down { cid: u8 },
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Stop after this many indications (default: until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// Give up when no indication came for this long, ms (default: never).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
}

pub fn service(global: &Global) -> anyhow::Result<Strong<dyn IModem>> {
    let sm = global.connect()?;
    sm.get_service::<dyn IModem>(MODEM_SERVICE)
        .with_context(|| format!("cannot reach {MODEM_SERVICE} (does the board have a modem?)"))
}

pub fn run(global: &Global, command: &ModemCommand) -> anyhow::Result<ExitCode> {
    let modem = service(global)?;
    let done = |value: serde_json::Value| -> anyhow::Result<ExitCode> {
        if global.json {
            print_json(&value);
        } else {
            println!("done: {value}");
        }
        Ok(ExitCode::SUCCESS)
    };
    match command {
        ModemCommand::Status => {
            print_status(global, &modem.get_status().context("get_status")?);
            Ok(ExitCode::SUCCESS)
        }
        ModemCommand::Power { state } => {
            let Some(power) = PowerState::from_name(state) else {
                bail!("power state {state:?}: expected on, off or airplane");
            };
            modem.set_power(power).context("set_power")?;
            done(serde_json::json!({ "power": power.as_str() }))
        }
        ModemCommand::Pin { pin } => {
            let sim = modem.enter_pin(pin.clone()).context("enter_pin")?;
            done(serde_json::json!({ "sim": sim.as_str() }))
        }
        ModemCommand::Puk { puk, new_pin } => {
            let sim = modem
                .enter_puk(puk.clone(), new_pin.clone())
                .context("enter_puk")?;
            done(serde_json::json!({ "sim": sim.as_str() }))
        }
        ModemCommand::Calls => {
            let calls = modem.list_calls().context("list_calls")?;
            print_calls(global, &calls);
            Ok(ExitCode::SUCCESS)
        }
        ModemCommand::Dial { number } => {
            modem.dial(number.clone()).context("dial")?;
            done(serde_json::json!({ "dialled": number }))
        }
        ModemCommand::Answer => {
            modem.answer().context("answer")?;
            done(serde_json::json!({ "answered": true }))
        }
        ModemCommand::Hangup { id } => {
            modem.hang_up(*id).context("hang_up")?;
            done(serde_json::json!({ "hung_up": id }))
        }
        ModemCommand::Swap => {
            modem.swap_calls().context("swap_calls")?;
            done(serde_json::json!({ "swapped": true }))
        }
        ModemCommand::Dtmf { digits } => {
            modem.send_dtmf(digits.clone()).context("send_dtmf")?;
            done(serde_json::json!({ "dtmf": digits }))
        }
        ModemCommand::Sms(SmsCommand::Send { to, text, report }) => {
            let sent = modem
                .send_sms(to.clone(), text.clone(), *report)
                .context("send_sms")?;
            done(serde_json::json!({ "to": to, "references": sent.references }))
        }
        ModemCommand::Sms(SmsCommand::List) => {
            let inbox = modem.list_sms().context("list_sms")?;
            if global.json {
                print_json(&serde_json::to_value(&inbox).unwrap_or_default());
            } else {
                let mut table = Table::new(&["ID", "NEW", "FROM", "TIME", "PARTS", "TEXT"]);
                for entry in &inbox {
                    let m = &entry.message;
                    table.row(vec![
                        entry.id.to_string(),
                        if entry.read { "" } else { "*" }.into(),
                        m.from.clone(),
                        m.timestamp.to_string(),
                        m.parts.to_string(),
                        m.text.clone(),
                    ]);
                }
                table.print();
            }
            Ok(ExitCode::SUCCESS)
        }
        ModemCommand::Sms(SmsCommand::Delete { id }) => {
            modem.delete_sms(*id).context("delete_sms")?;
            done(serde_json::json!({ "deleted": id }))
        }
        ModemCommand::Ussd { request } => {
            let answer = modem.send_ussd(request.clone()).context("send_ussd")?;
            done(serde_json::to_value(&answer).unwrap_or_default())
        }
        ModemCommand::Data(DataCommand::Up { apn, family }) => {
            let family = match family.as_str() {
                "ipv4" => IpFamily::Ipv4,
                "ipv6" => IpFamily::Ipv6,
                "ipv4v6" => IpFamily::Ipv4v6,
                other => bail!("--family {other:?}: expected ipv4, ipv6 or ipv4v6"),
            };
            let connection = modem.data_up(apn.clone(), family).context("data_up")?;
            done(serde_json::to_value(&connection).unwrap_or_default())
        }
        ModemCommand::Data(DataCommand::Down { cid }) => {
            modem.data_down(*cid).context("data_down")?;
            done(serde_json::json!({ "down": cid }))
        }
        ModemCommand::Watch(args) => watch(global, &modem, args),
    }
}

/// Passes the service's indications to the printing thread.
struct Forward(Mutex<Sender<Indication>>);

impl IModemListener for Forward {
    fn on_indication(&self, indication: Indication) -> Result<(), Status> {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(indication);
        Ok(())
    }
}

fn watch(
    global: &Global,
    modem: &Strong<dyn IModem>,
    args: &WatchArgs,
) -> anyhow::Result<ExitCode> {
    let (tx, rx) = mpsc::channel();
    let listener: Arc<dyn IModemListener> = Arc::new(Forward(Mutex::new(tx)));
    modem
        .add_listener(Strong::new(listener))
        .context("add_listener")?;
    let mut seen = 0u64;
    while args.count.map_or(true, |n| seen < n) {
        let indication = match args.timeout_ms {
            Some(ms) => match rx.recv_timeout(Duration::from_millis(ms)) {
                Ok(indication) => indication,
                Err(_) => bail!("no indication within {ms} ms ({seen} received)"),
            },
            None => rx.recv().context("the listener stopped")?,
        };
        seen += 1;
        if global.json {
            // One object per line, for readers of the stream.
            println!(
                "{}",
                serde_json::to_string(&indication).expect("an indication serializes")
            );
        } else {
            println!("{}", describe(&indication));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line for an indication.
fn describe(indication: &Indication) -> String {
    match indication {
        Indication::Ring { number } => format!("ring from {}", or_dash(number.clone())),
        Indication::Calls(calls) => {
            let calls: Vec<String> = calls
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {}",
                        c.id,
                        c.state.as_str(),
                        or_dash(c.number.clone())
                    )
                })
                .collect();
            format!("calls: [{}]", calls.join(", "))
        }
        Indication::CallEnded { id, reason } => format!("call {id} ended ({reason:?})"),
        Indication::NewSms(m) => format!("sms from {} ({} parts): {}", m.from, m.parts, m.text),
        Indication::DeliveryReport(r) => format!(
            "delivery report for {} to {}: {:?}",
            r.reference, r.recipient, r.status
        ),
        Indication::Registration(n) => format!(
            "registration cs {} eps {} on {}",
            n.cs.as_str(),
            n.eps.as_str(),
            or_dash(n.operator.as_ref().and_then(|o| o.name.clone()))
        ),
        Indication::Signal(s) => format!(
            "signal {} bars (rssi {}, rsrp {})",
            s.bars(),
            or_dash(s.rssi),
            or_dash(s.rsrp)
        ),
        Indication::Sim(sim) => format!("sim {}", sim.as_str()),
        Indication::Ussd(u) => format!("ussd {:?}: {}", u.status, or_dash(u.text.clone())),
        Indication::DataDisconnected { cid } => format!("data context {cid} down"),
        Indication::Reset { reason } => format!("modem reset: {reason}"),
        Indication::Available(true) => "modem available".into(),
        Indication::Available(false) => "modem unavailable (recovering)".into(),
        other => format!("{other:?}"),
    }
}

fn print_calls(global: &Global, calls: &[Call]) {
    if global.json {
        print_json(&serde_json::to_value(calls).unwrap_or_default());
        return;
    }
    let mut table = Table::new(&["ID", "DIRECTION", "STATE", "NUMBER", "MULTIPARTY"]);
    for c in calls {
        table.row(vec![
            c.id.to_string(),
            format!("{:?}", c.direction).to_ascii_lowercase(),
            c.state.as_str().into(),
            or_dash(c.number.clone()),
            c.multiparty.to_string(),
        ]);
    }
    table.print();
}

fn print_status(global: &Global, s: &ModemStatus) {
    if global.json {
        print_json(&serde_json::to_value(s).unwrap_or_default());
        return;
    }
    fn text<T: Serialize>(value: &Option<T>) -> String {
        value
            .as_ref()
            .and_then(|v| serde_json::to_value(v).ok())
            .map_or("-".into(), |v| v.to_string())
    }
    let mut table = Table::headless();
    table.row(vec!["available".into(), s.available.to_string()]);
    table.row(vec![
        "power".into(),
        or_dash(s.power.map(PowerState::as_str)),
    ]);
    if let Some(id) = &s.identity {
        table.row(vec![
            "modem".into(),
            format!("{} {} ({})", id.manufacturer, id.model, id.firmware),
        ]);
        table.row(vec!["imei".into(), id.imei.clone()]);
    }
    if let Some(sim) = &s.sim {
        table.row(vec!["sim".into(), sim.status.as_str().into()]);
        table.row(vec!["iccid".into(), or_dash(sim.iccid.clone())]);
        table.row(vec!["imsi".into(), or_dash(sim.imsi.clone())]);
    }
    if let Some(n) = &s.network {
        table.row(vec![
            "registration".into(),
            format!("cs {}, eps {}", n.cs.as_str(), n.eps.as_str()),
        ]);
        let operator = n.operator.as_ref().map(|o| {
            format!(
                "{} ({})",
                o.name.as_deref().unwrap_or("-"),
                o.code.as_deref().unwrap_or("-")
            )
        });
        table.row(vec!["operator".into(), or_dash(operator)]);
        table.row(vec![
            "technology".into(),
            or_dash(n.access_technology.map(|t| t.as_str())),
        ]);
        table.row(vec![
            "cell".into(),
            or_dash(n.cell_id.map(|c| format!("{c:#x}"))),
        ]);
    }
    if let Some(sig) = &s.signal {
        table.row(vec![
            "signal".into(),
            format!(
                "{} bars (rssi {}, rsrp {}, rsrq {}, sinr {})",
                sig.bars(),
                or_dash(sig.rssi),
                or_dash(sig.rsrp),
                or_dash(sig.rsrq),
                or_dash(sig.sinr)
            ),
        ]);
    }
    table.row(vec!["calls".into(), s.calls.len().to_string()]);
    table.row(vec![
        "data".into(),
        if s.data.is_empty() {
            "-".into()
        } else {
            text(&Some(&s.data))
        },
    ]);
    table.row(vec!["unread sms".into(), s.unread_sms.to_string()]);
    table.row(vec!["recoveries".into(), s.recoveries.to_string()]);
    table.print();
}
