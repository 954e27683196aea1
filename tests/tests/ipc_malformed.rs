//! Hostile input to a service process: a raw connection writes malformed
//! frames by hand. Each case gets a typed error in a reply (and the
//! connection goes on working) or a protocol-error frame and a closed
//! connection, never a panic; and a well-behaved client process connected
//! before goes on being served.

mod raw_frame;

use raw_frame::{Frame, RawConnection};
use rustix::fd::AsFd;
use std::path::Path;
use yunhal_ipc::{ExceptionCode, ServiceInfo, Status};
use yunhal_tests::harness::{Cluster, Peer};
use yunhal_tests::interfaces::{codes, TEST_SERVICE};

const PEER: &str = env!("CARGO_BIN_EXE_ipc-peer");
const DESCRIPTOR: &str = "yunhal.test.ITestService";

/// A service, a well-behaved client of it, and a raw connection to it.
struct Hostile {
    raw: RawConnection,
    bystander: Peer,
    service: Peer,
    info: ServiceInfo,
    cluster: Cluster,
}

impl Hostile {
    fn start() -> Hostile {
        let cluster = Cluster::start(PEER);
        let service = cluster.service(&[]);
        let mut bystander = cluster.client();
        assert_eq!(bystander.ask("echo before"), r#"ok "before""#);
        let info = cluster.info(TEST_SERVICE);
        let raw = RawConnection::connect(Path::new(&info.endpoint));
        Hostile {
            raw,
            bystander,
            service,
            info,
            cluster,
        }
    }

    /// A well-formed `echo(text)` transaction.
    fn echo(&self, call_id: u64, text: &str) -> Frame {
        Frame::transaction(
            call_id,
            self.info.object,
            DESCRIPTOR,
            codes::ECHO,
            encode(&(text,)),
        )
    }

    /// A well-formed `echo` on the raw connection gets its answer.
    fn assert_raw_connection_still_served(&self) {
        let answer = self.raw.call(&self.echo(1000, "raw again"));
        assert_eq!(answer, Ok(encode(&"raw again")));
    }

    /// The client connected before, and a new client, are served; the
    /// service did not panic.
    fn assert_others_still_served(&mut self) {
        assert_eq!(self.bystander.ask("echo after"), r#"ok "after""#);
        let mut newcomer = self.cluster.client();
        assert_eq!(newcomer.ask("echo newcomer"), r#"ok "newcomer""#);
        assert!(self.service.is_running(), "the service process is alive");
        let stderr = self.service.stderr();
        assert!(
            !stderr.contains("panicked"),
            "the service panicked:\n{stderr}"
        );
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("postcard")
}

fn exception(result: Result<Vec<u8>, Status>) -> (ExceptionCode, String) {
    match result {
        Err(Status::Exception { code, message }) => (code, message),
        other => panic!("expected an exception, got {other:?}"),
    }
}

#[test]
fn truncated_frame_shorter_than_a_header_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let frame = hostile.echo(1, "cut").encode();

    hostile.raw.send(&frame[..10], &[]);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("truncated frame"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn frame_shorter_than_its_announced_payload_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "cut");
    frame.payload_len = Some(frame.payload.len() as u32 + 100);

    hostile.raw.send_frame(&frame);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("truncated message"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn bad_magic_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "magic").encode();
    frame[0..4].copy_from_slice(b"EVIL");

    hostile.raw.send(&frame, &[]);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("bad magic"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn wrong_descriptor_gets_wrong_interface_and_the_connection_stays_usable() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "who");
    frame.descriptor = b"yunhal.test.INotThisOne".to_vec();

    let (code, message) = exception(hostile.raw.call(&frame));

    assert_eq!(code, ExceptionCode::WrongInterface, "{message}");
    hostile.assert_raw_connection_still_served();
    hostile.assert_others_still_served();
}

#[test]
fn unknown_method_code_gets_unknown_method_and_the_connection_stays_usable() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "what");
    frame.code = 999;

    let (code, message) = exception(hostile.raw.call(&frame));

    assert_eq!(code, ExceptionCode::UnknownMethod, "{message}");
    assert!(message.contains("999"), "names the code: {message}");
    hostile.assert_raw_connection_still_served();
    hostile.assert_others_still_served();
}

#[test]
fn enum_variant_index_out_of_range_gets_bad_parcelable_and_the_connection_stays_usable() {
    let mut hostile = Hostile::start();
    // `Mode` has variants 0..=2; postcard writes the index as a varint.
    let bad = Frame::transaction(1, hostile.info.object, DESCRIPTOR, codes::SET_MODE, vec![7]);
    let good = Frame::transaction(2, hostile.info.object, DESCRIPTOR, codes::SET_MODE, vec![1]);

    let (code, message) = exception(hostile.raw.call(&bad));
    let answer = hostile.raw.call(&good);

    assert_eq!(code, ExceptionCode::BadParcelable, "{message}");
    assert_eq!(answer, Ok(vec![1]), "Mode::Low comes back");
    hostile.assert_others_still_served();
}

#[test]
fn trailing_bytes_after_the_arguments_get_bad_parcelable() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "tail");
    frame.payload.extend_from_slice(&[1, 2, 3]);

    let (code, message) = exception(hostile.raw.call(&frame));

    assert_eq!(code, ExceptionCode::BadParcelable, "{message}");
    hostile.assert_raw_connection_still_served();
    hostile.assert_others_still_served();
}

#[test]
fn payload_announced_over_one_mib_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "huge");
    frame.payload_len = Some(2 << 20);
    frame.flags = raw_frame::FLAG_MORE; // they never come

    hostile.raw.send_frame(&frame);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("exceeds the limit"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn record_larger_than_a_fragment_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let text = "x".repeat(100 * 1024);
    let frame = hostile.echo(1, &text);

    hostile.raw.send_frame(&frame);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("larger than"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn fd_count_mismatch_gets_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let mut frame = hostile.echo(1, "fds");
    frame.fd_count = 2;
    let memfd = rustix::fs::memfd_create("yunhal-test-hostile", rustix::fs::MemfdFlags::CLOEXEC)
        .expect("memfd");

    hostile.raw.send(&frame.encode(), &[memfd.as_fd()]);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("fd-count mismatch"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn call_on_an_object_id_that_does_not_exist_gets_stale_handle_and_the_connection_stays_usable() {
    let mut hostile = Hostile::start();
    let mut published = hostile.echo(1, "nobody");
    published.object = 4242;
    let mut exported = hostile.echo(2, "nobody");
    exported.object = (1 << 32) + 7;

    let (published_code, published_message) = exception(hostile.raw.call(&published));
    let (exported_code, exported_message) = exception(hostile.raw.call(&exported));

    assert_eq!(
        published_code,
        ExceptionCode::StaleHandle,
        "{published_message}"
    );
    assert_eq!(
        exported_code,
        ExceptionCode::StaleHandle,
        "{exported_message}"
    );
    hostile.assert_raw_connection_still_served();
    hostile.assert_others_still_served();
}

#[test]
fn empty_record_gets_a_closed_connection() {
    let mut hostile = Hostile::start();

    hostile.raw.send(&[], &[]);
    let first = hostile.raw.recv();
    let then = if first.is_some() {
        hostile.raw.recv()
    } else {
        None
    };

    if let Some(frame) = &first {
        frame.protocol_error();
    }
    assert!(then.is_none(), "the connection is closed");
    hostile.assert_others_still_served();
}

#[test]
fn more_fds_than_the_hard_limit_get_a_protocol_error_and_a_closed_connection() {
    let mut hostile = Hostile::start();
    let memfds: Vec<_> = (0..20)
        .map(|_| {
            rustix::fs::memfd_create("yunhal-test-hostile", rustix::fs::MemfdFlags::CLOEXEC)
                .expect("memfd")
        })
        .collect();
    let fds: Vec<_> = memfds.iter().map(|f| f.as_fd()).collect();
    let mut frame = hostile.echo(1, "fds");
    frame.fd_count = 20;

    hostile.raw.send(&frame.encode(), &fds);
    let reason = hostile.raw.expect_protocol_error_then_eof();

    assert!(reason.contains("file descriptors"), "{reason}");
    hostile.assert_others_still_served();
}

#[test]
fn stray_reply_and_release_frames_are_ignored_and_the_connection_stays_usable() {
    let mut hostile = Hostile::start();
    let mut reply = hostile.echo(77, "nobody asked");
    reply.kind = raw_frame::KIND_REPLY;
    reply.descriptor.clear();
    let mut release = hostile.echo(0, "");
    release.kind = raw_frame::KIND_RELEASE;
    release.object = (1 << 32) + 3;
    release.code = 1;
    release.descriptor.clear();
    release.payload.clear();

    hostile.raw.send_frame(&reply);
    hostile.raw.send_frame(&release);

    hostile.assert_raw_connection_still_served();
    hostile.assert_others_still_served();
}

fn hung_up(connections: &[&RawConnection]) -> usize {
    connections.iter().filter(|raw| raw.is_hung_up()).count()
}

#[test]
fn client_that_never_reads_its_replies_does_not_stall_other_clients() {
    let mut hostile = Hostile::start();
    // The same call again and again; the call id does not matter to the
    // service, which only echoes it in the replies nobody reads.
    let frame = hostile.echo(1, "are you reading");
    hostile
        .raw
        .flood(&frame, std::time::Duration::from_millis(300));
    let before = hung_up(&[&hostile.raw]);

    let answer = hostile.bystander.ask("echo meanwhile");
    let after = hung_up(&[&hostile.raw]);

    assert_eq!(answer, r#"ok "meanwhile""#);
    // The failure this catches: the bystander is served only once the
    // service gives up on the flooder (its send time-out) and drops it.
    assert_eq!(
        after, before,
        "the bystander waited until the service dropped the flooder"
    );
}

#[test]
fn connections_that_stop_in_the_middle_of_a_message_do_not_stall_other_clients() {
    let mut hostile = Hostile::start();
    // More stalled connections than the service has threads to serve with
    // (a pool of 4 and its main thread).
    let endpoint = Path::new(&hostile.info.endpoint);
    let stalled: Vec<RawConnection> = (0..6).map(|_| RawConnection::connect(endpoint)).collect();
    let stalled: Vec<&RawConnection> = stalled.iter().collect();
    // A round trip on each first: the service has accepted them all, so
    // their partial messages queue up ahead of the bystander's call.
    for (i, raw) in stalled.iter().enumerate() {
        assert_eq!(
            raw.call(&hostile.echo(i as u64, "hello")),
            Ok(encode(&"hello"))
        );
    }
    let mut first_fragment = hostile.echo(1, "the rest never comes");
    first_fragment.payload_len = Some(first_fragment.payload.len() as u32 + 100);
    first_fragment.flags = raw_frame::FLAG_MORE;
    for raw in &stalled {
        raw.send_frame(&first_fragment);
    }
    let before = hung_up(&stalled);

    let answer = hostile.bystander.ask("echo meanwhile");
    let after = hung_up(&stalled);

    assert_eq!(answer, r#"ok "meanwhile""#);
    // The failure this catches: the bystander is served only once the
    // service gives up waiting for the rest (its fragment time-out).
    assert_eq!(
        after,
        before,
        "the bystander waited until the service dropped {} stalled connections",
        after - before
    );
}
