//! Request bodies to files: a raw body, or a `multipart/form-data` form
//! whose file part is streamed to disk (never held in memory) and whose
//! other parts are small text fields. Past the size limit the request is
//! refused with 413 and the partial file removed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;
use warp::Buf;
use warp::hyper::body::Bytes;

use crate::error::{Error, Result};

/// Text fields are at most this long.
const MAX_FIELD: u64 = 1 << 20;
/// After refusing an oversized upload, at most this much more of it is
/// read (and thrown away) so the client, still sending, gets the 413
/// rather than a reset connection; a bigger one is cut off.
const DRAIN: u64 = 256 << 20;

type Chunks = std::pin::Pin<Box<dyn Stream<Item = std::result::Result<Bytes, warp::Error>> + Send>>;

/// The body shared between its reader (multer, or a loop) and whoever
/// drains it after a refusal.
type Shared = std::sync::Arc<tokio::sync::Mutex<Chunks>>;

fn shared(
    body: impl Stream<Item = std::result::Result<impl Buf, warp::Error>> + Send + 'static,
) -> Shared {
    let chunks = body.map(|chunk| chunk.map(|mut b| -> Bytes { b.copy_to_bytes(b.remaining()) }));
    std::sync::Arc::new(tokio::sync::Mutex::new(Box::pin(chunks)))
}

/// A stream reading from the shared body.
fn reader(body: &Shared) -> Chunks {
    Box::pin(futures_util::stream::unfold(
        body.clone(),
        |body| async move {
            let next = body.lock().await.next().await;
            next.map(|chunk| (chunk, body))
        },
    ))
}

/// On a 413, reads (and discards) what the client is still sending, up to
/// [`DRAIN`] bytes, so it can read the answer.
async fn drain_if_too_large<T>(result: Result<T>, body: &Shared) -> Result<T> {
    if let Err(Error::TooLarge(_)) = &result {
        let mut body = body.lock().await;
        let mut drained = 0u64;
        while let Some(Ok(chunk)) = body.next().await {
            drained += chunk.len() as u64;
            if drained > DRAIN {
                break;
            }
        }
    }
    result
}

/// A file received into the uploads folder; removed when dropped unless it
/// was moved away (into the library) before.
#[derive(Debug)]
pub struct Received {
    /// Where it is.
    pub path: PathBuf,
    /// The name the client gave, if any.
    pub filename: Option<String>,
    /// Bytes received.
    pub bytes: u64,
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Parts other than `file` that are files beside it, streamed to disk
/// too: a subtitle file given with an item.
pub const SIDE_FILES: [&str; 1] = ["subtitles"];

/// A form: its files (the parts named `file`, in order), the files beside
/// them ([`SIDE_FILES`]) and its text fields.
#[derive(Debug)]
pub struct Form {
    /// The file parts: at most one, unless the endpoint takes several.
    pub files: Vec<Received>,
    /// The side files, by part name, at most one each.
    pub side_files: HashMap<String, Received>,
    /// The text fields, by name.
    pub fields: HashMap<String, String>,
}

impl Form {
    /// The one file part of a form that takes one, if it had it.
    pub fn file(&mut self) -> Option<Received> {
        self.files.pop()
    }

    /// The side file part `name` ([`SIDE_FILES`]), if it had it.
    pub fn side_file(&mut self, name: &str) -> Option<Received> {
        self.side_files.remove(name)
    }
}

fn new_upload_path(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    Ok(dir.join(format!("upload-{}", crate::random_hex(12)?)))
}

impl Received {
    /// A new, empty file in `dir`, removed on drop.
    pub(crate) async fn create(
        dir: &Path,
        filename: Option<String>,
    ) -> Result<(Received, tokio::fs::File)> {
        let received = Received {
            path: new_upload_path(dir)?,
            filename,
            bytes: 0,
        };
        let file = tokio::fs::File::create(&received.path)
            .await
            .map_err(|e| Error::io("creating the upload file", e))?;
        Ok((received, file))
    }

    /// Appends a chunk, refusing to pass `limit` bytes in all.
    async fn append(&mut self, file: &mut tokio::fs::File, chunk: &[u8], limit: u64) -> Result<()> {
        self.bytes += chunk.len() as u64;
        if self.bytes > limit {
            return Err(too_large(limit));
        }
        file.write_all(chunk)
            .await
            .map_err(|e| Error::io("writing the upload", e))
    }

    /// Finishes the file; an empty one is refused as `what`.
    async fn finish(self, mut file: tokio::fs::File, what: &str) -> Result<Received> {
        file.flush()
            .await
            .map_err(|e| Error::io("writing the upload", e))?;
        if self.bytes == 0 {
            return Err(Error::BadRequest(format!("{what} is empty")));
        }
        Ok(self)
    }
}

fn too_large(limit: u64) -> Error {
    Error::TooLarge(format!("the upload is larger than the {limit}-byte limit"))
}

/// Streams a raw body into a new file in `dir`.
///
/// # Errors
/// [`Error::TooLarge`] past `limit`; [`Error::BadRequest`] for a broken
/// body; [`Error::Io`].
pub async fn body_to_file(
    dir: &Path,
    body: impl Stream<Item = std::result::Result<impl Buf, warp::Error>> + Send + 'static,
    limit: u64,
) -> Result<Received> {
    let body = shared(body);
    let received = async {
        let (mut received, mut file) = Received::create(dir, None).await?;
        let mut chunks = reader(&body);
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| Error::BadRequest(format!("reading the body: {e}")))?;
            received.append(&mut file, &chunk, limit).await?;
        }
        received.finish(file, "the body").await
    }
    .await;
    drain_if_too_large(received, &body).await
}

/// Reads a `multipart/form-data` body: the part named `file` into a new
/// file in `dir`, the others as text.
///
/// # Errors
/// [`Error::TooLarge`] past `limit`; [`Error::BadRequest`] for a malformed
/// form or a second `file` part; [`Error::Io`].
pub async fn form(
    dir: &Path,
    content_type: &str,
    body: impl Stream<Item = std::result::Result<impl Buf, warp::Error>> + Send + 'static,
    limit: u64,
) -> Result<Form> {
    files_form(dir, content_type, body, limit, 1).await
}

/// [`form`] with up to `max_files` parts named `file` (a batch search's
/// queries), each into its own file; `limit` holds for all of them
/// together.
///
/// # Errors
/// As [`form`]; [`Error::BadRequest`] past `max_files` files.
pub async fn files_form(
    dir: &Path,
    content_type: &str,
    body: impl Stream<Item = std::result::Result<impl Buf, warp::Error>> + Send + 'static,
    limit: u64,
    max_files: usize,
) -> Result<Form> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| Error::BadRequest(format!("multipart form: {e}")))?;
    let body = shared(body);
    let form = read_form(dir, boundary, reader(&body), limit, max_files).await;
    drain_if_too_large(form, &body).await
}

/// Streams a form part into a new file in `dir` (refused when empty or
/// past `limit`).
async fn part_to_file(
    field: &mut multer::Field<'_>,
    dir: &Path,
    limit: u64,
    multer_error: &impl Fn(multer::Error) -> Error,
) -> Result<Received> {
    let name = field.name().unwrap_or_default().to_owned();
    let filename = field.file_name().map(str::to_owned);
    let (mut received, mut file) = Received::create(dir, filename).await?;
    while let Some(chunk) = field.chunk().await.map_err(multer_error)? {
        received.append(&mut file, &chunk, limit).await?;
    }
    received.finish(file, &format!("the `{name}` part")).await
}

async fn read_form(
    dir: &Path,
    boundary: String,
    stream: Chunks,
    limit: u64,
    max_files: usize,
) -> Result<Form> {
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limit.saturating_add(MAX_FIELD * 8))
            .per_field(limit)
            .for_field("file", limit),
    );
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut form = Form {
        files: Vec::new(),
        side_files: HashMap::new(),
        fields: HashMap::new(),
    };
    let multer_error = |e: multer::Error| match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large(limit)
        }
        other => Error::BadRequest(format!("multipart form: {other}")),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(multer_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if form.files.len() == max_files {
                return Err(Error::BadRequest(if max_files == 1 {
                    "more than one `file` part".to_owned()
                } else {
                    format!("more than {max_files} `file` parts")
                }));
            }
            form.files
                .push(part_to_file(&mut field, dir, limit, &multer_error).await?);
        } else if SIDE_FILES.contains(&name.as_str()) {
            if form.side_files.contains_key(&name) {
                return Err(Error::BadRequest(format!("more than one `{name}` part")));
            }
            let received = part_to_file(&mut field, dir, limit, &multer_error).await?;
            form.side_files.insert(name, received);
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multer_error)? {
                text.extend_from_slice(&chunk);
                if text.len() as u64 > MAX_FIELD {
                    return Err(Error::BadRequest(format!(
                        "the `{name}` field is longer than {MAX_FIELD} bytes"
                    )));
                }
            }
            let text = String::from_utf8(text)
                .map_err(|_| Error::BadRequest(format!("the `{name}` field is not UTF-8")))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}
