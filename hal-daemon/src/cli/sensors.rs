//! `yunctl sensors ...`: the board's sensors through
//! `yunhal.sensors.ISensors/default`.

use crate::output::{print_json, Table};
use crate::Global;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use yunhal::sensors::ipc::{EventReader, ISensors, SensorInfo, SENSORS_SERVICE};
use yunhal::sensors::{SensorEvent, SensorStatus, SensorType, SensorValue};
use yunhal_ipc::Strong;

/// The board's sensors.
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl sensors list\n  yunctl sensors stream accelerometer --rate 50 --count 100"
)]
pub enum SensorsCommand {
    /// Every sensor: handle, type, name, range, rates, status.
    #[command(after_help = "Example:\n  yunctl sensors list --json")]
    List,
    /// Prints a sensor's events as they come.
    #[command(
        after_help = "Example:\n  yunctl sensors stream light --count 5\n  yunctl sensors stream gyroscope --rate 100 --json"
    )]
    Stream(StreamArgs),
}

#[derive(Debug, Args)]
pub struct StreamArgs {
    /// accelerometer, gyroscope, magnetometer, light, proximity,
    /// temperature or pressure; or a handle number.
    pub sensor: String,
    /// Events per second (continuous sensors); default 5.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Stop after this many events (default: until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// Longest time events may wait in a hardware FIFO, ms.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Give up when no event came for this long, ms.
    #[arg(long, default_value_t = 5000)]
    pub timeout_ms: u64,
}

const TYPES: [SensorType; 7] = [
    SensorType::Accelerometer,
    SensorType::Gyroscope,
    SensorType::MagneticField,
    SensorType::Light,
    SensorType::Proximity,
    SensorType::Temperature,
    SensorType::Pressure,
];

pub fn service(global: &Global) -> anyhow::Result<Strong<dyn ISensors>> {
    let sm = global.connect()?;
    sm.get_service::<dyn ISensors>(SENSORS_SERVICE)
        .with_context(|| format!("cannot reach {SENSORS_SERVICE} (does the board have sensors?)"))
}

pub fn run(global: &Global, command: &SensorsCommand) -> anyhow::Result<ExitCode> {
    let sensors = service(global)?;
    match command {
        SensorsCommand::List => list(global, &sensors),
        SensorsCommand::Stream(args) => stream(global, &sensors, args),
    }
}

fn hz(period_ns: u64) -> String {
    if period_ns == 0 {
        return "-".into();
    }
    let hz = 1e9 / period_ns as f64;
    if hz >= 10.0 {
        format!("{hz:.0}")
    } else {
        format!("{hz:.2}")
    }
}

fn list(global: &Global, sensors: &Strong<dyn ISensors>) -> anyhow::Result<ExitCode> {
    let list = sensors.get_sensor_list().context("get_sensor_list")?;
    if global.json {
        print_json(&serde_json::to_value(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "HANDLE",
        "TYPE",
        "NAME",
        "DEVICE",
        "RANGE",
        "RESOLUTION",
        "RATE HZ",
        "MODE",
        "STATUS",
    ]);
    for s in &list {
        table.row(vec![
            s.handle.0.to_string(),
            s.sensor_type.as_str().into(),
            s.name.clone(),
            s.device.clone(),
            format!("{} {}", s.max_range, unit(s.sensor_type)),
            format!("{}", s.resolution),
            format!("{}..{}", hz(s.max_period_ns), hz(s.min_period_ns)),
            format!("{:?}", s.reporting_mode).to_lowercase(),
            format!("{:?}", s.status).to_lowercase(),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}

fn unit(t: SensorType) -> &'static str {
    match t {
        SensorType::Accelerometer => "m/s²",
        SensorType::Gyroscope => "rad/s",
        SensorType::MagneticField => "µT",
        SensorType::Light => "lx",
        SensorType::Proximity => "cm",
        SensorType::Temperature => "°C",
        SensorType::Pressure => "hPa",
        _ => "",
    }
}

/// The sensor `name` names: a handle, or the first sensor of a type.
pub fn find(list: &[SensorInfo], name: &str) -> anyhow::Result<SensorInfo> {
    let found = match name.parse::<u32>() {
        Ok(handle) => list.iter().find(|s| s.handle.0 == handle),
        Err(_) => {
            let Some(t) = TYPES.iter().find(|t| t.as_str() == name) else {
                let names: Vec<&str> = TYPES.iter().map(|t| t.as_str()).collect();
                bail!(
                    "sensor {name:?}: expected a handle or one of {}",
                    names.join(", ")
                );
            };
            list.iter().find(|s| s.sensor_type == *t)
        }
    };
    found
        .cloned()
        .with_context(|| format!("sensor {name:?}: the board has none (see `yunctl sensors list`)"))
}

fn stream(
    global: &Global,
    sensors: &Strong<dyn ISensors>,
    args: &StreamArgs,
) -> anyhow::Result<ExitCode> {
    if !(args.rate.is_finite() && args.rate > 0.0) {
        bail!(
            "--rate {}: expected a positive number of events per second",
            args.rate
        );
    }
    let list = sensors.get_sensor_list().context("get_sensor_list")?;
    let sensor = find(&list, &args.sensor)?;
    let setup = sensors.open_session(1024).context("open_session")?;
    let mut reader = EventReader::attach(setup.queue).context("attaching the event queue")?;
    let session = setup.session;
    let period_ns = (1e9 / args.rate) as u64;
    session
        .batch(sensor.handle, period_ns, args.latency_ms * 1_000_000)
        .context("batch")?;
    session.activate(sensor.handle, true).context("activate")?;

    let timeout = Duration::from_millis(args.timeout_ms);
    let mut printed = 0u64;
    let mut events = Vec::new();
    let mut last_event = Instant::now();
    while args.count.map_or(true, |c| printed < c) {
        if !reader.wait(Some(Duration::from_millis(100)))? {
            if last_event.elapsed() >= timeout {
                bail!("no event from {} for {} ms", sensor.name, args.timeout_ms);
            }
            continue;
        }
        events.clear();
        reader.read(&mut events)?;
        for event in &events {
            if args.count.is_some_and(|c| printed >= c) {
                break;
            }
            last_event = Instant::now();
            print_event(global, &sensor, event);
            printed += 1;
        }
    }
    let _ = session.activate(sensor.handle, false);
    Ok(ExitCode::SUCCESS)
}

fn print_event(global: &Global, sensor: &SensorInfo, event: &SensorEvent) {
    let (kind, values): (&str, Vec<f32>) = match event.value {
        SensorValue::Acceleration(v) => ("data", v.iter().map(|x| x.0).collect()),
        SensorValue::AngularVelocity(v) => ("data", v.iter().map(|x| x.0).collect()),
        SensorValue::MagneticField(v) => ("data", v.iter().map(|x| x.0).collect()),
        SensorValue::Light(l) => ("data", vec![l.0]),
        SensorValue::Proximity { distance, near } => {
            ("data", vec![distance.0, if near { 1.0 } else { 0.0 }])
        }
        SensorValue::Temperature(t) => ("data", vec![t.0]),
        SensorValue::Pressure(p) => ("data", vec![p.0]),
        SensorValue::FlushComplete => ("flush-complete", vec![]),
        SensorValue::Status(s) => (
            match s {
                SensorStatus::Available => "available",
                SensorStatus::Unavailable => "unavailable",
                SensorStatus::DataSuspect => "data-suspect",
            },
            vec![],
        ),
    };
    if global.json {
        let line = serde_json::json!({
            "handle": event.handle.0,
            "type": sensor.sensor_type.as_str(),
            "timestamp_ns": event.timestamp.as_nanos(),
            "kind": kind,
            "values": values,
        });
        println!("{line}");
        return;
    }
    let text: Vec<String> = values.iter().map(|v| format!("{v:9.3}")).collect();
    let (text, unit) = if kind == "data" {
        (text.join(" "), unit(sensor.sensor_type))
    } else {
        (kind.to_string(), "")
    };
    println!(
        "{:>14.6}  {:<13}  {} {}",
        event.timestamp.as_nanos() as f64 / 1e9,
        sensor.sensor_type.as_str(),
        text,
        unit
    );
}
