//! Finding a real I2C bus's i2c-dev node.
//!
//! Adapter numbers follow probe order, so a board names a bus by its
//! controller's kernel name (`1c2b000.i2c`) and gives the usual node as
//! `path`. The adapter `i2c-N` of that controller is the entry of
//! /sys/bus/i2c/devices whose link points into the controller's directory
//! (`.../1c2b000.i2c/i2c-1`), or whose `name` file holds the name.

use super::PlatformError;
use std::io;
use std::path::{Path, PathBuf};

/// The i2c-dev node of the bus: the adapter of `kernel_name` under
/// `sysfs_devices` if there is one, else `path`.
pub(super) fn node_path(
    sysfs_devices: &Path,
    kernel_name: Option<&str>,
    path: Option<&str>,
) -> Result<PathBuf, PlatformError> {
    let resolved = kernel_name.and_then(|name| adapter_of(sysfs_devices, name));
    match (resolved, path, kernel_name) {
        (Some(adapter), _, _) => Ok(Path::new("/dev").join(adapter)),
        (None, Some(path), _) => Ok(PathBuf::from(path)),
        (None, None, name) => Err(PlatformError::Open {
            what: format!(
                "I2C adapter `{}` under {}",
                name.unwrap_or_default(),
                sysfs_devices.display()
            ),
            source: io::Error::new(io::ErrorKind::NotFound, "no such adapter"),
        }),
    }
}

/// The `i2c-N` entry of `sysfs_devices` that belongs to the controller
/// `kernel_name`.
fn adapter_of(sysfs_devices: &Path, kernel_name: &str) -> Option<String> {
    let entries = std::fs::read_dir(sysfs_devices).ok()?;
    entries.flatten().find_map(|entry| {
        let adapter = entry.file_name().into_string().ok()?;
        if !adapter.starts_with("i2c-") {
            return None;
        }
        let controller = std::fs::read_link(entry.path())
            .ok()
            .and_then(|target| target.parent()?.file_name().map(|n| n.to_owned()));
        let adapter_name = std::fs::read_to_string(entry.path().join("name")).ok();
        let matches = controller.is_some_and(|c| c == kernel_name)
            || adapter_name.is_some_and(|n| n.trim() == kernel_name);
        matches.then_some(adapter)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake sysfs tree, removed when dropped.
    struct FakeSysfs {
        root: PathBuf,
        devices: PathBuf,
    }

    impl Drop for FakeSysfs {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    /// A fake /sys/bus/i2c/devices: i2c-0 and i2c-3 link into their
    /// controllers' directories, as the kernel lays them out.
    fn fake_sysfs(test: &str) -> FakeSysfs {
        let root = std::env::temp_dir().join(format!("yunhal-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let devices = root.join("bus/i2c/devices");
        std::fs::create_dir_all(&devices).unwrap();
        for (controller, adapter) in [("1c2ac00.i2c", "i2c-0"), ("1c2b000.i2c", "i2c-3")] {
            let target = root
                .join("devices/platform/soc")
                .join(controller)
                .join(adapter);
            std::fs::create_dir_all(&target).unwrap();
            std::os::unix::fs::symlink(&target, devices.join(adapter)).unwrap();
        }
        FakeSysfs { root, devices }
    }

    #[test]
    fn kernel_name_resolves_to_its_adapter_node_whatever_the_usual_path() {
        let sysfs = fake_sysfs("resolve");

        let node = node_path(&sysfs.devices, Some("1c2b000.i2c"), Some("/dev/i2c-1")).unwrap();

        assert_eq!(node, PathBuf::from("/dev/i2c-3"));
    }

    #[test]
    fn unknown_kernel_name_falls_back_to_the_path() {
        let sysfs = fake_sysfs("fallback");

        let node = node_path(&sysfs.devices, Some("nope.i2c"), Some("/dev/i2c-1")).unwrap();

        assert_eq!(node, PathBuf::from("/dev/i2c-1"));
    }

    #[test]
    fn unknown_kernel_name_without_path_is_an_error_naming_it() {
        let sysfs = fake_sysfs("missing");

        let error = node_path(&sysfs.devices, Some("nope.i2c"), None).unwrap_err();

        assert!(error.to_string().contains("`nope.i2c`"), "{error}");
    }
}
