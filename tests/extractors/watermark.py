#!/usr/bin/env python3
"""A plug-in extractor written as a third party would write one (issue 21),
for the tests: it reads the watermark `CLICKPRINT-WM:<number>` that a file
carries anywhere in its bytes and emits it as one key, so two files with
the same mark match whatever their pictures or sounds are.

The contract (udf/README.md, "Plug-in extractors"): ClickHouse starts it
with the configured command (`watermark.py --band 200`) and writes rows of
(source String, modality String, purpose String) in RowBinary to its
standard input; for each it answers rows of (kind String, time_ms UInt32,
item UInt32, record String, keys Array(Tuple(UInt8, UInt32))) in RowBinary,
the last one of kind `end`. Standard library only.

With `--cue` it also says, as dialogue would, which mark it saw: one `cue`
row per mark (udf/README.md, "Cue rows": record `END_MS<tab>LANGUAGE<tab>TEXT`),
which clickprint stores only when the declaration has `outputs = ["cues"]`.
"""

import re
import struct
import sys

MARK = re.compile(rb"CLICKPRINT-WM:(\d{1,9})")


def read_varint(stream):
    shift, value = 0, 0
    while True:
        byte = stream.read(1)
        if not byte:
            return None
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value
        shift += 7


def read_string(stream):
    length = read_varint(stream)
    if length is None:
        return None
    data = stream.read(length)
    if len(data) != length:
        raise SystemExit("watermark: a row was cut short")
    return data.decode("utf-8")


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def string(text):
    data = text.encode("utf-8")
    return varint(len(data)) + data


def row(kind, time_ms, item, record, keys):
    out = string(kind) + struct.pack("<II", time_ms, item) + string(record)
    out += varint(len(keys))
    for band, key in keys:
        out += struct.pack("<BI", band, key)
    return out


def main():
    band = int(sys.argv[sys.argv.index("--band") + 1]) if "--band" in sys.argv else 200
    cues = "--cue" in sys.argv
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        source = read_string(stdin)
        if source is None:
            break
        modality, purpose = read_string(stdin), read_string(stdin)
        with open(source, "rb") as media:
            marks = sorted({int(m) for m in MARK.findall(media.read())})
        for item, mark in enumerate(marks, start=1):
            record = f"{mark}\t{modality}\t{purpose}"
            stdout.write(row("watermark", 0, item, record, [(band, mark)]))
            if cues and purpose == "item":
                stdout.write(row("cue", 0, item, f"1000\tzxx\tWatermark {mark} present", []))
        stdout.write(row("end", 0, 0, "", []))
    stdout.flush()


if __name__ == "__main__":
    main()
