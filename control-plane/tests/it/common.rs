//! Shared set-up: configurations pointing at a test's own data directory.
//! Data directories, binaries and ffmpeg-made media come from the
//! `clickprint-tests` helpers, shared with the end-to-end tests.

use std::path::Path;

use clickprint::config::{Config, RawConfig};
use clickprint_tests::binaries_dir;

/// A configuration using the embedded stores in `data_dir`.
pub fn embedded_config(data_dir: &Path) -> Config {
    let raw = RawConfig {
        data_dir: data_dir.to_path_buf(),
        udf_dir: Some(binaries_dir()),
        ..RawConfig::default()
    };
    Config::from_raw(raw).expect("valid test configuration")
}
