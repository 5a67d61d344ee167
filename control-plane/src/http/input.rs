//! Checks on request values that Postgres would otherwise refuse with its
//! own words and a 500: text with NUL bytes (Postgres `text` and `jsonb`
//! cannot hold `\0`) and quotas out of range. Each error names the field.

use crate::error::{Error, Result};

/// [`Error::BadRequest`] naming `field` when `value` holds a NUL byte.
///
/// # Errors
/// As said.
pub(super) fn text(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::BadRequest(format!(
            "`{field}` holds a NUL byte, which cannot be stored"
        )));
    }
    Ok(())
}

/// [`text`] for every string and key of a JSON value.
///
/// # Errors
/// As said.
pub(super) fn json(field: &str, value: &serde_json::Value) -> Result<()> {
    use serde_json::Value;
    match value {
        Value::String(s) => text(field, s),
        Value::Array(items) => items.iter().try_for_each(|v| json(field, v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            text(field, k)?;
            json(field, v)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// [`Error::Unprocessable`] naming the quota when `max_assets` or
/// `max_bytes` is negative (0 is a quota: nothing) or
/// `requests_per_minute` is not positive.
///
/// # Errors
/// As said.
pub(super) fn quotas(
    max_assets: Option<i64>,
    max_bytes: Option<i64>,
    requests_per_minute: Option<i32>,
) -> Result<()> {
    for (name, value) in [("max_assets", max_assets), ("max_bytes", max_bytes)] {
        if let Some(n) = value.filter(|n| *n < 0) {
            return Err(Error::Unprocessable(format!(
                "`{name}` must be 0 or more, not {n}"
            )));
        }
    }
    if let Some(n) = requests_per_minute.filter(|n| *n <= 0) {
        return Err(Error::Unprocessable(format!(
            "`requests_per_minute` must be 1 or more, not {n}"
        )));
    }
    Ok(())
}

/// A webhook's URL: `https://` with a host, at most 2,000 characters; a
/// host that is a non-public address literal is refused now (a name is
/// checked on each delivery, on the addresses it resolves to). With
/// `allow_private` (`webhook_allow_private`), `http://` and private
/// addresses are taken too.
///
/// # Errors
/// [`Error::BadRequest`] saying what is wrong.
pub(super) fn webhook_url(url: &str, allow_private: bool) -> Result<()> {
    text("url", url)?;
    let refuse = |why: String| Err(Error::BadRequest(format!("`url`: {why}")));
    if url.len() > 2000 {
        return refuse("longer than 2,000 characters".into());
    }
    let parsed = match url::Url::parse(url.trim()) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(format!("{url:?} is not a URL ({e})")),
    };
    match (parsed.scheme(), allow_private) {
        ("https", _) | ("http", true) => {}
        (scheme, _) => {
            return refuse(format!(
                "{scheme}:// is refused; receivers are https:// (http:// needs the setting \
                 webhook_allow_private)"
            ));
        }
    }
    let literal = match parsed.host() {
        None => return refuse("no host".into()),
        Some(url::Host::Domain(_)) => None,
        Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
    };
    match literal.and_then(clickprint_fetch::non_public) {
        Some(what) if !allow_private => refuse(format!(
            "{what} addresses are refused (setting webhook_allow_private)"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_are_found_anywhere_in_metadata() {
        assert!(json("metadata", &serde_json::json!({"a": ["b", 1, null]})).is_ok());
        for bad in [
            serde_json::json!({"a": "b\u{0}"}),
            serde_json::json!({"a\u{0}": 1}),
            serde_json::json!([{"a": ["\u{0}"]}]),
        ] {
            let e = json("metadata", &bad).unwrap_err().to_string();
            assert!(e.contains("`metadata`"), "{e}");
        }
    }

    #[test]
    fn webhook_urls_are_https_and_public_unless_private_is_allowed() {
        assert!(webhook_url("https://hooks.example.com/x", false).is_ok());
        for refused in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest",
            "ftp://hooks.example.com/",
            "hooks.example.com",
        ] {
            let e = webhook_url(refused, false).unwrap_err().to_string();
            assert!(e.contains("`url`"), "{refused}: {e}");
        }
        assert!(webhook_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(webhook_url("ftp://127.0.0.1/", true).is_err());
    }
}
