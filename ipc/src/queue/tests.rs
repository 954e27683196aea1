use super::*;
use std::os::fd::{AsRawFd, FromRawFd};

const EVENT_SIZE: u32 = 16;

/// An event whose bytes all derive from `seq`, so order and integrity
/// can be checked.
fn event(seq: u64) -> [u8; EVENT_SIZE as usize] {
    let mut bytes = [0u8; EVENT_SIZE as usize];
    bytes[..8].copy_from_slice(&seq.to_ne_bytes());
    bytes[8..].copy_from_slice(&(!seq).to_ne_bytes());
    bytes
}

fn queue(capacity: u32) -> (QueueWriter, QueueReader) {
    let (writer, fds) = EventQueue::create("queue-test", EVENT_SIZE, capacity).unwrap();
    (writer, QueueReader::attach(fds).unwrap())
}

/// A writer, the fds not yet attached, and a third mapping to scribble
/// on the header as a hostile peer would.
fn queue_with_scribbler(capacity: u32) -> (QueueWriter, QueueFds, SharedMemory) {
    let (writer, fds) = EventQueue::create("queue-test", EVENT_SIZE, capacity).unwrap();
    let scribbler =
        SharedMemory::from_fd(fds.memfd.try_clone().unwrap(), Access::ReadWrite).unwrap();
    (writer, fds, scribbler)
}

fn scribble_u64(shm: &SharedMemory, offset: usize, value: u64) {
    shm.write_at(offset, &value.to_ne_bytes()).unwrap();
}

fn scribble_u32(shm: &SharedMemory, offset: usize, value: u32) {
    shm.write_at(offset, &value.to_ne_bytes()).unwrap();
}

#[test]
fn read_on_empty_queue_returns_zero_events() {
    let (_writer, mut reader) = queue(8);
    let mut out = [0u8; 4 * EVENT_SIZE as usize];

    let events = reader.read_batch(&mut out).unwrap();

    assert_eq!(events, 0);
    assert_eq!(reader.available().unwrap(), 0);
}

#[test]
fn pushed_event_is_read_back_unchanged() {
    let (mut writer, mut reader) = queue(8);
    let mut out = [0u8; EVENT_SIZE as usize];

    writer.push(&event(7)).unwrap();
    let events = reader.read_batch(&mut out).unwrap();

    assert_eq!(events, 1);
    assert_eq!(out, event(7));
    assert_eq!(reader.available().unwrap(), 0);
}

#[test]
fn events_of_every_size_class_round_trip_unchanged() {
    for event_size in [8u32, 24, 40, 64, 72, 128, 136, 4096] {
        let (mut writer, fds) = EventQueue::create("queue-test", event_size, 4).unwrap();
        let mut reader = QueueReader::attach(fds).unwrap();
        let events: Vec<Vec<u8>> = (0..6u8)
            .map(|seq| {
                (0..event_size)
                    .map(|i| (i as u8).wrapping_mul(31) ^ seq)
                    .collect()
            })
            .collect();
        let mut out = vec![0u8; event_size as usize];

        for event in &events {
            writer.push(event).unwrap();
            assert_eq!(reader.read_batch(&mut out).unwrap(), 1);

            assert_eq!(&out, event, "event size {event_size}");
        }
    }
}

#[test]
fn events_wrapping_around_many_times_arrive_in_order() {
    let (mut writer, mut reader) = queue(8);
    // 3 events per read against 8 slots: the batches straddle the end.
    let mut out = [0u8; 3 * EVENT_SIZE as usize];
    let mut next_pushed = 0u64;
    let mut next_expected = 0u64;

    while next_expected < 1000 {
        while next_pushed < 1000 && writer.space().unwrap() > 0 {
            writer.push(&event(next_pushed)).unwrap();
            next_pushed += 1;
        }
        let events = reader.read_batch(&mut out).unwrap();
        for chunk in out[..events * EVENT_SIZE as usize].chunks(EVENT_SIZE as usize) {
            assert_eq!(chunk, event(next_expected));
            next_expected += 1;
        }
    }

    assert_eq!(reader.dropped(), 0);
}

#[test]
fn push_on_full_queue_returns_full_and_counts_the_drop_for_the_reader() {
    let (mut writer, mut reader) = queue(4);
    for seq in 0..4 {
        writer.push(&event(seq)).unwrap();
    }

    let first = writer.push(&event(4));
    let second = writer.push(&event(5));

    assert!(matches!(first, Err(QueueError::Full)), "{first:?}");
    assert!(matches!(second, Err(QueueError::Full)), "{second:?}");
    assert_eq!(reader.dropped(), 2);
    assert_eq!(reader.dropped(), 0, "dropped counts since the last call");
    let mut out = [0u8; 8 * EVENT_SIZE as usize];
    assert_eq!(reader.read_batch(&mut out).unwrap(), 4);
    assert_eq!(
        out[3 * EVENT_SIZE as usize..4 * EVENT_SIZE as usize],
        event(3)
    );
}

#[test]
fn push_batch_larger_than_space_pushes_what_fits_and_counts_the_rest() {
    let (mut writer, mut reader) = queue(4);
    writer.push(&event(0)).unwrap();
    let batch: Vec<u8> = (1..6).flat_map(event).collect();

    let pushed = writer.push_batch(&batch).unwrap();

    assert_eq!(pushed, 3);
    assert_eq!(reader.dropped(), 2);
    assert_eq!(writer.dropped_total(), 2);
    let mut out = [0u8; 4 * EVENT_SIZE as usize];
    assert_eq!(reader.read_batch(&mut out).unwrap(), 4);
    let expected: Vec<u8> = (0..4).flat_map(event).collect();
    assert_eq!(out[..], expected[..]);
}

#[test]
fn staged_events_are_invisible_until_published_then_arrive_in_order() {
    let (mut writer, mut reader) = queue(8);
    let mut out = [0u8; 8 * EVENT_SIZE as usize];

    writer.stage(&event(0)).unwrap();
    writer.stage(&event(1)).unwrap();
    assert_eq!(writer.staged(), 2);
    assert_eq!(reader.available().unwrap(), 0);
    assert_eq!(reader.read_batch(&mut out).unwrap(), 0);

    assert_eq!(writer.publish_staged(), 2);
    assert_eq!(writer.staged(), 0);
    assert_eq!(writer.publish_staged(), 0, "nothing left to publish");
    assert_eq!(reader.read_batch(&mut out).unwrap(), 2);
    let expected: Vec<u8> = (0..2).flat_map(event).collect();
    assert_eq!(out[..2 * EVENT_SIZE as usize], expected[..]);
}

#[test]
fn staging_on_a_full_queue_drops_and_counts_and_push_publishes_what_was_staged() {
    let (mut writer, mut reader) = queue(4);
    writer.push(&event(0)).unwrap();
    writer.stage(&event(1)).unwrap();
    writer.stage(&event(2)).unwrap();

    // One slot left: the push takes it and publishes the staged two with it.
    writer.push(&event(3)).unwrap();
    let full = writer.stage(&event(4));

    assert!(matches!(full, Err(QueueError::Full)), "{full:?}");
    assert_eq!(reader.dropped(), 1);
    let mut out = [0u8; 8 * EVENT_SIZE as usize];
    assert_eq!(reader.read_batch(&mut out).unwrap(), 4);
    let expected: Vec<u8> = (0..4).flat_map(event).collect();
    assert_eq!(out[..4 * EVENT_SIZE as usize], expected[..]);
}

#[test]
fn staging_an_event_of_the_wrong_length_is_refused() {
    let (mut writer, _reader) = queue(4);

    let result = writer.stage(&[0u8; 3]);

    assert!(
        matches!(
            result,
            Err(QueueError::EventSize {
                expected: 16,
                got: 3
            })
        ),
        "{result:?}"
    );
    assert_eq!(writer.staged(), 0);
}

#[test]
fn publishing_staged_events_wakes_a_reader_that_announced_its_sleep() {
    let (mut writer, mut reader) = queue(8);
    assert!(!reader.prepare_to_wait().unwrap());

    writer.stage(&event(0)).unwrap();
    let mut counter = [0u8; 8];
    assert_eq!(
        rustix::io::read(reader.as_fd(), &mut counter),
        Err(rustix::io::Errno::AGAIN),
        "staging alone wakes nobody"
    );
    writer.publish_staged();

    assert_eq!(rustix::io::read(reader.as_fd(), &mut counter), Ok(8));
}

#[test]
fn read_batch_returns_as_many_whole_events_as_fit() {
    let (mut writer, mut reader) = queue(16);
    let batch: Vec<u8> = (0..10).flat_map(event).collect();
    writer.push_batch(&batch).unwrap();
    // Room for 4 events and a half.
    let mut out = vec![0u8; 4 * EVENT_SIZE as usize + EVENT_SIZE as usize / 2];

    let first = reader.read_batch(&mut out).unwrap();
    let first_events = out[..4 * EVENT_SIZE as usize].to_vec();
    let second = reader.read_batch(&mut out).unwrap();
    let third = reader.read_batch(&mut out).unwrap();

    assert_eq!((first, second, third), (4, 4, 2));
    assert_eq!(first_events, batch[..4 * EVENT_SIZE as usize]);
    assert_eq!(
        out[..2 * EVENT_SIZE as usize],
        batch[8 * EVENT_SIZE as usize..]
    );
}

#[test]
fn read_batch_into_buffer_smaller_than_an_event_returns_buffer_too_small() {
    let (mut writer, mut reader) = queue(4);
    writer.push(&event(0)).unwrap();
    let mut out = [0u8; EVENT_SIZE as usize - 1];

    let result = reader.read_batch(&mut out);

    assert!(
        matches!(
            result,
            Err(QueueError::BufferTooSmall {
                event_size: 16,
                got: 15
            })
        ),
        "{result:?}"
    );
}

#[test]
fn push_of_wrong_length_returns_event_size_error_and_pushes_nothing() {
    let (mut writer, reader) = queue(4);

    let short = writer.push(&[0u8; 8]);
    let ragged = writer.push_batch(&[0u8; 24]);

    assert!(
        matches!(
            short,
            Err(QueueError::EventSize {
                expected: 16,
                got: 8
            })
        ),
        "{short:?}"
    );
    assert!(
        matches!(ragged, Err(QueueError::BatchLength { .. })),
        "{ragged:?}"
    );
    assert_eq!(reader.available().unwrap(), 0);
}

#[test]
fn create_with_bad_geometry_returns_typed_errors() {
    let odd_size = EventQueue::create("queue-test", 12, 8);
    let huge_size = EventQueue::create("queue-test", 8192, 8);
    let odd_capacity = EventQueue::create("queue-test", 16, 12);
    let too_big = EventQueue::create("queue-test", 4096, 1 << 20);

    assert!(matches!(odd_size, Err(QueueError::InvalidEventSize(12))));
    assert!(matches!(huge_size, Err(QueueError::InvalidEventSize(8192))));
    assert!(matches!(odd_capacity, Err(QueueError::InvalidCapacity(12))));
    assert!(matches!(
        too_big,
        Err(QueueError::Shm(ShmError::TooLarge { .. }))
    ));
}

#[test]
fn push_without_waiting_reader_does_not_signal_the_eventfd() {
    let (mut writer, reader) = queue(8);

    writer.push(&event(0)).unwrap();

    let mut counter = [0u8; 8];
    let read = rustix::io::read(reader.as_fd(), &mut counter);
    assert_eq!(read, Err(rustix::io::Errno::AGAIN));
}

#[test]
fn wait_on_empty_queue_times_out_and_returns_false() {
    let (_writer, mut reader) = queue(8);
    let start = Instant::now();

    let ready = reader.wait(Some(Duration::from_millis(30))).unwrap();

    assert!(!ready);
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn wait_on_non_empty_queue_returns_true_at_once() {
    let (mut writer, mut reader) = queue(8);
    writer.push(&event(0)).unwrap();

    let ready = reader.wait(Some(Duration::ZERO)).unwrap();

    assert!(ready);
}

#[test]
fn wait_wakes_when_another_thread_pushes() {
    let (mut writer, mut reader) = queue(8);
    let pusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        writer.push(&event(1)).unwrap();
        writer
    });

    let ready = reader.wait(Some(Duration::from_secs(10))).unwrap();

    assert!(ready);
    let mut out = [0u8; EVENT_SIZE as usize];
    assert_eq!(reader.read_batch(&mut out).unwrap(), 1);
    assert_eq!(out, event(1));
    pusher.join().unwrap();
}

#[test]
fn a_wake_up_left_by_wait_is_consumed_before_the_next_sleep() {
    let (mut writer, mut reader) = queue(8);
    let pusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        writer.push(&event(1)).unwrap();
        writer
    });
    assert!(reader.wait(Some(Duration::from_secs(10))).unwrap());
    let mut out = [0u8; EVENT_SIZE as usize];
    reader.read_batch(&mut out).unwrap();
    // The wake-up is still counted in the eventfd...
    let mut fds = [PollFd::new(&reader, PollFlags::IN)];
    let pending = rustix::event::poll(
        &mut fds,
        Some(&rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        }),
    )
    .unwrap();
    let start = Instant::now();

    // ...and does not end the next wait early; nor does it linger after.
    let ready = reader.wait(Some(Duration::from_millis(30))).unwrap();
    let mut writer = pusher.join().unwrap();
    assert!(!reader.prepare_to_wait().unwrap());
    writer.push(&event(2)).unwrap();
    let mut counter = [0u8; 8];
    let fresh = rustix::io::read(reader.as_fd(), &mut counter);

    assert_eq!(pending, 1);
    assert!(!ready);
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!(fresh, Ok(8));
    assert_eq!(u64::from_ne_bytes(counter), 1);
}

#[test]
fn push_after_prepare_to_wait_makes_the_eventfd_readable() {
    let (mut writer, mut reader) = queue(8);
    let armed = reader.prepare_to_wait().unwrap();

    writer.push(&event(0)).unwrap();

    let mut fds = [PollFd::new(&reader, PollFlags::IN)];
    let ready = rustix::event::poll(&mut fds, Some(&rustix::event::Timespec::default()));
    assert!(!armed, "nothing was available before the push");
    assert_eq!(ready, Ok(1));
    reader.finish_wait().unwrap();
    assert_eq!(reader.available().unwrap(), 1);
}

#[test]
fn reader_sleeping_between_pushes_never_misses_a_wake_up() {
    const EVENTS: u64 = 20_000;
    let (mut writer, mut reader) = queue(64);
    let pusher = std::thread::spawn(move || {
        for seq in 0..EVENTS {
            while writer.space().unwrap() == 0 {
                std::thread::yield_now();
            }
            writer.push(&event(seq)).unwrap();
            if seq % 64 == 0 {
                std::thread::yield_now();
            }
        }
    });
    let mut out = [0u8; 8 * EVENT_SIZE as usize];
    let mut next_expected = 0;

    while next_expected < EVENTS {
        // A lost wake-up shows up as this timeout.
        assert!(
            reader.wait(Some(Duration::from_secs(10))).unwrap(),
            "lost wake-up"
        );
        let events = reader.read_batch(&mut out).unwrap();
        for chunk in out[..events * EVENT_SIZE as usize].chunks(EVENT_SIZE as usize) {
            assert_eq!(chunk, event(next_expected));
            next_expected += 1;
        }
    }

    pusher.join().unwrap();
    assert_eq!(reader.dropped(), 0);
}

#[test]
fn reader_created_queue_carries_events_from_attached_writer() {
    let (mut reader, fds) = EventQueue::create_reader("queue-test", EVENT_SIZE, 8).unwrap();
    let mut writer = QueueWriter::attach(fds).unwrap();
    let mut out = [0u8; 2 * EVENT_SIZE as usize];

    writer.push_batch(&[event(1), event(2)].concat()).unwrap();
    let events = reader.read_batch(&mut out).unwrap();

    assert_eq!(events, 2);
    assert_eq!(out[..], [event(1), event(2)].concat()[..]);
}

#[test]
fn write_index_behind_read_index_is_rejected_as_corrupt() {
    let (mut writer, fds, scribbler) = queue_with_scribbler(8);
    let mut reader = QueueReader::attach(fds).unwrap();
    writer.push_batch(&[event(0), event(1)].concat()).unwrap();
    let mut out = [0u8; 2 * EVENT_SIZE as usize];
    reader.read_batch(&mut out).unwrap();

    scribble_u64(&scribbler, WRITE_INDEX_OFFSET, 1);
    let result = reader.read_batch(&mut out);

    assert!(
        matches!(
            result,
            Err(QueueError::Corrupt {
                write_index: 1,
                read_index: 2
            })
        ),
        "{result:?}"
    );
}

#[test]
fn write_index_more_than_capacity_ahead_is_rejected_as_corrupt() {
    let (_writer, fds, scribbler) = queue_with_scribbler(8);
    let mut reader = QueueReader::attach(fds).unwrap();

    scribble_u64(&scribbler, WRITE_INDEX_OFFSET, 9);
    let available = reader.available();
    let wait = reader.wait(Some(Duration::ZERO));
    scribble_u64(&scribbler, WRITE_INDEX_OFFSET, u64::MAX);
    let mut out = [0u8; 64 * EVENT_SIZE as usize];
    let read = reader.read_batch(&mut out);

    assert!(matches!(
        available,
        Err(QueueError::Corrupt {
            write_index: 9,
            read_index: 0
        })
    ));
    assert!(matches!(wait, Err(QueueError::Corrupt { .. })), "{wait:?}");
    assert!(matches!(read, Err(QueueError::Corrupt { .. })), "{read:?}");
}

#[test]
fn attach_to_header_with_corrupt_indices_is_rejected() {
    let (_writer, fds, scribbler) = queue_with_scribbler(8);

    scribble_u64(&scribbler, READ_INDEX_OFFSET, 100);
    let result = QueueReader::attach(fds);

    assert!(matches!(
        result,
        Err(QueueError::Corrupt {
            write_index: 0,
            read_index: 100
        })
    ));
}

#[test]
fn read_index_moved_past_write_index_is_rejected_by_writer() {
    let (mut writer, fds, scribbler) = queue_with_scribbler(4);
    let _reader = QueueReader::attach(fds).unwrap();
    for seq in 0..4 {
        writer.push(&event(seq)).unwrap();
    }

    // The reader claims to have consumed more than was ever written.
    scribble_u64(&scribbler, READ_INDEX_OFFSET, 1000);
    let result = writer.push(&event(4));

    assert!(
        matches!(
            result,
            Err(QueueError::Corrupt {
                write_index: 4,
                read_index: 1000
            })
        ),
        "{result:?}"
    );
}

#[test]
fn read_index_moved_backwards_is_rejected_by_writer() {
    let (mut writer, fds, scribbler) = queue_with_scribbler(4);
    let mut reader = QueueReader::attach(fds).unwrap();
    let mut out = [0u8; 4 * EVENT_SIZE as usize];
    for _ in 0..2 {
        writer
            .push_batch(&[event(0), event(1), event(2), event(3)].concat())
            .unwrap();
        reader.read_batch(&mut out).unwrap();
    }
    writer
        .push_batch(&[event(0), event(1), event(2), event(3)].concat())
        .unwrap();

    scribble_u64(&scribbler, READ_INDEX_OFFSET, 2);
    let result = writer.push(&event(4));

    assert!(
        matches!(result, Err(QueueError::Corrupt { read_index: 2, .. })),
        "{result:?}"
    );
}

#[test]
fn scribbled_header_geometry_is_never_used() {
    let (mut writer, fds, scribbler) = queue_with_scribbler(4);
    let mut reader = QueueReader::attach(fds).unwrap();

    // After attach, a huge capacity or event size in the header must not
    // widen either side's view of the slots.
    scribble_u32(&scribbler, CAPACITY_OFFSET, 1 << 30);
    scribble_u32(&scribbler, EVENT_SIZE_OFFSET, 4096);
    for seq in 0..4 {
        writer.push(&event(seq)).unwrap();
    }
    let full = writer.push(&event(4));
    let mut out = [0u8; 8 * EVENT_SIZE as usize];
    let events = reader.read_batch(&mut out).unwrap();

    assert!(matches!(full, Err(QueueError::Full)));
    assert_eq!(events, 4);
}

#[test]
fn attach_with_mismatched_event_size_returns_layout_mismatch() {
    // 32-byte × 8 is as large as 16-byte × 16, so the size check passes
    // and the header field itself is compared.
    let (_writer, mut fds) = EventQueue::create("queue-test", EVENT_SIZE, 16).unwrap();
    fds.event_size = 32;
    fds.capacity = 8;

    let err = QueueReader::attach(fds).unwrap_err();

    assert!(
        matches!(
            err,
            QueueError::LayoutMismatch {
                field: "event size",
                expected: 32,
                found: 16
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "queue header field `event size` is 16, expected 32"
    );
}

#[test]
fn attach_with_mismatched_region_size_returns_layout_mismatch() {
    let (_writer, mut fds) = EventQueue::create("queue-test", EVENT_SIZE, 16).unwrap();
    fds.capacity = 32;

    let result = QueueReader::attach(fds);

    assert!(
        matches!(
            result,
            Err(QueueError::LayoutMismatch {
                field: "region size",
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn attach_to_region_with_bad_magic_returns_layout_mismatch() {
    let (_writer, fds, scribbler) = queue_with_scribbler(4);

    scribble_u32(&scribbler, MAGIC_OFFSET, 0xdead_beef);
    let result = QueueReader::attach(fds);

    assert!(
        matches!(
            result,
            Err(QueueError::LayoutMismatch { field: "magic", .. })
        ),
        "{result:?}"
    );
}

#[test]
fn attach_to_unsealed_memfd_returns_not_sealed() {
    let memfd = rustix::fs::memfd_create(
        "unsealed",
        rustix::fs::MemfdFlags::CLOEXEC | rustix::fs::MemfdFlags::ALLOW_SEALING,
    )
    .unwrap();
    rustix::fs::ftruncate(&memfd, (HEADER_LEN + 4 * EVENT_SIZE as usize) as u64).unwrap();
    let eventfd = rustix::event::eventfd(0, EventfdFlags::CLOEXEC).unwrap();
    let fds = QueueFds {
        memfd,
        eventfd,
        event_size: EVENT_SIZE,
        capacity: 4,
    };

    let result = QueueReader::attach(fds);

    assert!(
        matches!(result, Err(QueueError::Shm(ShmError::NotSealed))),
        "{result:?}"
    );
}

const CHILD_FDS_ENV: &str = "YUNHAL_QUEUE_TEST_CHILD_FDS";
const CROSS_PROCESS_EVENTS: u64 = 10_000;

/// Runs only when re-executed by `events_cross_a_process_boundary`: the
/// writer side, in its own process.
#[test]
fn child_process_writer() {
    let Ok(fds) = std::env::var(CHILD_FDS_ENV) else {
        return;
    };
    let (memfd, eventfd) = fds.split_once(',').unwrap();
    // SAFETY: the parent left these two descriptors open across exec for
    // us; nothing else in this process owns them.
    let fds = unsafe {
        QueueFds {
            memfd: OwnedFd::from_raw_fd(memfd.parse().unwrap()),
            eventfd: OwnedFd::from_raw_fd(eventfd.parse().unwrap()),
            event_size: EVENT_SIZE,
            capacity: 64,
        }
    };
    let mut writer = QueueWriter::attach(fds).unwrap();
    for seq in 0..CROSS_PROCESS_EVENTS {
        while writer.space().unwrap() == 0 {
            std::thread::yield_now();
        }
        writer.push(&event(seq)).unwrap();
    }
}

#[test]
fn events_cross_a_process_boundary() {
    let (mut reader, fds) = EventQueue::create_reader("queue-test", EVENT_SIZE, 64).unwrap();
    for fd in [&fds.memfd, &fds.eventfd] {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).unwrap();
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "queue::tests::child_process_writer",
            "--test-threads=1",
        ])
        .env(
            CHILD_FDS_ENV,
            format!("{},{}", fds.memfd.as_raw_fd(), fds.eventfd.as_raw_fd()),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(fds);
    let mut out = [0u8; 16 * EVENT_SIZE as usize];
    let mut next_expected = 0;

    while next_expected < CROSS_PROCESS_EVENTS {
        assert!(
            reader.wait(Some(Duration::from_secs(20))).unwrap(),
            "child stalled"
        );
        let events = reader.read_batch(&mut out).unwrap();
        for chunk in out[..events * EVENT_SIZE as usize].chunks(EVENT_SIZE as usize) {
            assert_eq!(chunk, event(next_expected));
            next_expected += 1;
        }
    }

    assert!(child.wait().unwrap().success());
    assert_eq!(reader.dropped(), 0);
}
