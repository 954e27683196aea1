use super::*;
use std::f64::consts::PI;

const G: f32 = STANDARD_GRAVITY;

fn assert_near(actual: [f32; 3], expected: [f32; 3], tolerance: f32) {
    for axis in 0..3 {
        assert!(
            (actual[axis] - expected[axis]).abs() <= tolerance,
            "{actual:?} != {expected:?}"
        );
    }
}

fn magnitude(v: [f32; 3]) -> f32 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

#[test]
fn default_world_reads_exactly_the_resting_state() {
    let world = World::default();

    let state = world.state_at(Nanos::from_millis(5));

    assert_eq!(state, PhysicalState::resting(Nanos::from_millis(5)));
}

#[test]
fn flat_face_up_reads_plus_g_on_z_and_no_rotation() {
    let mut world = World::default();
    world.set_orientation(Pose::FaceUp.to_quat());

    let state = world.state();

    assert_eq!(state.acceleration, [0.0, 0.0, G]);
    assert_eq!(state.angular_velocity, [0.0; 3]);
}

#[test]
fn named_poses_put_gravity_on_the_expected_axis() {
    let cases = [
        (Pose::FaceDown, [0.0, 0.0, -G]),
        (Pose::Portrait, [0.0, G, 0.0]),
        (Pose::Landscape, [G, 0.0, 0.0]),
        (Pose::LandscapeReverse, [-G, 0.0, 0.0]),
        (
            Pose::Angles {
                yaw_deg: 30.0,
                pitch_deg: 90.0,
                roll_deg: 0.0,
            },
            [0.0, G, 0.0],
        ),
    ];
    for (pose, expected) in cases {
        let mut world = World::default();

        world.set_orientation(pose.to_quat());

        assert_near(world.state().acceleration, expected, 1e-5);
    }
}

#[test]
fn portrait_facing_north_sees_the_field_horizontal_part_into_the_screen() {
    let mut world = World::default();

    world.set_orientation(Pose::Portrait.to_quat());

    // Top up: down (-42) is -y; north is behind the screen, -z.
    assert_near(world.state().magnetic_field, [0.0, -42.0, -22.0], 1e-4);
}

#[test]
fn rotating_portrait_to_landscape_over_half_a_second_turns_at_pi_rad_per_s() {
    let clock = SimClock::new();
    let mut world = World::new(clock.clone());
    world.set_orientation(Pose::Portrait.to_quat());
    clock.advance_to(Nanos::from_secs(1));

    world.rotate_towards(Pose::Landscape.to_quat(), Nanos::from_millis(500));
    clock.advance(Nanos::from_millis(250));
    let mid_way = world.state();
    clock.advance(Nanos::from_millis(250));
    let at_end = world.state();

    let rate = (PI / 2.0 / 0.5) as f32;
    assert_near(mid_way.angular_velocity, [0.0, 0.0, rate], 1e-5);
    let half = G * std::f32::consts::FRAC_1_SQRT_2;
    assert_near(mid_way.acceleration, [half, half, 0.0], 1e-4);
    assert_near(at_end.acceleration, [G, 0.0, 0.0], 1e-4);
    assert_eq!(at_end.angular_velocity, [0.0; 3]);
}

#[test]
fn field_magnitude_is_preserved_under_rotation() {
    let clock = SimClock::new();
    let mut world = World::new(clock.clone());
    let target = Pose::Angles {
        yaw_deg: 73.0,
        pitch_deg: -41.0,
        roll_deg: 128.0,
    };
    world.rotate_towards(target.to_quat(), Nanos::from_secs(1));
    let expected = magnitude(PhysicalState::resting(Nanos::ZERO).magnetic_field);

    for ms in (0..=1000).step_by(100) {
        let field = world.state_at(Nanos::from_millis(ms)).magnetic_field;

        assert!((magnitude(field) - expected).abs() < 1e-4, "{ms} ms");
    }
}

#[test]
fn walk_bounces_vertically_only_while_it_lasts() {
    let mut world = World::default();
    world.walk_from(
        Nanos::ZERO,
        Walk {
            steps_per_second: 2.0,
            duration: Nanos::from_secs(1),
        },
    );

    // A quarter step in: the bounce is at its peak.
    let peak = world.state_at(Nanos::from_millis(125));
    let after = world.state_at(Nanos::from_secs(2));

    assert!((peak.acceleration[2] - (G + WALK_VERTICAL_PEAK as f32)).abs() < 1e-4);
    assert_eq!(after.acceleration, [0.0, 0.0, G]);
}

#[test]
fn seeded_noise_is_reproducible_and_has_the_configured_deviation() {
    let noise = NoiseConfig {
        seed: 42,
        acceleration: 0.05,
        ..NoiseConfig::default()
    };
    let mut first = World::default();
    first.set_noise(noise);
    let mut second = World::default();
    second.set_noise(noise);

    let samples: Vec<f32> = (0..10_000)
        .map(|ms| first.state_at(Nanos::from_millis(ms)).acceleration[0])
        .collect();
    let again: Vec<f32> = (0..10_000)
        .map(|ms| second.state_at(Nanos::from_millis(ms)).acceleration[0])
        .collect();

    assert_eq!(samples, again);
    let n = samples.len() as f32;
    let mean = samples.iter().sum::<f32>() / n;
    let sd = (samples.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / n).sqrt();
    assert!(mean.abs() < 0.005, "mean {mean}");
    assert!((sd - 0.05).abs() < 0.0025, "sd {sd}");
}

#[test]
fn different_seeds_give_different_noise() {
    let mut first = World::default();
    first.set_noise(NoiseConfig {
        seed: 1,
        temperature: 0.5,
        ..NoiseConfig::default()
    });
    let mut second = first.clone();
    second.set_noise(NoiseConfig {
        seed: 2,
        temperature: 0.5,
        ..NoiseConfig::default()
    });

    let t = Nanos::from_millis(10);

    assert_ne!(
        first.state_at(t).temperature,
        second.state_at(t).temperature
    );
}
