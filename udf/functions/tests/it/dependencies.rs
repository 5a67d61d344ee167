//! What may link what, as Cargo facts rather than linker facts: the thin
//! UDF executable and the control plane have no path to ffmpeg (chDB
//! crashes beside it; the thin executable starts fast without it), the
//! fingerprint core depends on no workspace crate and no I/O crate, and
//! the C library compiles no Flight server.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn text(value: &Value) -> &str {
    value.as_str().expect("a string in cargo metadata")
}

fn workspace_manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")
}

fn cargo() -> Command {
    let mut command =
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned()));
    command.arg("--offline");
    command
}

/// The resolved graph: package name -> names of its normal and build
/// dependencies (dev-dependencies are not linked into what ships). One
/// graph for the whole workspace, so every feature any member enables is
/// on: what is unreachable here is unreachable in any build.
struct Graph {
    deps: HashMap<String, Vec<String>>,
    members: BTreeSet<String>,
}

impl Graph {
    fn load() -> Graph {
        let output = cargo()
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(workspace_manifest())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo metadata: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let meta: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
        let name_of: HashMap<&str, &str> = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| (text(&p["id"]), text(&p["name"])))
            .collect();
        let members = meta["workspace_members"]
            .as_array()
            .expect("workspace_members")
            .iter()
            .map(|id| name_of[text(id)].to_owned())
            .collect();
        let mut deps = HashMap::new();
        for node in meta["resolve"]["nodes"].as_array().expect("resolve nodes") {
            let linked = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .any(|k| k["kind"].is_null() || k["kind"] == "build")
                })
                .map(|d| name_of[text(&d["pkg"])].to_owned())
                .collect::<Vec<_>>();
            deps.insert(name_of[text(&node["id"])].to_owned(), linked);
        }
        Graph { deps, members }
    }

    /// Every package `root` links, itself included.
    fn reachable(&self, root: &str) -> BTreeSet<String> {
        assert!(self.deps.contains_key(root), "{root} is not in the graph");
        let mut seen = BTreeSet::new();
        let mut stack = vec![root.to_owned()];
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                stack.extend(self.deps[&name].iter().cloned());
            }
        }
        seen
    }
}

const FFMPEG: [&str; 2] = ["ffmpeg-next", "ffmpeg-sys-next"];

#[test]
fn the_thin_udf_and_the_control_plane_have_no_path_to_ffmpeg() {
    let graph = Graph::load();
    // The check can fail: the decoding crate does reach ffmpeg.
    let media = graph.reachable("clickprint-media");
    assert!(FFMPEG.iter().all(|f| media.contains(*f)), "{media:?}");
    for root in ["clickprint-udf", "clickprint-flight", "clickprint"] {
        let linked = graph.reachable(root);
        for ffmpeg in FFMPEG {
            assert!(
                !linked.contains(ffmpeg),
                "{root} links {ffmpeg}: {linked:?}"
            );
        }
        assert!(!linked.contains("clickprint-media"), "{root}: {linked:?}");
    }
}

#[test]
fn the_core_depends_on_no_workspace_crate_and_no_io_crate() {
    let graph = Graph::load();
    let linked = graph.reachable("clickprint-core");
    let workspace: Vec<&String> = linked
        .iter()
        .filter(|p| graph.members.contains(*p) && *p != "clickprint-core")
        .collect();
    assert!(workspace.is_empty(), "clickprint-core links {workspace:?}");
    for io in [
        "ffmpeg-next",
        "tokio",
        "tonic",
        "arrow",
        "arrow-flight",
        "reqwest",
        "clickprint-fetch",
    ] {
        assert!(
            !linked.contains(io),
            "clickprint-core links {io}: {linked:?}"
        );
    }
}

/// The packages `cargo tree` says `package` links, built alone (its own
/// features, unlike the workspace-wide graph above).
fn tree(package: &str) -> BTreeSet<String> {
    let output = cargo()
        .args(["tree", "--manifest-path"])
        .arg(workspace_manifest())
        .args(["-p", package, "-e", "normal,build", "--prefix", "none"])
        .args(["--format", "{p}"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_c_library_compiles_no_flight_server() {
    // The check can fail: the Flight crate does link tonic.
    assert!(tree("clickprint-flight").contains("tonic"));
    let linked = tree("clickprint-capi");
    assert!(linked.contains("clickprint-media"), "{linked:?}");
    for flight in ["tonic", "arrow-flight", "clickprint-flight"] {
        assert!(
            !linked.contains(flight),
            "clickprint-capi links {flight}: {linked:?}"
        );
    }
}
