use super::*;
use crate::world::World;

const POCKET: &str = r#"
[[event]]
at = "3s"
proximity_cm = 0.5
"#;

fn errors(text: &str) -> Vec<ScenarioError> {
    Scenario::parse("bad.toml", text).unwrap_err().0
}

#[test]
fn durations_parse_as_strings_with_units_or_seconds() {
    let text = r#"
[[event]]
at = "1.5s"
light_lux = 1
[[event]]
at = "250ms"
light_lux = 2
[[event]]
at = 2
light_lux = 3
[[event]]
at = "20us"
light_lux = 4
"#;

    let scenario = Scenario::parse("d.toml", text).unwrap();

    let times: Vec<Nanos> = scenario.events.iter().map(|e| e.at).collect();
    assert_eq!(
        times,
        [
            Nanos::from_millis(1500),
            Nanos::from_millis(250),
            Nanos::from_secs(2),
            Nanos::from_micros(20)
        ]
    );
}

#[test]
fn proximity_event_at_3s_shows_at_3s_and_not_before() {
    let mut world = World::default();
    let mut player = ScenarioPlayer::new(Scenario::parse("pocket.toml", POCKET).unwrap());

    let before = player.step_to(&mut world, Nanos(3_000_000_000 - 1));
    let at = player.step_to(&mut world, Nanos::from_secs(3));

    assert_eq!(before.proximity, 100.0);
    assert_eq!(at.proximity, 0.5);
    assert!(player.is_finished());
}

#[test]
fn rotation_between_steps_starts_at_the_event_time() {
    let text = r#"
[[event]]
at = "1s"
rotate_to = "landscape"
over = "0.5s"
"#;
    let mut world = World::default();
    world.set_orientation(crate::world::Pose::Portrait.to_quat());
    let mut player = ScenarioPlayer::new(Scenario::parse("r.toml", text).unwrap());

    let state = player.step_to(&mut world, Nanos::from_secs(2));

    assert!((state.acceleration[0] - yunhal::units::STANDARD_GRAVITY).abs() < 1e-4);
}

#[test]
fn syntax_error_reports_file_and_line() {
    let errors = errors("[[event]]\nat = \"1s\"\nproximity_cm = = 3\n");

    assert_eq!(errors[0].file, "bad.toml");
    assert_eq!(errors[0].line, 3);
}

#[test]
fn every_bad_key_is_reported_with_its_line_and_path() {
    let text = r#"description = "bad"

[[event]]
at = "1 fortnight"
proximity_cm = 0.5

[[event]]
at = "2s"
rotate_to = "sideways"
colour = "red"

[[event]]
proximity_cm = -1
"#;

    let errors = errors(text);

    let found: Vec<(usize, Option<&str>)> =
        errors.iter().map(|e| (e.line, e.key.as_deref())).collect();
    assert!(found.contains(&(4, Some("event[1].at"))), "{found:?}");
    assert!(
        found.contains(&(9, Some("event[2].rotate_to"))),
        "{found:?}"
    );
    assert!(found.contains(&(10, Some("event[2].colour"))), "{found:?}");
    assert!(
        found.contains(&(13, Some("event[3].proximity_cm"))),
        "{found:?}"
    );
    assert!(
        errors.iter().any(|e| e.message.contains("missing `at`")),
        "{errors:?}"
    );
    let shown = ScenarioErrors(errors).to_string();
    assert!(shown.contains("bad.toml:9:"), "{shown}");
}

#[test]
fn walk_without_duration_is_an_error() {
    let errors = errors("[[event]]\nat = 4\nwalk = { steps_per_second = 1.8 }\n");

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 3);
    assert!(errors[0].message.contains("duration"));
}

#[test]
fn event_without_action_is_an_error() {
    let errors = errors("[[event]]\nat = 4\n");

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("nothing happens"));
}
