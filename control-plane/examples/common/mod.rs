//! What the benchmark examples share: the embedded engine on a data
//! directory, with the UDF executable from the same target folder, and the
//! fingerprint schema applied.

use std::path::Path;

use clickprint::clickhouse::Engine;
use clickprint::config::{Config, RawConfig};

/// The embedded engine in `data_dir`, schema applied.
pub async fn engine(data_dir: &Path) -> Engine {
    // Examples live in target/<profile>/examples; the UDF one folder up.
    let udf_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf));
    let config = Config::from_raw(RawConfig {
        data_dir: data_dir.to_path_buf(),
        udf_dir,
        ..RawConfig::default()
    })
    .expect("configuration");
    clickprint::clickhouse::library::open(&config.clickhouse)
        .await
        .expect("engine with schema")
}
