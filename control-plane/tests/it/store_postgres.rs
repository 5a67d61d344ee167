//! The Postgres store on a private cluster: migrations, restarts, recovery.

use std::path::Path;
use std::time::{Duration, Instant};

use clickprint::store::PostgresStore;
use clickprint::store::cluster::PrivateCluster;

use crate::common::embedded_config;
use clickprint_tests::data_dir;

const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

fn alive(pid: u32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

/// Waits for `pid` to exit. A server this test process started is its child:
/// reap it, as init reaps a real orphan, or its zombie would look alive.
fn wait_gone(pid: u32, within: Duration) -> bool {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let pid_t = nix::unistd::Pid::from_raw(pid as i32);
        if matches!(waitpid(pid_t, Some(WaitPidFlag::WNOHANG)), Ok(s) if s != WaitStatus::StillAlive)
        {
            return true;
        }
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

async fn applied_versions(store: &PostgresStore) -> Vec<i32> {
    let client = store.pool().get().await.expect("a pooled connection");
    client
        .query(
            "SELECT version FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .await
        .expect("the migration history")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn migrations_applied_twice_are_a_noop() {
    let dir = data_dir("migrate-twice");
    let store = PostgresStore::open(&embedded_config(dir.path()))
        .await
        .unwrap();
    let history = applied_versions(&store).await;
    assert!(!history.is_empty(), "open applied no migration");
    let again = store.migrate().await.unwrap();
    assert!(
        again.applied.is_empty(),
        "second run applied {:?}",
        again.applied
    );
    assert_eq!(applied_versions(&store).await, history);
    // The schema is really there.
    let client = store.pool().get().await.unwrap();
    client
        .execute("INSERT INTO tenants (name) VALUES ('acme')", &[])
        .await
        .unwrap();
    drop(client);
    store.shutdown().unwrap();
}

#[tokio::test]
async fn version_is_postgres_15() {
    let dir = data_dir("pg-version");
    let store = PostgresStore::open(&embedded_config(dir.path()))
        .await
        .unwrap();
    let version = store.version().await.unwrap();
    assert!(version.starts_with("15."), "version {version}");
    store.shutdown().unwrap();
}

#[tokio::test]
async fn data_survives_a_restart_of_the_private_cluster() {
    let dir = data_dir("pg-restart");
    let config = embedded_config(dir.path());
    let store = PostgresStore::open(&config).await.unwrap();
    let first_pid = store.private_cluster_pid().unwrap();
    store
        .pool()
        .get()
        .await
        .unwrap()
        .execute("INSERT INTO tenants (name) VALUES ('kept')", &[])
        .await
        .unwrap();
    store.shutdown().unwrap();
    assert!(
        wait_gone(first_pid, Duration::from_secs(5)),
        "postgres {first_pid} still runs"
    );

    let store = PostgresStore::open(&config).await.unwrap();
    let names: Vec<String> = store
        .pool()
        .get()
        .await
        .unwrap()
        .query("SELECT name FROM tenants", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, vec!["kept".to_owned()]);
    store.shutdown().unwrap();
}

#[test]
fn a_postmaster_left_running_is_stopped_not_duplicated() {
    let dir = data_dir("pg-orphan");
    let bin = Path::new(BIN_DIR);
    let first = PrivateCluster::start(dir.path(), bin).unwrap();
    let orphan = first.pid().unwrap();
    // Lose the handle without stopping the server, as a crash would.
    std::mem::forget(first);
    assert!(alive(orphan));

    let mut second = PrivateCluster::start(dir.path(), bin).unwrap();
    let pid = second.pid().unwrap();
    assert_ne!(pid, orphan);
    assert!(
        wait_gone(orphan, Duration::from_secs(5)),
        "orphan {orphan} still runs"
    );
    // Exactly one postmaster serves the cluster, and it is the new one.
    let pid_file = std::fs::read_to_string(second.pgdata().join("postmaster.pid")).unwrap();
    assert_eq!(pid_file.lines().next().unwrap().trim(), pid.to_string());
    second.stop().unwrap();
    assert!(!alive(pid));
}

#[test]
fn missing_postgres_binaries_name_the_setup_command() {
    let dir = data_dir("pg-missing");
    let err = PrivateCluster::start(dir.path(), &dir.path().join("nowhere")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("initdb") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

/// Issue 18, item 6: a tenant's single upload waited behind another
/// tenant's 100,000-row job, because the queue served the oldest task
/// first whoever it belonged to.
#[tokio::test]
async fn a_small_tenants_upload_is_not_stuck_behind_a_big_job() {
    let dir = data_dir("pg-fair-queue");
    let store = PostgresStore::open(&embedded_config(dir.path()))
        .await
        .unwrap();
    let client = store.pool().get().await.unwrap();
    // Tenant A's big job: 1,000 tasks, all due; then tenant B's one upload.
    let mut ids = Vec::new();
    for (name, count) in [("big", 1000), ("small", 1)] {
        let id: i32 = client
            .query_one(
                "INSERT INTO tenants (name) VALUES ($1) RETURNING id",
                &[&name],
            )
            .await
            .unwrap()
            .get(0);
        client
            .execute(
                "WITH m AS (INSERT INTO media (tenant_id, source) \
                     SELECT $1, 'https://example.test/' || n FROM generate_series(1, $2) n \
                     RETURNING id) \
                 INSERT INTO tasks (media_id, tenant_id, run_after) \
                 SELECT id, $1, now() - interval '1 hour' + id * interval '1 millisecond' FROM m",
                &[&id, &count],
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let small = ids[1];
    let lease = Duration::from_secs(300);
    let mut served = Vec::new();
    for _ in 0..2 {
        let task = clickprint::store::queue::claim(store.pool(), "w", lease)
            .await
            .unwrap()
            .expect("a due task");
        served.push(task.tenant_id);
    }
    assert!(
        served.contains(&small),
        "the small tenant waits: the first claims served tenants {served:?}"
    );
    drop(client);
    store.shutdown().unwrap();
}

/// Issue 18, item 10: a disabled tenant's queued items were still
/// fingerprinted. The claim now skips them (they stay queued, and are
/// served again once the tenant is enabled).
#[tokio::test]
async fn a_disabled_tenants_queued_items_are_not_fingerprinted() {
    let dir = data_dir("pg-disabled-tenant-queue");
    let store = PostgresStore::open(&embedded_config(dir.path()))
        .await
        .unwrap();
    let client = store.pool().get().await.unwrap();
    let mut ids = Vec::new();
    for name in ["disabled", "active"] {
        let id: i32 = client
            .query_one(
                "INSERT INTO tenants (name) VALUES ($1) RETURNING id",
                &[&name],
            )
            .await
            .unwrap()
            .get(0);
        client
            .execute(
                "WITH m AS (INSERT INTO media (tenant_id, source) \
                     SELECT $1, 'https://example.test/' || n FROM generate_series(1, 3) n \
                     RETURNING id) \
                 INSERT INTO tasks (media_id, tenant_id) SELECT id, $1 FROM m",
                &[&id],
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let (disabled, active) = (ids[0], ids[1]);
    let change = clickprint::store::tenants::TenantChange {
        disabled: Some(true),
        ..Default::default()
    };
    clickprint::store::tenants::change(store.pool(), disabled, &change)
        .await
        .unwrap();
    let lease = Duration::from_secs(300);
    let mut served = Vec::new();
    while let Some(task) = clickprint::store::queue::claim(store.pool(), "w", lease)
        .await
        .unwrap()
    {
        served.push(task.tenant_id);
    }
    assert_eq!(served, [active; 3], "tenants served: {served:?}");
    // Enabled again, its tasks are served.
    let change = clickprint::store::tenants::TenantChange {
        disabled: Some(false),
        ..Default::default()
    };
    clickprint::store::tenants::change(store.pool(), disabled, &change)
        .await
        .unwrap();
    let task = clickprint::store::queue::claim(store.pool(), "w", lease)
        .await
        .unwrap()
        .expect("the enabled tenant's task");
    assert_eq!(task.tenant_id, disabled);
    drop(client);
    store.shutdown().unwrap();
}
