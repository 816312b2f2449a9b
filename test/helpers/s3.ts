/**
 * A real S3 server for the tests — s3rver on 127.0.0.1 with a free port, its data in a temporary
 * directory — behind a small fault-injecting proxy written for the tests. The proxy passes requests
 * on, except:
 * - it answers AbortMultipartUpload and ListMultipartUploads itself (s3rver 3.7 answers both with
 *   errors), from what it saw of CreateMultipartUpload and CompleteMultipartUpload, so the tests
 *   know every upload id bufctl started and whether it was completed or aborted;
 * - faults queued by a test: an HTTP 500 or 503 instead of an answer, or the connection reset in
 *   the middle of a request's body.
 */
import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AddressInfo } from 'node:net'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import S3rver from 's3rver'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { tempDir } from './fs.js'

export const BUCKET = 'lake'

// The tests' own SDK clients stay as quiet as bufctl's (bin/run.js): no notice about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** A fault for the next request(s) that `match`: `times` of them fail this way. */
export interface Fault {
  readonly match: (call: ProxiedCall) => boolean
  /** 501: the store does not implement the call (as some S3-compatible stores lack ListMultipartUploads). */
  readonly kind: 500 | 501 | 503 | 'reset-mid-body'
  times: number
}

export interface ProxiedCall {
  readonly method: string
  /** The SDK's operation name (its x-id query parameter), or the method and path. */
  readonly operation: string
  readonly key: string
  readonly query: URLSearchParams
}

interface Upload {
  readonly key: string
  state: 'open' | 'completed' | 'aborted'
}

export interface S3Fixture {
  /** The proxy's URL: what bufctl is pointed at. */
  readonly endpoint: string
  /** Environment for bufctl: endpoint, s3rver's credentials, no host configuration. */
  readonly env: Record<string, string>
  readonly client: S3Client
  readonly faults: Fault[]
  /** Every multipart upload started through the proxy, by id. */
  readonly uploads: Map<string, Upload>
  /** Operations seen, in order. */
  readonly calls: ProxiedCall[]
  /** Keys under a prefix, sorted. */
  keys(prefix?: string): Promise<string[]>
  /** The objects under `prefix`, downloaded into `dir` with their key paths (below the prefix). */
  download(prefix: string, dir: string): Promise<string[]>
}

/** Environment that keeps the SDK off the host's AWS configuration and instance metadata. */
export const ISOLATED_AWS_ENV = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_PROFILE: '',
}

export interface S3Options {
  /**
   * Take aws-chunked bodies (the streaming signatures the AWS SDK for Java sends over plain HTTP,
   * as Iceberg's S3FileIO does): s3rver stores them as they come, chunk headers and all, so the
   * proxy decodes them — and the body it forwards no longer matches the signature, which this
   * store then does not check. Only for peers that cannot be told not to chunk.
   */
  readonly chunkedUploads?: boolean
}

export async function startS3(t: TestContext, options: S3Options = {}): Promise<S3Fixture> {
  const directory = await tempDir(t, 'bufctl-s3rver-')
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
    allowMismatchedSignatures: options.chunkedUploads ?? false,
  })
  const { port: s3rverPort } = await server.run()
  const faults: Fault[] = []
  const uploads = new Map<string, Upload>()
  const calls: ProxiedCall[] = []
  const upstreams = new Set<ClientRequest>()
  const proxy = createServer((req, res) => {
    handle(req, res, s3rverPort, faults, uploads, calls, upstreams).catch(() => res.destroy())
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  const client = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${s3rverPort}`, forcePathStyle: true, credentials })
  t.after(async () => {
    client.destroy()
    await close(proxy)
    for (const upstream of upstreams) upstream.destroy()
    // Never let a connection s3rver still holds stall the suite.
    await Promise.race([server.close(), sleep(10_000, undefined, { ref: false })])
  })
  const keys = async (prefix = ''): Promise<string[]> => {
    const found: string[] = []
    let token: string | undefined
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }))
      for (const object of page.Contents ?? []) found.push(object.Key!)
      token = page.NextContinuationToken
    } while (token)
    return found.sort()
  }
  return {
    endpoint,
    env: { ...ISOLATED_AWS_ENV, AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    client,
    faults,
    uploads,
    calls,
    keys,
    download: async (prefix, dir) => {
      const written: string[] = []
      for (const key of await keys(prefix)) {
        const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
        const path = join(dir, key.slice(prefix.length).replace(/^\//, ''))
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, await object.Body!.transformToByteArray())
        written.push(path)
      }
      return written
    },
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  faults: Fault[],
  uploads: Map<string, Upload>,
  calls: ProxiedCall[],
  upstreams: Set<ClientRequest>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://proxy')
  const [, bucket = '', ...rest] = url.pathname.split('/')
  const key = decodeURIComponent(rest.join('/'))
  const operation = url.searchParams.get('x-id') ?? operationOf(req.method ?? 'GET', url.searchParams, key)
  const call = { method: req.method ?? 'GET', operation, key, query: url.searchParams }
  calls.push(call)

  const fault = faults.find((candidate) => candidate.times > 0 && candidate.match(call))
  if (fault) {
    fault.times--
    if (fault.kind === 'reset-mid-body') {
      // Let part of the body arrive, then cut the connection.
      await once(req, 'data')
      req.socket.destroy()
      return
    }
    req.resume()
    await once(req, 'end')
    const code = { 500: 'InternalError', 501: 'NotImplemented', 503: 'SlowDown' }[fault.kind]
    reply(res, fault.kind, `<Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`)
    return
  }

  if (operation === 'AbortMultipartUpload') {
    req.resume()
    const upload = uploads.get(url.searchParams.get('uploadId') ?? '')
    if (!upload || upload.state !== 'open') {
      reply(res, 404, '<Error><Code>NoSuchUpload</Code><Message>no such upload</Message></Error>')
      return
    }
    upload.state = 'aborted'
    res.writeHead(204).end()
    return
  }
  if (operation === 'ListMultipartUploads') {
    req.resume()
    const prefix = url.searchParams.get('prefix') ?? ''
    const open = [...uploads].filter(([, upload]) => upload.state === 'open' && upload.key.startsWith(prefix))
    const items = open.map(([id, upload]) => `<Upload><Key>${escapeXml(upload.key)}</Key><UploadId>${escapeXml(id)}</UploadId></Upload>`).join('')
    reply(
      res,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><Prefix>${escapeXml(prefix)}</Prefix><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`,
    )
    return
  }

  const payload = req.headers['x-amz-content-sha256']
  if (typeof payload === 'string' && payload.startsWith('STREAMING-')) {
    await forwardDecoded(req, res, port)
    return
  }
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers })
  upstreams.add(upstream)
  upstream.on('close', () => upstreams.delete(upstream))
  // A client that goes away (bufctl killed in the middle of a part) takes its upstream request
  // with it; otherwise s3rver would wait for the rest of the body, and never close.
  req.on('close', () => {
    if (!req.complete) upstream.destroy()
  })
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy()
  })
  req.pipe(upstream)
  const [response] = (await once(upstream, 'response')) as [IncomingMessage]
  res.writeHead(response.statusCode ?? 502, response.headers)
  if (operation !== 'CreateMultipartUpload' && operation !== 'CompleteMultipartUpload') {
    for await (const chunk of response) res.write(chunk)
    res.end()
    return
  }
  // The answer is read whole and the upload recorded before the client sees a byte of it: a
  // client that acts on the answer (and, in a crash test, dies right after) finds it recorded.
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  if (operation === 'CreateMultipartUpload' && response.statusCode === 200) {
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body.toString())?.[1]
    if (id) uploads.set(id, { key, state: 'open' })
  }
  if (operation === 'CompleteMultipartUpload' && response.statusCode === 200 && !body.toString().includes('<Error>')) {
    const upload = uploads.get(url.searchParams.get('uploadId') ?? '')
    if (upload) upload.state = 'completed'
  }
  res.end(body)
}

/** An aws-chunked request (`<hex size>;chunk-signature=…\r\n<bytes>\r\n`…, a 0-size chunk last) forwarded with its plain body. */
async function forwardDecoded(req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  const parts: Buffer[] = []
  for (let at = 0; at < raw.byteLength;) {
    const lineEnd = raw.indexOf('\r\n', at)
    const size = parseInt(raw.subarray(at, lineEnd).toString().split(';')[0]!, 16)
    if (!size) break
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
  const body = Buffer.concat(parts)
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, 'content-length': String(body.byteLength) }
  delete headers['content-encoding']
  delete headers['x-amz-decoded-content-length']
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers })
  upstream.end(body)
  const [response] = (await once(upstream, 'response')) as [IncomingMessage]
  res.writeHead(response.statusCode ?? 502, response.headers)
  for await (const chunk of response) res.write(chunk)
  res.end()
}

function operationOf(method: string, query: URLSearchParams, key: string): string {
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload'
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload'
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart'
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload'
  if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads'
  if (method === 'PUT') return key ? 'PutObject' : 'CreateBucket'
  if (method === 'HEAD') return key ? 'HeadObject' : 'HeadBucket'
  if (method === 'DELETE') return 'DeleteObject'
  return key ? 'GetObject' : 'ListObjects'
}

function reply(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) }).end(xml)
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** A port nothing listens on (a listener opened and closed). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await close(server)
  return port
}

/** A server that accepts connections and never answers: a store that hangs. */
export async function silentServer(t: TestContext): Promise<string> {
  const server = createServer(() => undefined)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => close(server))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
