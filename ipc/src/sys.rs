//! Platform code: Unix sockets with file descriptors, peer credentials,
//! pidfds, epoll. Everything that talks to the kernel about sockets is here.

use rustix::event::{epoll, PollFd, PollFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use rustix::io::Errno;
use rustix::net::{
    self, AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags,
    SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketAddrUnix, SocketFlags, SocketType,
};
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::path::Path;
use std::time::Duration;

/// The most file descriptors one message can carry; the receive side makes
/// room for exactly this many, so a sender of more gets its message cut
/// (`MSG_CTRUNC`) and its connection closed.
pub const MAX_FDS_HARD: usize = 16;

fn io_err(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

fn seqpacket() -> io::Result<OwnedFd> {
    net::socket_with(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(io_err)
}

/// Binds a listening SOCK_SEQPACKET socket at `path`. A socket file left at
/// the path by a process that died is replaced; a live one is not.
pub fn listen(path: &Path) -> io::Result<OwnedFd> {
    let fd = seqpacket()?;
    let addr = SocketAddrUnix::new(path).map_err(io_err)?;
    match net::bind(&fd, &addr) {
        Ok(()) => {}
        Err(Errno::ADDRINUSE) => {
            if connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{} is in use by a running process", path.display()),
                ));
            }
            std::fs::remove_file(path)?;
            net::bind(&fd, &addr).map_err(io_err)?;
        }
        Err(e) => return Err(io_err(e)),
    }
    net::listen(&fd, 128).map_err(io_err)?;
    Ok(fd)
}

/// Connects to a listening socket at `path`.
pub fn connect(path: &Path) -> io::Result<OwnedFd> {
    let fd = seqpacket()?;
    let addr = SocketAddrUnix::new(path).map_err(io_err)?;
    loop {
        match net::connect(&fd, &addr) {
            Ok(()) => return Ok(fd),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// Accepts one connection; `Ok(None)` when none is pending.
pub fn accept(listener: BorrowedFd<'_>) -> io::Result<Option<OwnedFd>> {
    loop {
        match net::accept_with(listener, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK) {
            Ok(fd) => {
                // The accepted socket is used blocking; only the listener polls.
                rustix::io::ioctl_fionbio(&fd, false).map_err(io_err)?;
                return Ok(Some(fd));
            }
            Err(Errno::INTR) => continue,
            Err(Errno::AGAIN) => return Ok(None),
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// Sets how long a blocking send may wait for a peer that does not read.
pub fn set_send_timeout(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<()> {
    net::sockopt::set_socket_timeout(fd, net::sockopt::Timeout::Send, Some(timeout)).map_err(io_err)
}

/// Sets how long a blocking receive waits before it fails with `EAGAIN`.
pub fn set_recv_timeout(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<()> {
    net::sockopt::set_socket_timeout(fd, net::sockopt::Timeout::Recv, Some(timeout)).map_err(io_err)
}

/// Sends one record with `fds` attached.
pub fn send_record(
    fd: BorrowedFd<'_>,
    iov: &[IoSlice<'_>],
    fds: &[BorrowedFd<'_>],
) -> io::Result<()> {
    if fds.is_empty() && iov.len() == 1 {
        // Without descriptors, plain send(2): the kernel skips the msghdr
        // and control-message handling.
        loop {
            match net::send(fd, &iov[0], SendFlags::NOSIGNAL) {
                Ok(_) => return Ok(()),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
    }
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_HARD))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many file descriptors",
        ));
    }
    loop {
        match net::sendmsg(fd, iov, &mut control, SendFlags::NOSIGNAL) {
            Ok(_) => return Ok(()),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// What one `recvmsg` gave.
pub enum Received {
    /// A record of `len` bytes (or more, if `truncated`).
    Record {
        /// Bytes in the buffer.
        len: usize,
        /// File descriptors that came with it.
        fds: Vec<OwnedFd>,
        /// The record did not fit the buffer.
        truncated: bool,
        /// More file descriptors came than there was room for.
        fds_truncated: bool,
    },
    /// The peer closed the connection.
    Closed,
    /// Nothing to read (non-blocking only).
    WouldBlock,
}

/// Receives one record into `buf`.
pub fn recv_record(fd: BorrowedFd<'_>, buf: &mut [u8], nonblocking: bool) -> io::Result<Received> {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_HARD))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut flags = RecvFlags::CMSG_CLOEXEC;
    if nonblocking {
        flags |= RecvFlags::DONTWAIT;
    }
    let msg = loop {
        let mut iov = [IoSliceMut::new(buf)];
        match net::recvmsg(fd, &mut iov, &mut control, flags) {
            Ok(m) => break m,
            Err(Errno::INTR) => continue,
            Err(Errno::AGAIN) => return Ok(Received::WouldBlock),
            Err(Errno::CONNRESET) => return Ok(Received::Closed),
            Err(e) => return Err(io_err(e)),
        }
    };
    let mut fds = Vec::new();
    for m in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = m {
            fds.extend(received);
        }
    }
    if msg.bytes == 0 && fds.is_empty() {
        return Ok(Received::Closed);
    }
    Ok(Received::Record {
        len: msg.bytes.min(buf.len()),
        fds,
        truncated: msg.flags.contains(ReturnFlags::TRUNC),
        fds_truncated: msg.flags.contains(ReturnFlags::CTRUNC),
    })
}

/// The most records one [`recv_records`] call takes.
pub const RECV_BATCH: usize = 8;

/// Receives up to `bufs.len()` (at most [`RECV_BATCH`]) records, one into
/// each buffer, with one `recvmmsg`: waits for the first unless
/// `nonblocking`, and takes the others only if they are already queued.
/// A stream of small messages then costs one system call per batch.
pub fn recv_records(
    fd: BorrowedFd<'_>,
    bufs: &mut [Vec<u8>],
    nonblocking: bool,
) -> io::Result<Vec<Received>> {
    const SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_FDS_HARD));
    let n = bufs.len().min(RECV_BATCH);
    // `u64`s so that every control buffer is aligned for a `cmsghdr`.
    let mut control = [[0u64; SPACE.div_ceil(8)]; RECV_BATCH];
    // SAFETY: `iovec` and `mmsghdr` are plain C structs for which all zeroes
    // is a valid (empty) value.
    let mut iovs: [libc::iovec; RECV_BATCH] = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut hdrs: [libc::mmsghdr; RECV_BATCH] = unsafe { std::mem::zeroed() };
    for i in 0..n {
        iovs[i] = libc::iovec {
            iov_base: bufs[i].as_mut_ptr().cast(),
            iov_len: bufs[i].len(),
        };
        let h = &mut hdrs[i].msg_hdr;
        h.msg_iov = &mut iovs[i];
        h.msg_iovlen = 1;
        h.msg_control = control[i].as_mut_ptr().cast();
        h.msg_controllen = SPACE as _;
    }
    let flags = libc::MSG_CMSG_CLOEXEC
        | if nonblocking {
            libc::MSG_DONTWAIT
        } else {
            libc::MSG_WAITFORONE
        };
    let got = loop {
        // SAFETY: `hdrs[..n]` point at `n` live buffers of the lengths given
        // and at control buffers of `SPACE` bytes; all outlive the call.
        let r = unsafe {
            libc::recvmmsg(
                fd.as_raw_fd(),
                hdrs.as_mut_ptr(),
                n as libc::c_uint,
                flags,
                std::ptr::null_mut(),
            )
        };
        if r >= 0 {
            break r as usize;
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return Ok(vec![Received::WouldBlock]),
            Some(libc::ECONNRESET) => return Ok(vec![Received::Closed]),
            _ => return Err(e),
        }
    };
    // Every record's descriptors are owned first, so that none leaks
    // whatever is done with the records.
    let mut all_fds: Vec<Vec<OwnedFd>> = hdrs[..got]
        .iter()
        .map(|h| take_rights(&h.msg_hdr))
        .collect();
    let mut out = Vec::with_capacity(got);
    for (i, h) in hdrs[..got].iter().enumerate() {
        let fds = std::mem::take(&mut all_fds[i]);
        let len = h.msg_len as usize;
        if len == 0 && fds.is_empty() {
            out.push(Received::Closed);
            break;
        }
        out.push(Received::Record {
            len: len.min(bufs[i].len()),
            fds,
            truncated: h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
            fds_truncated: h.msg_hdr.msg_flags & libc::MSG_CTRUNC != 0,
        });
    }
    Ok(out)
}

/// The descriptors of the `SCM_RIGHTS` messages in a received header.
fn take_rights(h: &libc::msghdr) -> Vec<OwnedFd> {
    let mut fds = Vec::new();
    // SAFETY: `h` was filled by `recvmmsg`, so its control buffer holds
    // `msg_controllen` bytes of well-formed control messages, walked with
    // the C macros; every descriptor in an `SCM_RIGHTS` message is new and
    // owned by nobody else.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(h);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(c).cast::<libc::c_int>();
                let count = ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize)
                    / std::mem::size_of::<libc::c_int>();
                for k in 0..count {
                    fds.push(OwnedFd::from_raw_fd(data.add(k).read_unaligned()));
                }
            }
            c = libc::CMSG_NXTHDR(h, c);
        }
    }
    fds
}

/// Waits until `fd` is readable (or hung up); `false` on timeout.
pub fn wait_readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    let ts = rustix::time::Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos() as i64,
    };
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    loop {
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(n) => return Ok(n > 0),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// Shuts a socket down both ways, so that a thread blocked reading it wakes.
pub fn shutdown(fd: BorrowedFd<'_>) {
    let _ = net::shutdown(fd, net::Shutdown::Both);
}

/// The peer's credentials as the kernel recorded them at `connect`.
#[derive(Debug, Clone, Copy)]
pub struct Credentials {
    /// Process id.
    pub pid: i32,
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
}

/// Reads `SO_PEERCRED`.
pub fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    let c = net::sockopt::socket_peercred(fd).map_err(io_err)?;
    Ok(Credentials {
        pid: c.pid.as_raw_nonzero().get(),
        uid: c.uid.as_raw(),
        gid: c.gid.as_raw(),
    })
}

/// `SO_PEERPIDFD` from asm-generic/socket.h (Linux 6.5): a pidfd of the
/// peer, taken by the kernel at connect time, so it names the very process
/// that connected even if its pid is later reused. Not in rustix yet.
const SO_PEERPIDFD: libc::c_int = 77;

/// A pidfd of the peer: `SO_PEERPIDFD` where the kernel has it, else
/// `pidfd_open(pid)` (which can race with pid reuse if the peer has already
/// exited; `SO_PEERCRED` is read first, so the window is the connect-to-accept
/// time of a process that died in it).
pub fn peer_pidfd(fd: BorrowedFd<'_>, pid: i32) -> Option<OwnedFd> {
    let mut raw: libc::c_int = -1;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `raw` and `len` are valid for writes of an int and its size;
    // the kernel writes at most `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_PEERPIDFD,
            (&mut raw as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc == 0 && raw >= 0 {
        // SAFETY: the kernel just returned this new descriptor to us; nothing
        // else owns it.
        return Some(unsafe { OwnedFd::from_raw_fd(raw) });
    }
    let pid = rustix::process::Pid::from_raw(pid)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

/// Whether the process behind a pidfd is still running.
pub fn pidfd_alive(pidfd: BorrowedFd<'_>) -> bool {
    // A pidfd becomes readable when its process exits.
    !matches!(wait_readable(pidfd, Duration::ZERO), Ok(true))
}

/// An epoll instance.
pub struct Epoll {
    fd: OwnedFd,
}

/// Readiness events of one registered descriptor.
#[derive(Debug, Clone, Copy)]
pub struct Ready {
    /// The token given at registration.
    pub token: u64,
}

impl Epoll {
    /// A new epoll instance.
    pub fn new() -> io::Result<Epoll> {
        let fd = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(io_err)?;
        Ok(Epoll { fd })
    }

    fn flags() -> epoll::EventFlags {
        epoll::EventFlags::IN | epoll::EventFlags::RDHUP | epoll::EventFlags::ONESHOT
    }

    /// Registers `fd`, armed once: after each event it must be re-armed.
    pub fn add_oneshot(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        epoll::add(
            &self.fd,
            fd,
            epoll::EventData::new_u64(token),
            Self::flags(),
        )
        .map_err(io_err)
    }

    /// Re-arms a one-shot registration.
    pub fn rearm(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        epoll::modify(
            &self.fd,
            fd,
            epoll::EventData::new_u64(token),
            Self::flags(),
        )
        .map_err(io_err)
    }

    /// Removes a registration.
    pub fn remove(&self, fd: BorrowedFd<'_>) {
        let _ = epoll::delete(&self.fd, fd);
    }

    /// Waits for one event.
    pub fn wait_one(&self) -> io::Result<Ready> {
        let mut events = [MaybeUninit::<epoll::Event>::uninit(); 1];
        loop {
            match epoll::wait(&self.fd, &mut events, None) {
                Ok((ready, _)) if !ready.is_empty() => {
                    return Ok(Ready {
                        token: ready[0].data.u64(),
                    });
                }
                Ok(_) | Err(Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
    }

    /// The epoll descriptor.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
