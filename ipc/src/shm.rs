//! A shared-memory region backed by a sealed memfd.
//!
//! The creating process makes a memfd, sizes it and seals its size
//! (`F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL`), then sends the fd to a peer
//! (see [`SharedMemory::try_clone_fd`]). The receiving process maps it with
//! [`SharedMemory::from_fd`], which refuses a memfd that is not sealed against
//! shrinking: a peer that could truncate the file would make our next access
//! to the mapping raise `SIGBUS`.
//!
//! Memory shared with another process can change under us at any moment, so
//! this type never hands out `&[u8]` or `&mut [u8]` into the region: safe
//! code copies bytes in and out with [`SharedMemory::read_at`] and
//! [`SharedMemory::write_at`]. Modules that lay out their own lock-free
//! structures in the region (see [`crate::queue`]) use
//! [`SharedMemory::as_ptr`] and take on the proof obligations themselves.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::{self, NonNull};

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{MapFlags, ProtFlags};

/// The largest region [`SharedMemory`] will create or map: 256 MiB.
pub const MAX_REGION_LEN: usize = 256 * 1024 * 1024;

/// How a received region is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `PROT_READ`: [`SharedMemory::write_at`] fails with [`ShmError::ReadOnly`].
    ReadOnly,
    /// `PROT_READ | PROT_WRITE`.
    ReadWrite,
}

/// Why a region could not be created, mapped or accessed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShmError {
    #[error("memfd of 0 bytes")]
    Empty,
    #[error("region of {len} bytes exceeds the {limit}-byte limit")]
    TooLarge { len: u64, limit: usize },
    #[error("memfd is not sealed against shrinking")]
    NotSealed,
    #[error("access of {len} bytes at offset {offset} is outside the {region_len}-byte region")]
    OutOfBounds {
        offset: usize,
        len: usize,
        region_len: usize,
    },
    #[error("region is mapped read-only")]
    ReadOnly,
    #[error("{op} failed: {source}")]
    Os {
        op: &'static str,
        #[source]
        source: io::Error,
    },
}

fn os_error(op: &'static str) -> impl FnOnce(rustix::io::Errno) -> ShmError {
    move |errno| ShmError::Os {
        op,
        source: errno.into(),
    }
}

/// A memfd mapped `MAP_SHARED` into this process; unmapped on drop.
#[derive(Debug)]
pub struct SharedMemory {
    fd: OwnedFd,
    base: NonNull<u8>,
    len: usize,
    access: Access,
}

// SAFETY: `SharedMemory` owns its mapping and fd; neither is tied to the
// thread that made them. Safe code reaches the mapped bytes only through
// `read_at`/`write_at`, which copy with raw pointers and never form Rust
// references, so no aliasing rule can be broken from two threads. The region
// is treated like memory another process writes concurrently (which it is):
// racing copies may observe a mix of old and new bytes, never anything
// outside the mapping.
unsafe impl Send for SharedMemory {}
// SAFETY: see the `Send` impl; every `&self` method is a bounds-checked copy
// or a read of immutable fields.
unsafe impl Sync for SharedMemory {}

impl SharedMemory {
    /// Creates a sealed memfd of `len` bytes (zero-filled) and maps it
    /// read-write. `name` shows up in `/proc/<pid>/fd` as `memfd:<name>`.
    pub fn create(name: &str, len: usize) -> Result<SharedMemory, ShmError> {
        check_len(len as u64)?;
        let fd = rustix::fs::memfd_create(name, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
            .map_err(os_error("memfd_create"))?;
        rustix::fs::ftruncate(&fd, len as u64).map_err(os_error("ftruncate"))?;
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)
            .map_err(os_error("F_ADD_SEALS"))?;
        Self::map(fd, len, Access::ReadWrite)
    }

    /// Maps a memfd received from a peer.
    ///
    /// The memfd must carry `F_SEAL_SHRINK` (else [`ShmError::NotSealed`],
    /// also for fds that cannot be sealed at all) and hold between 1 byte and
    /// [`MAX_REGION_LEN`].
    pub fn from_fd(fd: OwnedFd, access: Access) -> Result<SharedMemory, ShmError> {
        // Seals first, size second: once SHRINK is known to be set, the size
        // read next can only grow, so the whole mapping stays backed.
        let seals = match rustix::fs::fcntl_get_seals(&fd) {
            Ok(seals) => seals,
            // EINVAL: not a memfd/shmem file, so it cannot be sealed.
            Err(rustix::io::Errno::INVAL) => return Err(ShmError::NotSealed),
            Err(errno) => return Err(os_error("F_GET_SEALS")(errno)),
        };
        if !seals.contains(SealFlags::SHRINK) {
            return Err(ShmError::NotSealed);
        }
        let size = rustix::fs::fstat(&fd).map_err(os_error("fstat"))?.st_size;
        // st_size is never negative; treat a bogus value as "too large".
        let size = u64::try_from(size).unwrap_or(u64::MAX);
        check_len(size)?;
        Self::map(fd, size as usize, access)
    }

    fn map(fd: OwnedFd, len: usize, access: Access) -> Result<SharedMemory, ShmError> {
        let prot = match access {
            Access::ReadOnly => ProtFlags::READ,
            Access::ReadWrite => ProtFlags::READ | ProtFlags::WRITE,
        };
        // SAFETY: a null hint lets the kernel pick fresh addresses, so no
        // existing memory is replaced; `len` is non-zero and within the file,
        // whose size cannot shrink (sealed, checked by both callers).
        let addr =
            unsafe { rustix::mm::mmap(ptr::null_mut(), len, prot, MapFlags::SHARED, &fd, 0) }
                .map_err(os_error("mmap"))?;
        let base = NonNull::new(addr.cast::<u8>()).ok_or(ShmError::Os {
            op: "mmap",
            source: io::Error::other("mapped at address 0"),
        })?;
        Ok(SharedMemory {
            fd,
            base,
            len,
            access,
        })
    }

    /// Size of the region in bytes (never 0).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a region of 0 bytes cannot be created or mapped.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// How this process mapped the region.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The memfd, e.g. to pass it in a message.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// A new (close-on-exec) descriptor for the same memfd, to send to a peer.
    pub fn try_clone_fd(&self) -> io::Result<OwnedFd> {
        self.fd.try_clone()
    }

    /// Start of the mapping, page-aligned, valid for [`len`](Self::len)
    /// bytes while `self` lives (writable only with [`Access::ReadWrite`]).
    ///
    /// Another process may write any byte at any time: build lock-free
    /// structures on atomics, and never make `&[u8]`/`&mut [u8]` from it.
    pub fn as_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Copies `buf.len()` bytes starting at `offset` out of the region.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), ShmError> {
        self.check_range(offset, buf.len())?;
        // SAFETY: `check_range` proved `offset..offset + buf.len()` lies
        // inside the live mapping, which is readable in both access modes;
        // `buf` is local memory, so the ranges cannot overlap.
        unsafe { ptr::copy_nonoverlapping(self.as_ptr().add(offset), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into the region starting at `offset`.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<(), ShmError> {
        if self.access == Access::ReadOnly {
            return Err(ShmError::ReadOnly);
        }
        self.check_range(offset, data.len())?;
        // SAFETY: in bounds (`check_range`) of a mapping made with
        // PROT_WRITE (checked above); `data` is local memory, no overlap.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.as_ptr().add(offset), data.len()) };
        Ok(())
    }

    fn check_range(&self, offset: usize, len: usize) -> Result<(), ShmError> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(ShmError::OutOfBounds {
                offset,
                len,
                region_len: self.len,
            }),
        }
    }
}

fn check_len(len: u64) -> Result<(), ShmError> {
    if len == 0 {
        return Err(ShmError::Empty);
    }
    if len > MAX_REGION_LEN as u64 {
        return Err(ShmError::TooLarge {
            len,
            limit: MAX_REGION_LEN,
        });
    }
    Ok(())
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` describe the mapping made in `map`, owned by
        // `self`; no reference into it can outlive `self` (safe code never
        // gets one, and `queue` ties its atomics to a borrow of `self`).
        if let Err(errno) = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) } {
            tracing::warn!(%errno, len = self.len, "munmap of shared memory failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsealed_memfd(len: u64) -> OwnedFd {
        let fd =
            rustix::fs::memfd_create("unsealed", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
                .unwrap();
        rustix::fs::ftruncate(&fd, len).unwrap();
        fd
    }

    fn shrink_sealed_memfd(len: u64) -> OwnedFd {
        let fd = unsealed_memfd(len);
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK).unwrap();
        fd
    }

    #[test]
    fn write_in_creator_is_visible_in_peer_mapping() {
        let creator = SharedMemory::create("shm-test", 4096).unwrap();
        let peer =
            SharedMemory::from_fd(creator.try_clone_fd().unwrap(), Access::ReadOnly).unwrap();

        creator.write_at(100, b"hello").unwrap();

        let mut got = [0u8; 5];
        peer.read_at(100, &mut got).unwrap();
        assert_eq!(&got, b"hello");
        assert_eq!(peer.len(), 4096);
    }

    #[test]
    fn created_memfd_has_size_seals_and_cannot_be_truncated() {
        let shm = SharedMemory::create("shm-test", 4096).unwrap();

        let seals = rustix::fs::fcntl_get_seals(shm.fd()).unwrap();
        let truncate = rustix::fs::ftruncate(shm.fd(), 0);

        assert!(seals.contains(SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL));
        assert_eq!(truncate, Err(rustix::io::Errno::PERM));
    }

    #[test]
    fn from_fd_on_unsealed_memfd_returns_not_sealed() {
        let fd = unsealed_memfd(4096);

        let result = SharedMemory::from_fd(fd, Access::ReadWrite);

        assert!(matches!(result, Err(ShmError::NotSealed)), "{result:?}");
    }

    #[test]
    fn from_fd_on_pipe_returns_not_sealed() {
        let (read_end, _write_end) = rustix::pipe::pipe().unwrap();

        let result = SharedMemory::from_fd(read_end, Access::ReadOnly);

        assert!(matches!(result, Err(ShmError::NotSealed)), "{result:?}");
    }

    #[test]
    fn from_fd_on_empty_memfd_returns_empty() {
        let fd = shrink_sealed_memfd(0);

        let result = SharedMemory::from_fd(fd, Access::ReadOnly);

        assert!(matches!(result, Err(ShmError::Empty)), "{result:?}");
    }

    #[test]
    fn from_fd_on_oversized_memfd_returns_too_large() {
        // Sparse on tmpfs: no memory is actually used.
        let fd = shrink_sealed_memfd(300_000_000);

        let err = SharedMemory::from_fd(fd, Access::ReadOnly).unwrap_err();

        assert_eq!(
            err.to_string(),
            "region of 300000000 bytes exceeds the 268435456-byte limit"
        );
    }

    #[test]
    fn create_with_zero_len_returns_empty() {
        let result = SharedMemory::create("shm-test", 0);

        assert!(matches!(result, Err(ShmError::Empty)), "{result:?}");
    }

    #[test]
    fn access_past_end_returns_out_of_bounds() {
        let shm = SharedMemory::create("shm-test", 64).unwrap();
        let mut buf = [0u8; 8];

        let read = shm.read_at(60, &mut buf);
        let write = shm.write_at(usize::MAX, &buf);

        assert!(matches!(
            read,
            Err(ShmError::OutOfBounds {
                offset: 60,
                len: 8,
                region_len: 64
            })
        ));
        assert!(matches!(write, Err(ShmError::OutOfBounds { .. })));
    }

    #[test]
    fn write_to_read_only_mapping_returns_read_only() {
        let creator = SharedMemory::create("shm-test", 64).unwrap();
        let peer =
            SharedMemory::from_fd(creator.try_clone_fd().unwrap(), Access::ReadOnly).unwrap();

        let result = peer.write_at(0, &[1]);

        assert!(matches!(result, Err(ShmError::ReadOnly)), "{result:?}");
    }
}
