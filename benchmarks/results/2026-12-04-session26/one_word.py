# Pass 1 of a one-word text search three ways, wall ms, interleaved, same
# answers asserted: as text_search.sql counted it before (every cue holding
# the word, through fp_cues' text index), from a per-item count table
# (SummingMergeTree; session 25's ../2026-12-04-session25/text-word-counts/
# measure.py, which this extends), and from a row per cue and word
# (fp_cue_words as schema.sql now makes it), grouped by item with and
# without optimize_aggregation_in_order, and counting distinct cues.
#   DATA=DIR python3 ../2026-12-03-text-search-two-pass/make_table.py
#   DATA=DIR python3 one_word.py
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
s.query("""CREATE TABLE IF NOT EXISTS clickprint.fp_word_items (
    tenant_id UInt32, word String, language LowCardinality(String), media_id UInt64, cues Int64)
    ENGINE = SummingMergeTree ORDER BY (tenant_id, word, language, media_id)""")
s.query("""CREATE TABLE IF NOT EXISTS clickprint.fp_cue_words (
    tenant_id UInt32, word String, media_id UInt64, start_ms UInt32, item UInt32,
    language LowCardinality(String), extractor LowCardinality(String))
    ENGINE = ReplacingMergeTree ORDER BY (tenant_id, word, media_id, start_ms, item)""")
if s.query("SELECT count() FROM clickprint.fp_word_items", 'CSV').bytes().strip() == b'0':
    t = time.time()
    s.query("""INSERT INTO clickprint.fp_word_items
        SELECT tenant_id, word, language, media_id, count()
        FROM clickprint.fp_cues ARRAY JOIN arrayDistinct(splitByChar(' ', words)) AS word
        GROUP BY tenant_id, word, language, media_id""")
    s.query("OPTIMIZE TABLE clickprint.fp_word_items FINAL")
    print('counts filled in', round(time.time() - t, 1), 's;', s.query("SELECT count() FROM clickprint.fp_word_items", 'CSV').bytes().decode().strip(), 'rows')
if s.query("SELECT count() FROM clickprint.fp_cue_words", 'CSV').bytes().strip() == b'0':
    t = time.time()
    s.query("""INSERT INTO clickprint.fp_cue_words
        SELECT tenant_id, word, media_id, start_ms, item, language, extractor
        FROM clickprint.fp_cues ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word
        SETTINGS max_insert_threads = 2""")
    s.query("OPTIMIZE TABLE clickprint.fp_cue_words FINAL")
    print('postings filled in', round(time.time() - t, 1), 's;', s.query("SELECT count() FROM clickprint.fp_cue_words", 'CSV').bytes().decode().strip(), 'rows')
    print(s.query("SELECT table, sum(rows), formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE active AND database='clickprint' GROUP BY table", 'CSV'))
deleted = "NOT has((SELECT groupArray(media_id) FROM clickprint.media_deleted WHERE tenant_id = 5), media_id)"
def index(word):
    return f"""SELECT media_id, count() FROM clickprint.fp_cues WHERE tenant_id = 5
        AND hasAllTokens(words, ['{word}']) AND {deleted} GROUP BY media_id ORDER BY media_id FORMAT CSV"""
def table(word):
    return f"""SELECT media_id, sum(cues) AS c FROM clickprint.fp_word_items WHERE tenant_id = 5
        AND word = '{word}' AND {deleted} GROUP BY media_id HAVING c > 0 ORDER BY media_id FORMAT CSV"""
def posting(word):
    return f"""SELECT media_id, count() FROM clickprint.fp_cue_words WHERE tenant_id = 5
        AND word = '{word}' AND {deleted} GROUP BY media_id ORDER BY media_id FORMAT CSV"""
def posting_distinct(word):
    # each cue once even before duplicate rows merge
    return posting(word).replace('count()', 'uniqExact(start_ms, item)')
def posting_io(word):
    return posting(word).replace('FORMAT CSV', 'SETTINGS optimize_aggregation_in_order = 1 FORMAT CSV')
ways = {'index': index, 'table': table, 'posting': posting, 'posting_in_order': posting_io, 'posting_distinct': posting_distinct}
kinds = {'common (rank 2-12)': [f'w{r}' for r in range(2, 13)],
         'rare (rank 5000-15000)': [f'w{r}' for r in range(5000, 16000, 1000)]}
for kind, words in kinds.items():
    times = {k: [] for k in ways}
    for w in words:
        a = s.query(index(w)).bytes()
        for k, q in ways.items():
            assert s.query(q(w)).bytes() == a, (w, k)
        for _ in range(3):
            for name, q in ways.items():
                t = time.perf_counter(); s.query(q(w)); times[name].append((time.perf_counter() - t) * 1000)
    print(kind, {k: round(statistics.median(v), 1) for k, v in times.items()}, 'same answers for', len(words), 'words')
t = time.perf_counter()
for _ in range(20): s.query("SELECT 1")
print('SELECT 1', round((time.perf_counter() - t) * 50, 1))
