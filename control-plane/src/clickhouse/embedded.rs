//! The embedded ClickHouse: the chDB engine (ClickHouse 26.9 as one shared
//! library from PyPI's `chdb-core`) loaded into this process through its ADBC
//! driver.
//!
//! Facts this module is built on:
//! - chDB's symbols resolve against CPython, so libpython is loaded first with
//!   `RTLD_GLOBAL`; Python itself is never initialised.
//! - One storage path per process, and one process per path. The engine is
//!   therefore a process-wide singleton: opening it twice with the same path
//!   hands back the same engine, a different path is refused.
//! - Server-level options (the UDF folder and the function XML glob) are read
//!   once, by the connection that starts the engine.
//! - A connection runs one statement at a time and its result stream must be
//!   released before the next; several connections may run concurrently. So
//!   statements take a permit of their lane ([`scheduler`]), run on a
//!   blocking thread, and collect their result before the connection goes
//!   back.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use adbc_core::options::{AdbcVersion, OptionDatabase, OptionValue};
use adbc_core::{Connection, Database, Driver, Statement};
use adbc_driver_manager::{ManagedConnection, ManagedDatabase, ManagedDriver};
use arrow::record_batch::RecordBatch;

use super::output::QueryOutput;
use super::result_limits::Budget;
use super::scheduler::{self, Scheduler};
use crate::config::EmbeddedOptions;
use crate::error::{Error, Result};

/// A handle to the process's embedded engine; cheap to clone.
#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmbeddedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEngine")
            .field("path", &self.inner.path)
            .finish()
    }
}

struct Inner {
    path: PathBuf,
    /// The database; never released (see [`release_at_exit`]).
    database: Mutex<ManagedDatabase>,
    idle: Mutex<Vec<ManagedConnection>>,
    /// Idle connections whose database was set (`USE`), by database.
    idle_in: Mutex<std::collections::HashMap<String, Vec<ManagedConnection>>>,
    scheduler: Scheduler,
    // Keeps the library loaded for as long as any handle lives.
    _driver: ManagedDriver,
}

/// The engine this process opened, if any (see the module comment).
static OPENED: Mutex<Option<EmbeddedEngine>> = Mutex::new(None);

impl EmbeddedEngine {
    /// Loads chDB and opens (or creates) the store at `options.path`.
    ///
    /// # Errors
    /// [`Error::MissingDependency`] when chDB or libpython is missing or does
    /// not load; [`Error::Config`] when this process already opened another
    /// path; [`Error::ClickHouse`] when the engine refuses to start.
    pub fn open(options: &EmbeddedOptions) -> Result<Self> {
        let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(engine) = opened.as_ref() {
            if engine.inner.path == options.path {
                return Ok(engine.clone());
            }
            return Err(Error::Config(format!(
                "this process already opened the embedded ClickHouse at {}; \
                 chDB allows one storage path per process",
                engine.inner.path.display()
            )));
        }
        std::fs::create_dir_all(&options.path)
            .map_err(|e| Error::io(format!("creating {}", options.path.display()), e))?;
        let mut driver = load_driver(&options.chdb_library, &options.libpython)?;
        let uri = format!("file:{}", options.path.display());
        let functions_glob = options.functions_dir.join("*_function.xml");
        let settings = [
            (OptionDatabase::Uri, OptionValue::from(uri)),
            (
                OptionDatabase::Other("chdb.user_scripts_path".into()),
                OptionValue::from(options.udf_dir.display().to_string()),
            ),
            (
                OptionDatabase::Other("chdb.user_defined_executable_functions_config".into()),
                OptionValue::from(functions_glob.display().to_string()),
            ),
        ];
        let database = driver
            .new_database_with_opts(settings)
            .map_err(adbc_error)?;
        // The first connection starts the engine and reads the server-level
        // options above; open it now so a broken setup fails here, not later.
        let first = database.new_connection().map_err(adbc_error)?;
        let engine = EmbeddedEngine {
            inner: Arc::new(Inner {
                path: options.path.clone(),
                database: Mutex::new(database),
                idle: Mutex::new(vec![first]),
                idle_in: Mutex::new(std::collections::HashMap::new()),
                scheduler: Scheduler::new(options.lanes),
                _driver: driver,
            }),
        };
        *opened = Some(engine.clone());
        // chDB's own exit handlers crash when the engine is still open at
        // exit; handlers run in reverse order of registration, and chDB's
        // were registered when it loaded, so this one runs first.
        // SAFETY: registering a plain extern "C" function with no argument.
        if unsafe { on_exit(release_at_exit, std::ptr::null_mut()) } != 0 {
            tracing::warn!("could not register the embedded engine's exit handler");
        }
        Ok(engine)
    }

    /// The data folder this engine stores its tables in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs one statement and collects its whole result.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the engine's message when the statement fails.
    pub async fn query(&self, sql: &str) -> Result<QueryOutput> {
        self.query_with_params(sql, &[]).await
    }

    /// Runs one statement with `{name:Type}` parameters, set by one `SET
    /// param_<name> = ..., ...` before it. A later statement can never run
    /// with an earlier caller's tenant: a pooled connection (which keeps
    /// the parameters last set on it) runs only a statement that is given
    /// every parameter it names (checked by `names_only`), which the `SET`
    /// overwrites; any other runs on a connection of its own, closed
    /// afterwards.
    ///
    /// # Errors
    /// As [`EmbeddedEngine::query`].
    pub async fn query_with_params(
        &self,
        sql: &str,
        params: &[(&str, String)],
    ) -> Result<QueryOutput> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        let sql = sql.to_owned();
        self.blocking(move |inner| {
            if params.is_empty() {
                inner.run(&sql)
            } else {
                inner.run_with_params(&sql, &params)
            }
        })
        .await
    }

    /// Runs `work` with the statement on a blocking thread, holding a
    /// permit of the task's lane ([`scheduler::current`]).
    async fn blocking(
        &self,
        work: impl FnOnce(&Inner) -> Result<QueryOutput> + Send + 'static,
    ) -> Result<QueryOutput> {
        let permit = self.inner.scheduler.acquire(scheduler::current()).await?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&inner)
        })
        .await
        .map_err(|e| Error::ClickHouse(format!("statement task failed: {e}")))?
    }

    /// Runs one statement in `database` under `settings`, both set on a
    /// connection of its own (`USE`, `SET name = value`) that is closed
    /// afterwards, with `{name:Type}` `params` (one `SET param_<name> =
    /// ..., ...`, before the settings: `readonly` comes last). Without
    /// settings, a connection already in `database` is taken from a pool
    /// when the statement is given every parameter it names, as in
    /// [`EmbeddedEngine::query_with_params`]. The database and the
    /// settings' names and values are ours (a tenant's view database,
    /// limits, `readonly`), never a caller's text: each is checked to be a
    /// plain word or number; parameter values are quoted literals.
    ///
    /// The result is collected within `budget`: the statement stops as soon
    /// as its rows or bytes pass it.
    ///
    /// # Errors
    /// As [`EmbeddedEngine::query`]; a name or value that is not plain;
    /// [`Error::LimitExceeded`] when the result passes `budget`.
    pub async fn query_scoped(
        &self,
        sql: &str,
        database: &str,
        params: &[(&str, String)],
        settings: &[(&str, String)],
        budget: Option<Budget>,
    ) -> Result<QueryOutput> {
        let plain = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !plain(database) {
            return Err(Error::ClickHouse(format!(
                "database `{database}` is not a plain name"
            )));
        }
        if settings.is_empty() && names_only(sql, params) {
            let set = parameter_statement(params)?;
            let (sql, database) = (sql.to_owned(), database.to_owned());
            return self
                .blocking(move |inner| {
                    inner.run_pooled(Some(&database), set.as_deref(), &sql, budget)
                })
                .await;
        }
        let mut statements = vec![format!("USE {database}")];
        statements.extend(parameter_statement(params)?);
        for (name, value) in settings {
            if !plain(name) || !plain(value) {
                return Err(Error::ClickHouse(format!(
                    "setting `{name}` = `{value}` is not a plain name and value"
                )));
            }
            let literal = if value.parse::<f64>().is_ok() {
                value.clone()
            } else {
                format!("'{value}'")
            };
            statements.push(format!("SET {name} = {literal}"));
        }
        let sql = sql.to_owned();
        self.blocking(move |inner| inner.run_after(&statements, &sql, budget))
            .await
    }
}

impl Inner {
    fn new_connection(&self) -> Result<ManagedConnection> {
        self.database
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .new_connection()
            .map_err(adbc_error)
    }

    fn run_with_params(&self, sql: &str, params: &[(String, String)]) -> Result<QueryOutput> {
        let set = parameter_statement(params)?;
        if names_only(sql, params) {
            return self.run_pooled(None, set.as_deref(), sql, None);
        }
        let statements: Vec<String> = set.into_iter().collect();
        self.run_after(&statements, sql, None)
    }

    /// Runs `sql` after `set` on an idle connection of `database` (`None`:
    /// the default database), a new one (`USE`d) when none is idle, which
    /// goes back to that database's pool.
    fn run_pooled(
        &self,
        database: Option<&str>,
        set: Option<&str>,
        sql: &str,
        budget: Option<Budget>,
    ) -> Result<QueryOutput> {
        let idle = match database {
            None => self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop(),
            Some(database) => self
                .idle_in
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(database)
                .and_then(Vec::pop),
        };
        let mut connection = match idle {
            Some(c) => c,
            None => {
                let mut c = self.new_connection()?;
                if let Some(database) = database {
                    run_statement(&mut c, &format!("USE {database}"), None)?;
                }
                c
            }
        };
        let result = run_set(&mut connection, set, sql, budget)?;
        match database {
            None => self
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(connection),
            Some(database) => self
                .idle_in
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(database.to_owned())
                .or_default()
                .push(connection),
        }
        Ok(result)
    }

    /// Runs `sql` on a connection of its own after `setup` (`SET`, `USE`),
    /// so nothing set outlives the statement.
    fn run_after(
        &self,
        setup: &[String],
        sql: &str,
        budget: Option<Budget>,
    ) -> Result<QueryOutput> {
        let mut connection = self.new_connection()?;
        for statement in setup {
            run_statement(&mut connection, statement, None)?;
        }
        run_statement(&mut connection, sql, budget)
    }

    fn run(&self, sql: &str) -> Result<QueryOutput> {
        // A pooled connection keeps parameters set for an earlier
        // statement: one naming a parameter it is not given runs alone,
        // and fails as it should.
        if !names_only(sql, &[] as &[(&str, &str)]) {
            return self.run_after(&[], sql, None);
        }
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut connection = match idle {
            Some(c) => c,
            None => self.new_connection()?,
        };
        let result = run_statement(&mut connection, sql, None);
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(connection);
        result
    }
}

/// Ends the process without chDB's teardown.
///
/// chDB's own exit handlers and static destructors are not safe to run:
/// they crash (SIGSEGV) when `executable_pool` UDF processes are alive at
/// exit (regression test: `udf_from_clickhouse_config_answers_every_row`),
/// sometimes free an invalid pointer after UDF pools and `executable()` ran
/// (about one exit in six, seen in gdb inside `__run_exit_handlers`), and
/// releasing the database first sometimes deadlocks on one of its mutexes
/// (about one exit in twenty). Nothing needs them: every statement has
/// returned, and MergeTree parts are written by rename, so an engine that
/// simply stops loses nothing (it is the same as a kill, which ClickHouse
/// is built to survive).
///
/// So this handler, registered after chDB's and therefore run before
/// them, ends the pooled UDF processes (stateless), flushes C stdio and
/// ends the process with the status `exit` was given. Rust's buffered
/// stdout is flushed before exit handlers run.
extern "C" fn release_at_exit(status: libc::c_int, _arg: *mut libc::c_void) {
    if OPENED.lock().unwrap_or_else(|e| e.into_inner()).is_none() {
        return;
    }
    for pid in udf_children() {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
    }
    // SAFETY: fflush(NULL) flushes every C stream; _exit ends the process
    // at once with the status exit() was called with.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(status);
    }
}

unsafe extern "C" {
    /// glibc's `on_exit`: like `atexit`, but the handler receives the exit
    /// status (not bound by the libc crate).
    fn on_exit(
        function: extern "C" fn(libc::c_int, *mut libc::c_void),
        arg: *mut libc::c_void,
    ) -> libc::c_int;
}

/// This process's children that are clickprint UDF executables.
fn udf_children() -> Vec<nix::unistd::Pid> {
    let mut pids = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return pids;
    };
    for task in tasks.flatten() {
        let Ok(children) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            // `clickprint-udf` replaces itself with `clickprint-udf-media`
            // when it decodes in-process.
            if exe
                .file_name()
                .is_some_and(|n| n == "clickprint-udf" || n == "clickprint-udf-media")
            {
                pids.push(nix::unistd::Pid::from_raw(pid));
            }
        }
    }
    pids
}

/// Runs `set` (parameters), then `sql`; a connection whose statement
/// failed is not given back (the caller's `?` drops it).
fn run_set(
    connection: &mut ManagedConnection,
    set: Option<&str>,
    sql: &str,
    budget: Option<Budget>,
) -> Result<QueryOutput> {
    if let Some(set) = set {
        run_statement(connection, set, None)?;
    }
    run_statement(connection, sql, budget)
}

/// Runs `sql` and collects its result, batch by batch, within `budget`
/// when given (the stream is dropped, ending the statement, at the first
/// batch past it).
fn run_statement(
    connection: &mut ManagedConnection,
    sql: &str,
    budget: Option<Budget>,
) -> Result<QueryOutput> {
    let mut statement = connection.new_statement().map_err(adbc_error)?;
    statement.set_sql_query(sql).map_err(adbc_error)?;
    let reader = statement.execute().map_err(adbc_error)?;
    let schema = reader.schema();
    let batches =
        match budget {
            None => reader
                .collect::<std::result::Result<Vec<RecordBatch>, _>>()
                .map_err(|e| Error::ClickHouse(e.to_string()))?,
            Some(budget) => budget
                .collect(reader.map(|b| {
                    b.map_err(|e| Error::ClickHouse(without_stack_trace(&e.to_string())))
                }))?,
        };
    Ok(QueryOutput { schema, batches })
}

/// `SET param_<a> = '<value>', param_<b> = ...`: every parameter in one
/// statement (none for no parameters). Every statement the engine runs
/// has a fixed cost: a text search's five parameters and a `SELECT
/// {tenant:UInt32}` took 2.9 ms of processor time set one `SET` each, 1.9
/// ms set in one (medians of 201 runs, interleaved:
/// `benchmarks/results/2026-12-03-text-search-rank-udf`).
///
/// # Errors
/// [`Error::ClickHouse`] for a name that is not letters, digits and `_`.
fn parameter_statement(params: &[(impl AsRef<str>, impl AsRef<str>)]) -> Result<Option<String>> {
    let mut assignments = Vec::with_capacity(params.len());
    for (name, value) in params {
        let (name, value) = (name.as_ref(), value.as_ref());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::ClickHouse(format!("bad parameter name `{name}`")));
        }
        assignments.push(format!("param_{name} = {}", parameter_literal(value)));
    }
    Ok((!assignments.is_empty()).then(|| format!("SET {}", assignments.join(", "))))
}

/// Whether every `{name:Type}` parameter `sql` may name is in `params`,
/// so that setting them overwrites whatever a pooled connection kept. A
/// `{` followed by anything but a plain name and `:` names none; one
/// followed by a quote or backquote might (a quoted name): no.
fn names_only(sql: &str, params: &[(impl AsRef<str>, impl AsRef<str>)]) -> bool {
    let mut rest = sql;
    while let Some(at) = rest.find('{') {
        rest = rest[at + 1..].trim_start();
        if rest.starts_with(['`', '"', '\'']) {
            return false;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty()
            && rest[end..].trim_start().starts_with(':')
            && !params.iter().any(|(n, _)| n.as_ref() == name)
        {
            return false;
        }
    }
    true
}

/// A parameter value as the SQL string literal `SET param_x = ...` takes.
/// ClickHouse reads a parameter's text in the escaped (TSV) format, so the
/// value is escaped twice: for TSV, then for the SQL literal.
fn parameter_literal(value: &str) -> String {
    let mut tsv = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => tsv.push_str("\\\\"),
            '\t' => tsv.push_str("\\t"),
            '\n' => tsv.push_str("\\n"),
            '\r' => tsv.push_str("\\r"),
            '\0' => tsv.push_str("\\0"),
            c => tsv.push(c),
        }
    }
    let mut literal = String::with_capacity(tsv.len() + 2);
    literal.push('\'');
    for c in tsv.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '\'' => literal.push_str("\\'"),
            c => literal.push(c),
        }
    }
    literal.push('\'');
    literal
}

fn adbc_error(e: adbc_core::error::Error) -> Error {
    Error::ClickHouse(without_stack_trace(&e.message))
}

/// chDB's messages carry the engine's stack trace, which helps nobody who
/// reads them here: keep the message and the context line after the trace.
fn without_stack_trace(message: &str) -> String {
    let message = message.strip_prefix("[chdb] ").unwrap_or(message);
    let Some((head, trace)) = message.split_once(", Stack trace") else {
        return message.trim().to_owned();
    };
    let is_frame = |line: &str| {
        line.split_once(". ")
            .is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())
    };
    let context: Vec<&str> = trace
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_frame(l))
        .collect();
    if context.is_empty() {
        head.trim().to_owned()
    } else {
        format!("{} {}", head.trim(), context.join(" "))
    }
}

/// Loads libpython globally, then chDB's ADBC driver.
fn load_driver(chdb_library: &Path, libpython: &Path) -> Result<ManagedDriver> {
    if !chdb_library.is_file() {
        return Err(Error::MissingDependency {
            what: "the chDB library (PyPI chdb-core)".into(),
            detail: format!("no file at {}", chdb_library.display()),
        });
    }
    if !libpython.is_file() {
        return Err(Error::MissingDependency {
            what: "the CPython shared library (libpython3)".into(),
            detail: format!("no file at {}", libpython.display()),
        });
    }
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: libpython's initialisers only register the runtime; nothing is
    // called in it. It stays loaded for the life of the process (forgotten
    // below), which chDB's resolved symbols rely on.
    let python =
        unsafe { Library::open(Some(libpython), RTLD_NOW | RTLD_GLOBAL) }.map_err(|e| {
            Error::MissingDependency {
                what: "the CPython shared library (libpython3)".into(),
                detail: e.to_string(),
            }
        })?;
    std::mem::forget(python);
    ManagedDriver::load_dynamic_from_filename(
        chdb_library,
        Some(b"AdbcDriverInit"),
        AdbcVersion::V110,
    )
    .map_err(|e| Error::MissingDependency {
        what: "the chDB library (PyPI chdb-core)".into(),
        detail: format!("{} did not load: {}", chdb_library.display(), e.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_traces_are_dropped_from_messages() {
        let raw = "[chdb] Code: 62. DB::Exception: Syntax error. (SYNTAX_ERROR), Stack trace (when copying this message, always include the lines below):\n\n0. ? @ 0x1\n1. ? @ 0x2\n (version 26.9.2.1): In scope SELECT x. (UNKNOWN)";
        assert_eq!(
            without_stack_trace(raw),
            "Code: 62. DB::Exception: Syntax error. (SYNTAX_ERROR) (version 26.9.2.1): In scope SELECT x. (UNKNOWN)"
        );
        assert_eq!(without_stack_trace("[chdb] plain"), "plain");
    }

    #[test]
    fn a_pooled_connection_runs_only_statements_given_every_parameter() {
        let given = [("tenant", "7"), ("text", "a")];
        assert!(names_only(
            "SELECT {tenant:UInt32}, { text : String }",
            &given
        ));
        assert!(names_only("SELECT 1", &given));
        assert!(names_only(
            r"SELECT match(x, '\\p{L}+'), map('a', 1)",
            &given
        ));
        assert!(!names_only(
            "SELECT {tenant:UInt32}, {media_id:UInt64}",
            &given
        ));
        assert!(!names_only(
            "SELECT { tenant :UInt32}, {`x`:String}",
            &given
        ));
        assert!(!names_only("SELECT {'a': 1}", &given));
    }

    #[test]
    fn parameters_are_set_in_one_statement() {
        let params = [("tenant", "7".to_owned()), ("text", "it's".to_owned())];
        assert_eq!(
            parameter_statement(&params).unwrap().as_deref(),
            Some("SET param_tenant = '7', param_text = 'it\\'s'")
        );
        assert_eq!(parameter_statement(&[] as &[(&str, String)]).unwrap(), None);
        let bad = [("a; DROP", String::new())];
        assert!(parameter_statement(&bad).is_err());
    }
}
