//! What the tests over fake sysfs trees share.

use std::fs;
use std::path::Path;

pub use crate::test_support::TempDir;

/// Writes `text` and a newline to `dir/file`, as sysfs shows attributes.
pub fn put(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, format!("{text}\n")).unwrap();
}
