//! FIFO batching in `Mpu6050Sensors`, against the simulator's model.

mod common;

use common::advance_to_ms;

use yunhal::sensors::{SensorDevice, SensorEvent, SensorHandle, SensorValue};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;
use yunhal_mpu6050::sensor::{ACCELEROMETER, GYROSCOPE, TEMPERATURE};
use yunhal_mpu6050::{Mpu6050Sensors, ADDRESS_AD0_LOW};
use yunhal_sim::chips::mpu6050::Mpu6050Model;
use yunhal_sim::delay::NoDelay;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::SimI2cBus;
use yunhal_sim::world::PhysicalState;

const PERIOD_100_HZ: Nanos = Nanos::from_millis(10);
const LATENCY: Nanos = Nanos::from_millis(200);
const ANGULAR_VELOCITY: [f32; 3] = [0.1, -0.2, 0.3];
const TEMPERATURE_CELSIUS: f32 = 31.0;

/// A device, its bus, and a world lying face up, turning slowly and at
/// 31 °C at t = 0.
fn device() -> (Mpu6050Sensors<SharedBus>, SharedBus, PhysicalState) {
    let mut bus = SimI2cBus::new();
    bus.attach(ADDRESS_AD0_LOW, Box::new(Mpu6050Model::new()));
    let bus = SharedBus::new(bus);
    let device = Mpu6050Sensors::init(bus.clone(), ADDRESS_AD0_LOW, &mut NoDelay).unwrap();
    let mut world = PhysicalState::resting(Nanos::ZERO);
    world.angular_velocity = ANGULAR_VELOCITY;
    world.temperature = TEMPERATURE_CELSIUS;
    (device, bus, world)
}

/// Configures `handles` at 100 Hz with `latency` and enables them.
fn batch(device: &mut Mpu6050Sensors<SharedBus>, handles: &[SensorHandle], latency: Nanos) {
    for &handle in handles {
        let period = device.configure(handle, PERIOD_100_HZ, latency).unwrap();
        assert_eq!(period, PERIOD_100_HZ);
        device.set_enabled(handle, true).unwrap();
    }
}

fn read_events(
    device: &mut Mpu6050Sensors<SharedBus>,
    now_ms: u64,
    room: usize,
) -> Vec<SensorEvent> {
    let mut out = vec![
        SensorEvent {
            handle: SensorHandle(99),
            timestamp: Nanos::ZERO,
            value: SensorValue::FlushComplete,
        };
        room
    ];
    let n = device.read(Nanos::from_millis(now_ms), &mut out).unwrap();
    out.truncate(n);
    out
}

fn timestamps_of(events: &[SensorEvent], handle: SensorHandle) -> Vec<Nanos> {
    events
        .iter()
        .filter(|e| e.handle == handle)
        .map(|e| e.timestamp)
        .collect()
}

fn assert_evenly_spaced(timestamps: &[Nanos], period: Nanos) {
    for pair in timestamps.windows(2) {
        assert_eq!(pair[1] - pair[0], period, "{timestamps:?}");
        assert!(pair[1] > pair[0]);
    }
}

fn ms(values: impl IntoIterator<Item = u64>) -> Vec<Nanos> {
    values.into_iter().map(Nanos::from_millis).collect()
}

/// Checks that every event carries what the world holds for its sensor.
fn assert_values_match_the_world(events: &[SensorEvent]) {
    for event in events {
        match (event.handle, event.value) {
            (ACCELEROMETER, SensorValue::Acceleration(a)) => {
                assert!(
                    a[0].get().abs() < 0.01 && a[1].get().abs() < 0.01,
                    "{event:?}"
                );
                assert!((a[2].get() - STANDARD_GRAVITY).abs() < 0.01, "{event:?}");
            }
            (GYROSCOPE, SensorValue::AngularVelocity(w)) => {
                for (got, want) in w.iter().zip(ANGULAR_VELOCITY) {
                    assert!((got.get() - want).abs() < 0.001, "{event:?}");
                }
            }
            (TEMPERATURE, SensorValue::Temperature(t)) => {
                assert!((t.get() - TEMPERATURE_CELSIUS).abs() < 0.01, "{event:?}");
            }
            _ => panic!("mis-parsed event {event:?}"),
        }
    }
}

#[test]
fn latency_of_200_ms_at_100_hz_batches_20_evenly_spaced_events_per_sensor_per_read() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER, GYROSCOPE], LATENCY);

    advance_to_ms(&bus, &mut world, 200);
    let first = read_events(&mut device, 200, 128);
    advance_to_ms(&bus, &mut world, 400);
    let second = read_events(&mut device, 400, 128);

    assert!(device.is_batching());
    for handle in [ACCELEROMETER, GYROSCOPE] {
        let stamps: Vec<Nanos> = [&first, &second]
            .iter()
            .flat_map(|events| timestamps_of(events, handle))
            .collect();
        assert_eq!(stamps, ms((1..=40).map(|i| 10 * i)), "{handle:?}");
        assert_evenly_spaced(&stamps, PERIOD_100_HZ);
    }
    assert_eq!(first.len(), 40);
    assert_eq!(second.len(), 40);
    assert_values_match_the_world(&first);
    assert_values_match_the_world(&second);
}

#[test]
fn one_frame_gives_its_events_in_handle_order_with_one_timestamp() {
    let (mut device, bus, mut world) = device();
    batch(
        &mut device,
        &[TEMPERATURE, GYROSCOPE, ACCELEROMETER],
        LATENCY,
    );

    advance_to_ms(&bus, &mut world, 10);
    let events = read_events(&mut device, 10, 8);

    let handles: Vec<_> = events.iter().map(|e| e.handle).collect();
    assert_eq!(handles, [ACCELEROMETER, GYROSCOPE, TEMPERATURE]);
    assert!(events.iter().all(|e| e.timestamp == Nanos::from_millis(10)));
    assert_values_match_the_world(&events);
}

#[test]
fn small_out_buffer_leaves_whole_frames_for_the_next_read_without_gap_or_duplicate() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER, GYROSCOPE], LATENCY);

    advance_to_ms(&bus, &mut world, 200);
    // Room for two and a half frames: two are read.
    let first = read_events(&mut device, 200, 5);
    let second = read_events(&mut device, 200, 5);
    let rest = read_events(&mut device, 200, 128);
    advance_to_ms(&bus, &mut world, 300);
    let later = read_events(&mut device, 300, 128);

    assert_eq!((first.len(), second.len(), rest.len()), (4, 4, 32));
    let all: Vec<SensorEvent> = [first, second, rest, later].concat();
    assert_values_match_the_world(&all);
    for handle in [ACCELEROMETER, GYROSCOPE] {
        let stamps = timestamps_of(&all, handle);
        assert_eq!(stamps, ms((1..=30).map(|i| 10 * i)), "{handle:?}");
    }
}

#[test]
fn overflow_is_counted_and_the_fifo_recovers_with_well_formed_events() {
    let (mut device, bus, mut world) = device();
    batch(
        &mut device,
        &[ACCELEROMETER, GYROSCOPE, TEMPERATURE],
        Nanos::from_millis(500),
    );
    advance_to_ms(&bus, &mut world, 200);
    let before = read_events(&mut device, 200, 256);

    // 73 frames of 14 bytes fill the FIFO: 730 ms at 100 Hz.
    advance_to_ms(&bus, &mut world, 1_200);
    let at_overflow = read_events(&mut device, 1_200, 256);
    advance_to_ms(&bus, &mut world, 1_300);
    let after = read_events(&mut device, 1_300, 256);

    assert_eq!(before.len(), 60);
    assert!(at_overflow.is_empty(), "{at_overflow:?}");
    assert_eq!(device.fifo_overflows(), 1);
    assert_eq!(after.len(), 30);
    assert_values_match_the_world(&after);
    let handles: Vec<_> = after.iter().map(|e| e.handle).collect();
    assert_eq!(handles, [ACCELEROMETER, GYROSCOPE, TEMPERATURE].repeat(10));
    let stamps = timestamps_of(&after, ACCELEROMETER);
    assert_eq!(stamps, ms((121..=130).map(|i| 10 * i)));
}

#[test]
fn reading_within_the_capacity_duration_never_overflows() {
    let (mut device, bus, mut world) = device();
    batch(
        &mut device,
        &[ACCELEROMETER, GYROSCOPE],
        Nanos::from_secs(5),
    );
    let capacity = device.fifo_capacity_duration().unwrap();
    let interval_ms = (capacity.as_millis() * 8 / 10).min(5_000);

    let mut stamps = Vec::new();
    for read in 1..=5 {
        let now = read * interval_ms;
        advance_to_ms(&bus, &mut world, now);
        stamps.extend(timestamps_of(
            &read_events(&mut device, now, 512),
            GYROSCOPE,
        ));
    }

    // 1024 / 12 bytes = 85 frames of 10 ms.
    assert_eq!(capacity, Nanos::from_millis(850));
    assert_eq!(device.fifo_overflows(), 0);
    assert_eq!(stamps.len() as u64, 5 * interval_ms / 10);
    assert_evenly_spaced(&stamps, PERIOD_100_HZ);
}

#[test]
fn capacity_duration_follows_the_frame_size_and_is_none_with_nothing_enabled() {
    let (mut device, _bus, _world) = device();
    let nothing = device.fifo_capacity_duration();

    batch(&mut device, &[ACCELEROMETER], LATENCY);
    let accel_only = device.fifo_capacity_duration();
    batch(&mut device, &[TEMPERATURE], LATENCY);
    let accel_and_temperature = device.fifo_capacity_duration();

    assert_eq!(nothing, None);
    // 1024 / 6 = 170 frames; 1024 / 8 = 128 frames.
    assert_eq!(accel_only, Some(Nanos::from_millis(1_700)));
    assert_eq!(accel_and_temperature, Some(Nanos::from_millis(1_280)));
}

#[test]
fn latency_back_to_zero_returns_to_direct_reads_and_stops_the_fifo() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER], LATENCY);
    advance_to_ms(&bus, &mut world, 200);
    let batched = read_events(&mut device, 200, 64);

    device
        .configure(ACCELEROMETER, PERIOD_100_HZ, Nanos::ZERO)
        .unwrap();
    advance_to_ms(&bus, &mut world, 400);
    let direct = read_events(&mut device, 400, 64);
    let batching = device.is_batching();
    let mut imu = device.release();

    assert_eq!(batched.len(), 20);
    assert!(!batching);
    assert_eq!(direct.len(), 1);
    assert_eq!(direct[0].timestamp, Nanos::from_millis(400));
    assert_values_match_the_world(&direct);
    assert_eq!(imu.fifo_count().unwrap(), 0);
}

#[test]
fn direct_reads_switch_to_batching_when_a_latency_is_set() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER], Nanos::ZERO);
    advance_to_ms(&bus, &mut world, 100);
    let direct = read_events(&mut device, 100, 64);

    device
        .configure(ACCELEROMETER, PERIOD_100_HZ, LATENCY)
        .unwrap();
    advance_to_ms(&bus, &mut world, 300);
    let batched = read_events(&mut device, 300, 64);

    assert_eq!(direct.len(), 1);
    assert_eq!(batched.len(), 20);
    assert_eq!(
        timestamps_of(&batched, ACCELEROMETER),
        ms((11..=30).map(|i| 10 * i))
    );
}

#[test]
fn enabling_and_disabling_sensors_while_batching_changes_the_frame_layout() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER, GYROSCOPE], LATENCY);
    advance_to_ms(&bus, &mut world, 100);
    let accel_gyro = read_events(&mut device, 100, 256);

    batch(&mut device, &[TEMPERATURE], LATENCY);
    advance_to_ms(&bus, &mut world, 200);
    let all_three = read_events(&mut device, 200, 256);

    device.set_enabled(ACCELEROMETER, false).unwrap();
    advance_to_ms(&bus, &mut world, 300);
    let gyro_temperature = read_events(&mut device, 300, 256);

    let handles = |events: &[SensorEvent]| events.iter().map(|e| e.handle).collect::<Vec<_>>();
    assert_eq!(handles(&accel_gyro), [ACCELEROMETER, GYROSCOPE].repeat(10));
    assert_eq!(
        handles(&all_three),
        [ACCELEROMETER, GYROSCOPE, TEMPERATURE].repeat(10)
    );
    assert_eq!(
        handles(&gyro_temperature),
        [GYROSCOPE, TEMPERATURE].repeat(10)
    );
    let all = [accel_gyro, all_three, gyro_temperature].concat();
    assert_values_match_the_world(&all);
    let gyro_stamps = timestamps_of(&all, GYROSCOPE);
    assert!(
        gyro_stamps.windows(2).all(|p| p[1] > p[0]),
        "{gyro_stamps:?}"
    );
}

#[test]
fn jittery_reads_give_increasing_timestamps_within_a_period_after_each_sample() {
    let (mut device, bus, mut world) = device();
    batch(&mut device, &[ACCELEROMETER], LATENCY);

    let mut stamps = Vec::new();
    for now in [195, 199, 401, 409, 600, 603] {
        advance_to_ms(&bus, &mut world, now);
        let events = read_events(&mut device, now, 64);
        assert!(events
            .iter()
            .all(|e| e.timestamp <= Nanos::from_millis(now)));
        stamps.extend(timestamps_of(&events, ACCELEROMETER));
    }

    // The chip sampled at 10, 20, .. 600 ms.
    assert_eq!(stamps.len(), 60);
    for (stamp, sampled) in stamps.iter().zip(ms((1..=60).map(|i| 10 * i))) {
        assert!(
            *stamp >= sampled && *stamp - sampled < PERIOD_100_HZ,
            "{stamps:?}"
        );
    }
    assert!(stamps
        .windows(2)
        .all(|p| p[1] > p[0] && p[1] - p[0] <= PERIOD_100_HZ));
    // The read at 600 ms came right as the chip sampled: from there on the
    // series stays on the samples.
    assert_eq!(stamps[40], Nanos::from_millis(410));
    assert_evenly_spaced(&stamps[40..], PERIOD_100_HZ);
}
