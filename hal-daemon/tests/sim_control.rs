//! `yunctl sim ...` against `yunhald` on the simulated board.

mod common;

use common::*;

#[test]
fn light_set_through_yunctl_is_what_the_simulated_world_reports() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let set = yunctl(&dir, &["sim", "sensors", "light", "5"]);
    let state = json(&yunctl(&dir, &["sim", "sensors", "state", "--json"]));

    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(state["illuminance"], 5.0);
    assert_eq!(state["proximity"], 100.0);
}

#[test]
fn rotating_to_landscape_at_once_puts_gravity_on_x() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let rotate = yunctl(&dir, &["sim", "sensors", "rotate", "landscape"]);
    let state = json(&yunctl(&dir, &["sim", "sensors", "state", "--json"]));

    assert!(rotate.status.success(), "{}", stderr(&rotate));
    let x = state["acceleration"][0].as_f64().unwrap();
    let z = state["acceleration"][2].as_f64().unwrap();
    // Within the simulated accelerometer's noise (σ ≈ 0.04 m/s²).
    assert!((x - 9.80665).abs() < 0.3, "{state}");
    assert!(z.abs() < 0.3, "{state}");
}

#[test]
fn unknown_pose_and_negative_light_are_refused_with_what_was_wrong() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let pose = yunctl(&dir, &["sim", "sensors", "rotate", "sideways"]);
    let light = yunctl(&dir, &["sim", "sensors", "light", "--", "-5"]);

    assert!(!pose.status.success());
    assert!(
        stderr(&pose).contains("pose \"sideways\""),
        "{}",
        stderr(&pose)
    );
    assert!(!light.status.success());
    assert!(
        stderr(&light).contains("-5 is outside"),
        "{}",
        stderr(&light)
    );
    let state = json(&yunctl(&dir, &["sim", "sensors", "state", "--json"]));
    assert_eq!(state["illuminance"], 300.0, "the world is unchanged");
}
