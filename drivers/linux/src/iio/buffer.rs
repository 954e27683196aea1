//! Buffered mode: enabling the buffer through sysfs and decoding the scans
//! read from the character device.
//!
//! Layout (Documentation/iio/iio_devbuf.rst, and the kernel's
//! `iio_compute_scan_bytes`): enabled channels in scan-index order, each
//! aligned to its own storage size, the scan padded to its largest element.

use std::io::{self, Read};
use std::path::PathBuf;

use super::device::{Channel, IioDevice};
use super::scan::ScanType;
use super::{read_attr, read_i64, write_attr, IioError};

/// Most values one [`Sample`] holds (a repeated element counts each repeat).
pub const MAX_SAMPLE_VALUES: usize = 16;

/// Scans read from the device per `read` call, at most.
const SCANS_PER_READ: usize = 32;

const TIMESTAMP_PREFIX: &str = "in_timestamp";

/// One decoded scan. Fixed-size, so that decoding allocates nothing.
#[derive(Debug, Copy, Clone, PartialEq)]
pub struct Sample {
    /// The `in_timestamp` channel, when enabled.
    pub timestamp_ns: Option<i64>,
    values: [f64; MAX_SAMPLE_VALUES],
    len: usize,
}

impl Sample {
    /// The channels' values in HAL units, in the order the channels were given.
    pub fn values(&self) -> &[f64] {
        &self.values[..self.len]
    }
}

/// Scan index, scan type, and the channel with the index of its first value
/// in [`Sample::values`] (`None` for the timestamp).
type ScanElement<'a> = (i64, ScanType, Option<(&'a Channel, usize)>);

#[derive(Debug)]
struct Slot {
    offset: usize,
    scan_type: ScanType,
    channel: Channel,
    /// Where this channel's first value goes in [`Sample::values`].
    value_index: usize,
}

/// Reads whole scans from an IIO character device (or any byte stream).
#[derive(Debug)]
pub struct BufferedReader<R> {
    dir: PathBuf,
    reader: R,
    slots: Vec<Slot>,
    timestamp: Option<(usize, ScanType)>,
    scan_bytes: usize,
    value_count: usize,
    pending: Vec<u8>,
    filled: usize,
}

impl IioDevice {
    /// Enables buffered capture of `channels` (and of the timestamp, when the
    /// device has one): disables the buffer, sets every `scan_elements/*_en`,
    /// the buffer length and the trigger, then enables the buffer.
    pub fn enable_buffer(
        &self,
        length: usize,
        channels: &[Channel],
        trigger: Option<&str>,
    ) -> Result<(), IioError> {
        self.disable_buffer()?;
        let scan_dir = self.dir().join("scan_elements");
        let entries = std::fs::read_dir(&scan_dir).map_err(|source| IioError::Io {
            path: scan_dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(prefix) = file_name.to_str().and_then(|n| n.strip_suffix("_en")) else {
                continue;
            };
            let wanted = prefix == TIMESTAMP_PREFIX || channels.iter().any(|c| c.prefix == prefix);
            write_attr(&entry.path(), if wanted { "1" } else { "0" })?;
        }
        write_attr(&self.dir().join("buffer/length"), &length.to_string())?;
        if let Some(trigger) = trigger {
            write_attr(&self.dir().join("trigger/current_trigger"), trigger)?;
        }
        write_attr(&self.dir().join("buffer/enable"), "1")
    }

    /// Stops buffered capture.
    pub fn disable_buffer(&self) -> Result<(), IioError> {
        write_attr(&self.dir().join("buffer/enable"), "0")
    }
}

impl<R: Read> BufferedReader<R> {
    /// Computes the scan layout of `channels` (plus the timestamp when
    /// `scan_elements/in_timestamp_en` is set) from `device`'s scan elements;
    /// `reader` is the open `/dev/iio:deviceN`.
    pub fn new(device: &IioDevice, channels: &[Channel], reader: R) -> Result<Self, IioError> {
        let dir = device.dir().to_owned();
        let scan_dir = dir.join("scan_elements");
        if channels.is_empty() {
            return Err(IioError::NoScanChannels { dir });
        }
        let mut elements: Vec<ScanElement> = Vec::new();
        let mut value_count = 0;
        for channel in channels {
            let index_path = scan_dir.join(format!("{}_index", channel.prefix));
            if !index_path.exists() {
                return Err(IioError::NoScanElement {
                    dir,
                    channel: channel.prefix.clone(),
                });
            }
            let scan_type = read_scan_type(&scan_dir, &channel.prefix)?;
            let index = read_i64(&index_path)?;
            elements.push((index, scan_type, Some((channel, value_count))));
            value_count += usize::from(scan_type.repeat);
        }
        if value_count > MAX_SAMPLE_VALUES {
            return Err(IioError::TooManyValues {
                dir,
                count: value_count,
                max: MAX_SAMPLE_VALUES,
            });
        }
        let timestamp_en = scan_dir.join(format!("{TIMESTAMP_PREFIX}_en"));
        if timestamp_en.exists() && read_attr(&timestamp_en)? != "0" {
            let index = read_i64(&scan_dir.join(format!("{TIMESTAMP_PREFIX}_index")))?;
            elements.push((index, read_scan_type(&scan_dir, TIMESTAMP_PREFIX)?, None));
        }

        elements.sort_by_key(|(index, _, _)| *index);
        let types: Vec<ScanType> = elements.iter().map(|(_, t, _)| *t).collect();
        let (offsets, scan_bytes) = scan_layout(&types);
        let mut slots = Vec::with_capacity(channels.len());
        let mut timestamp = None;
        for ((_, scan_type, channel), offset) in elements.into_iter().zip(offsets) {
            match channel {
                Some((channel, value_index)) => slots.push(Slot {
                    offset,
                    scan_type,
                    channel: channel.clone(),
                    value_index,
                }),
                None => timestamp = Some((offset, scan_type)),
            }
        }
        Ok(BufferedReader {
            dir,
            reader,
            slots,
            timestamp,
            scan_bytes,
            value_count,
            pending: vec![0; scan_bytes * SCANS_PER_READ],
            filled: 0,
        })
    }

    /// Bytes of one scan.
    pub fn scan_bytes(&self) -> usize {
        self.scan_bytes
    }

    /// Reads once from the device and appends every whole scan to `out`,
    /// keeping a partial scan for the next call. Returns the number of
    /// samples appended: 0 at end of stream or when a non-blocking device
    /// has nothing.
    pub fn read_samples(&mut self, out: &mut Vec<Sample>) -> Result<usize, IioError> {
        let read = loop {
            match self.reader.read(&mut self.pending[self.filled..]) {
                Ok(read) => break read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                Err(source) => {
                    return Err(IioError::BufferRead {
                        dir: self.dir.clone(),
                        source,
                    })
                }
            }
        };
        self.filled += read;
        let whole = self.filled / self.scan_bytes;
        let used = whole * self.scan_bytes;
        out.extend(
            self.pending[..used]
                .chunks_exact(self.scan_bytes)
                .map(|scan| self.decode(scan)),
        );
        self.pending.copy_within(used..self.filled, 0);
        self.filled -= used;
        Ok(whole)
    }

    /// The reader, e.g. to poll its file descriptor.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Gives the reader back.
    pub fn release(self) -> R {
        self.reader
    }

    fn decode(&self, scan: &[u8]) -> Sample {
        let mut sample = Sample {
            timestamp_ns: self
                .timestamp
                .map(|(offset, scan_type)| scan_type.extract(&scan[offset..])),
            values: [0.0; MAX_SAMPLE_VALUES],
            len: self.value_count,
        };
        for slot in &self.slots {
            let width = slot.scan_type.element_bytes();
            for repeat in 0..usize::from(slot.scan_type.repeat) {
                let raw = slot
                    .scan_type
                    .extract(&scan[slot.offset + repeat * width..]);
                sample.values[slot.value_index + repeat] = slot.channel.convert(raw as f64);
            }
        }
        sample
    }
}

fn read_scan_type(scan_dir: &std::path::Path, prefix: &str) -> Result<ScanType, IioError> {
    let path = scan_dir.join(format!("{prefix}_type"));
    let text = read_attr(&path)?;
    ScanType::parse(&text).map_err(|source| IioError::ScanType { path, source })
}

/// Offsets of `types` (already in scan-index order) and the scan size.
pub(super) fn scan_layout(types: &[ScanType]) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(types.len());
    let mut bytes = 0usize;
    let mut largest = 1usize;
    for scan_type in types {
        let size = scan_type.total_bytes();
        bytes = bytes.next_multiple_of(size);
        offsets.push(bytes);
        bytes += size;
        largest = largest.max(size);
    }
    (offsets, bytes.next_multiple_of(largest))
}
