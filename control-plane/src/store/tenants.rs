//! Tenants and their API keys, in Postgres. Tenants are made by operators
//! (the admin token), never by themselves. A key is shown once, when it is
//! issued; Postgres keeps its visible prefix and the SHA-256 of the whole
//! key (see `sql/postgres/V2__media_jobs_tasks.sql` for why not a slow hash).

use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_postgres::Row;

use crate::error::{Error, Result};
use crate::random_hex;

/// The modalities a tenant may have enabled.
pub const MODALITIES: [&str; 3] = ["image", "audio", "video"];

/// A tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    /// The id (ClickHouse's `tenant_id`).
    pub id: i32,
    /// The unique name.
    pub name: String,
    /// Enabled modalities: `image`, `audio`, `video`.
    pub modalities: Vec<String>,
    /// Most media items (not deleted) it may hold; `None` is unlimited.
    pub max_assets: Option<i64>,
    /// Most bytes of originals it may keep; `None` is unlimited.
    pub max_bytes: Option<i64>,
    /// Most API requests a minute; `None` is unlimited.
    pub requests_per_minute: Option<i32>,
    /// Whether an operator disabled it (its keys are refused).
    pub disabled: bool,
    /// How the search gateway weighs its searchers for this tenant when a
    /// request gives no `weights` (1 each unless an operator set them).
    pub search_weights: Weights,
}

impl Tenant {
    fn from_row(row: &Row) -> Self {
        Tenant {
            id: row.get("id"),
            name: row.get("name"),
            modalities: row.get("modalities"),
            max_assets: row.get("max_assets"),
            max_bytes: row.get("max_bytes"),
            requests_per_minute: row.get("requests_per_minute"),
            disabled: row
                .get::<_, Option<std::time::SystemTime>>("disabled_at")
                .is_some(),
            search_weights: Weights {
                media: row.get("weight_media"),
                dialogue: row.get("weight_dialogue"),
            },
        }
    }

    /// Whether `modality` is enabled.
    pub fn allows(&self, modality: &str) -> bool {
        self.modalities.iter().any(|m| m == modality)
    }

    /// [`Error::Forbidden`] unless `modality` is enabled.
    ///
    /// # Errors
    /// As said.
    pub fn require(&self, modality: &str) -> Result<()> {
        if self.allows(modality) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{modality} is not enabled for tenant {} (enabled: {})",
                self.name,
                self.modalities.join(", ")
            )))
        }
    }
}

/// How much each searcher's ranking counts, 0..=10 each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// The fingerprint search's.
    #[serde(default = "one")]
    pub media: f64,
    /// The dialogue search's.
    #[serde(default = "one")]
    pub dialogue: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            media: 1.0,
            dialogue: 1.0,
        }
    }
}

impl Weights {
    /// Checks them.
    ///
    /// # Errors
    /// [`Error::BadRequest`] for a weight outside 0..=10, or both 0.
    pub fn checked(self) -> Result<Weights> {
        let valid = |w: f64| (0.0..=10.0).contains(&w);
        if !valid(self.media) || !valid(self.dialogue) || self.media + self.dialogue == 0.0 {
            return Err(Error::BadRequest(
                "`weights.media` and `weights.dialogue` are 0..10, not both 0".into(),
            ));
        }
        Ok(self)
    }
}

const TENANT_COLUMNS: &str = "id, name, modalities, max_assets, max_bytes, requests_per_minute, \
     disabled_at, weight_media, weight_dialogue";

/// What an operator gives to create a tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// Lower-case letters, digits, `_` and `-`, at most 63 characters.
    pub name: String,
    /// Defaults to all three.
    #[serde(default)]
    pub modalities: Option<Vec<String>>,
    /// Unlimited when absent.
    #[serde(default)]
    pub max_assets: Option<i64>,
    /// Unlimited when absent.
    #[serde(default)]
    pub max_bytes: Option<i64>,
    /// Unlimited when absent.
    #[serde(default)]
    pub requests_per_minute: Option<i32>,
    /// The search gateway's default weights; 1 each when absent.
    #[serde(default)]
    pub search_weights: Option<Weights>,
}

fn check_modalities(modalities: &[String]) -> Result<()> {
    match modalities
        .iter()
        .find(|m| !MODALITIES.contains(&m.as_str()))
    {
        Some(bad) => Err(Error::BadRequest(format!(
            "unknown modality {bad:?}; known: image, audio, video"
        ))),
        None => Ok(()),
    }
}

/// Creates a tenant.
///
/// # Errors
/// [`Error::BadRequest`] for a bad name, modality or quota,
/// [`Error::Conflict`] when the name is taken.
pub async fn create(pool: &Pool, new: &NewTenant) -> Result<Tenant> {
    let valid_name = !new.name.is_empty()
        && new.name.len() <= 63
        && new
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && new
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(Error::BadRequest(format!(
            "tenant name {:?}: use 1-63 lower-case letters, digits, '_' or '-', starting with a letter or digit",
            new.name
        )));
    }
    let modalities = new
        .modalities
        .clone()
        .unwrap_or_else(|| MODALITIES.map(str::to_owned).to_vec());
    check_modalities(&modalities)?;
    if new.max_assets.is_some_and(|n| n < 0)
        || new.max_bytes.is_some_and(|n| n < 0)
        || new.requests_per_minute.is_some_and(|n| n <= 0)
    {
        return Err(Error::BadRequest(
            "quotas are positive numbers (max_assets and max_bytes may be 0)".into(),
        ));
    }
    let weights = new.search_weights.unwrap_or_default().checked()?;
    let client = pool.get().await?;
    let row = client
        .query_opt(
            &format!(
                "INSERT INTO tenants (name, modalities, max_assets, requests_per_minute, \
                     max_bytes, weight_media, weight_dialogue) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING \
                 RETURNING {TENANT_COLUMNS}"
            ),
            &[
                &new.name,
                &modalities,
                &new.max_assets,
                &new.requests_per_minute,
                &new.max_bytes,
                &weights.media,
                &weights.dialogue,
            ],
        )
        .await?;
    match row {
        Some(row) => Ok(Tenant::from_row(&row)),
        None => Err(Error::Conflict(format!(
            "a tenant named {} exists already",
            new.name
        ))),
    }
}

/// Every tenant, oldest first.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn list(pool: &Pool) -> Result<Vec<Tenant>> {
    let client = pool.get().await?;
    let rows = client
        .query(
            &format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id"),
            &[],
        )
        .await?;
    Ok(rows.iter().map(Tenant::from_row).collect())
}

/// A tenant by id or name (a string of digits is an id).
///
/// # Errors
/// [`Error::NotFound`].
pub async fn find(pool: &Pool, id_or_name: &str) -> Result<Tenant> {
    let client = pool.get().await?;
    let row = match id_or_name.parse::<i32>() {
        Ok(id) => {
            client
                .query_opt(
                    &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"),
                    &[&id],
                )
                .await?
        }
        Err(_) => {
            client
                .query_opt(
                    &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE name = $1"),
                    &[&id_or_name],
                )
                .await?
        }
    };
    row.map(|r| Tenant::from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("no tenant {id_or_name}")))
}

/// What an operator may change on a tenant.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantChange {
    /// Disable (refuse its keys) or enable again.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Replace the enabled modalities.
    #[serde(default)]
    pub modalities: Option<Vec<String>>,
    /// Replace the asset quota (`Some(None)`, JSON `null`: remove it).
    #[serde(default, deserialize_with = "present")]
    pub max_assets: Option<Option<i64>>,
    /// Replace the byte quota (`null`: remove it).
    #[serde(default, deserialize_with = "present")]
    pub max_bytes: Option<Option<i64>>,
    /// Replace the request quota (`null`: remove it).
    #[serde(default, deserialize_with = "present")]
    pub requests_per_minute: Option<Option<i32>>,
    /// Replace the search gateway's default weights (a weight left out
    /// is 1).
    #[serde(default)]
    pub search_weights: Option<Weights>,
}

/// A field given in the JSON, its value possibly `null`: `Some(None)`;
/// a field left out is `None` (by `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes a tenant.
///
/// # Errors
/// [`Error::NotFound`], [`Error::BadRequest`].
pub async fn change(pool: &Pool, id: i32, change: &TenantChange) -> Result<Tenant> {
    if let Some(m) = &change.modalities {
        check_modalities(m)?;
    }
    let weights = change.search_weights.map(Weights::checked).transpose()?;
    let client = pool.get().await?;
    let row = client
        .query_opt(
            &format!(
                "UPDATE tenants SET \
                   disabled_at = CASE WHEN $2::bool IS NULL THEN disabled_at \
                                      WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END, \
                   modalities = coalesce($3, modalities), \
                   max_assets = CASE WHEN $7 THEN $4 ELSE max_assets END, \
                   requests_per_minute = CASE WHEN $8 THEN $5 ELSE requests_per_minute END, \
                   max_bytes = CASE WHEN $9 THEN $6 ELSE max_bytes END, \
                   weight_media = coalesce($10, weight_media), \
                   weight_dialogue = coalesce($11, weight_dialogue) \
                 WHERE id = $1 RETURNING {TENANT_COLUMNS}"
            ),
            &[
                &id,
                &change.disabled,
                &change.modalities,
                &change.max_assets.flatten(),
                &change.requests_per_minute.flatten(),
                &change.max_bytes.flatten(),
                &change.max_assets.is_some(),
                &change.requests_per_minute.is_some(),
                &change.max_bytes.is_some(),
                &weights.map(|w| w.media),
                &weights.map(|w| w.dialogue),
            ],
        )
        .await?;
    row.map(|r| Tenant::from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("no tenant {id}")))
}

/// An API key as listed: never the secret.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    /// The key's id.
    pub id: i32,
    /// Its visible start, e.g. `cpk_3f9a0c1b2d4e`.
    pub prefix: String,
    /// A name the operator gave it.
    pub name: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// A newly issued key: the only time the whole key is seen.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedKey {
    /// The key's id.
    pub id: i32,
    /// Its visible start.
    pub prefix: String,
    /// The whole key, to give to the tenant now: it cannot be shown again.
    pub key: String,
    /// The tenant it belongs to.
    pub tenant_id: i32,
}

/// Issues a key for a tenant.
///
/// # Errors
/// [`Error::NotFound`] for an unknown tenant.
pub async fn issue_key(pool: &Pool, tenant_id: i32, name: &str) -> Result<IssuedKey> {
    let prefix = format!("cpk_{}", random_hex(6)?);
    let key = format!("{prefix}_{}", random_hex(32)?);
    let digest = Sha256::digest(key.as_bytes()).to_vec();
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "INSERT INTO api_keys (tenant_id, prefix, secret_sha256, name) \
             SELECT id, $2, $3, $4 FROM tenants WHERE id = $1 RETURNING id",
            &[&tenant_id, &prefix, &digest, &name],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no tenant {tenant_id}")))?;
    Ok(IssuedKey {
        id: row.get(0),
        prefix,
        key,
        tenant_id,
    })
}

/// A tenant's keys.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn keys(pool: &Pool, tenant_id: i32) -> Result<Vec<KeyInfo>> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT id, prefix, name, revoked_at IS NOT NULL FROM api_keys \
             WHERE tenant_id = $1 ORDER BY id",
            &[&tenant_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| KeyInfo {
            id: r.get(0),
            prefix: r.get(1),
            name: r.get(2),
            revoked: r.get(3),
        })
        .collect())
}

/// Revokes a key of a tenant; at once, for every later request.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such key.
pub async fn revoke_key(pool: &Pool, tenant_id: i32, key_id: i32) -> Result<()> {
    let client = pool.get().await?;
    let n = client
        .execute(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) \
             WHERE id = $1 AND tenant_id = $2",
            &[&key_id, &tenant_id],
        )
        .await?;
    if n == 0 {
        return Err(Error::NotFound(format!(
            "tenant {tenant_id} has no key {key_id}"
        )));
    }
    Ok(())
}

/// The tenant a key belongs to, if the key is valid, not revoked, and its
/// tenant is not disabled; and counts the request against the tenant's
/// per-minute quota.
///
/// # Errors
/// [`Error::Unauthorized`] for a missing, malformed, unknown or revoked
/// key; [`Error::Forbidden`] for a disabled tenant;
/// [`Error::QuotaExceeded`] past the request quota.
pub async fn authenticate(pool: &Pool, key: Option<&str>) -> Result<Tenant> {
    let unauthorized =
        || Error::Unauthorized("missing or invalid API key (Authorization: Bearer cpk_...)".into());
    let key = key.map(str::trim).ok_or_else(unauthorized)?;
    // cpk_<12 hex>_<64 hex>
    let prefix = key
        .get(..16)
        .filter(|p| p.starts_with("cpk_"))
        .ok_or_else(unauthorized)?;
    let client = pool.get().await?;
    let row = client
        .query_opt(
            &format!(
                "SELECT k.secret_sha256, k.revoked_at IS NOT NULL AS revoked, {} \
                 FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1",
                TENANT_COLUMNS
                    .split(", ")
                    .map(|c| format!("t.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &[&prefix],
        )
        .await?
        .ok_or_else(unauthorized)?;
    let stored: Vec<u8> = row.get("secret_sha256");
    // Comparing digests: the time taken says nothing about the key.
    let given = Sha256::digest(key.as_bytes());
    if given.as_slice() != stored.as_slice() || row.get::<_, bool>("revoked") {
        return Err(unauthorized());
    }
    let tenant = Tenant::from_row(&row);
    require_enabled(&tenant)?;
    count_request(&client, &tenant).await?;
    Ok(tenant)
}

/// [`Error::Forbidden`] when an operator disabled the tenant.
///
/// # Errors
/// As said.
pub(crate) fn require_enabled(tenant: &Tenant) -> Result<()> {
    if tenant.disabled {
        return Err(Error::Forbidden(format!(
            "tenant {} is disabled",
            tenant.name
        )));
    }
    Ok(())
}

/// Counts a request against the tenant's per-minute quota.
///
/// # Errors
/// [`Error::RateLimited`] past the quota; [`Error::Postgres`].
pub(crate) async fn count_request(client: &tokio_postgres::Client, tenant: &Tenant) -> Result<()> {
    if let Some(limit) = tenant.requests_per_minute {
        let row = client
            .query_one(
                "INSERT INTO request_counts (tenant_id, minute, count) \
                 VALUES ($1, date_trunc('minute', now()), 1) \
                 ON CONFLICT (tenant_id, minute) DO UPDATE SET count = request_counts.count + 1 \
                 RETURNING count, \
                   ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int",
                &[&tenant.id],
            )
            .await?;
        let (count, left): (i32, i32) = (row.get(0), row.get(1));
        if count > limit {
            return Err(Error::RateLimited {
                message: format!(
                    "tenant {} made more than {limit} requests this minute; try again in {left} s",
                    tenant.name
                ),
                retry_after_secs: u32::try_from(left.clamp(1, 60)).unwrap_or(60),
            });
        }
    }
    Ok(())
}

/// Forgets request counts older than an hour (the per-minute quota needs
/// the current minute only).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn forget_request_counts(pool: &Pool) -> Result<()> {
    pool.get()
        .await?
        .execute(
            "DELETE FROM request_counts WHERE minute < now() - interval '1 hour'",
            &[],
        )
        .await?;
    Ok(())
}
