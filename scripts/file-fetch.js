// fetch for file: URLs, as icebird needs to read a table in a local warehouse (the metadata, the
// manifests and the Parquet files its paths name): icebird reads everything through fetch, and
// Node's fetch has no file: scheme. HEAD gives the size, GET honours a byte Range (hyparquet reads
// a Parquet footer that way); any other URL goes to the real fetch.
import { open } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/**
 * @param {typeof fetch} upstream
 * @returns {typeof fetch}
 */
export function withFileUrls(upstream) {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith('file:')) return upstream(input, init)
    let handle
    try {
      handle = await open(fileURLToPath(url.replace(/^file:\/*/, 'file:///')))
    } catch {
      return new Response(null, { status: 404, statusText: 'Not Found' })
    }
    try {
      const { size } = await handle.stat()
      if ((init?.method ?? 'GET') === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(size) } })
      const range = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('range') ?? '')
      const start = range ? Number(range[1]) : 0
      const end = range && range[2] ? Math.min(Number(range[2]) + 1, size) : size
      const bytes = new Uint8Array(Math.max(0, end - start))
      await handle.read(bytes, 0, bytes.byteLength, start)
      return new Response(bytes, { status: range ? 206 : 200, headers: { 'content-length': String(bytes.byteLength) } })
    } finally {
      await handle.close()
    }
  }
}
