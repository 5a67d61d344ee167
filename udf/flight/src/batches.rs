//! The rows of [`clickprint_core::rows`] as Arrow record batches, each way. The
//! sidecar writes and reads them, and so does the UDF executable that
//! delegates to it, so the two cannot drift apart.
//!
//! Types follow the UDFs' SQL signatures as ClickHouse maps Arrow:
//! `Binary` is `String`, `List<Struct<..>>` is `Array(Tuple(..))`. Reading
//! casts what arrives to these types first, so a data tool may send `Utf8`
//! for `Binary` or `LargeUtf8` for `Utf8`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, Float32Array, ListArray, RecordBatch, StringArray,
    StructArray, UInt8Array, UInt32Array, UInt64Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Field, Fields, Schema, SchemaRef, UInt8Type, UInt32Type, UInt64Type,
};
use arrow::error::ArrowError;

use clickprint_core::media::Kind;
use clickprint_core::rows::{Candidate, Extracted, MatchSegment, QueryAnswer, Ranked};

fn field(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, false)
}

fn list_of(fields: &[(&str, DataType)]) -> DataType {
    DataType::List(Arc::new(field(
        "item",
        DataType::Struct(struct_fields(fields)),
    )))
}

fn struct_fields(fields: &[(&str, DataType)]) -> Fields {
    fields
        .iter()
        .map(|(name, t)| field(name, t.clone()))
        .collect()
}

const EXTRACT_KEYS: [(&str, DataType); 2] = [("band", DataType::UInt8), ("key", DataType::UInt32)];
const QUERY_KEYS: [(&str, DataType); 3] = [
    ("band", DataType::UInt8),
    ("key", DataType::UInt32),
    ("time_ms", DataType::UInt32),
];
const AUDIO_HITS: [(&str, DataType); 2] =
    [("key", DataType::UInt32), ("time_ms", DataType::UInt32)];
const SEGMENTS: [(&str, DataType); 6] = [
    ("query_start_ms", DataType::UInt32),
    ("query_end_ms", DataType::UInt32),
    ("reference_start_ms", DataType::UInt32),
    ("reference_end_ms", DataType::UInt32),
    ("speed", DataType::Float32),
    ("score", DataType::Float32),
];

fn extract_fields() -> Vec<Field> {
    vec![
        field("kind", DataType::Utf8),
        field("time_ms", DataType::UInt32),
        field("item", DataType::UInt32),
        field("record", DataType::Binary),
        field("keys", list_of(&EXTRACT_KEYS)),
    ]
}

/// Rows of the `extract` dataset.
pub fn extract_schema() -> SchemaRef {
    Arc::new(Schema::new(extract_fields()))
}

/// Rows of the `extract` exchange: `row`, the input row they belong to,
/// then the `extract` dataset's columns.
pub fn extract_exchange_schema() -> SchemaRef {
    let mut fields = vec![field("row", DataType::UInt32)];
    fields.extend(extract_fields());
    Arc::new(Schema::new(fields))
}

/// Input of the `query` exchange.
pub fn sources_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![field("source", DataType::Utf8)]))
}

/// Output of the `query` exchange and rows of the `query` dataset.
pub fn query_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        field("keys", list_of(&QUERY_KEYS)),
        field("fingerprint", DataType::Binary),
        field("modality", DataType::Utf8),
        field("duration_ms", DataType::UInt64),
        field("width", DataType::UInt32),
        field("height", DataType::UInt32),
        field("sha256", DataType::Utf8),
    ]))
}

/// Input of the `rerank` exchange.
pub fn candidates_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        field("query", DataType::Binary),
        field("reference", DataType::Binary),
        field("audio_hits", list_of(&AUDIO_HITS)),
    ]))
}

/// Output of the `rerank` exchange and rows of the `compare` dataset.
pub fn ranked_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        field("score", DataType::Float32),
        field("query_start_ms", DataType::UInt32),
        field("query_end_ms", DataType::UInt32),
        field("reference_start_ms", DataType::UInt32),
        field("reference_end_ms", DataType::UInt32),
        field("evidence", DataType::Utf8),
        field("speed", DataType::Float32),
        field("segments", list_of(&SEGMENTS)),
        field("query_box_x", DataType::UInt32),
        field("query_box_y", DataType::UInt32),
        field("query_box_width", DataType::UInt32),
        field("query_box_height", DataType::UInt32),
    ]))
}

/// A `List<Struct<fields>>` column of `lengths[i]` entries per row from
/// the flat child columns.
fn list_column(
    fields: &[(&str, DataType)],
    children: Vec<ArrayRef>,
    lengths: Vec<usize>,
) -> Result<ArrayRef, ArrowError> {
    let values = StructArray::try_new(struct_fields(fields), children, None)?;
    let item = Arc::new(field("item", DataType::Struct(struct_fields(fields))));
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::from_lengths(lengths),
        Arc::new(values),
        None,
    )?))
}

fn u32s(values: impl IntoIterator<Item = u32>) -> ArrayRef {
    Arc::new(UInt32Array::from_iter_values(values))
}

fn binaries<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> ArrayRef {
    Arc::new(BinaryArray::from_iter_values(values))
}

fn strings<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// `extract` rows as a batch; with `row`, the `extract` exchange's form.
///
/// # Errors
/// Only on an internal inconsistency.
pub fn from_extracted(rows: &[Extracted], row: Option<u32>) -> Result<RecordBatch, ArrowError> {
    let keys = list_column(
        &EXTRACT_KEYS,
        vec![
            Arc::new(UInt8Array::from_iter_values(
                rows.iter().flat_map(|r| r.keys.iter().map(|k| k.0)),
            )),
            u32s(rows.iter().flat_map(|r| r.keys.iter().map(|k| k.1))),
        ],
        rows.iter().map(|r| r.keys.len()).collect(),
    )?;
    let mut columns = vec![
        strings(rows.iter().map(|r| r.kind.as_str())),
        u32s(rows.iter().map(|r| r.time_ms)),
        u32s(rows.iter().map(|r| r.item)),
        binaries(rows.iter().map(|r| r.record.as_slice())),
        keys,
    ];
    let schema = match row {
        Some(row) => {
            columns.insert(0, u32s(rows.iter().map(|_| row)));
            extract_exchange_schema()
        }
        None => extract_schema(),
    };
    RecordBatch::try_new(schema, columns)
}

/// Reads `extract` rows (either form; `row` is ignored).
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn to_extracted(batch: &RecordBatch) -> Result<Vec<Extracted>, ArrowError> {
    let kind = column(batch, "kind", &DataType::Utf8)?;
    let time_ms = column(batch, "time_ms", &DataType::UInt32)?;
    let item = column(batch, "item", &DataType::UInt32)?;
    let record = column(batch, "record", &DataType::Binary)?;
    let keys = column(batch, "keys", &list_of(&EXTRACT_KEYS))?;
    let (kind, time_ms, item, record) = (
        kind.as_string::<i32>(),
        time_ms.as_primitive::<UInt32Type>(),
        item.as_primitive::<UInt32Type>(),
        record.as_binary::<i32>(),
    );
    let keys = lists(&keys, |s, at| {
        (
            s.column(0).as_primitive::<UInt8Type>().value(at),
            s.column(1).as_primitive::<UInt32Type>().value(at),
        )
    });
    Ok((0..batch.num_rows())
        .zip(keys)
        .map(|(i, keys)| Extracted {
            kind: kind.value(i).to_owned(),
            time_ms: time_ms.value(i),
            item: item.value(i),
            record: record.value(i).to_vec(),
            keys,
        })
        .collect())
}

/// The `row` column of an `extract` exchange's output.
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn rows_of(batch: &RecordBatch) -> Result<Vec<u32>, ArrowError> {
    let row = column(batch, "row", &DataType::UInt32)?;
    Ok(row.as_primitive::<UInt32Type>().values().to_vec())
}

/// Texts as a one-column batch (`uri` or `source`).
///
/// # Errors
/// Only on an internal inconsistency.
pub fn from_texts(schema: SchemaRef, texts: &[String]) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new(schema, vec![strings(texts.iter().map(String::as_str))])
}

/// The texts of column `name`.
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn to_texts(batch: &RecordBatch, name: &str) -> Result<Vec<String>, ArrowError> {
    let texts = column(batch, name, &DataType::Utf8)?;
    Ok(texts
        .as_string::<i32>()
        .iter()
        .map(|t| t.unwrap_or_default().to_owned())
        .collect())
}

/// Query answers as a batch.
///
/// # Errors
/// Only on an internal inconsistency.
pub fn from_answers(answers: &[QueryAnswer]) -> Result<RecordBatch, ArrowError> {
    let all = || answers.iter().flat_map(|a| a.keys.iter());
    let keys = list_column(
        &QUERY_KEYS,
        vec![
            Arc::new(UInt8Array::from_iter_values(all().map(|k| k.0))),
            u32s(all().map(|k| k.1)),
            u32s(all().map(|k| k.2)),
        ],
        answers.iter().map(|a| a.keys.len()).collect(),
    )?;
    RecordBatch::try_new(
        query_schema(),
        vec![
            keys,
            binaries(answers.iter().map(|a| a.fingerprint.as_slice())),
            strings(answers.iter().map(|a| a.modality.as_str())),
            Arc::new(UInt64Array::from_iter_values(
                answers.iter().map(|a| a.duration_ms),
            )),
            u32s(answers.iter().map(|a| a.width)),
            u32s(answers.iter().map(|a| a.height)),
            strings(answers.iter().map(|a| a.sha256.as_str())),
        ],
    )
}

/// Reads query answers.
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn to_answers(batch: &RecordBatch) -> Result<Vec<QueryAnswer>, ArrowError> {
    let keys = column(batch, "keys", &list_of(&QUERY_KEYS))?;
    let fingerprint = column(batch, "fingerprint", &DataType::Binary)?;
    let fingerprint = fingerprint.as_binary::<i32>();
    let modality = column(batch, "modality", &DataType::Utf8)?;
    let modality = modality.as_string::<i32>();
    let duration_ms = column(batch, "duration_ms", &DataType::UInt64)?;
    let duration_ms = duration_ms.as_primitive::<UInt64Type>();
    let width = column(batch, "width", &DataType::UInt32)?;
    let width = width.as_primitive::<UInt32Type>();
    let height = column(batch, "height", &DataType::UInt32)?;
    let height = height.as_primitive::<UInt32Type>();
    let sha256 = column(batch, "sha256", &DataType::Utf8)?;
    let sha256 = sha256.as_string::<i32>();
    let keys = lists(&keys, |s, at| {
        (
            s.column(0).as_primitive::<UInt8Type>().value(at),
            s.column(1).as_primitive::<UInt32Type>().value(at),
            s.column(2).as_primitive::<UInt32Type>().value(at),
        )
    });
    keys.into_iter()
        .enumerate()
        .map(|(i, keys)| {
            let name = modality.value(i);
            Ok(QueryAnswer {
                keys,
                fingerprint: fingerprint.value(i).to_vec(),
                modality: Kind::parse(name).ok_or_else(|| {
                    ArrowError::InvalidArgumentError(format!("modality {name:?}"))
                })?,
                duration_ms: duration_ms.value(i),
                width: width.value(i),
                height: height.value(i),
                sha256: sha256.value(i).to_owned(),
            })
        })
        .collect()
}

/// Rerank candidates as a batch.
///
/// # Errors
/// Only on an internal inconsistency.
pub fn from_candidates(candidates: &[Candidate]) -> Result<RecordBatch, ArrowError> {
    let all = || candidates.iter().flat_map(|c| c.audio_hits.iter());
    let hits = list_column(
        &AUDIO_HITS,
        vec![u32s(all().map(|h| h.0)), u32s(all().map(|h| h.1))],
        candidates.iter().map(|c| c.audio_hits.len()).collect(),
    )?;
    RecordBatch::try_new(
        candidates_schema(),
        vec![
            binaries(candidates.iter().map(|c| c.query.as_slice())),
            binaries(candidates.iter().map(|c| c.reference.as_slice())),
            hits,
        ],
    )
}

/// Reads rerank candidates.
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn to_candidates(batch: &RecordBatch) -> Result<Vec<Candidate>, ArrowError> {
    let query = column(batch, "query", &DataType::Binary)?;
    let reference = column(batch, "reference", &DataType::Binary)?;
    let hits = column(batch, "audio_hits", &list_of(&AUDIO_HITS))?;
    let (query, reference) = (query.as_binary::<i32>(), reference.as_binary::<i32>());
    let hits = lists(&hits, |s, at| {
        (
            s.column(0).as_primitive::<UInt32Type>().value(at),
            s.column(1).as_primitive::<UInt32Type>().value(at),
        )
    });
    Ok(hits
        .into_iter()
        .enumerate()
        .map(|(i, audio_hits)| Candidate {
            query: query.value(i).to_vec(),
            reference: reference.value(i).to_vec(),
            audio_hits,
        })
        .collect())
}

/// Verdicts as a batch.
///
/// # Errors
/// Only on an internal inconsistency.
pub fn from_ranked(ranked: &[Ranked]) -> Result<RecordBatch, ArrowError> {
    let all = || ranked.iter().flat_map(|r| r.segments.iter());
    let f32s = |values: Vec<f32>| -> ArrayRef { Arc::new(Float32Array::from(values)) };
    let segments = list_column(
        &SEGMENTS,
        vec![
            u32s(all().map(|s| s.query_range.0)),
            u32s(all().map(|s| s.query_range.1)),
            u32s(all().map(|s| s.reference_range.0)),
            u32s(all().map(|s| s.reference_range.1)),
            f32s(all().map(|s| s.speed).collect()),
            f32s(all().map(|s| s.score).collect()),
        ],
        ranked.iter().map(|r| r.segments.len()).collect(),
    )?;
    RecordBatch::try_new(
        ranked_schema(),
        vec![
            Arc::new(Float32Array::from_iter_values(
                ranked.iter().map(|r| r.score),
            )),
            u32s(ranked.iter().map(|r| r.query_range.0)),
            u32s(ranked.iter().map(|r| r.query_range.1)),
            u32s(ranked.iter().map(|r| r.reference_range.0)),
            u32s(ranked.iter().map(|r| r.reference_range.1)),
            strings(ranked.iter().map(|r| r.evidence.as_str())),
            Arc::new(Float32Array::from_iter_values(
                ranked.iter().map(|r| r.speed),
            )),
            segments,
            u32s(ranked.iter().map(|r| r.query_box.0)),
            u32s(ranked.iter().map(|r| r.query_box.1)),
            u32s(ranked.iter().map(|r| r.query_box.2)),
            u32s(ranked.iter().map(|r| r.query_box.3)),
        ],
    )
}

/// Reads verdicts.
///
/// # Errors
/// A missing or mistyped column, or a null.
pub fn to_ranked(batch: &RecordBatch) -> Result<Vec<Ranked>, ArrowError> {
    let score = column(batch, "score", &DataType::Float32)?;
    let score = score.as_primitive::<arrow::datatypes::Float32Type>();
    let mut ms = Vec::new();
    for name in [
        "query_start_ms",
        "query_end_ms",
        "reference_start_ms",
        "reference_end_ms",
        "query_box_x",
        "query_box_y",
        "query_box_width",
        "query_box_height",
    ] {
        ms.push(column(batch, name, &DataType::UInt32)?);
    }
    let ms: Vec<&UInt32Array> = ms.iter().map(|c| c.as_primitive::<UInt32Type>()).collect();
    let evidence = column(batch, "evidence", &DataType::Utf8)?;
    let evidence = evidence.as_string::<i32>();
    let speed = column(batch, "speed", &DataType::Float32)?;
    let speed = speed.as_primitive::<arrow::datatypes::Float32Type>();
    let segments = column(batch, "segments", &list_of(&SEGMENTS))?;
    let mut segments = lists(&segments, |s, at| {
        let ms = |c: usize| s.column(c).as_primitive::<UInt32Type>().value(at);
        let f = |c: usize| {
            s.column(c)
                .as_primitive::<arrow::datatypes::Float32Type>()
                .value(at)
        };
        MatchSegment {
            query_range: (ms(0), ms(1)),
            reference_range: (ms(2), ms(3)),
            speed: f(4),
            score: f(5),
        }
    })
    .into_iter();
    Ok((0..batch.num_rows())
        .map(|i| Ranked {
            score: score.value(i),
            query_range: (ms[0].value(i), ms[1].value(i)),
            reference_range: (ms[2].value(i), ms[3].value(i)),
            evidence: evidence.value(i).to_owned(),
            speed: speed.value(i),
            segments: segments.next().unwrap_or_default(),
            query_box: (
                ms[4].value(i),
                ms[5].value(i),
                ms[6].value(i),
                ms[7].value(i),
            ),
        })
        .collect())
}

/// Column `name` of `batch` cast to `data_type`, without nulls.
fn column(batch: &RecordBatch, name: &str, data_type: &DataType) -> Result<ArrayRef, ArrowError> {
    let found = batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("no column `{name}`")))?;
    let cast = if found.data_type() == data_type {
        Arc::clone(found)
    } else {
        cast(found, data_type).map_err(|e| {
            ArrowError::SchemaError(format!(
                "column `{name}` is {}, expected {data_type}: {e}",
                found.data_type()
            ))
        })?
    };
    if cast.null_count() > 0 {
        return Err(ArrowError::InvalidArgumentError(format!(
            "column `{name}` has nulls"
        )));
    }
    Ok(cast)
}

/// The entries of each row of a `List<Struct>` column, each read by `get`
/// from the struct and an index into it.
fn lists<T>(column: &ArrayRef, get: impl Fn(&StructArray, usize) -> T) -> Vec<Vec<T>> {
    let list = column.as_list::<i32>();
    let values = list.values().as_struct();
    list.value_offsets()
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0] as usize, w[1] as usize);
            (from..to).map(|at| get(values, at)).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_type_round_trips() {
        let extracted = vec![
            Extracted {
                kind: "visual".into(),
                time_ms: 0,
                item: 0,
                record: vec![1, 2, 3],
                keys: vec![(0, 7), (1, 8)],
            },
            Extracted {
                kind: "audio".into(),
                time_ms: 32,
                item: 1,
                record: vec![],
                keys: vec![],
            },
        ];
        let batch = from_extracted(&extracted, Some(5)).unwrap();
        assert_eq!(to_extracted(&batch).unwrap(), extracted);
        assert_eq!(rows_of(&batch).unwrap(), vec![5, 5]);
        assert_eq!(
            to_extracted(&from_extracted(&extracted, None).unwrap()).unwrap(),
            extracted
        );

        let answers = vec![
            QueryAnswer {
                keys: vec![(3, 4, 5)],
                fingerprint: vec![9; 10],
                modality: Kind::Video,
                duration_ms: 10_040,
                width: 1280,
                height: 720,
                sha256: "ab".repeat(32),
            },
            QueryAnswer {
                keys: vec![],
                fingerprint: vec![],
                modality: Kind::Image,
                duration_ms: 0,
                width: 0,
                height: 0,
                sha256: String::new(),
            },
        ];
        assert_eq!(
            to_answers(&from_answers(&answers).unwrap()).unwrap(),
            answers
        );

        let candidates = vec![Candidate {
            query: vec![1],
            reference: vec![2, 3],
            audio_hits: vec![(10, 20), (11, 21)],
        }];
        let batch = from_candidates(&candidates).unwrap();
        assert_eq!(to_candidates(&batch).unwrap(), candidates);
        // A slice reads its own rows only.
        let two = from_candidates(&[candidates[0].clone(), candidates[0].clone()]).unwrap();
        assert_eq!(to_candidates(&two.slice(1, 1)).unwrap(), candidates);

        let audio = Ranked {
            score: 0.5,
            query_range: (1, 2),
            reference_range: (3, 4),
            evidence: "audio".into(),
            speed: 0.95,
            segments: vec![
                MatchSegment {
                    query_range: (1, 2),
                    reference_range: (3, 4),
                    speed: 0.95,
                    score: 0.8,
                },
                MatchSegment {
                    query_range: (9, 12),
                    reference_range: (30, 33),
                    speed: 0.96,
                    score: 0.5,
                },
            ],
            query_box: (0, 0, 0, 0),
        };
        // A picture's verdict (no segments) between two with segments: each
        // row reads its own.
        let picture = Ranked {
            evidence: "visual".into(),
            speed: 1.0,
            segments: Vec::new(),
            query_box: (12, 34, 320, 240),
            ..audio.clone()
        };
        let ranked = vec![audio.clone(), picture, audio];
        assert_eq!(to_ranked(&from_ranked(&ranked).unwrap()).unwrap(), ranked);

        let texts = vec!["a".to_owned(), "b".to_owned()];
        let batch = from_texts(sources_schema(), &texts).unwrap();
        assert_eq!(to_texts(&batch, "source").unwrap(), texts);
    }

    #[test]
    fn what_a_data_tool_sends_is_cast_or_refused() {
        // Utf8 where Binary is expected: cast.
        let batch = RecordBatch::try_from_iter([
            ("query", strings(["q"])),
            ("reference", strings(["r"])),
            (
                "audio_hits",
                list_column(&AUDIO_HITS, vec![u32s([]), u32s([])], vec![0]).unwrap(),
            ),
        ])
        .unwrap();
        assert_eq!(to_candidates(&batch).unwrap()[0].reference, b"r");
        // A missing column, a wrong type, a null: refused with the column's name.
        let e = to_texts(&batch, "source").unwrap_err().to_string();
        assert!(e.contains("no column `source`"), "{e}");
        let nulls = RecordBatch::try_from_iter([(
            "source",
            Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef,
        )])
        .unwrap();
        let e = to_texts(&nulls, "source").unwrap_err().to_string();
        assert!(e.contains("`source` has nulls"), "{e}");
        let e = to_candidates(
            &RecordBatch::try_from_iter([
                ("query", u32s([1])),
                ("reference", strings(["r"])),
                ("audio_hits", u32s([1])),
            ])
            .unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("column `query`") || e.contains("audio_hits"),
            "{e}"
        );
    }
}
