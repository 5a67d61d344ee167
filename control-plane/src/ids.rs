//! The ids that cross from Postgres into ClickHouse. Postgres numbers
//! tenants (`serial`, `i32`) and media items (`bigserial`, `i64`);
//! ClickHouse's tables key their rows by `tenant_id UInt32` and
//! `media_id UInt64`. Each id has one conversion to ClickHouse's type, and
//! it fails loudly: an id out of range is an error, never tenant 0 or
//! media 0 (which would read or write another library's rows).

use crate::error::{Error, Result};

/// A tenant, as Postgres numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(pub i32);

/// A media item, as Postgres numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaId(pub i64);

impl TenantId {
    /// The id as ClickHouse's `tenant_id UInt32`.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the id is negative (no tenant has one).
    pub fn clickhouse(self) -> Result<u32> {
        u32::try_from(self.0)
            .map_err(|_| Error::BadRequest(format!("tenant id {} out of range", self.0)))
    }
}

impl MediaId {
    /// The id as ClickHouse's `media_id UInt64`.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the id is negative (no item has one).
    pub fn clickhouse(self) -> Result<u64> {
        u64::try_from(self.0)
            .map_err(|_| Error::BadRequest(format!("media id {} out of range", self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_range_convert_unchanged() {
        assert_eq!(TenantId(7).clickhouse().unwrap(), 7);
        assert_eq!(MediaId(i64::MAX).clickhouse().unwrap(), i64::MAX as u64);
    }

    #[test]
    fn a_negative_id_is_an_error_not_tenant_zero() {
        let e = TenantId(-1).clickhouse().unwrap_err();
        assert!(matches!(e, Error::BadRequest(_)), "{e}");
        assert!(MediaId(-5).clickhouse().is_err());
    }
}
