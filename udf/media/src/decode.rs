//! Decoding, the only module that touches ffmpeg (through ffmpeg-next).
//!
//! Any container and codec Debian's ffmpeg reads. Output is streamed to a
//! [`Sink`]: pictures as small grey planes with their times, sound as mono
//! samples at [`SAMPLE_RATE`]; nothing is kept here, so memory stays
//! bounded whatever the input's length. The cues of text subtitle streams
//! (SRT, ASS/SSA, WebVTT, mov_text) with their time ranges are read apart,
//! by [`decode_cues`] (a subtitle file given with an item) and
//! [`stream_cues`] (the dialogue extractor, on a media file); a subtitle
//! packet that does not decode is skipped, never a failure.
//!
//! Hostile input is bounded by [`Limits`]: file size, declared picture size,
//! declared duration, and a wall-clock deadline that ffmpeg's interrupt
//! callback enforces inside blocking reads too. Only the `file` protocol is
//! allowed, so a playlist inside the input cannot make ffmpeg fetch URLs.

use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

use ffmpeg::format::{Pixel, Sample, sample};
use ffmpeg::media::Type;
use ffmpeg::software::{resampling, scaling};
use ffmpeg::util::channel_layout::ChannelLayout;
use ffmpeg::util::frame;
use ffmpeg_next as ffmpeg;

use clickprint_core::cues::{Cue, Cues, plain_text};
use clickprint_core::fingerprint::audio::SAMPLE_RATE;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::media::{Kind, MediaInfo, duration_limit_words};
use clickprint_core::{Error, Result};

/// The environment variable that sets how a search's query video is
/// decoded ([`VideoDecoding::parse`]; default [`VideoDecoding::QUERY`]).
pub const ENV_QUERY_VIDEO: &str = "CLICKPRINT_QUERY_VIDEO";

/// Video frames are scaled so their longer side is at most this many pixels.
pub const WORKING_SIZE: u32 = 256;
/// Still images are scaled so their longer side is at most this many
/// pixels: the global hash and the whole picture's local features are
/// computed at 64 and 256 px whatever this is, but a query's regions (a
/// found inset, the centre band: `fingerprint::regions`) are cut from it
/// and described at their own resolution.
pub const IMAGE_WORKING_SIZE: u32 = 1024;

/// Bounds on what one input may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest file accepted, bytes.
    pub max_file_bytes: u64,
    /// Largest declared picture, pixels (width x height).
    pub max_pixels: u64,
    /// Longest declared or decoded duration, ms.
    pub max_duration_ms: u64,
    /// Longest declared or decoded duration of a search's query, ms: a
    /// query is decoded whole for every search that sends it, so it is held
    /// far shorter than a library item ([`Limits::for_use`]).
    pub max_query_duration_ms: u64,
    /// Wall-clock time for the whole decode.
    pub timeout: Duration,
    /// A decode whose input proves longer than this, ms (declared, or
    /// decoded so far), lowers its thread's processor priority to
    /// [`BACKGROUND_NICE`](clickprint_core::media::BACKGROUND_NICE). Only
    /// for a decode in a thread of its own, which the priority leaves
    /// with ([`crate::source::fingerprint_of`] sets it for queries).
    pub yield_after_ms: Option<u64>,
    /// How `http(s)` media references are downloaded (size, time,
    /// redirects, private addresses).
    pub fetch: clickprint_fetch::Policy,
    /// How video is decoded: [`VideoDecoding::LIBRARY`] by default;
    /// [`Limits::for_use`] gives a query [`Limits::query_video`].
    pub video: VideoDecoding,
    /// How a search's query video is decoded ([`VideoDecoding::QUERY`]).
    pub query_video: VideoDecoding,
    /// What the decode is for ([`Limits::for_use`]; a library item by
    /// default): a query video's frames are also looked at for an inset
    /// (`fingerprint::video`).
    pub usage: clickprint_core::records::Use,
}

/// How a video stream is decoded: what a search's query trades for time.
///
/// Decoding is almost all of a video query's cost (a 10-second 720p H.264
/// clip: 81% of the processor time in libavcodec, 7% scaling, the
/// fingerprint the rest; `perf`, session 14). A library item is decoded
/// once, in the background, beside other work: one thread, every frame as
/// encoded. A query is decoded while someone waits: [`VideoDecoding::QUERY`]
/// (figures and the recall it costs in `udf/media/README.md`, "Decoding a video
/// query").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoDecoding {
    /// Decoder threads (ffmpeg's frame threading); 1 decodes in the
    /// calling thread only.
    pub threads: usize,
    /// Skip the in-loop deblocking filter of codecs that have one (H.264,
    /// HEVC): the pictures are a little blockier, which the fingerprints'
    /// downscaling to 256 px and below mostly averages away.
    pub skip_loop_filter: bool,
    /// Do not decode frames that no other frame references (most
    /// B-frames): fewer frames come out, none of them wrong; the 2-per-second
    /// sampling then takes the next decoded frame.
    pub skip_non_reference: bool,
}

impl VideoDecoding {
    /// A library item: one thread, every frame, as encoded.
    pub const LIBRARY: VideoDecoding = VideoDecoding {
        threads: 1,
        skip_loop_filter: false,
        skip_non_reference: false,
    };
    /// A search's query: as many threads as the machine has (up to 4), no
    /// deblocking, no unreferenced frames.
    pub const QUERY: VideoDecoding = VideoDecoding {
        threads: 0,
        skip_loop_filter: true,
        skip_non_reference: true,
    };

    /// Reads `library`, `query`, or a comma-separated list of
    /// `threads=N` (0: the machine's processors, at most 4),
    /// `skip-loop-filter` and `skip-non-reference` (each off unless named).
    ///
    /// # Errors
    /// An unknown word or a thread count that does not read.
    pub fn parse(text: &str) -> std::result::Result<VideoDecoding, String> {
        match text.trim() {
            "library" => return Ok(VideoDecoding::LIBRARY),
            "query" => return Ok(VideoDecoding::QUERY),
            _ => {}
        }
        let mut how = VideoDecoding {
            threads: 1,
            skip_loop_filter: false,
            skip_non_reference: false,
        };
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "skip-loop-filter" => how.skip_loop_filter = true,
                "skip-non-reference" => how.skip_non_reference = true,
                _ => match word.strip_prefix("threads=").map(str::parse::<usize>) {
                    Some(Ok(n)) if n <= 64 => how.threads = n,
                    _ => {
                        return Err(format!(
                            "`{word}`: expected library, query, threads=N (0-64), \
                             skip-loop-filter or skip-non-reference"
                        ));
                    }
                },
            }
        }
        Ok(how)
    }

    /// Decoder threads to ask ffmpeg for: `threads`, or for 0 the
    /// processors this process may use, at most 4.
    fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            n => n,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 30,
            max_pixels: 8192 * 8192,
            max_duration_ms: 6 * 3600 * 1000,
            max_query_duration_ms: clickprint_core::media::DEFAULT_MAX_QUERY_SECS * 1000,
            timeout: Duration::from_secs(900),
            fetch: clickprint_fetch::Policy::default(),
            yield_after_ms: None,
            video: VideoDecoding::LIBRARY,
            query_video: VideoDecoding::QUERY,
            usage: clickprint_core::records::Use::Library,
        }
    }
}

impl Limits {
    /// The defaults, with the longest query from
    /// [`ENV_MAX_QUERY_SECS`](clickprint_core::media::ENV_MAX_QUERY_SECS),
    /// a query video's decoding from [`ENV_QUERY_VIDEO`], and the download
    /// policy from `CLICKPRINT_FETCH_*`.
    ///
    /// # Errors
    /// A variable that is set but does not read.
    pub fn from_env() -> std::result::Result<Limits, String> {
        use clickprint_core::media::{DEFAULT_MAX_QUERY_SECS, ENV_MAX_QUERY_SECS};
        let max_query_secs = match std::env::var(ENV_MAX_QUERY_SECS) {
            Ok(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&s| s > 0)
                .ok_or_else(|| {
                    format!("{ENV_MAX_QUERY_SECS}={v:?}: a positive number of seconds")
                })?,
            Err(_) => DEFAULT_MAX_QUERY_SECS,
        };
        let query_video = match std::env::var(ENV_QUERY_VIDEO) {
            Ok(v) => {
                VideoDecoding::parse(&v).map_err(|e| format!("{ENV_QUERY_VIDEO}={v:?}: {e}"))?
            }
            Err(_) => VideoDecoding::QUERY,
        };
        Ok(Limits {
            max_query_duration_ms: max_query_secs.saturating_mul(1000),
            fetch: clickprint_fetch::Policy::from_env().map_err(|e| e.to_string())?,
            query_video,
            ..Limits::default()
        })
    }

    /// These limits for `usage`: a query's duration is held to
    /// `max_query_duration_ms`, its video decoded as `query_video`, its
    /// frames looked at for an inset.
    pub fn for_use(&self, usage: clickprint_core::records::Use) -> Limits {
        match usage {
            clickprint_core::records::Use::Query => Limits {
                max_duration_ms: self.max_duration_ms.min(self.max_query_duration_ms),
                video: self.query_video,
                usage,
                ..self.clone()
            },
            clickprint_core::records::Use::Library => Limits {
                usage,
                ..self.clone()
            },
        }
    }

    /// These limits with the decode's and the download's wall clocks cut to
    /// `left`, for work that must end within a caller's deadline.
    pub fn within(&self, left: Duration) -> Limits {
        Limits {
            timeout: self.timeout.min(left),
            fetch: clickprint_fetch::Policy {
                timeout: self.fetch.timeout.min(left),
                ..self.fetch.clone()
            },
            ..self.clone()
        }
    }
}

/// Receives decoded media.
pub trait Sink {
    /// Called once, before anything else, with what the input is.
    fn begin(&mut self, kind: Kind);
    /// A picture at `time_ms` (0 for an image), scaled to at most
    /// [`WORKING_SIZE`] on its longer side ([`IMAGE_WORKING_SIZE`] for a
    /// still image).
    fn picture(&mut self, time_ms: u32, luma: &Luma);
    /// Mono samples at [`SAMPLE_RATE`], in order.
    fn audio(&mut self, samples: &[f32]);
    /// True when the sink has seen enough: decoding stops there and
    /// [`decode`] returns what it has (a probe needs only the start).
    fn satisfied(&self) -> bool {
        false
    }
    /// Whether the sink wants the picture at `time_ms` in colour too, and
    /// at most how large on its longer side (previews do; fingerprints
    /// need only [`Sink::picture`]).
    fn wants_colour(&mut self, _time_ms: u32) -> Option<u32> {
        None
    }
    /// The picture at `time_ms` as packed RGB, when [`Sink::wants_colour`]
    /// asked for it.
    fn colour(&mut self, _time_ms: u32, _picture: &Rgb) {}
    /// Whether the sink wants the picture just given to
    /// [`Sink::picture`] again in more detail, and at most how large on
    /// its longer side (a query video's frames that are looked at for an
    /// inset: `fingerprint::video`).
    fn wants_detail(&mut self, _time_ms: u32) -> Option<u32> {
        None
    }
    /// The picture at `time_ms` in grey at the size
    /// [`Sink::wants_detail`] asked for (never scaled up).
    fn detail(&mut self, _time_ms: u32, _picture: &Luma) {}
}

/// A colour picture: packed 8-bit RGB, row after row.
#[derive(Debug, Clone)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// Initialises ffmpeg once, with its logging off: a UDF's stderr fails the
/// query (`stderr_reaction` throw), and every problem ffmpeg reports reaches
/// the caller as a typed error anyway.
fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
        // SAFETY: ffmpeg checks the callback for NULL before calling it;
        // with none, nothing is logged.
        unsafe { ffmpeg::ffi::av_log_set_callback(None) };
    });
}

/// Lowers the calling thread's processor priority to
/// [`BACKGROUND_NICE`](clickprint_core::media::BACKGROUND_NICE) when
/// `limits` ask it of media `length_ms` long and it has not `yielded` yet;
/// whether it has now.
fn yield_if_long(limits: &Limits, length_ms: u64, yielded: bool) -> bool {
    if yielded || limits.yield_after_ms.is_none_or(|after| length_ms <= after) {
        return yielded;
    }
    let nice = clickprint_core::media::BACKGROUND_NICE;
    // SAFETY: getpriority/setpriority on this thread's own id only read
    // and change its scheduling priority (Linux keeps nice values per
    // thread). Raising one's own nice value needs no privilege; a failure
    // (or an already higher value) leaves the priority as it was.
    unsafe {
        let thread = libc::gettid() as libc::id_t;
        if libc::getpriority(libc::PRIO_PROCESS, thread) < nice {
            libc::setpriority(libc::PRIO_PROCESS, thread, nice);
        }
    }
    true
}

/// A file opened for decoding: ffmpeg's input, the name errors give it,
/// and the deadline its decoding must meet.
struct Opened {
    input: ffmpeg::format::context::Input,
    name: String,
    deadline: Instant,
}

/// Opens `path` under `limits` (its size first, then ffmpeg's probe
/// within the time limit; local files only).
fn open(path: &Path, limits: &Limits) -> Result<Opened> {
    init();
    let name = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|reason| Error::Read {
            path: name.clone(),
            reason,
        })?
        .len();
    if size == 0 {
        return Err(Error::Empty(name));
    }
    if size > limits.max_file_bytes {
        return Err(Error::TooLarge {
            path: name,
            detail: format!("{size} bytes, the limit is {}", limits.max_file_bytes),
        });
    }
    let deadline = Instant::now() + limits.timeout;
    let timeout = || Error::Timeout {
        path: name.clone(),
        limit: limits.timeout,
    };

    let mut options = ffmpeg::Dictionary::new();
    options.set("protocol_whitelist", "file");
    let input = ffmpeg::format::input_with_interrupt_and_dictionary(
        path,
        move || Instant::now() > deadline,
        options,
    )
    .map_err(|e| match e {
        ffmpeg::Error::Exit => timeout(),
        // Interrupted while probing, ffmpeg may report the half-read input
        // as invalid data rather than as interrupted: past the deadline,
        // the deadline is the reason.
        _ if Instant::now() > deadline => timeout(),
        other => Error::Unrecognized {
            path: name.clone(),
            detail: other.to_string(),
        },
    })?;
    Ok(Opened {
        input,
        name,
        deadline,
    })
}

/// The cues of every text subtitle stream of `path`: a subtitle file (SRT,
/// WebVTT, ASS/SSA) or a media file's streams, in the order decoded, up to
/// [`clickprint_core::cues::MAX_CUES`]; `language` for the streams that
/// name none.
///
/// # Errors
/// As [`decode`]; [`Error::NoStream`] when there is no text subtitle
/// stream, [`Error::Corrupt`] when none of its cues could be read.
pub fn decode_cues(path: &Path, limits: &Limits, language: &str) -> Result<Cues> {
    let read = read_cues(path, limits, language)?;
    if read.streams == 0 {
        return Err(Error::NoStream(read.name));
    }
    if read.cues.kept.is_empty() {
        return Err(Error::Corrupt {
            path: read.name,
            detail: format!("no cue could be read ({} damaged)", read.damaged),
        });
    }
    Ok(read.cues)
}

/// The cues of a media file's text subtitle streams, for the dialogue
/// extractor: as [`decode_cues`], but a file without subtitle streams (or
/// whose cues are all damaged) has none, which is no error. Without a
/// subtitle stream the file is only opened, never read through.
///
/// # Errors
/// As [`decode`]: the file cannot be opened, or reading it takes too long.
pub fn stream_cues(path: &Path, limits: &Limits) -> Result<Cues> {
    Ok(read_cues(path, limits, "")?.cues)
}

/// What [`read_cues`] found.
struct ReadCues {
    cues: Cues,
    /// Text subtitle streams ffmpeg could decode.
    streams: usize,
    /// Packets that did not decode.
    damaged: u64,
    name: String,
}

fn read_cues(path: &Path, limits: &Limits, language: &str) -> Result<ReadCues> {
    let Opened {
        mut input,
        name,
        deadline,
    } = open(path, limits)?;
    let mut subtitles: Vec<SubtitleDecoder> = input
        .streams()
        .filter(|s| s.parameters().medium() == Type::Subtitle)
        .filter_map(|s| SubtitleDecoder::open(&input, s.index(), &name))
        .collect();
    let mut cues = Cues::default();
    let mut damaged = 0u64;
    if subtitles.is_empty() {
        return Ok(ReadCues {
            cues,
            streams: 0,
            damaged,
            name,
        });
    }
    for s in &mut subtitles {
        if s.language.is_empty() {
            language.clone_into(&mut s.language);
        }
    }
    for (stream, packet) in input.packets() {
        if Instant::now() > deadline {
            return Err(Error::Timeout {
                path: name,
                limit: limits.timeout,
            });
        }
        if let Some(s) = subtitles.iter_mut().find(|s| s.index == stream.index()) {
            s.decode(&packet, &mut |cue| cues.push(cue), &mut damaged);
        }
    }
    Ok(ReadCues {
        cues,
        streams: subtitles.len(),
        damaged,
        name,
    })
}

/// Decodes `path` into `sink`.
///
/// # Errors
/// A typed [`Error`] for unreadable, empty, unrecognised, unsupported,
/// corrupt, oversized or slow input; never a panic.
pub fn decode(path: &Path, limits: &Limits, sink: &mut dyn Sink) -> Result<MediaInfo> {
    let Opened {
        mut input,
        name,
        deadline,
    } = open(path, limits)?;
    let timeout = || Error::Timeout {
        path: name.clone(),
        limit: limits.timeout,
    };
    let container = input.format().name().to_owned();

    let declared_ms = if input.duration() > 0 {
        (input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE) * 1000.0) as u64
    } else {
        0
    };
    if declared_ms > limits.max_duration_ms {
        return Err(Error::TooLarge {
            path: name,
            detail: format!(
                "{} s long, {}",
                declared_ms / 1000,
                duration_limit_words(limits.max_duration_ms)
            ),
        });
    }
    // Before the decoders open, so the threads ffmpeg starts for them
    // inherit the priority.
    let mut yielded = yield_if_long(limits, declared_ms, false);

    // Cover art in a music file is a "video" stream marked as attached
    // picture; it is not the media.
    let is_picture = |s: &ffmpeg::format::stream::Stream<'_>| {
        s.parameters().medium() == Type::Video
            && !s
                .disposition()
                .contains(ffmpeg::format::stream::Disposition::ATTACHED_PIC)
    };
    let picture_stream = input
        .streams()
        .best(Type::Video)
        .filter(is_picture)
        .or_else(|| input.streams().find(is_picture))
        .map(|s| s.index());
    let sound_stream = input.streams().best(Type::Audio).map(|s| s.index());
    let is_still = is_still_image_format(&container);
    let kind = match (picture_stream, sound_stream) {
        (Some(_), _) if is_still => Kind::Image,
        (Some(_), _) => Kind::Video,
        (None, Some(_)) => Kind::Audio,
        (None, None) => return Err(Error::NoStream(name)),
    };

    let mut pictures = match picture_stream {
        Some(index) => Some(PictureDecoder::open(
            &input,
            index,
            limits,
            &name,
            if kind == Kind::Image {
                IMAGE_WORKING_SIZE
            } else {
                WORKING_SIZE
            },
        )?),
        None => None,
    };
    let mut sound = match (kind, sound_stream) {
        (Kind::Image, _) | (_, None) => None,
        (_, Some(index)) => Some(SoundDecoder::open(&input, index, &name)?),
    };

    sink.begin(kind);
    let mut info = MediaInfo {
        kind,
        container,
        duration_ms: 0,
        declared_ms,
        width: pictures.as_ref().map_or(0, |p| p.width),
        height: pictures.as_ref().map_or(0, |p| p.height),
        // Set at the end: whether any sound actually decoded.
        has_audio: false,
        frames_decoded: 0,
        decode_errors: 0,
    };

    let mut last_ms = 0u64;
    for (stream, packet) in input.packets() {
        if Instant::now() > deadline {
            return Err(timeout());
        }
        let index = stream.index();
        if let Some(p) = pictures.as_mut().filter(|p| p.index == index) {
            p.send(&packet, &mut info);
            p.drain(sink, &mut info, &mut last_ms)?;
            if kind == Kind::Image && info.frames_decoded > 0 {
                break;
            }
        } else if let Some(s) = sound.as_mut().filter(|s| s.index == index) {
            s.send(&packet, &mut info);
            s.drain(sink, &mut last_ms)?;
        }
        if last_ms > limits.max_duration_ms {
            return Err(Error::TooLarge {
                path: name,
                detail: format!(
                    "still going at {} s, {}",
                    last_ms / 1000,
                    duration_limit_words(limits.max_duration_ms)
                ),
            });
        }
        yielded = yield_if_long(limits, last_ms, yielded);
        if sink.satisfied() {
            info.duration_ms = last_ms;
            info.has_audio = sound.as_ref().is_some_and(|s| s.samples_out > 0);
            return Ok(info);
        }
    }
    // The interrupt callback ends reading with an error the packet
    // iterator treats as the end of input: tell the two apart here.
    if Instant::now() > deadline {
        return Err(timeout());
    }
    if let Some(p) = pictures.as_mut()
        && !(kind == Kind::Image && info.frames_decoded > 0)
    {
        let _ = p.decoder.send_eof();
        p.drain(sink, &mut info, &mut last_ms)?;
    }
    if let Some(s) = sound.as_mut() {
        let _ = s.decoder.send_eof();
        s.drain(sink, &mut last_ms)?;
        s.flush(sink)?;
    }
    let decoded_sound = sound.as_ref().is_some_and(|s| s.samples_out > 0);
    if info.frames_decoded == 0 && !decoded_sound {
        return Err(Error::Corrupt {
            path: name,
            detail: format!(
                "no picture or sound could be decoded ({} damaged packets)",
                info.decode_errors
            ),
        });
    }
    info.has_audio = decoded_sound;
    info.duration_ms = match kind {
        Kind::Image => 0,
        _ => last_ms.max(
            sound
                .as_ref()
                .map_or(0, |s| s.samples_out * 1000 / u64::from(SAMPLE_RATE)),
        ),
    };
    Ok(info)
}

/// What an input is, from its container and its first decoded picture or
/// second of sound, without decoding the rest: for deciding whether to
/// take it (its modality, its declared duration) before doing the work.
///
/// # Errors
/// As [`decode`], for what the start of the input shows.
pub fn probe(path: &Path, limits: &Limits) -> Result<MediaInfo> {
    /// Satisfied by one picture or a second of sound.
    #[derive(Default)]
    struct Start {
        pictures: u32,
        samples: usize,
    }
    impl Sink for Start {
        fn begin(&mut self, _: Kind) {}
        fn picture(&mut self, _: u32, _: &Luma) {
            self.pictures += 1;
        }
        fn audio(&mut self, samples: &[f32]) {
            self.samples += samples.len();
        }
        fn satisfied(&self) -> bool {
            self.pictures > 0 || self.samples >= SAMPLE_RATE as usize
        }
    }
    decode(path, limits, &mut Start::default())
}

/// A stream's decoder (not yet specialised to pictures or sound), its
/// codec, and the stream for its time base; decoding in `threads` threads
/// (ffmpeg's frame threading) when more than one.
fn open_decoder<'a>(
    input: &'a ffmpeg::format::context::Input,
    index: usize,
    path: &str,
    threads: usize,
) -> Result<(
    ffmpeg::decoder::Decoder,
    ffmpeg::codec::Id,
    ffmpeg::format::stream::Stream<'a>,
)> {
    let stream = input
        .stream(index)
        .ok_or_else(|| Error::NoStream(path.to_owned()))?;
    let codec = stream.parameters().id();
    let mut context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::Ffmpeg(e.to_string()))?;
    if threads > 1 {
        context.set_threading(ffmpeg::codec::threading::Config {
            kind: ffmpeg::codec::threading::Type::Frame,
            count: threads,
            ..Default::default()
        });
    }
    Ok((context.decoder(), codec, stream))
}

/// A stream's time base in seconds per timestamp tick (0 when the
/// container declares none).
fn seconds_per_tick(stream: &ffmpeg::format::stream::Stream<'_>) -> f64 {
    let tb = stream.time_base();
    if tb.denominator() != 0 {
        f64::from(tb.numerator()) / f64::from(tb.denominator())
    } else {
        0.0
    }
}

fn unsupported(path: &str, codec: ffmpeg::codec::Id, error: ffmpeg::Error) -> Error {
    Error::Unsupported {
        path: path.to_owned(),
        detail: format!("{codec:?}: {error}"),
    }
}

/// A text subtitle stream's decoder: each packet is one event (a cue),
/// timed by the packet (start at its presentation time, end after its
/// duration; the event's own display times when the container gives no
/// duration).
struct SubtitleDecoder {
    index: usize,
    decoder: ffmpeg::decoder::Subtitle,
    time_base: f64,
    language: String,
}

impl SubtitleDecoder {
    /// The decoder of subtitle stream `index`; `None` when ffmpeg has no
    /// decoder for it (the stream is then ignored, as a data stream is).
    fn open(
        input: &ffmpeg::format::context::Input,
        index: usize,
        path: &str,
    ) -> Option<SubtitleDecoder> {
        let (decoder, _, stream) = open_decoder(input, index, path, 1).ok()?;
        let decoder = decoder.subtitle().ok()?;
        let time_base = seconds_per_tick(&stream);
        let language = stream
            .metadata()
            .get("language")
            .unwrap_or_default()
            .to_owned();
        Some(SubtitleDecoder {
            index,
            decoder,
            time_base,
            language,
        })
    }

    /// Decodes one packet: its cue to `on_cue`, damage counted in `errors`.
    fn decode(&mut self, packet: &ffmpeg::Packet, on_cue: &mut dyn FnMut(Cue), errors: &mut u64) {
        let Some(pts) = packet.pts().or(packet.dts()) else {
            *errors += 1;
            return;
        };
        let ms = |ts: i64| (ts as f64 * self.time_base * 1000.0).round().max(0.0) as u64;
        let mut subtitle = ffmpeg::Subtitle::new();
        match self.decoder.decode(packet, &mut subtitle) {
            Ok(true) => {
                let at = ms(pts);
                let start = at + u64::from(subtitle.start());
                let end = if packet.duration() > 0 {
                    ms(pts + packet.duration())
                } else if subtitle.end() > subtitle.start() && subtitle.end() != u32::MAX {
                    at + u64::from(subtitle.end())
                } else {
                    start
                };
                let clamp = |t: u64| t.min(u64::from(u32::MAX)) as u32;
                let text: Vec<String> = subtitle.rects().filter_map(|r| rect_text(&r)).collect();
                if let Some(cue) =
                    Cue::new(clamp(start), clamp(end), &self.language, &text.join("\n"))
                {
                    on_cue(cue);
                }
            }
            Ok(false) => {}
            Err(_) => *errors += 1,
        }
        // SAFETY: frees what the decoder allocated in `subtitle` (its
        // rects); ffmpeg-next's `Subtitle` does not free it on drop.
        unsafe { ffmpeg::ffi::avsubtitle_free(subtitle.as_mut_ptr()) };
    }
}

/// The words of a decoded subtitle rect, as plain text; `None` for a
/// bitmap or an empty rect.
fn rect_text(rect: &ffmpeg::codec::subtitle::Rect<'_>) -> Option<String> {
    use ffmpeg::codec::subtitle::Rect;
    // SAFETY: a decoded rect's pointer is valid while its subtitle lives
    // (the caller holds it); its `ass` and `text` are NULL or
    // NUL-terminated strings, copied here (lossily: ffmpeg checks their
    // UTF-8, this does not rely on it, unlike ffmpeg-next's `get`).
    let raw = unsafe {
        match rect {
            Rect::Ass(a) => (*a.as_ptr()).ass,
            Rect::Text(t) => (*t.as_ptr()).text,
            _ => return None,
        }
    };
    if raw.is_null() {
        return None;
    }
    // SAFETY: not NULL, NUL-terminated (above).
    let raw = unsafe { std::ffi::CStr::from_ptr(raw) };
    Some(plain_text(&raw.to_string_lossy()))
}

/// Containers that hold one still picture (GIF counts: its first frame).
fn is_still_image_format(container: &str) -> bool {
    container == "image2" || container.ends_with("_pipe") || container == "gif"
}

/// What a scaler was made for: input format and size, output size.
type ScaleKey = (Pixel, u32, u32, u32, u32);

struct PictureDecoder {
    index: usize,
    decoder: ffmpeg::decoder::Video,
    time_base: f64,
    width: u32,
    height: u32,
    scaler: Option<(scaling::Context, ScaleKey)>,
    colour_scaler: Option<(scaling::Context, ScaleKey)>,
    detail_scaler: Option<(scaling::Context, ScaleKey)>,
    max_pixels: u64,
    path: String,
    /// The longest side pictures are scaled to.
    side: u32,
}

impl PictureDecoder {
    fn open(
        input: &ffmpeg::format::context::Input,
        index: usize,
        limits: &Limits,
        path: &str,
        side: u32,
    ) -> Result<Self> {
        let (mut decoder, codec, stream) =
            open_decoder(input, index, path, limits.video.thread_count())?;
        let how = limits.video;
        if how.skip_loop_filter {
            decoder.skip_loop_filter(ffmpeg::Discard::All);
        }
        if how.skip_non_reference {
            decoder.skip_frame(ffmpeg::Discard::NonReference);
        }
        let decoder = decoder.video().map_err(|e| unsupported(path, codec, e))?;
        let (width, height) = (decoder.width(), decoder.height());
        if u64::from(width) * u64::from(height) > limits.max_pixels {
            return Err(Error::TooLarge {
                path: path.to_owned(),
                detail: format!(
                    "{width}x{height} pixels, the limit is {} pixels",
                    limits.max_pixels
                ),
            });
        }
        let time_base = seconds_per_tick(&stream);
        Ok(PictureDecoder {
            index,
            decoder,
            time_base,
            width,
            height,
            scaler: None,
            colour_scaler: None,
            detail_scaler: None,
            max_pixels: limits.max_pixels,
            path: path.to_owned(),
            side,
        })
    }

    fn send(&mut self, packet: &ffmpeg::Packet, info: &mut MediaInfo) {
        if self.decoder.send_packet(packet).is_err() {
            info.decode_errors += 1;
        }
    }

    fn drain(
        &mut self,
        sink: &mut dyn Sink,
        info: &mut MediaInfo,
        last_ms: &mut u64,
    ) -> Result<()> {
        let mut decoded = frame::Video::empty();
        while self.decoder.receive_frame(&mut decoded).is_ok() {
            let (w, h, format) = (decoded.width(), decoded.height(), decoded.format());
            if w == 0 || h == 0 {
                continue;
            }
            if u64::from(w) * u64::from(h) > self.max_pixels {
                return Err(Error::TooLarge {
                    path: self.path.clone(),
                    detail: format!("a {w}x{h} frame, the limit is {} pixels", self.max_pixels),
                });
            }
            let time_ms = decoded
                .timestamp()
                .map_or(*last_ms as f64, |ts| ts as f64 * self.time_base * 1000.0)
                .max(0.0) as u64;
            *last_ms = (*last_ms).max(time_ms);
            let time_ms = time_ms.min(u64::from(u32::MAX)) as u32;
            let luma = self.scale_to_luma(&decoded, format, w, h, None)?;
            sink.picture(time_ms, &luma);
            if let Some(side) = sink.wants_detail(time_ms) {
                let detailed = self.scale_to_luma(&decoded, format, w, h, Some(side))?;
                sink.detail(time_ms, &detailed);
            }
            if let Some(side) = sink.wants_colour(time_ms) {
                let rgb = self.scale_to_rgb(&decoded, format, w, h, side)?;
                sink.colour(time_ms, &rgb);
            }
            info.frames_decoded += 1;
        }
        Ok(())
    }

    fn scale_to_rgb(
        &mut self,
        decoded: &frame::Video,
        format: Pixel,
        w: u32,
        h: u32,
        side: u32,
    ) -> Result<Rgb> {
        let (width, height) = fit(w, h, side);
        let pixels = scale_packed(
            &mut self.colour_scaler,
            decoded,
            (format, w, h, width, height),
            (Pixel::RGB24, 3),
            &self.path,
        )?;
        Ok(Rgb {
            width,
            height,
            pixels,
        })
    }

    /// The picture in grey, at the decoder's side or at `detail` px (a
    /// sink's detailed picture, with a scaler of its own).
    fn scale_to_luma(
        &mut self,
        decoded: &frame::Video,
        format: Pixel,
        w: u32,
        h: u32,
        detail: Option<u32>,
    ) -> Result<Luma> {
        let (out_w, out_h) = fit(w, h, detail.unwrap_or(self.side));
        let slot = match detail {
            Some(_) => &mut self.detail_scaler,
            None => &mut self.scaler,
        };
        let pixels = scale_packed(
            slot,
            decoded,
            (format, w, h, out_w, out_h),
            (Pixel::GRAY8, 1),
            &self.path,
        )?;
        Ok(Luma::new(out_w, out_h, pixels))
    }
}

/// Scales `decoded` as `key` says (input format and size, output size)
/// into `target` (a packed format of that many bytes a pixel), with the
/// scaler kept in `slot` (made again when the input changes); the rows
/// packed without padding.
fn scale_packed(
    slot: &mut Option<(scaling::Context, ScaleKey)>,
    decoded: &frame::Video,
    key: ScaleKey,
    (target, bytes_per_pixel): (Pixel, usize),
    path: &str,
) -> Result<Vec<u8>> {
    let (format, w, h, out_w, out_h) = key;
    if slot.as_ref().is_none_or(|(_, k)| *k != key) {
        let context =
            scaling::Context::get(format, w, h, target, out_w, out_h, scaling::Flags::AREA)
                .map_err(|e| Error::Unsupported {
                    path: path.to_owned(),
                    detail: format!("pixel format {format:?}: {e}"),
                })?;
        *slot = Some((context, key));
    }
    let Some((scaler, _)) = slot.as_mut() else {
        unreachable!("scaler set above")
    };
    let mut scaled = frame::Video::empty();
    scaler
        .run(decoded, &mut scaled)
        .map_err(|e| Error::Ffmpeg(format!("scaling: {e}")))?;
    let stride = scaled.stride(0);
    let data = scaled.data(0);
    let row_bytes = out_w as usize * bytes_per_pixel;
    let mut pixels = Vec::with_capacity(row_bytes * out_h as usize);
    for row in 0..out_h as usize {
        pixels.extend_from_slice(&data[row * stride..row * stride + row_bytes]);
    }
    Ok(pixels)
}

/// `w` x `h` scaled down (never up) to at most `side` on the longer side.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let scale = f64::from(side) / f64::from(w.max(h));
    if scale < 1.0 {
        (
            ((f64::from(w) * scale).round() as u32).max(1),
            ((f64::from(h) * scale).round() as u32).max(1),
        )
    } else {
        (w, h)
    }
}

struct SoundDecoder {
    index: usize,
    decoder: ffmpeg::decoder::Audio,
    resampler: Option<(resampling::Context, (Sample, u64, u32))>,
    samples_out: u64,
    path: String,
}

impl SoundDecoder {
    fn open(input: &ffmpeg::format::context::Input, index: usize, path: &str) -> Result<Self> {
        let (decoder, codec, _) = open_decoder(input, index, path, 1)?;
        let decoder = decoder.audio().map_err(|e| unsupported(path, codec, e))?;
        Ok(SoundDecoder {
            index,
            decoder,
            resampler: None,
            samples_out: 0,
            path: path.to_owned(),
        })
    }

    fn send(&mut self, packet: &ffmpeg::Packet, info: &mut MediaInfo) {
        if self.decoder.send_packet(packet).is_err() {
            info.decode_errors += 1;
        }
    }

    fn drain(&mut self, sink: &mut dyn Sink, last_ms: &mut u64) -> Result<()> {
        let mut decoded = frame::Audio::empty();
        while self.decoder.receive_frame(&mut decoded).is_ok() {
            if decoded.samples() == 0 || decoded.rate() == 0 {
                continue;
            }
            let layout = if decoded.channel_layout().is_empty() {
                ChannelLayout::default(i32::from(decoded.channels()))
            } else {
                decoded.channel_layout()
            };
            let key = (decoded.format(), layout.bits(), decoded.rate());
            if self.resampler.as_ref().is_none_or(|(_, k)| *k != key) {
                // A 16-tap filter instead of swresample's default 32: the
                // landmarks use 62 Hz-3.75 kHz, far from the 4 kHz edge
                // where a shorter filter's wider transition band shows, and
                // resampling was half the cost of fingerprinting audio.
                let mut options = ffmpeg::Dictionary::new();
                options.set("filter_size", "16");
                let context = resampling::Context::get_with(
                    decoded.format(),
                    layout,
                    decoded.rate(),
                    Sample::F32(sample::Type::Packed),
                    ChannelLayout::MONO,
                    SAMPLE_RATE,
                    options,
                )
                .map_err(|e| Error::Unsupported {
                    path: self.path.clone(),
                    detail: format!("audio format: {e}"),
                })?;
                self.resampler = Some((context, key));
            }
            decoded.set_channel_layout(layout);
            let capacity = decoded.samples() * SAMPLE_RATE as usize / decoded.rate() as usize + 256;
            let mut out = frame::Audio::new(
                Sample::F32(sample::Type::Packed),
                capacity,
                ChannelLayout::MONO,
            );
            let Some((resampler, _)) = self.resampler.as_mut() else {
                unreachable!("resampler set above")
            };
            resampler
                .run(&decoded, &mut out)
                .map_err(|e| Error::Ffmpeg(format!("resampling: {e}")))?;
            self.emit(&out, sink);
            *last_ms = (*last_ms).max(self.samples_out * 1000 / u64::from(SAMPLE_RATE));
        }
        Ok(())
    }

    fn flush(&mut self, sink: &mut dyn Sink) -> Result<()> {
        let Some((resampler, _)) = self.resampler.as_mut() else {
            return Ok(());
        };
        loop {
            let mut out =
                frame::Audio::new(Sample::F32(sample::Type::Packed), 4096, ChannelLayout::MONO);
            match resampler.flush(&mut out) {
                Ok(_) if out.samples() > 0 => self.samples_out += emit_samples(&out, sink),
                _ => return Ok(()),
            }
        }
    }

    fn emit(&mut self, out: &frame::Audio, sink: &mut dyn Sink) {
        self.samples_out += emit_samples(out, sink);
    }
}

/// Hands a resampled mono frame to the sink; returns how many samples.
fn emit_samples(out: &frame::Audio, sink: &mut dyn Sink) -> u64 {
    let n = out.samples();
    if n > 0 {
        sink.audio(&out.plane::<f32>(0)[..n]);
    }
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_decoding_reads_its_words_and_refuses_others() {
        assert_eq!(VideoDecoding::parse("library"), Ok(VideoDecoding::LIBRARY));
        assert_eq!(VideoDecoding::parse(" query "), Ok(VideoDecoding::QUERY));
        assert_eq!(
            VideoDecoding::parse("threads=2, skip-non-reference"),
            Ok(VideoDecoding {
                threads: 2,
                skip_loop_filter: false,
                skip_non_reference: true,
            })
        );
        assert_eq!(VideoDecoding::parse(""), Ok(VideoDecoding::LIBRARY));
        let refused = VideoDecoding::parse("threads=many").unwrap_err();
        assert!(refused.starts_with("`threads=many`: expected"), "{refused}");
        assert!(VideoDecoding::parse("skip-everything").is_err());
        assert!(VideoDecoding::parse("threads=65").is_err());
        assert_eq!(VideoDecoding::LIBRARY.thread_count(), 1);
        assert!((1..=4).contains(&VideoDecoding::QUERY.thread_count()));
    }
}
