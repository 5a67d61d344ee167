//! ClickHouse's `RowBinary` format, the few types clickprint's functions
//! exchange: unsigned integers and floats little-endian, strings (and
//! arrays) prefixed by their length as an unsigned LEB128 varint, tuples as
//! their fields back to back.
//!
//! Chosen by measurement (`benchmarks/udf_format.sh`, figures in
//! `benchmarks/README.md`): on the search path (the `query` and `rerank`
//! pools) it is the fastest format for ClickHouse to send and read back, or
//! level with `Native`; `TabSeparated` costs 1.9-2.5x (binary records are
//! escaped); `Native` is parsed faster for ingest's many small rows, but by
//! 0.5 us a row, under 0.2% of the decoding those rows come from. It also
//! needs no block framing: a pooled process answers each row as it comes.

use std::io::{self, BufRead, BufReader, Read, Write};

/// Reads `RowBinary` values.
#[derive(Debug)]
pub struct Reader<R> {
    input: BufReader<R>,
}

impl<R: Read> Reader<R> {
    /// Reads from `input`, buffered.
    pub fn new(input: R) -> Self {
        Reader {
            input: BufReader::with_capacity(1 << 16, input),
        }
    }

    /// Whether the input has ended (at a row boundary).
    ///
    /// # Errors
    /// When reading fails.
    pub fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.input.fill_buf()?.is_empty())
    }

    /// Whether more input is already buffered (no read needed to see it).
    pub fn has_buffered(&self) -> bool {
        !self.input.buffer().is_empty()
    }

    fn bytes<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut buf = [0u8; N];
        self.input.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// An unsigned LEB128 varint.
    ///
    /// # Errors
    /// On end of input or a varint longer than 64 bits.
    pub fn varint(&mut self) -> io::Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let [byte] = self.bytes::<1>()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "varint too long",
        ))
    }

    /// A `UInt8`.
    ///
    /// # Errors
    /// On end of input.
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }

    /// A `UInt32`.
    ///
    /// # Errors
    /// On end of input.
    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    /// A `UInt64`.
    ///
    /// # Errors
    /// On end of input.
    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }

    /// A `String`, at most `limit` bytes.
    ///
    /// # Errors
    /// On end of input or a longer string.
    pub fn string(&mut self, limit: usize) -> io::Result<Vec<u8>> {
        let len = self.length(limit)?;
        let mut buf = vec![0u8; len];
        self.input.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// An array's length, at most `limit`.
    ///
    /// # Errors
    /// On end of input or a longer array.
    pub fn length(&mut self, limit: usize) -> io::Result<usize> {
        let len = self.varint()?;
        usize::try_from(len)
            .ok()
            .filter(|&l| l <= limit)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("value of {len} bytes or elements is over the limit of {limit}"),
                )
            })
    }
}

/// Writes `RowBinary` values into a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl Writer {
    /// An unsigned LEB128 varint.
    pub fn varint(&mut self, mut value: u64) -> &mut Self {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.bytes.push(byte);
                return self;
            }
            self.bytes.push(byte | 0x80);
        }
    }

    /// A `UInt8`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes.push(v);
        self
    }

    /// A `UInt32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `UInt64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `Float32`.
    pub fn f32(&mut self, v: f32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `Float64`.
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `String`.
    pub fn string(&mut self, v: &[u8]) -> &mut Self {
        self.varint(v.len() as u64);
        self.bytes.extend_from_slice(v);
        self
    }

    /// Writes the buffer out and empties it.
    ///
    /// # Errors
    /// When writing fails.
    pub fn drain_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.bytes)?;
        self.bytes.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut w = Writer::default();
        w.varint(300).u32(7).string(b"abc").varint(0);
        assert_eq!(&w.bytes[..2], &[0xac, 0x02]);
        let mut r = Reader::new(&w.bytes[..]);
        assert_eq!(r.varint().unwrap(), 300);
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.string(10).unwrap(), b"abc");
        assert_eq!(r.length(0).unwrap(), 0);
        assert!(r.at_end().unwrap());
    }

    #[test]
    fn limits_and_truncation_are_errors() {
        let mut w = Writer::default();
        w.string(b"too long");
        assert!(Reader::new(&w.bytes[..]).string(3).is_err());
        assert!(Reader::new(&w.bytes[..4]).string(100).is_err());
        assert!(Reader::new(&[0xffu8; 11][..]).varint().is_err());
    }
}
