//! What a caller names: a dataset (`GetFlightInfo`, `GetSchema`,
//! `DoGet`) or a `DoExchange` command, parsed from the string on the wire.
//!
//! Datasets (`name?key=value&...`, values percent-encoded where they hold
//! `&`, `=`, `%` or `+`):
//!
//! | dataset | rows |
//! | --- | --- |
//! | `extract?uri=U[&use=library\|query][&modality=image\|audio\|video]` | the fingerprint records of a media reference, as `executable('clickprint-udf extract', ...)` gives them (without its `end` row) |
//! | `query?uri=U` | one row: the lookup keys, packed fingerprint, modality, duration and picture size `clickprint_query(U)` gives |
//! | `compare?query=U&reference=V` | one row: the rerank verdict of V as a copy of U |
//!
//! `DoExchange` commands (the first message's descriptor, `CMD`): `extract`
//! (a `uri` column in; `row` (the input row) and the extract columns out),
//! `query` (a `source` column in), `rerank` (`query`, `reference`,
//! `audio_hits` in).

use std::fmt;

use percent_encoding::percent_decode_str;

use clickprint_core::media::Kind;
use clickprint_core::records::Use;

/// What a dataset string asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dataset {
    /// The fingerprint records of one media reference.
    Extract {
        /// The media reference (path, `file://` or `http(s)://` URL).
        uri: String,
        /// Library rows or query rows.
        usage: Use,
        /// Refuse media of another modality.
        modality: Option<Kind>,
    },
    /// The query side of a search for one media reference.
    Query {
        /// The media reference, or `fp:` and hex.
        uri: String,
    },
    /// One media reference compared with another.
    Compare {
        /// The query's media reference.
        query: String,
        /// The reference's media reference.
        reference: String,
    },
}

/// A dataset string that names nothing served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDataset(pub String);

impl fmt::Display for BadDataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadDataset {}

/// The datasets, for messages.
pub const DATASETS: &str = "extract?uri=..., query?uri=..., compare?query=...&reference=...";

impl Dataset {
    /// Reads a dataset string. Also takes the `SELECT * FROM <dataset>`
    /// ClickHouse sends with `arrow_flight_request_descriptor_type =
    /// 'command'`, and the JSON ticket (`{"dataset": ...}`) older
    /// ClickHouse versions send to `DoGet`.
    ///
    /// # Errors
    /// [`BadDataset`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Dataset, BadDataset> {
        let text = text.trim();
        let text = strip_select(text).unwrap_or(text);
        let owned;
        let text = if text.starts_with('{') {
            owned = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("dataset")?.as_str().map(str::to_owned))
                .ok_or_else(|| BadDataset(format!("ticket `{text}` names no dataset")))?;
            owned.as_str()
        } else {
            text
        };
        let (name, query) = text.split_once('?').unwrap_or((text, ""));
        let mut params: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| BadDataset(format!("`{key}` is not UTF-8 once decoded")))?;
            params.push((key.to_owned(), value.into_owned()));
        }
        let mut take = |key: &str| -> Option<String> {
            let at = params.iter().position(|(k, _)| k == key)?;
            Some(params.remove(at).1)
        };
        let required = |value: Option<String>, key: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| BadDataset(format!("dataset `{name}` needs `{key}=...`")))
        };
        let dataset = match name {
            "extract" => Dataset::Extract {
                uri: required(take("uri"), "uri")?,
                usage: match take("use").as_deref() {
                    None | Some("library") => Use::Library,
                    Some("query") => Use::Query,
                    Some(other) => {
                        return Err(BadDataset(format!(
                            "use `{other}`: expected library or query"
                        )));
                    }
                },
                modality: match take("modality").as_deref() {
                    None | Some("") => None,
                    Some("image") => Some(Kind::Image),
                    Some("audio") => Some(Kind::Audio),
                    Some("video") => Some(Kind::Video),
                    Some(other) => {
                        return Err(BadDataset(format!(
                            "modality `{other}`: expected image, audio or video"
                        )));
                    }
                },
            },
            "query" => Dataset::Query {
                uri: required(take("uri"), "uri")?,
            },
            "compare" => Dataset::Compare {
                query: required(take("query"), "query")?,
                reference: required(take("reference"), "reference")?,
            },
            other => {
                return Err(BadDataset(format!(
                    "no dataset `{other}`; served: {DATASETS}"
                )));
            }
        };
        if let Some((key, _)) = params.first() {
            return Err(BadDataset(format!(
                "dataset `{name}` takes no `{key}` parameter"
            )));
        }
        Ok(dataset)
    }
}

/// `SELECT * FROM x` -> `x`, any case, optional quotes.
fn strip_select(text: &str) -> Option<&str> {
    let words = ["select", "*", "from"];
    let mut rest = text;
    for word in words {
        rest = rest.trim_start();
        let head = rest.get(..word.len())?;
        if !head.eq_ignore_ascii_case(word) {
            return None;
        }
        rest = &rest[word.len()..];
    }
    let rest = rest.trim().trim_end_matches(';').trim();
    Some(
        rest.strip_prefix('`')
            .and_then(|r| r.strip_suffix('`'))
            .or_else(|| rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
            .unwrap_or(rest),
    )
}

/// A `DoExchange` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// Media references in, their fingerprint rows out.
    Extract,
    /// Query sources in, [`clickprint_core::rows::QueryAnswer`]s out.
    Query,
    /// Candidates in, verdicts out.
    Rerank,
}

impl Exchange {
    /// The command's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Exchange::Extract => "extract",
            Exchange::Query => "query",
            Exchange::Rerank => "rerank",
        }
    }

    /// The command named `name`.
    ///
    /// # Errors
    /// [`BadDataset`] for an unknown name.
    pub fn parse(name: &[u8]) -> Result<Exchange, BadDataset> {
        match name {
            b"extract" => Ok(Exchange::Extract),
            b"query" => Ok(Exchange::Query),
            b"rerank" => Ok(Exchange::Rerank),
            other => Err(BadDataset(format!(
                "no exchange `{}`; served: extract, query, rerank",
                String::from_utf8_lossy(other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasets_parse() {
        assert_eq!(
            Dataset::parse("extract?uri=/m/a%26b+c.mp4&modality=video").unwrap(),
            Dataset::Extract {
                uri: "/m/a&b+c.mp4".into(),
                usage: Use::Library,
                modality: Some(Kind::Video),
            }
        );
        assert_eq!(
            Dataset::parse("SELECT * FROM `query?uri=http://h/x.png`").unwrap(),
            Dataset::Query {
                uri: "http://h/x.png".into()
            }
        );
        assert_eq!(
            Dataset::parse(r#"{"dataset": "compare?query=/a&reference=/b", "columns": []}"#)
                .unwrap(),
            Dataset::Compare {
                query: "/a".into(),
                reference: "/b".into()
            }
        );
        for (bad, says) in [
            ("nothing", "no dataset `nothing`"),
            ("extract", "needs `uri=...`"),
            ("extract?uri=", "needs `uri=...`"),
            ("extract?uri=/a&modality=smell", "modality `smell`"),
            ("extract?uri=/a&colour=red", "no `colour` parameter"),
            ("compare?query=/a", "needs `reference=...`"),
            ("query?uri=%FF", "not UTF-8"),
        ] {
            let e = Dataset::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
