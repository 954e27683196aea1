//! Logging: one line per event on stderr, which journald reads.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// `-v` gives debug, `-vv` trace; `RUST_LOG` (e.g. `yunhal_ipc=trace`)
/// overrides both. Colours only on a terminal; no timestamps under
/// journald (`JOURNAL_STREAM` set), which stamps every line itself.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}
