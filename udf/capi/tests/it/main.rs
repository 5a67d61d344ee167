//! Tests of the C ABI: the committed header matches the code, real C
//! programs compiled against it work, errors map to status codes, and the
//! PCM API agrees with the library's own decoder.
//!
//! Where new tests go: `header` (the generated header), `c_program`
//! (through a C compiler), `status` (calls from Rust through the extern
//! functions: errors and refused arguments), `pcm` (the PCM API's
//! landmarks against a decoded file's).

mod c_program;
mod header;
mod pcm;
mod status;
