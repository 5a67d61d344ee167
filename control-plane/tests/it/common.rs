//! Shared set-up: configurations pointing at a test's own data directory.

use std::path::{Path, PathBuf};

use clickprint::config::{Config, RawConfig};

/// The folder cargo builds binaries into (`target/debug`), where the
/// `clickprint-udf` executable sits. Test binaries live in its `deps/`.
pub fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// A configuration using the embedded stores in `data_dir`.
pub fn embedded_config(data_dir: &Path) -> Config {
    let raw = RawConfig {
        data_dir: data_dir.to_path_buf(),
        udf_dir: Some(binaries_dir()),
        ..RawConfig::default()
    };
    Config::from_raw(raw).expect("valid test configuration")
}

/// A fresh data directory under the system temp folder (which the
/// `postgres` user can reach when tests run as root).
pub fn data_dir(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("clickprint-{test}-"))
        .tempdir()
        .expect("tempdir")
}
