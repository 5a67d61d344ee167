-- clickprint's Arrow Flight sidecar read from a clickhouse-server (25.8 or
-- later has arrowFlight; the embedded engine, chDB 26.9, does not, and uses
-- the sidecar through the UDF executables instead). Start the sidecar with
-- credentials (clickhouse-config/sidecar/) and replace the password.
-- Datasets and their columns: udf/flight/README.md, "The sidecar".

-- The fingerprint rows of one file, as the ingest's extract gives them.
SELECT kind, count() AS records, uniqExact(time_ms) AS times, sum(length(keys)) AS keys
FROM arrowFlight('127.0.0.1:8815', 'extract?uri=/data/media/clip.mp4', 'clickhouse', 'change-me')
GROUP BY kind
ORDER BY kind;

-- The query side of a search for a URL (downloaded by the sidecar under
-- its fetch policy): its lookup keys and packed fingerprint.
SELECT length(keys) AS lookup_keys, length(fingerprint) AS fingerprint_bytes
FROM arrowFlight('127.0.0.1:8815', 'query?uri=https%3A%2F%2Fexample.com%2Fa.jpg', 'clickhouse', 'change-me');

-- One file against another, without a library: score and aligned ranges.
SELECT score, query_start_ms, query_end_ms, reference_start_ms, reference_end_ms, evidence
FROM arrowFlight('127.0.0.1:8815',
                 'compare?query=/data/queries/excerpt.mp3&reference=/data/media/track.mp3',
                 'clickhouse', 'change-me');
