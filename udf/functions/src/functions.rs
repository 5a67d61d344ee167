//! The functions ClickHouse calls, over `RowBinary` (see
//! `clickhouse-config/*_function.xml` for their SQL signatures):
//!
//! - [`extract`]: for the `executable()` table function; one media
//!   reference in (or none: no rows out), one row per fingerprint record
//!   out, then an `end` row (kind `end`, no record, no keys) that says
//!   the extraction finished: `kind String, time_ms UInt32, item UInt32,
//!   record String, keys Array(Tuple(UInt8, UInt32))`.
//! - [`dialogue`]: the dialogue extractor, a plug-in extractor of ours
//!   (`udf/README.md`, "Plug-in extractors"): rows of `source String,
//!   modality String, purpose String` in; for an `item`, one `cue` row per
//!   cue of its subtitle streams (`udf/README.md`, "Cue rows"), then an
//!   `end` row, in [`extract`]'s columns; for a `query`, the `end` row
//!   only (cues are never searched by).
//! - [`query`]: `clickprint_query(source String)`, an `executable_pool`
//!   function: a media reference (or `fp:` and a packed fingerprint in hex,
//!   for callers that extracted elsewhere) in, the query's lookup keys
//!   `Array(Tuple(band UInt8, key UInt32, time_ms UInt32))`, its packed
//!   fingerprint, and what it is (`modality String`, `duration_ms UInt64`,
//!   `width UInt32`, `height UInt32`: the search's service checks these
//!   instead of probing the query in a process of its own; `sha256
//!   String`, its bytes' SHA-256 in hex, the content reviewers' decisions
//!   name) out.
//! - [`cues`]: for the `executable()` table function; rows of a subtitle
//!   file and its language in (`source String, language String`), one row
//!   per cue out (`time_ms UInt32, item UInt32, record String`: the `cue`
//!   rows of [`dialogue`], numbered in the file's own slot past
//!   [`clickprint_core::cues::FILE_CUES_FROM`]), for
//!   `sql/clickhouse/subtitles.sql`.
//! - [`rerank`]: `clickprint_rerank(query String, reference String,
//!   audio_hits Array(Tuple(UInt32, UInt32)))`, an `executable_pool`
//!   function: score, aligned time ranges, evidence, speed, every
//!   segment (`Array(Tuple(query_start_ms, query_end_ms,
//!   reference_start_ms, reference_end_ms, speed, score))`) and the
//!   query's rectangle whose evidence won (`query_box Tuple(x, y, width,
//!   height)`, query pixels, zeros for none) out.
//! - [`nearest`]: `clickprint_nearest(query String, candidates
//!   Array(String))`, an `executable_pool` function: a query's packed
//!   fingerprint and the search's candidates' records (each as
//!   `clickprint_rerank` gets it) in; the query picture's rare-inlier
//!   table as records to append to its fingerprint out (`String`, empty for
//!   a query that is not one picture: [`clickprint_core::rows::nearest`]).
//! - [`text_rank`]: `clickprint_text_rank(mode String, top_k UInt32,
//!   sequence Array(String), phrases Array(String), items
//!   Array(Tuple(UInt64, UInt64, Array(Tuple(UInt32, UInt32, String)))))`,
//!   an `executable_pool` function: a text search's matching cues, item by
//!   item (media id, number of matching cues, and each cue's start, number
//!   and words; no cues for a one-word query, whose cues all score the
//!   same) in, one row; its best items ([`clickprint_core::matching::text`]) out as
//!   `Tuple(keys Array(Tuple(UInt64, UInt32, UInt32)), cue_scores
//!   Array(Float64), media Array(UInt64), scores Array(Float64), matching
//!   Array(UInt64))`: every kept cue's key and score (for a one-word
//!   query no keys and the one cue score), items in rank order, and each
//!   item's score and matching cues.
//!
//! The work behind them is an [`Extractor`] or a [`Ranker`]: a sidecar
//! (`clickprint-flight`'s client), `clickprint-media`'s decoder (in the
//! `clickprint-udf-media` process), or the pure rerank. The rows are the
//! same whichever does it.
//!
//! A bad input fails the call with a message (the binary prints it to
//! stderr and exits non-zero, which fails the query with it).

use std::io::{Read, Write};

use clickprint_core::records::Use;
use clickprint_core::rows::{Candidate, Extracted, Extractor, Ranker};
use clickprint_core::{Error, Result};

use crate::rowbinary::{Reader, Writer};

/// The longest media reference accepted, bytes.
const MAX_SOURCE: usize = 64 * 1024;
/// The largest packed fingerprint accepted, bytes (a 2-hour video with
/// local features packs to about 60 MB).
const MAX_FINGERPRINT: usize = 256 * 1024 * 1024;
/// The most audio hits accepted per candidate.
const MAX_AUDIO_HITS: usize = 10_000_000;
/// The most candidate bytes one `clickprint_nearest` row takes, all told.
const MAX_CANDIDATE_BYTES: usize = 1 << 30;
/// The most matching cues a text search ranks in one call (a tenant's
/// every cue at 10 million).
const MAX_CUES: usize = 10_000_000;
/// The longest cue (its words) or query word accepted, bytes.
const MAX_WORDS: usize = 1 << 20;
/// The most words or phrases a text query may have.
const MAX_QUERY_WORDS: usize = 10_000;

/// `executable()` extraction: at most one media reference in.
///
/// # Errors
/// On bad input, undecodable media, or a broken pipe.
pub fn extract(
    input: impl Read,
    output: &mut impl Write,
    backend: &mut dyn Extractor,
) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut sources = Vec::new();
    while !reader.at_end()? {
        sources.push(utf8(reader.string(MAX_SOURCE)?, "media reference")?);
    }
    let source = match sources.as_slice() {
        [] => return Ok(()),
        [source] => source,
        more => {
            return Err(Error::Input(format!(
                "extract takes one media reference per call, got {}",
                more.len()
            )));
        }
    };
    let mut w = Writer::default();
    backend.extract(source, Use::Library, &mut |rows| {
        for row in &rows {
            write_extracted(&mut w, row);
        }
        w.drain_to(output)?;
        Ok(())
    })?;
    write_end(&mut w);
    w.drain_to(output)?;
    output.flush()?;
    Ok(())
}

/// One row in the columns of [`extract`] (and of every plug-in
/// extractor): `kind, time_ms, item, record, keys`.
fn write_extracted(w: &mut Writer, row: &Extracted) {
    w.string(row.kind.as_bytes())
        .u32(row.time_ms)
        .u32(row.item)
        .string(&row.record);
    w.varint(row.keys.len() as u64);
    for &(band, key) in &row.keys {
        w.u8(band).u32(key);
    }
}

/// The `end` row that closes an item's rows.
fn write_end(w: &mut Writer) {
    w.string(b"end").u32(0).u32(u32::MAX).string(b"").varint(0);
}

/// Reads the cues of a media file's subtitle streams (`source`, a media
/// reference): none when it has no subtitle stream.
pub type StreamCues<'a> = dyn FnMut(&str) -> Result<Vec<clickprint_core::cues::Cue>> + 'a;

/// The dialogue extractor (`clickprint-udf dialogue`), speaking the
/// plug-in extractor contract: per input row (`source`, `modality`,
/// `purpose`), for an `item` the `cue` rows of `read`'s cues numbered from
/// 1 ([`clickprint_core::rows::cue_rows`]) and an `end` row; for a `query`
/// only the `end` row (the service never asks: it has no keys).
///
/// # Errors
/// On bad input (a purpose that is neither), a file `read` refuses, or a
/// broken pipe.
pub fn dialogue(
    input: impl Read,
    output: &mut impl Write,
    read: &mut StreamCues<'_>,
) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while !reader.at_end()? {
        let source = utf8(reader.string(MAX_SOURCE)?, "media reference")?;
        let _modality = reader.string(MAX_SOURCE)?;
        let purpose = reader.string(MAX_SOURCE)?;
        match purpose.as_slice() {
            b"item" => {
                for row in clickprint_core::rows::cue_rows(&read(&source)?) {
                    write_extracted(&mut w, &row);
                }
            }
            b"query" => {}
            other => {
                return Err(Error::Input(format!(
                    "purpose is `item` or `query`, not {:?}",
                    String::from_utf8_lossy(other)
                )));
            }
        }
        write_end(&mut w);
        w.drain_to(output)?;
    }
    output.flush()?;
    Ok(())
}

/// `clickprint_query`: one answer per input row, sent as soon as the rows
/// read so far are answered (a pool keeps the pipe open).
///
/// # Errors
/// On bad input, undecodable media, or a broken pipe.
pub fn query(input: impl Read, output: &mut impl Write, backend: &mut dyn Extractor) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while let Some(sources) = block(&mut reader, |r| {
        utf8(r.string(MAX_FINGERPRINT)?, "query source")
    })? {
        for answer in backend.query(sources)? {
            w.varint(answer.keys.len() as u64);
            for (band, key, time_ms) in answer.keys {
                w.u8(band).u32(key).u32(time_ms);
            }
            w.string(&answer.fingerprint)
                .string(answer.modality.as_str().as_bytes())
                .u64(answer.duration_ms)
                .u32(answer.width)
                .u32(answer.height)
                .string(answer.sha256.as_bytes());
        }
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// `clickprint_rerank`: one verdict per candidate row.
///
/// # Errors
/// On a malformed fingerprint or a broken pipe.
pub fn rerank(input: impl Read, output: &mut impl Write, backend: &mut dyn Ranker) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while let Some(candidates) = block(&mut reader, |r| {
        let query = r.string(MAX_FINGERPRINT)?;
        let reference = r.string(MAX_FINGERPRINT)?;
        let n = r.length(MAX_AUDIO_HITS)?;
        let mut audio_hits = Vec::with_capacity(n);
        for _ in 0..n {
            audio_hits.push((r.u32()?, r.u32()?));
        }
        Ok(Candidate {
            query,
            reference,
            audio_hits,
        })
    })? {
        for v in backend.rerank(candidates)? {
            w.f32(v.score)
                .u32(v.query_range.0)
                .u32(v.query_range.1)
                .u32(v.reference_range.0)
                .u32(v.reference_range.1)
                .string(v.evidence.as_bytes())
                .f32(v.speed)
                .varint(v.segments.len() as u64);
            for s in &v.segments {
                w.u32(s.query_range.0)
                    .u32(s.query_range.1)
                    .u32(s.reference_range.0)
                    .u32(s.reference_range.1)
                    .f32(s.speed)
                    .f32(s.score);
            }
            let (x, y, width, height) = v.query_box;
            w.u32(x).u32(y).u32(width).u32(height);
        }
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// `clickprint_nearest`: per input row (a query and its search's
/// candidates), the query's rare-inlier table as records. Candidates
/// holding more than 1 GiB all told (a picture found in many long
/// videos) get no table, not an error: the search then answers as
/// without the rule, rather than fail.
///
/// # Errors
/// On a malformed fingerprint, more candidates than a search gives, or a
/// broken pipe.
pub fn nearest(input: impl Read, output: &mut impl Write) -> Result<()> {
    nearest_within(input, output, MAX_CANDIDATE_BYTES)
}

/// [`nearest`] with a byte budget of `budget` a row.
fn nearest_within(input: impl Read, output: &mut impl Write, budget: usize) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while !reader.at_end()? {
        let query = reader.string(MAX_FINGERPRINT)?;
        let n = reader.length(clickprint_core::matching::rarity::MAX_CANDIDATES)?;
        let mut candidates = Vec::with_capacity(n);
        let mut total = 0;
        for _ in 0..n {
            // Read to the end of the row either way; past the budget, kept
            // no longer.
            let candidate = reader.string(MAX_FINGERPRINT)?;
            total += candidate.len();
            if total <= budget {
                candidates.push(candidate);
            }
        }
        let table = if total <= budget {
            clickprint_core::rows::nearest(&query, &candidates)?
        } else {
            Vec::new()
        };
        w.string(&table);
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// `clickprint_text_rank`: per input row (a text search's query and its
/// matching cues), its best items and their best cues.
///
/// # Errors
/// On malformed input (a string that is not UTF-8, a value over its
/// limit) or a broken pipe.
pub fn text_rank(input: impl Read, output: &mut impl Write) -> Result<()> {
    use clickprint_core::matching::text::{Cue, Mode, Query, rank, rank_counts};
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    let word = |r: &mut Reader<_>| utf8(r.string(MAX_WORDS)?, "query word");
    while let Some(rows) = block(&mut reader, |r| {
        // `all` unless `any`, as the statement reads {mode:String}.
        let mode = match r.string(16)?.as_slice() {
            b"any" => Mode::Any,
            _ => Mode::All,
        };
        let top_k = r.u32()? as usize;
        let sequence = (0..r.length(MAX_QUERY_WORDS)?)
            .map(|_| word(r))
            .collect::<Result<Vec<_>>>()?;
        // Each quoted phrase as written; its words, as the statement's
        // `sequence` cuts the query: at spaces, none empty.
        let mut phrases = Vec::new();
        for _ in 0..r.length(MAX_QUERY_WORDS)? {
            let phrase: Vec<String> = word(r)?.split_whitespace().map(str::to_owned).collect();
            if !phrase.is_empty() {
                phrases.push(phrase);
            }
        }
        // Per item with matching cues: its media id, their number and,
        // unless the query is one word, the cues (start, number, words).
        let mut counts = Vec::new();
        let mut cues = Vec::new();
        for _ in 0..r.length(MAX_CUES)? {
            let media_id = r.u64()?;
            counts.push((media_id, r.u64()?));
            for _ in 0..r.length(MAX_CUES)? {
                cues.push(Cue {
                    media_id,
                    start_ms: r.u32()?,
                    item: r.u32()?,
                    words: utf8(r.string(MAX_WORDS)?, "cue words")?,
                });
            }
        }
        Ok((
            Query {
                sequence,
                phrases,
                mode,
            },
            top_k,
            counts,
            cues,
        ))
    })? {
        for (query, top_k, counts, cues) in rows {
            // A one-word query: its items from their counts; no cue keys,
            // and the one score of every cue (the statement reads the cues).
            let (items, one_score) = match rank_counts(&query, &counts, top_k) {
                Some((score, items)) => {
                    let one = (!items.is_empty()).then_some(score);
                    (items, one)
                }
                None if query.sequence.len() == 1 => (Vec::new(), None),
                None => (rank(&query, &cues, top_k), None),
            };
            let kept = items.iter().map(|i| i.cues.len()).sum::<usize>() as u64;
            w.varint(kept);
            for item in &items {
                for c in &item.cues {
                    w.u64(item.media_id).u32(c.start_ms).u32(c.item);
                }
            }
            match one_score {
                Some(score) => {
                    w.varint(1);
                    w.f64(score);
                }
                None => {
                    w.varint(kept);
                    for c in items.iter().flat_map(|i| &i.cues) {
                        w.f64(c.score);
                    }
                }
            }
            w.varint(items.len() as u64);
            for item in &items {
                w.u64(item.media_id);
            }
            w.varint(items.len() as u64);
            for item in &items {
                w.f64(item.score);
            }
            w.varint(items.len() as u64);
            for item in &items {
                w.u64(item.matching);
            }
        }
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// The rows ClickHouse has sent so far: at least one (waiting for it),
/// then as many as are already buffered, never waiting for more (a pool
/// keeps the pipe open between blocks, so waiting would stall it). `None`
/// at the end of input.
fn block<R: Read, T>(
    reader: &mut Reader<R>,
    mut row: impl FnMut(&mut Reader<R>) -> Result<T>,
) -> Result<Option<Vec<T>>> {
    if reader.at_end()? {
        return Ok(None);
    }
    let mut rows = vec![row(reader)?];
    while reader.has_buffered() {
        rows.push(row(reader)?);
    }
    Ok(Some(rows))
}

/// Reads a subtitle file (`source`, `language`): its cues and its key.
pub type SubtitleReader<'a> =
    dyn FnMut(&str, &str) -> Result<(Vec<clickprint_core::cues::Cue>, u16)> + 'a;

/// `executable()` cues of subtitle files: each input row a file and the
/// language of its streams that name none; `read` gives a file's cues and
/// its key ([`clickprint_core::cues::file_key`]), which numbers them.
///
/// # Errors
/// On bad input, a file `read` refuses, or a broken pipe.
pub fn cues(
    input: impl Read,
    output: &mut impl Write,
    read: &mut SubtitleReader<'_>,
) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while !reader.at_end()? {
        let source = utf8(reader.string(MAX_SOURCE)?, "subtitle file")?;
        let language = utf8(
            reader.string(clickprint_core::cues::MAX_LANGUAGE)?,
            "language",
        )?;
        let (cues, key) = read(&source, &language)?;
        for (cue, n) in cues.iter().zip(0u32..) {
            w.u32(cue.start_ms)
                .u32(clickprint_core::cues::file_cue_number(key, n))
                .string(&cue.record());
        }
        w.drain_to(output)?;
    }
    output.flush()?;
    Ok(())
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| Error::Input(format!("{what} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clickprint_core::records;
    use clickprint_core::rows::{QueryAnswer, Reranker};

    /// Knows packed fingerprints (`fp:`) only, so the row protocol is
    /// tested without a decoder.
    struct PackedOnly;

    impl Extractor for PackedOnly {
        fn extract(
            &mut self,
            source: &str,
            _usage: Use,
            _rows: &mut dyn FnMut(Vec<clickprint_core::rows::Extracted>) -> Result<()>,
        ) -> Result<()> {
            Err(Error::Input(format!("{source}: no decoder in this test")))
        }

        fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>> {
            sources
                .iter()
                .map(|s| match s.strip_prefix("fp:") {
                    Some(packed) => QueryAnswer::of_packed(packed),
                    None => Err(Error::Input(format!("{s}: no decoder in this test"))),
                })
                .collect()
        }
    }

    #[test]
    fn a_packed_query_gives_keys_and_rerank_scores_it_against_itself() {
        let picture = records::sample_picture();
        let packed = records::pack(&[picture]);
        let hex = clickprint_core::bits::hex(&packed);
        let mut input = Writer::default();
        input.string(format!("fp:{hex}").as_bytes());
        let mut out = Vec::new();
        query(&input.bytes[..], &mut out, &mut PackedOnly).unwrap();
        let mut r = Reader::new(&out[..]);
        let n = r.length(1000).unwrap();
        assert_eq!(n, 2 * 16, "own bands and mirror bands (none shared here)");
        for _ in 0..n {
            r.u8().unwrap();
            r.u32().unwrap();
            assert_eq!(r.u32().unwrap(), 0, "time");
        }
        assert_eq!(r.string(1 << 20).unwrap(), packed);
        // ... then what the query is: one picture, size unknown.
        assert_eq!(r.string(16).unwrap(), b"image");
        assert_eq!(
            (r.u64().unwrap(), r.u32().unwrap(), r.u32().unwrap()),
            (0, 0, 0)
        );
        assert_eq!(
            r.string(64).unwrap(),
            b"",
            "a bare fingerprint names no content"
        );

        let mut input = Writer::default();
        input.string(&packed).string(&packed).varint(0);
        let mut out = Vec::new();
        rerank(&input.bytes[..], &mut out, &mut Reranker::default()).unwrap();
        let score = f32::from_le_bytes(out[..4].try_into().unwrap());
        assert!((score - 1.0).abs() < 1e-6, "{score}");
        // ... then the evidence, the speed (1 for a picture), no segments
        // (a picture has none) and no query box (the made-up record says
        // nothing of the picture's size).
        let mut tail = b"\x06visual".to_vec();
        tail.extend_from_slice(&1f32.to_le_bytes());
        tail.push(0);
        tail.extend_from_slice(&[0; 16]);
        assert!(out.ends_with(&tail), "{out:?}");
    }

    #[test]
    fn nearest_answers_a_pictures_table_and_nothing_for_sound() {
        use clickprint_core::fingerprint::local::Keypoint;
        use clickprint_core::matching::rarity::Nearest;
        use clickprint_core::records::{Payload, Record};
        let keypoint = |b: u8| Record {
            time_ms: 0,
            item: 1 + u32::from(b),
            payload: Payload::Local {
                keypoint: Keypoint {
                    x: f32::from(b),
                    y: 1.0,
                    scale: 1.0,
                    angle: 0.0,
                    descriptor: [b; 32],
                },
                mirrored: false,
            },
        };
        let picture = records::pack(&[records::sample_picture(), keypoint(1), keypoint(3)]);
        let sound = records::pack(&[Record {
            time_ms: 0,
            item: 0,
            payload: Payload::Audio(7),
        }]);
        // `clickprint_nearest`'s input: rows of a query and its candidates.
        let rows = |rows: &[(&[u8], &[&[u8]])]| {
            let mut w = Writer::default();
            for (query, candidates) in rows {
                w.string(query).varint(candidates.len() as u64);
                for candidate in *candidates {
                    w.string(candidate);
                }
            }
            w.bytes
        };
        let input = rows(&[(&picture, &[&picture, &sound]), (&sound, &[&picture])]);
        let mut out = Vec::new();
        nearest(&input[..], &mut out).unwrap();
        let mut r = Reader::new(&out[..]);
        let table = records::decode(&r.string(1 << 20).unwrap()).unwrap();
        let Payload::Visual(v) = records::sample_picture().payload else {
            unreachable!("a picture's record")
        };
        // Two groups (the sound has no global hash: a group of its own),
        // then each query keypoint's nearest: the picture itself, and no
        // other group holds a keypoint.
        let own = |descriptor_bits| Nearest {
            group: 0,
            distance: descriptor_bits,
            next: u32::MAX,
        };
        let payloads: Vec<Payload> = table.into_iter().map(|r| r.payload).collect();
        assert_eq!(
            payloads,
            [
                Payload::Group(Some(v)),
                Payload::Group(None),
                Payload::Nearest(vec![own(0), own(0)])
            ]
        );
        assert_eq!(r.string(1 << 20).unwrap(), b"", "sound gets no table");
        assert!(r.at_end().unwrap());
        // Candidates past the byte budget: no table, and the next row is
        // read as a row of its own.
        let large = rows(&[(&picture, &[&picture, &picture]), (&picture, &[&picture])]);
        let mut out = Vec::new();
        let budget = picture.len() + 1;
        nearest_within(&large[..], &mut out, budget).unwrap();
        let mut r = Reader::new(&out[..]);
        assert_eq!(r.string(1 << 20).unwrap(), b"", "over the budget");
        assert!(!r.string(1 << 20).unwrap().is_empty(), "within it");
        assert!(r.at_end().unwrap());
        let mut many = Writer::default();
        many.string(&picture).varint(1_001);
        let err = nearest(&many.bytes[..], &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("over the limit of 1000"), "{err}");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let mut input = Writer::default();
        input.string(b"fp:zz");
        assert!(query(&input.bytes[..], &mut Vec::new(), &mut PackedOnly).is_err());
        let mut input = Writer::default();
        input.string(b"Q").string(b"").varint(0);
        assert!(rerank(&input.bytes[..], &mut Vec::new(), &mut Reranker::default()).is_err());
        let mut two = Writer::default();
        two.string(b"/a").string(b"/b");
        let err = extract(&two.bytes[..], &mut Vec::new(), &mut PackedOnly).unwrap_err();
        assert!(err.to_string().contains("one media reference"), "{err}");
        let mut out = Vec::new();
        extract(&b""[..], &mut out, &mut PackedOnly).unwrap();
        assert!(out.is_empty(), "no input, no rows");
    }

    #[test]
    fn text_rank_answers_the_best_items_cues_in_one_row() {
        let mut input = Writer::default();
        input.string(b"all").u32(10);
        input.varint(2).string(b"open").string(b"door");
        input.varint(2).string(b"open door").string(b" ");
        input.varint(2);
        input.u64(7).u64(2).varint(2);
        for (start, words) in [(0u32, "open door"), (5000, "the door is open")] {
            input.u32(start).u32(start / 1000).string(words.as_bytes());
        }
        input.u64(9).u64(1).varint(1);
        input.u32(1000).u32(1).string(b"open the door");
        let mut out = Vec::new();
        text_rank(&input.bytes[..], &mut out).unwrap();
        let mut r = Reader::new(&out[..]);
        // Only "open door" holds the quoted phrase: one item, one cue.
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(
            (r.u64().unwrap(), r.u32().unwrap(), r.u32().unwrap()),
            (7, 0, 0)
        );
        let f64_of = |r: &mut Reader<&[u8]>| f64::from_le_bytes(r.u64().unwrap().to_le_bytes());
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(f64_of(&mut r), 1.5, "the query as written");
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(r.u64().unwrap(), 7);
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(f64_of(&mut r), 1.5);
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(r.u64().unwrap(), 1, "matching cues");
        assert!(r.at_end().unwrap());
        let mut bad = Writer::default();
        bad.string(b"all").u32(10).varint(1).string(b"\xff");
        assert!(text_rank(&bad.bytes[..], &mut Vec::new()).is_err());
    }

    #[test]
    fn text_rank_of_one_word_answers_items_from_their_counts() {
        let mut input = Writer::default();
        input.string(b"all").u32(1);
        input.varint(1).string(b"door");
        input.varint(0);
        // Items 7 (one matching cue) and 9 (two), without their cues.
        input.varint(2);
        input.u64(7).u64(1).varint(0);
        input.u64(9).u64(2).varint(0);
        let mut out = Vec::new();
        text_rank(&input.bytes[..], &mut out).unwrap();
        let mut r = Reader::new(&out[..]);
        let f64_of = |r: &mut Reader<&[u8]>| f64::from_le_bytes(r.u64().unwrap().to_le_bytes());
        assert_eq!(r.length(10).unwrap(), 0, "no cue keys");
        assert_eq!(r.length(10).unwrap(), 1, "the one cue score");
        assert_eq!(f64_of(&mut r), 1.4);
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(r.u64().unwrap(), 9, "two cues beat one");
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(f64_of(&mut r), 1.5, "1.4 + 0.1 x log2(2)");
        assert_eq!(r.length(10).unwrap(), 1);
        assert_eq!(r.u64().unwrap(), 2, "matching cues");
        assert!(r.at_end().unwrap());
    }

    #[test]
    fn the_dialogue_extractor_answers_an_items_cues_then_its_end_and_a_query_only_the_end() {
        use clickprint_core::cues::Cue;
        let mut input = Writer::default();
        input.string(b"/movie.mkv").string(b"video").string(b"item");
        input
            .string(b"/query.mkv")
            .string(b"video")
            .string(b"query");
        let mut asked = Vec::new();
        let mut out = Vec::new();
        dialogue(&input.bytes[..], &mut out, &mut |source| {
            asked.push(source.to_owned());
            Ok(vec![
                Cue::new(1_000, 2_500, "eng", "Hello").unwrap(),
                Cue::new(3_000, 4_000, "", "there").unwrap(),
            ])
        })
        .unwrap();
        assert_eq!(asked, ["/movie.mkv"], "a query's file is never read");
        let mut r = Reader::new(&out[..]);
        let mut rows = Vec::new();
        while !r.at_end().unwrap() {
            let kind = String::from_utf8(r.string(16).unwrap()).unwrap();
            let (time_ms, item) = (r.u32().unwrap(), r.u32().unwrap());
            let record = String::from_utf8(r.string(1 << 16).unwrap()).unwrap();
            assert_eq!(r.length(10).unwrap(), 0, "no keys");
            rows.push((kind, time_ms, item, record));
        }
        let row = |k: &str, t, i, r: &str| (k.to_owned(), t, i, r.to_owned());
        assert_eq!(
            rows,
            [
                row("cue", 1_000, 1, "2500\teng\tHello"),
                row("cue", 3_000, 2, "4000\t\tthere"),
                row("end", 0, u32::MAX, ""),
                row("end", 0, u32::MAX, ""),
            ]
        );
        let mut bad = Writer::default();
        bad.string(b"/a").string(b"video").string(b"preview");
        let err = dialogue(&bad.bytes[..], &mut Vec::new(), &mut |_| Ok(Vec::new())).unwrap_err();
        assert!(err.to_string().contains("`item` or `query`"), "{err}");
    }
}
