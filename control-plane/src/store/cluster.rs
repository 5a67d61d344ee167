//! The private Postgres cluster clickprint runs inside its data directory
//! when no `DATABASE_URL` is given.
//!
//! Life cycle, and why:
//! - Created once with `initdb` into a scratch folder that is renamed into
//!   place, so a crash during creation never leaves a half cluster behind.
//! - Listens on a unix socket only (no TCP port to collide with), in a
//!   folder of the data directory.
//! - Runs `postgres` directly as our child, in its own process group (a
//!   Ctrl-C in the terminal reaches clickprint, which then stops Postgres in
//!   order) with a parent-death signal: if clickprint is killed, Postgres
//!   gets SIGINT (fast shutdown) and exits instead of living on as an orphan.
//! - A postmaster left running anyway (say, from an older binary) is found
//!   through `postmaster.pid` and shut down before a new one starts, so it
//!   is recovered, never duplicated.
//! - Postgres refuses to run as root. When clickprint runs as root the
//!   cluster belongs to Debian's `postgres` user and the server runs as it.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User};

use crate::error::{Error, Result};

/// The Postgres role and database clickprint uses in its private cluster.
pub const ROLE: &str = "clickprint";
/// The port number only names the socket file; no TCP port is opened.
const PORT: u16 = 5432;
/// How long a starting or stopping server may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running private cluster; stopped on [`PrivateCluster::stop`] or drop.
#[derive(Debug)]
pub struct PrivateCluster {
    pgdata: PathBuf,
    socket_dir: PathBuf,
    child: Option<Child>,
}

impl PrivateCluster {
    /// Creates the cluster in `data_dir/postgres` if it does not exist,
    /// recovers one left running by a crash, and starts the server.
    ///
    /// Call it from a thread that lives as long as the cluster should (the
    /// parent-death signal follows the thread that started the server).
    ///
    /// # Errors
    /// [`Error::MissingDependency`] when the Postgres binaries are missing,
    /// [`Error::EmbeddedPostgres`] when creating or starting fails (with the
    /// tail of the server log).
    pub fn start(data_dir: &Path, bin_dir: &Path) -> Result<Self> {
        for tool in ["initdb", "postgres"] {
            if !bin_dir.join(tool).is_file() {
                return Err(Error::MissingDependency {
                    what: "the Postgres 15 server binaries (Debian postgresql-15)".into(),
                    detail: format!("no {} in {}", tool, bin_dir.display()),
                });
            }
        }
        let owner = ServerUser::for_current_process()?;
        fs::create_dir_all(data_dir)
            .map_err(|e| Error::io(format!("creating {}", data_dir.display()), e))?;
        let pgdata = data_dir.join("postgres");
        owner.check_reachable(data_dir)?;

        if !pgdata.join("PG_VERSION").is_file() {
            init_cluster(&pgdata, bin_dir, &owner)?;
        }
        stop_orphan(&pgdata)?;

        let socket_dir = socket_dir_for(data_dir);
        make_owned_dir(&socket_dir, &owner, 0o700)?;
        let log_path = data_dir.join("postgres.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| Error::io(format!("opening {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| Error::io("duplicating the log file handle", e))?;

        let mut command = Command::new(bin_dir.join("postgres"));
        command
            .arg("-D")
            .arg(&pgdata)
            .arg("-k")
            .arg(&socket_dir)
            .arg("-p")
            .arg(PORT.to_string())
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "unix_socket_permissions=0777",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        owner.prepare(&mut command);
        let child = command
            .spawn()
            .map_err(|e| Error::EmbeddedPostgres(format!("starting postgres: {e}")))?;
        let mut cluster = PrivateCluster {
            pgdata,
            socket_dir,
            child: Some(child),
        };
        cluster.wait_ready(&log_path)?;
        Ok(cluster)
    }

    /// The folder holding the server's unix socket (the `host` to connect to).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The port that names the socket file.
    pub fn port(&self) -> u16 {
        PORT
    }

    /// The cluster's data folder (`PGDATA`).
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Client settings that reach this cluster as clickprint's role.
    pub fn client_config(&self, dbname: &str) -> tokio_postgres::Config {
        client_config_at(&self.socket_dir, dbname)
    }

    /// Client settings for the cluster another process runs in `data_dir`
    /// (a `clickprint worker` beside `clickprint serve`).
    pub fn attach_config(data_dir: &Path) -> tokio_postgres::Config {
        client_config_at(&socket_dir_for(data_dir), ROLE)
    }

    /// Stops the server with a fast shutdown (open transactions roll back,
    /// everything committed stays), escalating if it does not exit in time.
    ///
    /// # Errors
    /// [`Error::EmbeddedPostgres`] when it could not be stopped at all.
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = Pid::from_raw(child.id() as i32);
        shut_down(pid, || {
            child.try_wait().map(|s| s.is_some()).unwrap_or(true)
        })
    }

    fn wait_ready(&mut self, log_path: &Path) -> Result<()> {
        let socket = self.socket_dir.join(format!(".s.PGSQL.{PORT}"));
        let pid_file = self.pgdata.join("postmaster.pid");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(Error::EmbeddedPostgres(format!(
                    "postgres exited during start ({status}); log {}:\n{}",
                    log_path.display(),
                    log_tail(log_path)
                )));
            }
            // postmaster.pid's 8th line says "ready" once connections are accepted.
            let ready = fs::read_to_string(&pid_file)
                .map(|t| t.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
                .unwrap_or(false);
            if ready && socket.exists() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.stop();
                return Err(Error::EmbeddedPostgres(format!(
                    "postgres was not ready after {}s; log {}:\n{}",
                    START_TIMEOUT.as_secs(),
                    log_path.display(),
                    log_tail(log_path)
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!("{e}");
        }
    }
}

/// Who the server runs as: ourselves, or `postgres` when we are root.
#[derive(Debug)]
struct ServerUser {
    switch_to: Option<User>,
}

impl ServerUser {
    fn for_current_process() -> Result<Self> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(ServerUser { switch_to: None });
        }
        let user = User::from_name("postgres")
            .map_err(|e| Error::EmbeddedPostgres(format!("looking up user postgres: {e}")))?
            .ok_or_else(|| Error::MissingDependency {
                what: "the `postgres` system user (Debian postgresql-15 creates it)".into(),
                detail: "Postgres refuses to run as root and there is no postgres user".into(),
            })?;
        Ok(ServerUser {
            switch_to: Some(user),
        })
    }

    /// As root, every folder above the cluster must let `postgres` pass.
    fn check_reachable(&self, dir: &Path) -> Result<()> {
        let Some(user) = &self.switch_to else {
            return Ok(());
        };
        for ancestor in dir.ancestors() {
            let Ok(meta) = fs::metadata(ancestor) else {
                continue;
            };
            let passable = meta.mode() & 0o001 != 0
                || (meta.uid() == user.uid.as_raw() && meta.mode() & 0o100 != 0)
                || (meta.gid() == user.gid.as_raw() && meta.mode() & 0o010 != 0);
            if !passable {
                return Err(Error::EmbeddedPostgres(format!(
                    "clickprint runs as root, so its private Postgres runs as user `postgres`, \
                     which cannot enter {}; choose a --data-dir that user can reach \
                     (e.g. under /var/lib or /tmp) or set DATABASE_URL",
                    ancestor.display()
                )));
            }
        }
        Ok(())
    }

    fn chown(&self, path: &Path) -> Result<()> {
        let Some(user) = &self.switch_to else {
            return Ok(());
        };
        nix::unistd::chown(path, Some(user.uid), Some(user.gid))
            .map_err(|e| Error::EmbeddedPostgres(format!("chown {}: {e}", path.display())))
    }

    /// Sets up the child: its own process group, the server's user, and a
    /// parent-death signal (set last: changing user clears it).
    fn prepare(&self, command: &mut Command) {
        command.process_group(0);
        let ids = self.switch_to.as_ref().map(|u| (u.uid, u.gid));
        // SAFETY: between fork and exec only async-signal-safe calls are made
        // (setgroups, setgid, setuid, prctl); nothing allocates.
        unsafe {
            command.pre_exec(move || {
                if let Some((uid, gid)) = ids {
                    nix::unistd::setgroups(&[gid])?;
                    nix::unistd::setgid(gid)?;
                    nix::unistd::setuid(uid)?;
                }
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT)?;
                Ok(())
            });
        }
    }
}

fn init_cluster(pgdata: &Path, bin_dir: &Path, owner: &ServerUser) -> Result<()> {
    let scratch = pgdata.with_extension("init");
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .map_err(|e| Error::io(format!("removing {}", scratch.display()), e))?;
    }
    make_owned_dir(&scratch, owner, 0o700)?;
    let mut command = Command::new(bin_dir.join("initdb"));
    command
        .arg("-D")
        .arg(&scratch)
        .args([
            "-A",
            "trust",
            "-U",
            ROLE,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ])
        .stdin(Stdio::null());
    owner.prepare(&mut command);
    let output = command
        .output()
        .map_err(|e| Error::EmbeddedPostgres(format!("running initdb: {e}")))?;
    if !output.status.success() {
        return Err(Error::EmbeddedPostgres(format!(
            "initdb failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    fs::rename(&scratch, pgdata).map_err(|e| {
        Error::io(
            format!("moving {} to {}", scratch.display(), pgdata.display()),
            e,
        )
    })
}

/// Shuts down a postmaster that still runs on `pgdata` (left by a crash).
/// The caller holds the data directory's lock, so no live clickprint owns it.
fn stop_orphan(pgdata: &Path) -> Result<()> {
    let pid_file = pgdata.join("postmaster.pid");
    let Ok(text) = fs::read_to_string(&pid_file) else {
        return Ok(());
    };
    let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    if !is_postmaster_of(pid, pgdata) {
        // A stale file; Postgres removes it itself on start.
        return Ok(());
    }
    tracing::warn!(
        pid,
        "stopping a Postgres left running on {}",
        pgdata.display()
    );
    // Gone once it no longer is that postmaster (a zombie has no cmdline).
    shut_down(Pid::from_raw(pid), || !is_postmaster_of(pid, pgdata))
}

/// Fast shutdown, escalating to an immediate one and then a kill if the
/// server does not exit in time. `exited` says whether it has gone.
fn shut_down(pid: Pid, mut exited: impl FnMut() -> bool) -> Result<()> {
    for (signal, wait) in [
        (Signal::SIGINT, STOP_TIMEOUT),
        (Signal::SIGQUIT, Duration::from_secs(5)),
        (Signal::SIGKILL, Duration::from_secs(5)),
    ] {
        let _ = kill(pid, signal);
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if exited() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err(Error::EmbeddedPostgres(format!(
        "postgres (pid {pid}) would not stop"
    )))
}

/// True when `pid` is a live postgres whose data folder is `pgdata`.
fn is_postmaster_of(pid: i32, pgdata: &Path) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let is_postgres = args.first().is_some_and(|a| a.ends_with(b"postgres"));
    let target = pgdata.as_os_str().as_encoded_bytes();
    is_postgres && args.contains(&target)
}

/// The socket folder: inside the data dir unless that path is too long for
/// a unix socket address (108 bytes), then a private folder under /tmp.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let inside = data_dir.join("run");
    if inside.as_os_str().len() + ".s.PGSQL.5432".len() + 2 < 100 {
        return inside;
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    std::env::temp_dir().join(format!("clickprint-pg-{:016x}", hasher.finish()))
}

fn make_owned_dir(dir: &Path, owner: &ServerUser, mode: u32) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(format!("chmod {}", dir.display()), e))?;
    owner.chown(dir)
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Client settings for a private cluster whose socket is in `socket_dir`.
fn client_config_at(socket_dir: &Path, dbname: &str) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host_path(socket_dir)
        .port(PORT)
        .user(ROLE)
        .dbname(dbname);
    config.application_name("clickprint");
    config.connect_timeout(Duration::from_secs(10));
    config
}
