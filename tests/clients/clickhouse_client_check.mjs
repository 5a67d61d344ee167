// @clickhouse/client (npm) against clickprint's ClickHouse HTTP interface, as
// a tenant's analyst. Run by tests/it/clickhouse_clients.rs after
// scripts/setup.sh installed this folder's packages; arguments: url tenant
// key own_rows. Prints what it checked; exits non-zero on the first failure.
import { createClient } from '@clickhouse/client'

const [url, username, password, ownRows] = process.argv.slice(2)

function check(what, got, expected) {
  const [g, e] = [JSON.stringify(got), JSON.stringify(expected)]
  if (g !== e) {
    console.log(`FAILED ${what}: expected ${e}, got ${g}`)
    process.exit(1)
  }
  console.log(`ok ${what}: ${g}`)
}

const client = createClient({ url, username, password })
check('ping', (await client.ping()).success, true)

const parameterised = await client.query({
  query: 'SELECT n FROM (SELECT arrayJoin(range({limit:UInt32})) AS n) WHERE n >= {low:UInt32} ORDER BY n',
  query_params: { limit: 5, low: 3 },
  format: 'JSONEachRow',
})
check('parameterised rows', await parameterised.json(), [{ n: 3 }, { n: 4 }])

const own = await client.query({
  query: 'SELECT tenant_id, count() AS n FROM fp_keys GROUP BY tenant_id',
  format: 'JSONEachRow',
})
const rows = await own.json()
check('own tenant only', rows.length, 1)
check('own row count', String(rows[0].n), String(ownRows))

for (const refused of ['SELECT count() FROM clickprint.fp_keys', 'DROP TABLE fp_keys']) {
  try {
    await (await client.query({ query: refused, format: 'JSONEachRow' })).json()
    console.log(`FAILED ${refused} was not refused`)
    process.exit(1)
  } catch (e) {
    check(`code of ${refused}`, e.code, '497')
  }
}

const wrong = createClient({ url, username, password: password + 'x' })
try {
  await (await wrong.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json()
  console.log('FAILED a wrong key was taken')
  process.exit(1)
} catch (e) {
  check('wrong key', e.code, '516')
}
await client.close()
await wrong.close()
console.log('all checks passed')
