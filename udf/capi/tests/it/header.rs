//! The committed `include/clickprint.h` is exactly what cbindgen generates.
//! After changing the ABI, regenerate it with
//! `CLICKPRINT_BLESS=1 cargo test -p clickprint-capi header`.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("UTF-8 header");
    let path = crate_dir.join("include").join("clickprint.h");
    if std::env::var_os("CLICKPRINT_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `CLICKPRINT_BLESS=1 cargo test -p clickprint-capi header` and commit it",
        path.display()
    );
}
