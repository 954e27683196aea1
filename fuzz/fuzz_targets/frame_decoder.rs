//! Feeds arbitrary bytes to the IPC frame decoder as a hostile peer would:
//! a first fragment, continuation fragments, a claimed descriptor count,
//! then the payload decoders a reply goes through.
//!
//! Input layout: one byte for how many descriptors "arrived" (mod 20), then
//! fragments, each a little-endian u16 length and that many bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yunhal_ipc::wire::Assembly;
use yunhal_ipc::{ServiceInfo, Status};

fuzz_target!(|data: &[u8]| {
    let Some((&fds, mut rest)) = data.split_first() else { return };
    let mut frames = Vec::new();
    while rest.len() >= 2 {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        rest = &rest[2..];
        let take = len.min(rest.len());
        frames.push(&rest[..take]);
        rest = &rest[take..];
    }
    let Some((first, continuations)) = frames.split_first() else { return };
    let Ok(mut assembly) = Assembly::begin(first, usize::from(fds % 20), 1 << 20, 16) else { return };
    for frame in continuations {
        if assembly.is_complete() || assembly.push(frame).is_err() {
            return;
        }
    }
    if !assembly.is_complete() {
        return;
    }
    let (header, bytes) = assembly.finish();
    let payload = &bytes[usize::from(header.descriptor_len)..];
    let _ = std::str::from_utf8(&bytes[..usize::from(header.descriptor_len)]);
    if let Some((_, result)) = payload.split_first() {
        let _ = postcard::from_bytes::<Status>(result);
        let _ = postcard::from_bytes::<ServiceInfo>(result);
        let _ = postcard::from_bytes::<(String, String, u32, String, u64)>(result);
    }
});
