//! Dialogue: the cues of a video's subtitle streams (SRT, ASS/SSA,
//! WebVTT, mov_text), as plain text with their time ranges. The decoder
//! in `clickprint-media` hands over each cue's raw text (an ASS event line
//! or a plain text); here it becomes the text a search reads (override
//! tags and line-break codes gone), bounded, and the `cue` row's record
//! ([`Cue::record`]), whose layout `sql/clickhouse/schema.sql` reads back
//! into `clickprint.fp_cues`.
//!
//! Bounds: at most [`MAX_CUES`] cues per media item (the rest are
//! dropped, counted in [`Cues::dropped`]), at most [`MAX_CUE_TEXT`] bytes of
//! text per cue (cut at a character boundary), a language tag of at most
//! [`MAX_LANGUAGE`] bytes. Subtitles add rows of their own only: no
//! fingerprint record depends on them.

/// Cues kept per media item at most: a two-hour film has about 1,500, a
/// fully subtitled series episode with several languages under 10,000.
pub const MAX_CUES: usize = 20_000;
/// Bytes of text kept per cue at most (a cue on screen is two short
/// lines; this bounds a hostile file's rows, not real dialogue).
pub const MAX_CUE_TEXT: usize = 1_000;
/// Bytes of a stream's language tag kept at most (`eng`, `pt-BR`).
pub const MAX_LANGUAGE: usize = 16;
/// The first cue number of cues read from a subtitle file given with an
/// item (`clickprint-udf cues`; [`file_cue_number`]): an item's own
/// streams number theirs from 1 and never reach it ([`MAX_CUES`]), so the
/// two sets never share a row key in `fp_cues` (whose key holds the cue's
/// number).
pub const FILE_CUES_FROM: u32 = 1 << 24;
/// Cue numbers each subtitle file has to itself: more than [`MAX_CUES`].
pub const FILE_CUE_SLOT: u32 = 1 << 15;

/// The number of a subtitle file's `n`th cue (from 0): in the file's own
/// slot past [`FILE_CUES_FROM`], chosen by `file_key` (from the file's
/// content and language). The same file given twice gets the same
/// numbers, so its rows fold into one; two files (a translation with the
/// same timings) get different slots, so neither replaces the other's
/// cues (unless their keys collide: 1 in 65,536).
pub fn file_cue_number(file_key: u16, n: u32) -> u32 {
    FILE_CUES_FROM + u32::from(file_key) * FILE_CUE_SLOT + n.min(FILE_CUE_SLOT - 1)
}

/// A subtitle file's key for [`file_cue_number`]: FNV-1a of its content's
/// hash and its language, folded to 16 bits.
pub fn file_key(content_sha256: &str, language: &str) -> u16 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in content_sha256.bytes().chain([0]).chain(language.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash ^ (hash >> 16) ^ (hash >> 32) ^ (hash >> 48)) as u16
}

/// One cue: what is said (or shown) from `start_ms` to `end_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// When it appears, ms from the start of the media.
    pub start_ms: u32,
    /// When it goes, ms (at least `start_ms`).
    pub end_ms: u32,
    /// Its stream's language tag as the container gives it (`eng`,
    /// `fre`; empty when none or `und`).
    pub language: String,
    /// The text, lines joined by `\n`, no tabs.
    pub text: String,
}

impl Cue {
    /// A cue of plain `text` (a decoder's text through [`plain_text`]),
    /// bounded, tabs as spaces; `None` when no text is left.
    pub fn new(start_ms: u32, end_ms: u32, language: &str, text: &str) -> Option<Cue> {
        let text = cut(text.replace('\t', " ").trim(), MAX_CUE_TEXT).to_owned();
        if text.is_empty() {
            return None;
        }
        let language = language.trim();
        let language = match language {
            "und" => "",
            other => cut(other, MAX_LANGUAGE),
        };
        Some(Cue {
            start_ms,
            end_ms: end_ms.max(start_ms),
            language: language.replace(['\t', '\n'], ""),
            text,
        })
    }

    /// The `cue` row's record: `END_MS \t LANGUAGE \t TEXT`, UTF-8, the end
    /// in decimal ms (the start is the row's `time_ms`, the cue's number
    /// its `item`). Text, not bytes, so that `fp_cues_mv` reads it with
    /// `splitByChar` and an analyst can read `fp_ingest`'s rows as they are;
    /// the text holds no tab ([`Cue::new`]).
    pub fn record(&self) -> Vec<u8> {
        format!("{}\t{}\t{}", self.end_ms, self.language, self.text).into_bytes()
    }
}

/// A subtitle decoder's text as the words on screen: for an ASS event
/// (`ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`, what
/// ffmpeg's text subtitle decoders give) its `Text` field; override tags
/// (`{\i1}`, `{\pos(1,2)}`) removed; `\N` and `\n` as line breaks, `\h` as a
/// space; HTML-like tags of SRT and WebVTT (`<i>`, `<c.yellow>`) removed;
/// each line trimmed, empty lines dropped, tabs as spaces.
pub fn plain_text(raw: &str) -> String {
    let text = ass_text(raw).unwrap_or(raw);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'\\') => {
                // An override block: skip to its end (or the text's).
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
            }
            '\\' => match chars.peek() {
                Some('N' | 'n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('h') => {
                    chars.next();
                    out.push(' ');
                }
                _ => out.push('\\'),
            },
            '<' if markup_follows(chars.clone()) => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            '\t' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `Text` field of an ASS event line as ffmpeg's decoders give it
/// (eight fields and their commas before it, the first a number); `None`
/// for anything else.
fn ass_text(raw: &str) -> Option<&str> {
    let mut fields = raw.splitn(9, ',');
    let read_order = fields.next()?;
    if read_order.is_empty() || !read_order.trim().bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = fields.nth(7)?;
    Some(text.trim_end_matches(['\r', '\n']))
}

/// Whether what follows a `<` is a markup tag (`i>`, `/b>`, `c.yellow>`,
/// `font color="x">`) rather than text such as `<3` or `a < b`.
fn markup_follows(mut rest: impl Iterator<Item = char>) -> bool {
    let mut name = 0;
    for c in rest.by_ref().take(64) {
        match c {
            '/' if name == 0 => {}
            c if c.is_ascii_alphabetic() => name += 1,
            '>' | ' ' | '.' if name > 0 => return true,
            _ => return false,
        }
    }
    false
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_end()
}

/// A media item's cues as they are decoded: kept in order up to
/// [`MAX_CUES`], the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cues {
    /// The cues kept, in the order decoded (by stream, then by time
    /// within a stream as the container interleaves them).
    pub kept: Vec<Cue>,
    /// Cues past [`MAX_CUES`], not kept.
    pub dropped: u64,
}

impl Cues {
    /// Keeps `cue` if there is room.
    pub fn push(&mut self, cue: Cue) {
        if self.kept.len() < MAX_CUES {
            self.kept.push(cue);
        } else {
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_cues_get_numbers_of_their_own_past_the_streams() {
        let english = file_key(&"a".repeat(64), "eng");
        let french = file_key(&"b".repeat(64), "fre");
        assert_ne!(english, french);
        assert_eq!(
            english,
            file_key(&"a".repeat(64), "eng"),
            "the same file, the same key"
        );
        assert_ne!(
            english,
            file_key(&"a".repeat(64), "fre"),
            "another language, another key"
        );
        let first = file_cue_number(english, 0);
        assert!(first >= FILE_CUES_FROM && first > MAX_CUES as u32);
        assert_ne!(first, file_cue_number(french, 0));
        // Slots do not overlap, and the last slot's last number fits.
        assert_eq!(file_cue_number(english, 1), first + 1);
        assert!(
            file_cue_number(english, MAX_CUES as u32) < file_cue_number(english, 0) + FILE_CUE_SLOT
        );
        assert_eq!(
            file_cue_number(u16::MAX, FILE_CUE_SLOT - 1),
            FILE_CUES_FROM + (1 << 31) - 1
        );
    }

    #[test]
    fn ass_events_lose_their_fields_and_override_tags() {
        assert_eq!(
            plain_text(r"0,0,Default,,0,0,0,,{\i1}Hello{\i0} there,\Nfriend"),
            "Hello there,\nfriend"
        );
        assert_eq!(
            plain_text(r"12,0,Default,Bob,0,0,0,,{\pos(10,20)\c&H00FFFF&}Over\hhere"),
            "Over here"
        );
        // A plain text with commas is not mistaken for an event.
        assert_eq!(plain_text("Well, well, well"), "Well, well, well");
    }

    #[test]
    fn srt_and_webvtt_markup_goes_and_text_stays() {
        assert_eq!(
            plain_text("<i>Run!</i>\r\n<c.yellow>Now</c> <3 a < b"),
            "Run!\nNow <3 a < b"
        );
        assert_eq!(plain_text("  \n\t \n"), "");
        assert_eq!(plain_text("Ça\tva, Zoë?"), "Ça va, Zoë?");
    }

    #[test]
    fn a_cue_is_bounded_and_its_record_is_three_tab_separated_fields() {
        let text = plain_text(r"0,0,Default,,0,0,0,,Hi\Nyou");
        let cue = Cue::new(1_500, 3_250, "eng", &text).unwrap();
        assert_eq!(cue.record(), b"3250\teng\tHi\nyou".to_vec());
        let und = Cue::new(5, 1, "und", "x").unwrap();
        assert_eq!((und.language.as_str(), und.end_ms), ("", 5));
        assert_eq!(Cue::new(0, 1, "eng", &plain_text(r"{\i1}{\i0}")), None);
        assert_eq!(Cue::new(0, 1, "", "a\tb").unwrap().text, "a b");
        let long = "é".repeat(MAX_CUE_TEXT);
        let cue = Cue::new(0, 1, "", &long).unwrap();
        assert_eq!(cue.text.len(), MAX_CUE_TEXT, "500 two-byte characters");
        let mut cues = Cues::default();
        for _ in 0..MAX_CUES + 3 {
            cues.push(cue.clone());
        }
        assert_eq!((cues.kept.len(), cues.dropped), (MAX_CUES, 3));
    }
}
