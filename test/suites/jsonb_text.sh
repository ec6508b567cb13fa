# Differential test of goodgo_events.jsonb_text(jsonb) against jsonb::text
# (core's jsonb_out): the two must give the same bytes for every document.
#
#   test_suite  every schema and every test's data in the JSON Schema Test
#               Suite ($GG_ROOT/../shared/conformance/.../tests/**/*.json),
#               and each file whole, number tokens kept as written
#   random      GG_JSONB_TEXT_DOCS (default 100000) random documents from a
#               fixed seed (GG_JSONB_TEXT_SEED, default 1): strings with
#               every byte class (ASCII, control bytes, quote, backslash,
#               '/', DEL, 2-, 3- and 4-byte UTF-8, \u escapes and surrogate
#               pairs), numbers of every shape (integers up to 40 digits,
#               int64 edges, decimals with trailing zeros, exponents up to
#               +-400, -0), duplicate keys, nesting up to 6 levels and
#               chains of up to 300 levels
#
# Each part prints how many documents it compared and how many differ, and
# records PASS or FAIL; on failure the first differing inputs are printed.
# Debian's python3 (test/lib.sh installs python3-psycopg2) runs it.
set -uo pipefail
cd "$GG_ROOT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1

exec /usr/bin/python3 - "$GG_ROOT/../shared/conformance/JSON-Schema-Test-Suite/tests" \
	"${GG_JSONB_TEXT_DOCS:-100000}" "${GG_JSONB_TEXT_SEED:-1}" "$GG_RESULTS" <<'PY'
import io
import json
import os
import random
import sys

import psycopg2

suite_dir, ndocs, seed, results = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def record(status, name, why=""):
    with open(results, "a") as f:
        f.write("%s jsonb_text:%s\n" % (status, name))
    if why:
        print("jsonb_text: %s: %s" % (name, why), file=sys.stderr)


class Raw(str):
    """A number token as it was written, printed back unchanged."""


class Pairs(list):
    """An object's members in input order, duplicates kept."""


def esc_string(s, rng=None):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append('\\u%04x' % o)
        elif rng is not None and o > 0x7e and rng.random() < 0.2:
            # the same character as a \u escape (a surrogate pair above
            # U+FFFF): jsonb stores it decoded, as raw UTF-8
            if o > 0xFFFF:
                v = o - 0x10000
                out.append('\\u%04x\\u%04X' % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
            else:
                out.append('\\u%04X' % o)
        elif rng is not None and ch == '/' and rng.random() < 0.5:
            out.append('\\/')
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def dump(v, rng=None):
    if isinstance(v, Pairs):
        return '{' + ','.join(esc_string(k, rng) + ':' + dump(x, rng) for k, x in v) + '}'
    if isinstance(v, list):
        return '[' + ','.join(dump(x, rng) for x in v) + ']'
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, str):
        return esc_string(v, rng)
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    raise TypeError(type(v))


def load(text):
    return json.loads(text, object_pairs_hook=Pairs, parse_float=Raw, parse_int=Raw,
                      parse_constant=Raw)


conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute("""
CREATE TEMP TABLE docs (id int, src text, j jsonb, err text);
CREATE FUNCTION pg_temp.jsonb_error(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM t::jsonb;
	RETURN NULL;
EXCEPTION WHEN others THEN
	RETURN SQLERRM;
END $$;
""")


def compare(name, texts, may_reject=()):
    """Load texts as jsonb, compare jsonb_text with ::text, record.  Inputs
    jsonb itself refuses are counted; a refusal not in may_reject fails (it
    would mean the generator lost coverage)."""
    cur.execute("TRUNCATE docs")
    buf = io.StringIO()
    for i, t in enumerate(texts):
        # CSV with a quote and delimiter that JSON text never holds raw
        buf.write('%d\x02\x01%s\x01\n' % (i, t.replace('\x01', '\x01\x01')))
    buf.seek(0)
    cur.copy_expert("COPY docs (id, src) FROM STDIN WITH (FORMAT csv, DELIMITER e'\\x02', QUOTE e'\\x01')", buf)
    cur.execute("UPDATE docs SET err = pg_temp.jsonb_error(src)")
    cur.execute("UPDATE docs SET j = src::jsonb WHERE err IS NULL")
    cur.execute("SELECT err, count(*) FROM docs WHERE err IS NOT NULL GROUP BY err ORDER BY 2 DESC, 1")
    unexpected = 0
    for err, n in cur.fetchall():
        print("jsonb_text: %s: %d inputs rejected by jsonb itself: %s" % (name, n, err))
        if err not in may_reject:
            unexpected += n
    cur.execute("""
SELECT count(*) FILTER (WHERE j IS NOT NULL),
	   count(*) FILTER (WHERE j IS NULL),
	   count(*) FILTER (WHERE j IS NOT NULL AND goodgo_events.jsonb_text(j) IS DISTINCT FROM j::text),
	   coalesce(sum(octet_length(goodgo_events.jsonb_text(j))), 0)
  FROM docs""")
    compared, rejected, differ, nbytes = cur.fetchone()
    print("jsonb_text: %s: %d documents compared (%d bytes of text), %d differ; %d not accepted as jsonb"
          % (name, compared, nbytes, differ, rejected))
    if unexpected:
        record("FAIL", name, "%d inputs were not valid jsonb for an unexpected reason" % unexpected)
        return compared, rejected
    if differ or compared == 0:
        cur.execute("""
SELECT id, left(src, 300), left(j::text, 300), left(goodgo_events.jsonb_text(j), 300)
  FROM docs WHERE j IS NOT NULL AND goodgo_events.jsonb_text(j) IS DISTINCT FROM j::text
 ORDER BY id LIMIT 5""")
        for row in cur.fetchall():
            print("  input %d: %r\n    ::text     %r\n    jsonb_text %r" % row, file=sys.stderr)
        record("FAIL", name, "%d of %d documents differ" % (differ, compared))
    else:
        record("PASS", name)
    return compared, rejected


# (a) the JSON Schema Test Suite: every schema, every test's data, every file
if not os.path.isdir(suite_dir):
    record("SKIP", "test_suite", "no JSON Schema Test Suite at " + suite_dir)
else:
    texts = []
    files = 0
    for root, dirs, names in os.walk(suite_dir):
        dirs.sort()
        for n in sorted(names):
            if not n.endswith(".json"):
                continue
            with open(os.path.join(root, n), encoding="utf-8") as f:
                whole = f.read()
            files += 1
            texts.append(whole)
            for group in load(whole):
                g = dict(group)
                texts.append(dump(g["schema"]))
                for test in g["tests"]:
                    texts.append(dump(dict(test)["data"]))
    print("jsonb_text: test_suite: %d files" % files)
    # jsonb cannot hold \u0000, which a few format tests use
    compare("test_suite", texts, may_reject=("unsupported Unicode escape sequence",))

# (b) random documents
rng = random.Random(seed)
STRING_CLASSES = [
    lambda: chr(rng.randrange(0x20, 0x7f)),                # printable ASCII
    lambda: chr(rng.randrange(0x01, 0x20)),                # control bytes
    lambda: rng.choice('"\\/'),                            # quote, backslash, slash
    lambda: '\x7f',                                        # DEL
    lambda: chr(rng.randrange(0x80, 0x800)),               # 2-byte UTF-8
    lambda: chr(rng.choice([rng.randrange(0x800, 0xD800), rng.randrange(0xE000, 0x10000)])),
    lambda: chr(rng.randrange(0x10000, 0x110000)),         # 4-byte UTF-8
]


def rand_string():
    shape = rng.random()
    if shape < 0.1:
        return ""
    n = rng.choice([rng.randrange(1, 8), rng.randrange(1, 40), rng.randrange(1, 300)])
    if shape < 0.5:
        # mostly plain text with the odd special byte, as in real payloads
        cls = [STRING_CLASSES[0]] * 12 + STRING_CLASSES
    else:
        cls = STRING_CLASSES
    return ''.join(rng.choice(cls)() for _ in range(n))


def digits(n):
    return str(rng.randrange(1, 10)) + ''.join(str(rng.randrange(10)) for _ in range(n - 1))


def rand_number():
    k = rng.randrange(10)
    sign = '-' if rng.random() < 0.4 else ''
    if k == 0:
        return Raw(sign + str(rng.randrange(0, 10 ** rng.randrange(1, 6))))
    if k == 1:
        return Raw(sign + digits(rng.randrange(1, 41)))
    if k == 2:
        edge = rng.choice([2 ** 63, 2 ** 63 - 1, 2 ** 63 + 1, 2 ** 31, 2 ** 64, 10 ** 4, 10 ** 8, 10 ** 16])
        return Raw(sign + str(edge + rng.randrange(-2, 3)))
    if k == 3:
        # decimals, trailing zeros kept (they set the display scale)
        return Raw(sign + str(rng.randrange(0, 10 ** rng.randrange(1, 8))) + '.' +
                   ''.join(str(rng.randrange(10)) for _ in range(rng.randrange(1, 25))))
    if k == 4:
        return Raw(sign + '0.' + '0' * rng.randrange(0, 30) + digits(rng.randrange(1, 6)))
    if k == 5:
        mant = digits(rng.randrange(1, 8))
        if rng.random() < 0.5:
            mant = mant[:1] + '.' + mant[1:] + '0' * rng.randrange(0 if len(mant) > 1 else 1, 3)
        return Raw(sign + mant + rng.choice('eE') + rng.choice(['', '+', '-']) + str(rng.randrange(0, 401)))
    if k == 6:
        return Raw(sign + rng.choice(['0', '0.0', '0.000', '0e5', '0E-3', '0.00e+2']))
    if k == 7:
        return Raw(sign + digits(rng.randrange(1, 5)) + '.' + '0' * rng.randrange(1, 9))
    if k == 8:
        return Raw(sign + '9' * rng.randrange(1, 20) + ('.' + '9' * rng.randrange(1, 12) if rng.random() < 0.5 else ''))
    return Raw(sign + str(rng.randrange(0, 1000)) + '.' + str(rng.randrange(0, 100)))


def rand_value(depth):
    r = rng.random()
    if depth < 6 and r < 0.30:
        if rng.random() < 0.5:
            return [rand_value(depth + 1) for _ in range(rng.randrange(0, 7))]
        keys = [rand_string() if rng.random() < 0.5 else rng.choice(['a', 'b', 'id', 'eventType', ''])
                for _ in range(rng.randrange(0, 7))]
        return Pairs((k, rand_value(depth + 1)) for k in keys)
    if r < 0.55:
        return rand_string()
    if r < 0.85:
        return rand_number()
    return rng.choice([True, False, None])


def rand_doc():
    r = rng.random()
    if r < 0.01:
        # a chain deeper than the walker's first 32 frames
        v = rand_value(6)
        for _ in range(rng.randrange(30, 301)):
            v = [v] if rng.random() < 0.5 else Pairs([(rand_string(), v)])
        return v
    if r < 0.06:
        return rand_value(6)   # a top-level scalar
    return rand_value(0)


texts = [dump(rand_doc(), rng) for _ in range(ndocs)]
compare("random", texts)
PY
