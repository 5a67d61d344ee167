//! Analysts' own ClickHouse users on a clickhouse-server: one role per
//! tenant with a row policy on every fingerprint table, a shared read-only
//! settings profile and quota (`sql/clickhouse/access.sql`), and a user per
//! analyst credential holding its tenant's role and nothing else.
//!
//! The embedded engine (chDB) has no access management: there analysts go
//! through [`crate::clickhouse::analyst`] (`POST /v1/sql`, `clickprint sql --tenant`),
//! which applies the same scope and limits itself.

use sha2::{Digest, Sha256};

use crate::clickhouse::Engine;
use crate::clickhouse::analyst::TABLES;
use crate::clickhouse::library::statements;
use crate::error::{Error, Result};
use crate::random_hex;

/// What every tenant's analysts share, with `{service}` for the service's
/// own user.
pub const SHARED: &str = include_str!("../../../sql/clickhouse/access.sql");

/// A new analyst credential: shown once, its password is not kept anywhere
/// (the server stores a salted SHA-256).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnalystCredential {
    /// The ClickHouse user, `analyst_t<tenant>_<8 hex>`.
    pub user: String,
    /// Its password.
    pub password: String,
    /// The tenant whose rows it reads.
    pub tenant_id: u32,
    /// The role it holds.
    pub role: String,
    /// The database its statements run in by default.
    pub database: &'static str,
}

/// The role of a tenant's analysts.
pub fn role(tenant: u32) -> String {
    format!("clickprint_t{tenant}")
}

/// `name` as a ClickHouse identifier, for the names this module puts in
/// statements (user names come from configuration, so they are checked).
///
/// # Errors
/// [`Error::Config`] for anything but letters, digits, `_`, `-` and `.`.
fn identifier(name: &str) -> Result<String> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !plain {
        return Err(Error::Config(format!(
            "ClickHouse user name {name:?}: use letters, digits, `_`, `-` or `.`"
        )));
    }
    Ok(format!("`{name}`"))
}

/// The shared statements, for the service's user `service`.
///
/// # Errors
/// [`Error::Config`] when `service` is not a plain ClickHouse user name
/// (letters, digits, `_`, `-`, `.`).
pub fn shared_statements(service: &str) -> Result<Vec<String>> {
    let service = identifier(service)?;
    Ok(statements(SHARED)
        .map(|s| s.replace("{service}", &service))
        .collect())
}

/// The statements that give `tenant` its role: SELECT on every fingerprint
/// table and a row policy `tenant_id = <tenant>` on each; the role inherits
/// the shared profile and quota.
pub fn tenant_statements(tenant: u32) -> Vec<String> {
    let role = role(tenant);
    let mut out = vec![
        format!("CREATE ROLE IF NOT EXISTS {role}"),
        format!("GRANT clickprint_analyst TO {role}"),
    ];
    for table in TABLES {
        out.push(format!("GRANT SELECT ON clickprint.{table} TO {role}"));
        out.push(format!(
            "CREATE ROW POLICY IF NOT EXISTS {role} ON clickprint.{table} \
             FOR SELECT USING tenant_id = {tenant} TO {role}"
        ));
    }
    out
}

/// The statements that make `user` an analyst of `tenant`, signing in with
/// the password whose salted hash is given.
pub fn user_statements(tenant: u32, user: &str, sha256_hex: &str, salt: &str) -> Vec<String> {
    let role = role(tenant);
    vec![
        format!(
            "CREATE USER {user} IDENTIFIED WITH sha256_hash BY '{sha256_hex}' SALT '{salt}' \
             DEFAULT DATABASE clickprint"
        ),
        format!("GRANT {role} TO {user}"),
        format!("SET DEFAULT ROLE {role} TO {user}"),
    ]
}

/// The salted hash ClickHouse checks a `sha256_hash` password against:
/// hex SHA-256 of the password followed by the salt.
pub fn password_hash(password: &str, salt: &str) -> String {
    crate::hex(&Sha256::digest(format!("{password}{salt}").as_bytes()))
}

/// The server engine, or a clear refusal for the others.
fn server(engine: &Engine) -> Result<&crate::clickhouse::ServerEngine> {
    match engine {
        Engine::Server(server) => Ok(server),
        _ => Err(Error::Conflict(
            "analyst credentials are ClickHouse users, which need a clickhouse-server \
             (set CLICKHOUSE_URL); on the embedded engine analysts use POST /v1/sql \
             with an API key, or `clickprint sql --tenant NAME`"
                .into(),
        )),
    }
}

/// Issues a new analyst credential for `tenant` on the server: the shared
/// profile, quota and policies, the tenant's role, then the user.
///
/// # Errors
/// [`Error::Conflict`] on an engine that is not a server; the server's
/// message when a statement fails (for example when the service's user
/// lacks access management).
pub async fn issue(engine: &Engine, tenant: u32) -> Result<AnalystCredential> {
    let service = server(engine)?.user().to_owned();
    let user = format!("analyst_t{tenant}_{}", random_hex(4)?);
    let password = random_hex(24)?;
    let salt = random_hex(16)?;
    let hash = password_hash(&password, &salt);
    let all = shared_statements(&service)?
        .into_iter()
        .chain(tenant_statements(tenant))
        .chain(user_statements(tenant, &user, &hash, &salt));
    for statement in all {
        engine.query(&statement).await?;
    }
    Ok(AnalystCredential {
        user,
        password,
        tenant_id: tenant,
        role: role(tenant),
        database: "clickprint",
    })
}

/// Removes an analyst credential of `tenant`.
///
/// # Errors
/// [`Error::Conflict`] as [`issue`]; [`Error::NotFound`] when `user` is not
/// one of the tenant's analysts.
pub async fn revoke(engine: &Engine, tenant: u32, user: &str) -> Result<()> {
    server(engine)?;
    let ours = user
        .strip_prefix(&format!("analyst_t{tenant}_"))
        .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_hexdigit()));
    if !ours {
        return Err(Error::NotFound(format!(
            "no analyst {user:?} for tenant {tenant}"
        )));
    }
    engine.query(&format!("DROP USER IF EXISTS {user}")).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_of_password_then_salt() {
        // echo -n 'secretsalt' | sha256sum
        assert_eq!(
            password_hash("secret", "salt"),
            "f84fa2149dbb62ed4e0cf1f550d2949b33a6513d3a7707e08502511c79ccb0ee"
        );
    }

    #[test]
    fn service_names_are_checked_and_quoted() {
        let shared = shared_statements("clickprint-svc").unwrap();
        assert!(shared.iter().any(|s| s.contains("TO `clickprint-svc`")));
        assert!(shared.iter().all(|s| !s.contains("{service}")));
        for bad in ["", "a`b", "a b", "x; DROP USER y"] {
            assert!(shared_statements(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_fingerprint_table_gets_a_grant_and_a_policy() {
        let statements = tenant_statements(7);
        for table in TABLES {
            let on = format!("ON clickprint.{table} ");
            assert!(
                statements
                    .iter()
                    .any(|s| s.starts_with("GRANT SELECT") && s.contains(&on))
            );
            assert!(statements.iter().any(|s| s.starts_with("CREATE ROW POLICY")
                && s.contains(&on)
                && s.contains("USING tenant_id = 7 TO clickprint_t7")));
        }
    }
}
