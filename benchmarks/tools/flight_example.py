"""Fingerprints and verdicts from clickprint's Arrow Flight sidecar, with pyarrow.

    PYTHONPATH=.deps/pyarrow python3 benchmarks/tools/flight_example.py \
        grpc://127.0.0.1:8815 ORIGINAL COPY [USER PASSWORD]

Prints one JSON object:
  extract  - the fingerprint rows of ORIGINAL (dataset `extract?uri=...`,
             read the way ClickHouse's arrowFlight() reads it: GetFlightInfo
             on a path descriptor, then DoGet on every endpoint's ticket);
  query    - a batch extraction of both files' query sides (DoExchange
             `query`: a `source` column in, keys and packed fingerprints out);
  compare  - the verdict of ORIGINAL as a copy of COPY's source (dataset
             `compare?query=...&reference=...`).
The tests run this script (udf/media/tests/it/sidecar.rs) and check its output
against the library.
"""
import json
import sys
import urllib.parse

import pyarrow as pa
import pyarrow.flight as flight


def read_dataset(client, dataset, options):
    descriptor = flight.FlightDescriptor.for_path(dataset)
    info = client.get_flight_info(descriptor, options)
    tables = [client.do_get(e.ticket, options).read_all() for e in info.endpoints]
    return pa.concat_tables(tables)


def main():
    location, original, copy = sys.argv[1:4]
    client = flight.FlightClient(location)
    options = flight.FlightCallOptions()
    if len(sys.argv) > 5:
        # Basic credentials for a bearer token, as Arrow's clients do.
        header = client.authenticate_basic_token(sys.argv[4], sys.argv[5])
        options = flight.FlightCallOptions(headers=[header])

    quote = lambda s: urllib.parse.quote(s, safe="")
    rows = read_dataset(client, "extract?uri=" + quote(original), options).to_pylist()

    sources = pa.table({"source": [copy, original]})
    writer, reader = client.do_exchange(flight.FlightDescriptor.for_command(b"query"), options)
    writer.begin(sources.schema)
    writer.write_table(sources)
    writer.done_writing()
    answers = reader.read_all().to_pylist()
    writer.close()

    verdict = read_dataset(
        client, f"compare?query={quote(copy)}&reference={quote(original)}", options
    ).to_pylist()[0]

    print(json.dumps({
        "extract": [
            {**r, "record": r["record"].hex(), "keys": [[k["band"], k["key"]] for k in r["keys"]]}
            for r in rows
        ],
        "query": [
            {"keys": len(a["keys"]), "fingerprint": a["fingerprint"].hex()} for a in answers
        ],
        "compare": verdict,
    }))


if __name__ == "__main__":
    main()
