//! Tells systemd how the daemon is doing (`Type=notify` units).
//!
//! Hand-written rather than taken from the `sd-notify` crate: the protocol
//! is one datagram of `KEY=VALUE` lines sent to the socket `$NOTIFY_SOCKET`
//! names (a path, or an abstract name after `@`), which takes fewer lines
//! than a dependency's manifest entry and audit.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixDatagram;

/// The environment variable systemd sets for a `Type=notify` service.
pub const NOTIFY_SOCKET_ENV: &str = "NOTIFY_SOCKET";

/// Sends `state` (e.g. `"READY=1\nSTATUS=serving"`) to `$NOTIFY_SOCKET`;
/// `Ok(false)` when the variable is not set or empty (not started by systemd).
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os(NOTIFY_SOCKET_ENV) {
        Some(socket) if !socket.is_empty() => notify_to(&socket, state).map(|()| true),
        _ => Ok(false),
    }
}

/// Sends `state` to the notification socket `socket`.
pub fn notify_to(socket: &OsStr, state: &str) -> io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    match socket.as_bytes().strip_prefix(b"@") {
        Some(abstract_name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(abstract_name)?;
            sender.send_to_addr(state.as_bytes(), &addr)?;
        }
        None => {
            sender.send_to(state.as_bytes(), socket)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_arrives_at_a_path_socket() {
        let dir = std::env::temp_dir().join(format!("yh-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        let receiver = UnixDatagram::bind(&path).unwrap();

        notify_to(path.as_os_str(), "READY=1\nSTATUS=ok").unwrap();

        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=ok");
    }

    #[test]
    fn state_arrives_at_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("yunhal-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let receiver = UnixDatagram::bind_addr(&addr).unwrap();

        notify_to(OsStr::new(&format!("@{name}")), "READY=1").unwrap();

        let mut buf = [0u8; 16];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
