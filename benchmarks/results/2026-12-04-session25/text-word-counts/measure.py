# Pass 1 of a one-word text search, as text_search.sql counts it (every
# matching cue through the text index) and from a per-(tenant, word,
# language, media) count table; interleaved, wall ms.
import os, sys, time, statistics
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
s.query("""CREATE TABLE IF NOT EXISTS clickprint.fp_word_items (
    tenant_id UInt32, word String, language LowCardinality(String), media_id UInt64, cues Int64)
    ENGINE = SummingMergeTree ORDER BY (tenant_id, word, language, media_id)""")
if s.query("SELECT count() FROM clickprint.fp_word_items", 'CSV').bytes().strip() == b'0':
    t = time.time()
    s.query("""INSERT INTO clickprint.fp_word_items
        SELECT tenant_id, word, language, media_id, count()
        FROM clickprint.fp_cues ARRAY JOIN arrayDistinct(splitByChar(' ', words)) AS word
        GROUP BY tenant_id, word, language, media_id""")
    s.query("OPTIMIZE TABLE clickprint.fp_word_items FINAL")
    print('filled in', round(time.time() - t, 1), 's;', s.query("SELECT count() FROM clickprint.fp_word_items", 'CSV').bytes().decode().strip(), 'rows')
deleted = "NOT has((SELECT groupArray(media_id) FROM clickprint.media_deleted WHERE tenant_id = 5), media_id)"
def index(word):
    return f"""SELECT media_id, count() FROM clickprint.fp_cues WHERE tenant_id = 5
        AND hasAllTokens(words, ['{word}']) AND {deleted} GROUP BY media_id ORDER BY media_id FORMAT CSV"""
def table(word):
    return f"""SELECT media_id, sum(cues) AS c FROM clickprint.fp_word_items WHERE tenant_id = 5
        AND word = '{word}' AND {deleted} GROUP BY media_id HAVING c > 0 ORDER BY media_id FORMAT CSV"""
kinds = {'common (rank 2-12)': [f'w{r}' for r in range(2, 13)],
         'rare (rank 5000-15000)': [f'w{r}' for r in range(5000, 16000, 1000)]}
for kind, words in kinds.items():
    times = {'index': [], 'table': []}
    for w in words:
        a = s.query(index(w)).bytes()
        b = s.query(table(w)).bytes()
        assert a == b, (w, len(a), len(b))
        for _ in range(3):
            for name, q in (('index', index), ('table', table)):
                t = time.perf_counter(); s.query(q(w)); times[name].append((time.perf_counter() - t) * 1000)
    print(kind, {k: round(statistics.median(v), 1) for k, v in times.items()}, 'same answers for', len(words), 'words')
