//! The data directory: who owns it, and how to reach the service that does.
//!
//! chDB allows one process per storage path, so exactly one clickprint
//! process owns a data directory at a time. Ownership is an exclusive lock on
//! `clickprint.lock` (released by the kernel when the process dies, so a
//! crash never leaves it stuck). The `serve` process also writes
//! `service.json` with its address; command-line tools that find the lock
//! held talk to that address, with the local admin token in `admin.token`
//! (readable only by the data directory's owner).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const LOCK_FILE: &str = "clickprint.lock";
const SERVICE_FILE: &str = "service.json";
const TOKEN_FILE: &str = "admin.token";

/// Held ownership of a data directory; released on drop.
#[derive(Debug)]
pub struct DataDirLock {
    dir: PathBuf,
    _file: File,
}

/// What a running service says about itself in `service.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The service's process id.
    pub pid: u32,
    /// Its HTTP base URL, e.g. `http://127.0.0.1:7420`.
    pub url: String,
}

/// Who owns a data directory right now.
#[derive(Debug)]
pub enum Owner {
    /// Nobody did; now the caller does.
    Acquired(DataDirLock),
    /// A running service does.
    Service(ServiceInfo),
}

impl DataDirLock {
    /// Takes ownership of `dir` (created if missing).
    ///
    /// # Errors
    /// [`Error::DataDirInUse`] when another process owns it.
    pub fn acquire(dir: &Path) -> Result<Self> {
        match Self::try_acquire(dir)? {
            Some(lock) => Ok(lock),
            None => Err(Error::DataDirInUse {
                path: dir.to_path_buf(),
                pid: read_service(dir).map(|s| s.pid).unwrap_or(0),
            }),
        }
    }

    fn try_acquire(dir: &Path) -> Result<Option<Self>> {
        fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(DataDirLock {
                dir: dir.to_path_buf(),
                _file: file,
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => {
                Err(Error::io(format!("locking {}", path.display()), e))
            }
        }
    }

    /// Records the service's address for command-line tools.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn publish(&self, info: &ServiceInfo) -> Result<()> {
        let path = self.dir.join(SERVICE_FILE);
        let tmp = self.dir.join("service.json.tmp");
        let text = serde_json::to_string_pretty(info).unwrap_or_default();
        fs::write(&tmp, text).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// Removes the service record (on clean shutdown).
    pub fn unpublish(&self) {
        let _ = fs::remove_file(self.dir.join(SERVICE_FILE));
    }

    /// The local admin token, created on first use (32 random bytes, hex,
    /// file mode 0600).
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read or created; [`Error::Config`]
    /// when the system has no random numbers to give.
    pub fn admin_token(&self) -> Result<String> {
        let path = self.dir.join(TOKEN_FILE);
        if let Ok(token) = fs::read_to_string(&path) {
            return Ok(token.trim().to_owned());
        }
        let token = crate::random_hex(32)?;
        let tmp = self.dir.join("admin.token.tmp");
        OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, token.as_bytes()))
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok(token)
    }
}

/// Finds who owns `dir`: takes it when free, or waits (up to `wait`) for
/// the owning service to publish its address.
///
/// # Errors
/// [`Error::DataDirInUse`] when another process holds the directory without
/// publishing an address in time (another command-line tool, or a service
/// still starting).
pub fn owner(dir: &Path, wait: Duration) -> Result<Owner> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(lock) = DataDirLock::try_acquire(dir)? {
            return Ok(Owner::Acquired(lock));
        }
        if let Some(info) = read_service(dir) {
            return Ok(Owner::Service(info));
        }
        if Instant::now() >= deadline {
            return Err(Error::DataDirInUse {
                path: dir.to_path_buf(),
                pid: 0,
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Reads the admin token a running service created.
///
/// # Errors
/// [`Error::Io`] when it cannot be read (another user's data directory).
pub fn read_admin_token(dir: &Path) -> Result<String> {
    let path = dir.join(TOKEN_FILE);
    fs::read_to_string(&path)
        .map(|t| t.trim().to_owned())
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))
}

fn read_service(dir: &Path) -> Option<ServiceInfo> {
    let text = fs::read_to_string(dir.join(SERVICE_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_owner_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, Error::DataDirInUse { .. }), "{err}");
        drop(first);
        DataDirLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_published_service_is_found_by_owner() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DataDirLock::acquire(dir.path()).unwrap();
        let info = ServiceInfo {
            pid: 42,
            url: "http://127.0.0.1:1".into(),
        };
        lock.publish(&info).unwrap();
        match owner(dir.path(), Duration::from_millis(10)).unwrap() {
            Owner::Service(found) => assert_eq!(found, info),
            Owner::Acquired(_) => panic!("acquired a held directory"),
        }
    }

    #[test]
    fn admin_token_is_stable_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let lock = DataDirLock::acquire(dir.path()).unwrap();
        let token = lock.admin_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(lock.admin_token().unwrap(), token);
        let mode = fs::metadata(dir.path().join(TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
