/**
 * A real Iceberg REST catalog for the tests: Iceberg's own RESTCatalogServer (the reference
 * implementation's test fixture, on Java 17, its classpath assembled by test/peers/setup.sh), on
 * 127.0.0.1 with a free port, backed by SQLite and a warehouse directory (or S3FileIO against the
 * tests' S3 server). In front of it, a proxy that can break chosen calls as networks and catalogs
 * break them: an error status, a reset, an answer lost after the catalog took the request, or one
 * held back until the test lets it go. And pyiceberg and iceberg-go (the exporter's) as readers and
 * writers beside bufctl.
 */
import { spawn, execFile } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { tempDir, type Cleanups } from './fs.js'
import { PEERS, python } from './peers.js'
import { closedPort, type S3Fixture } from './s3.js'

const run = promisify(execFile)
const CACHE = join(PEERS, '.cache')

/** One call through the proxy. */
export interface CatalogCall {
  readonly method: string
  readonly path: string
  readonly authorization?: string
}

/** What the proxy does to a call that matches: answer with a status itself, cut the connection, forward it and lose the answer, or forward it and hold the answer until `release`. */
export interface CatalogFault {
  readonly match: (call: CatalogCall) => boolean
  readonly kind: number | 'reset' | 'drop-answer' | 'hold-answer'
  times: number
}

export interface RestCatalogFixture {
  /** The proxy's URL: what bufctl is given. */
  readonly url: string
  /** The server's own URL (no fault). */
  readonly direct: string
  readonly warehouse: string
  readonly faults: CatalogFault[]
  readonly calls: CatalogCall[]
  /** Answers the proxy took from the catalog for calls it then held (hold-answer); resolved once one is held. */
  readonly held: () => Promise<void>
  /** The server's log, its last 20 kB (for a failure's message). */
  readonly log: () => string
}

/** Whether a call is a commit to a table (POST …/namespaces/{ns}/tables/{table}). */
export const isCommit = (call: CatalogCall): boolean => call.method === 'POST' && /\/namespaces\/[^/]+\/tables\/[^/]+$/.test(call.path)

/** With `s3` (started with chunkedUploads: S3FileIO sends aws-chunked bodies), the warehouse is s3://lake/warehouse. */
export async function startRestCatalog(t: Cleanups, options: { readonly s3?: S3Fixture } = {}): Promise<RestCatalogFixture> {
  const lib = join(CACHE, 'iceberg-rest', 'lib')
  if (!existsSync(lib)) throw new Error(`${lib} is missing: run bash test/peers/setup.sh (npm test does)`)
  const work = await tempDir(t, 'bufctl-rest-')
  const port = await closedPort()
  const warehouse = options.s3 ? 's3://lake/warehouse' : `file://${join(work, 'warehouse')}`
  const storage = options.s3
    ? {
        CATALOG_IO__IMPL: 'org.apache.iceberg.aws.s3.S3FileIO',
        CATALOG_S3_ENDPOINT: options.s3.endpoint,
        CATALOG_S3_PATH__STYLE__ACCESS: 'true',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      }
    : {}
  const server = spawn('java', ['-Xmx512m', '-cp', `${lib}/*`, 'org.apache.iceberg.rest.RESTCatalogServer'], {
    env: {
      ...process.env,
      CATALOG_WAREHOUSE: warehouse,
      CATALOG_URI: `jdbc:sqlite:file:${join(work, 'catalog.db')}`,
      CATALOG_JDBC_USER: 'bufctl',
      CATALOG_JDBC_PASSWORD: 'bufctl',
      CATALOG_REST_PORT: String(port),
      ...storage,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  server.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)))
  t.after(async () => {
    server.kill('SIGKILL')
    if (server.exitCode === null) await once(server, 'exit')
  })
  const direct = `http://127.0.0.1:${port}`
  await untilAnswering(
    direct,
    () => log,
    () => server.exitCode,
  )

  const faults: CatalogFault[] = []
  const calls: CatalogCall[] = []
  let onHeld: (() => void) | undefined
  const heldOnce = new Promise<void>((resolve) => (onHeld = resolve))
  const proxy = createServer((req, res) => {
    forward(req, res, port, faults, calls, () => onHeld?.()).catch(() => res.destroy())
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  t.after(() => close(proxy))
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, direct, warehouse, faults, calls, held: () => heldOnce, log: () => log }
}

async function untilAnswering(url: string, log: () => string, exited: () => number | null): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (exited() !== null) throw new Error(`the REST catalog server exited: ${log()}`)
    const answered = await fetch(`${url}/v1/config`).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) return
    await sleep(200)
  }
  throw new Error(`the REST catalog server did not answer within 120 s: ${log()}`)
}

async function forward(req: IncomingMessage, res: ServerResponse, port: number, faults: CatalogFault[], calls: CatalogCall[], held: () => void): Promise<void> {
  const call = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://proxy').pathname, authorization: req.headers.authorization }
  calls.push(call)
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  const fault = faults.find((candidate) => candidate.times > 0 && candidate.match(call))
  if (fault) fault.times--
  if (fault?.kind === 'reset') {
    req.socket.destroy()
    return
  }
  if (typeof fault?.kind === 'number') {
    const type = fault.kind === 409 ? 'CommitFailedException' : fault.kind === 401 ? 'NotAuthorizedException' : 'ServiceFailureException'
    const answer = JSON.stringify({ error: { message: 'injected by the test proxy', type, code: fault.kind } })
    res.writeHead(fault.kind, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer)
    return
  }
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}` } })
  upstream.end(body)
  const [response] = (await once(upstream, 'response')) as [IncomingMessage]
  const answer: Buffer[] = []
  for await (const chunk of response) answer.push(chunk as Buffer)
  // The catalog has taken the request whole and answered; the client never hears it.
  if (fault?.kind === 'drop-answer') {
    req.socket.destroy()
    return
  }
  if (fault?.kind === 'hold-answer') {
    held()
    return
  }
  const headers = { ...response.headers }
  delete headers['transfer-encoding']
  res.writeHead(response.statusCode ?? 502, { ...headers, 'content-length': Buffer.concat(answer).byteLength }).end(Buffer.concat(answer))
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** What pyiceberg reads of a table (test/peers/read_iceberg.py). */
export interface TableRead {
  readonly rows: number
  readonly ids: (number | null)[]
  readonly columns: string[]
  readonly types: Record<string, string>
  readonly schema: { id: number; name: string; type: string; required: boolean }[]
  readonly spec: { source: number; id: number; name: string; transform: string }[]
  readonly properties: Record<string, string>
  readonly partitions: Record<string, number>
  readonly snapshots: { id: string; parent: string | null; summary: Record<string, string> }[]
  readonly current: string | null
  readonly files: {
    path: string
    records: number
    bytes: number
    partition: (number | null)[]
    columnSizes: Record<string, number>
    valueCounts: Record<string, number>
    nullCounts: Record<string, number>
    lowerBounds: Record<string, string>
    upperBounds: Record<string, string>
  }[]
}

/** Reads `namespace.table` with pyiceberg: through a REST catalog (its URL) or from a metadata file (a path). */
export async function readIceberg(catalog: string, table: string, options: { readonly namespace?: string; readonly s3?: S3Fixture } = {}): Promise<TableRead> {
  const args = [join(PEERS, 'read_iceberg.py'), catalog, options.namespace ?? 'otel', table, ...(options.s3 ? [options.s3.endpoint] : [])]
  const { stdout } = await run(python(), args, { maxBuffer: 256 * 1024 * 1024 })
  return JSON.parse(stdout) as TableRead
}

/** The exporter's append (iceberg-go v0.5.0, AddDataFiles) of one stream file's rows, all of one hour (`partition`); resolves to the rows. */
export async function exporterAppend(catalog: string, table: string, streamFile: string, partition: string): Promise<number> {
  const binary = join(CACHE, 'bin', 'iceberg-go-append')
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run bash test/peers/setup.sh (npm test does)`)
  const { stdout } = await run(binary, [catalog, 'otel', table, streamFile, partition])
  return Number(stdout.trim())
}

/** Creates a table through the catalog's REST API directly (as another writer would have made it). */
export async function createTable(catalog: string, table: string, schema: unknown, spec: unknown = { 'spec-id': 0, fields: [] }): Promise<void> {
  await fetch(`${catalog}/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ namespace: ['otel'] }) })
  const response = await fetch(`${catalog}/v1/namespaces/otel/tables`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: table, schema, 'partition-spec': spec, properties: { 'format-version': '2' } }),
  })
  if (!response.ok) throw new Error(`creating ${table}: HTTP ${response.status} ${await response.text()}`)
}
