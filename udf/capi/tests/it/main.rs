//! Tests of the C ABI: the committed header matches the code, a real C
//! program compiled against it works, and errors map to status codes.
//!
//! Where new tests go: `header` (the generated header), `c_program`
//! (through a C compiler), `status` (calls from Rust through the extern
//! functions).

mod c_program;
mod header;
mod status;
