//! A shared read-write mapping of a whole memfd (or any file): what one
//! process writes into it, the other reads, with no call in between.

use rustix::fd::AsFd;
use rustix::mm::{MapFlags, ProtFlags};
use std::io;

/// A `MAP_SHARED` read-write mapping; unmapped on drop.
pub struct SharedMapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; the methods copy
// in and out of it and never hand out references into it.
unsafe impl Send for SharedMapping {}
// SAFETY: as above; concurrent copies race only on the bytes, which are
// shared with another process anyway.
unsafe impl Sync for SharedMapping {}

impl SharedMapping {
    /// Maps the first `len` bytes of `fd`, which must be at least that long.
    pub fn new(fd: impl AsFd, len: usize) -> io::Result<SharedMapping> {
        // SAFETY: a fresh mapping (null hint) of a file we were handed; no
        // existing memory is affected.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                0,
            )
        }?;
        Ok(SharedMapping {
            ptr: ptr.cast(),
            len,
        })
    }

    /// Maps a whole file.
    pub fn whole(fd: impl AsFd) -> io::Result<SharedMapping> {
        let len = rustix::fs::fstat(&fd)?.st_size;
        let len = usize::try_from(len).map_err(|_| io::Error::other("file too large to map"))?;
        SharedMapping::new(fd, len)
    }

    /// The mapping's length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check(&self, offset: usize, len: usize) -> io::Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{len} bytes at {offset} lie outside the mapping of {}",
                    self.len
                ),
            )),
        }
    }

    /// Copies `len` bytes at `offset` out of the mapping.
    pub fn read(&self, offset: usize, len: usize) -> io::Result<Vec<u8>> {
        self.check(offset, len)?;
        let mut out = vec![0u8; len];
        // SAFETY: `offset..offset + len` is inside the mapping (checked), and
        // `out` is a separate allocation of `len` bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(offset), out.as_mut_ptr(), len) };
        Ok(out)
    }

    /// Copies `bytes` into the mapping at `offset`.
    pub fn write(&self, offset: usize, bytes: &[u8]) -> io::Result<()> {
        self.check(offset, bytes.len())?;
        // SAFETY: the destination range is inside the writable mapping
        // (checked) and cannot overlap `bytes`, which we do not map.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(offset), bytes.len()) };
        Ok(())
    }
}

impl Drop for SharedMapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly the mapping made in `new`, and no
        // reference into it outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.ptr.cast(), self.len) };
    }
}
