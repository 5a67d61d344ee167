# The one-time fill of fp_cue_words (with `words`: fill 'fp_cue_words.words') as sql/clickhouse/schema.sql writes it,
# timed on the made-up 3M cues (DATA as for one_word.py), into a table of
# fp_cue_words' definition; then the tables' rows and bytes on disk.
#   DATA=DIR python3 fill.py
import os, re, sys, time
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
sys.path.insert(0, os.path.join(ROOT, '.deps/chdb'))
from chdb import session
s = session.Session(os.environ['DATA'])
schema = open(os.path.join(ROOT, 'sql/clickhouse/schema.sql')).read()
table = next(x for x in schema.split(';\n') if 'CREATE TABLE IF NOT EXISTS clickprint.fp_cue_words' in x)
fill = next(x for x in schema.split(';\n') if 'INSERT INTO clickprint.fp_cue_words' in x)
s.query("DROP TABLE IF EXISTS clickprint.fp_cue_words_fill")
s.query(table.replace('clickprint.fp_cue_words', 'clickprint.fp_cue_words_fill'))
s.query("CREATE TABLE IF NOT EXISTS clickprint.schema_backfills (name String, filled_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY name")
t = time.time()
s.query(fill.replace('INSERT INTO clickprint.fp_cue_words ', 'INSERT INTO clickprint.fp_cue_words_fill '))
print('fill as schema.sql writes it:', round(time.time() - t, 1), 's')
print(s.query("SELECT table, sum(rows) AS rows, formatReadableSize(sum(bytes_on_disk)) AS on_disk, count() AS parts FROM system.parts "
              "WHERE active AND database = 'clickprint' AND table IN ('fp_cues', 'fp_cue_words', 'fp_cue_words_fill', 'fp_word_items') "
              "GROUP BY table ORDER BY table", 'PrettyCompactMonoBlock').bytes().decode())
s.query("OPTIMIZE TABLE clickprint.fp_cue_words_fill FINAL")
print('merged:')
print(s.query("SELECT table, sum(rows) AS rows, formatReadableSize(sum(bytes_on_disk)) AS on_disk, count() AS parts FROM system.parts "
              "WHERE active AND database = 'clickprint' AND table = 'fp_cue_words_fill' GROUP BY table", 'PrettyCompactMonoBlock').bytes().decode())
s.query("DROP TABLE clickprint.fp_cue_words_fill")
