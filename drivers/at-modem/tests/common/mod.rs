//! The rig of the integration tests: the simulated EG25-G behind a pty,
//! and an `AtModem` on it through `TtyPort`.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use yunhal::modem::{Indication, ModemDevice};
use yunhal::time::Nanos;
use yunhal_at_modem::modem::{AtModem, AtModemConfig, RecoveryConfig, TtyPort, Vendor};
use yunhal_sim::clock::SimClock;
use yunhal_sim::modem::{ModemClock, ModemConfig, ModemSim};

/// How long a test waits for an indication before it fails.
pub const WAIT: Duration = Duration::from_secs(3);

pub struct Rig {
    pub sim: Arc<ModemSim>,
    pub modem: AtModem,
}

/// The driver's settings for tests: EG25-G, the simulator's PIN, short
/// timeouts, fast call polling, no periodic signal or keep-alive.
pub fn driver_config() -> AtModemConfig {
    AtModemConfig::new(Vendor::QuectelEg25)
        .with_pin("1234")
        .with_command_timeout(Duration::from_millis(300))
        .with_network_timeout(Duration::from_secs(1))
        .with_call_poll_interval(Duration::from_millis(20))
        .with_signal_poll_interval(None)
        .with_keepalive_interval(None)
        .with_recovery(RecoveryConfig {
            timeouts: 3,
            boot_timeout: Duration::from_secs(2),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
        })
}

/// The simulator on a simulated clock (time moves with `advance_ms`), the
/// driver opened on its pty; the simulator's reboot is the power switch.
pub fn start() -> Rig {
    start_with(ModemConfig::default(), simulated(), driver_config())
}

pub fn simulated() -> ModemClock {
    ModemClock::Simulated(SimClock::new())
}

pub fn start_with(config: ModemConfig, clock: ModemClock, driver: AtModemConfig) -> Rig {
    let sim = Arc::new(ModemSim::spawn_pty(config, clock).expect("simulator on a pty"));
    let power = Arc::clone(&sim);
    let port = TtyPort::new(sim.pty_path().expect("pty path")).with_power_control(move || {
        power.reboot();
        Ok(())
    });
    let modem = AtModem::open(Box::new(port), driver).expect("driver opens");
    Rig { sim, modem }
}

impl Rig {
    /// Started, registered on the home network, indications so far drained.
    pub fn registered() -> Rig {
        let rig = start();
        rig.advance_ms(100);
        rig.expect(|i| matches!(i, Indication::Registration(s) if s.is_registered()));
        rig.drain();
        rig
    }

    pub fn advance_ms(&self, ms: u64) {
        self.sim.advance(Nanos::from_millis(ms));
    }

    /// The first indication that `matches`, skipping others; fails after
    /// `WAIT`.
    pub fn expect(&self, matches: impl Fn(&Indication) -> bool) -> Indication {
        self.expect_within(WAIT, matches)
    }

    /// Every indication until none comes for 50 ms.
    pub fn drain(&self) -> Vec<Indication> {
        std::iter::from_fn(|| self.modem.next_indication(Duration::from_millis(50))).collect()
    }
}

impl Rig {
    /// As [`Rig::expect`], waiting up to `wait`.
    pub fn expect_within(
        &self,
        wait: Duration,
        matches: impl Fn(&Indication) -> bool,
    ) -> Indication {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.modem.next_indication(left) {
                Some(i) if matches(&i) => return i,
                Some(i) => seen.push(i),
                None => break,
            }
        }
        panic!("no matching indication within {wait:?}; saw {seen:#?}");
    }

    /// Runs `job` on another thread while moving the simulated clock in
    /// small steps, so that what `job` waits for happens.
    pub fn while_advancing<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let worker = std::thread::spawn(job);
        let deadline = Instant::now() + WAIT;
        while !worker.is_finished() {
            assert!(Instant::now() < deadline, "job did not finish");
            std::thread::sleep(Duration::from_millis(5));
            self.advance_ms(10);
        }
        worker.join().expect("job panicked")
    }
}

/// Waits until `done`, failing after `WAIT`.
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
