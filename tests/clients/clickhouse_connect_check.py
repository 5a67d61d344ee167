"""clickhouse-connect (PyPI) against clickprint's ClickHouse HTTP interface, as
a tenant's analyst. Run by tests/it/clickhouse_clients.rs with PYTHONPATH set
to .deps/clickhouse-connect and .deps/pyarrow; arguments: host port tenant key
own_rows (the rows of fp_keys this tenant has). Prints what it checked and
exits non-zero on the first failed check."""

import sys

import clickhouse_connect
from clickhouse_connect.driver.exceptions import DatabaseError

host, port, user, key, own_rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])


def check(what, got, expected):
    if got != expected:
        print(f"FAILED {what}: expected {expected!r}, got {got!r}")
        sys.exit(1)
    print(f"ok {what}: {got!r}")


client = clickhouse_connect.get_client(host=host, port=port, username=user, password=key)
check("server version", client.server_version.split(".")[0].isdigit(), True)

# A parameterised query, read as Native (clickhouse-connect's own format).
rows = client.query(
    "SELECT n, toString(n) AS s, toDateTime(n, 'UTC') AS t FROM "
    "(SELECT arrayJoin(range({limit:UInt32})) AS n) WHERE n >= {low:UInt32} ORDER BY n",
    parameters={"limit": 5, "low": 2},
).result_rows
check("parameterised rows", [(r[0], r[1], r[2].timestamp()) for r in rows], [(2, "2", 2.0), (3, "3", 3.0), (4, "4", 4.0)])

# The tenant's own rows only, and read into Arrow (ArrowStream).
table = client.query_arrow("SELECT tenant_id, count() AS n FROM fp_keys GROUP BY tenant_id")
check("arrow column names", table.column_names, ["tenant_id", "n"])
check("arrow rows (own tenant only)", table.num_rows, 1)
check("own row count", table.column("n").to_pylist(), [own_rows])
check("one tenant's rows", len(set(table.column("tenant_id").to_pylist())), 1)

# A refused statement is a client exception with ClickHouse's code.
for refused, code in [
    ("SELECT count() FROM clickprint.fp_keys", "497"),
    ("SELECT * FROM system.tables", "497"),
    ("DROP TABLE fp_keys", "497"),
]:
    try:
        client.query(refused)
    except DatabaseError as e:
        check(f"code of {refused!r}", f"code: {code}" in str(e), True)
    else:
        print(f"FAILED {refused!r} was not refused")
        sys.exit(1)

# Wrong credentials: AUTHENTICATION_FAILED (516).
try:
    clickhouse_connect.get_client(host=host, port=port, username=user, password=key + "x")
except DatabaseError as e:
    check("wrong key refused with 516", "516" in str(e), True)
else:
    print("FAILED a wrong key connected")
    sys.exit(1)
print("all checks passed")
