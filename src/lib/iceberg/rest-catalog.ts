/**
 * An Iceberg REST catalog (the REST spec's OpenAPI): the config (its `prefix`, defaults and
 * overrides, and whether it takes an Idempotency-Key), tables and namespaces, and commits. Tokens:
 * a bearer token as given, or OAuth2 client credentials exchanged at the token endpoint and again
 * before they expire. Responses are parsed losslessly (json.ts). Failures come as bufctl's kinds:
 * a catalog that does not answer (exit 75), one that refuses (401, 403: exit 2, what was denied
 * named), a commit refused by a concurrent one (409: conflict), or one whose fate is unknown.
 */
import { CatalogAccessError, CatalogUnreachableError } from '../store-errors.js'
import { DEFAULT_ICEBERG_SCOPE, type IcebergSettings } from '../options/iceberg-settings.js'
import type { Catalog, CommitOutcome, CreateTableRequest, LoadedTable, TableCommit, TableIdentifier, TableMetadata } from './catalog.js'
import { parseCatalogJson, stringifyCatalogJson } from './json.js'
import { catalogUrl } from './catalog-url.js'

const DEFAULT_TIMEOUT_MS = 30_000
/** A token is exchanged again this long before it expires. */
const REFRESH_MARGIN_MS = 60_000

interface Response_ {
  readonly status: number
  readonly body: unknown
}

export class RestCatalog implements Catalog {
  readonly label: string
  readonly #settings: IcebergSettings
  readonly #base: string
  #prefix = ''
  #idempotency = false
  #token: string | undefined
  #expiresAt = Number.POSITIVE_INFINITY

  private constructor(settings: IcebergSettings) {
    this.#settings = settings
    this.#base = catalogUrl(settings.catalog)
    this.label = this.#base
    this.#token = settings.token
  }

  /** Connects: reads the catalog's config (and exchanges the credential first, when one is given). */
  static async connect(settings: IcebergSettings): Promise<RestCatalog> {
    const catalog = new RestCatalog(settings)
    const query = settings.warehouse === undefined ? '' : `?warehouse=${encodeURIComponent(settings.warehouse)}`
    const config = await catalog.#request('GET', `/v1/config${query}`, undefined, 'GET /v1/config')
    if (config.status !== 200) throw catalog.#failure(config, 'GET /v1/config')
    const { defaults, overrides } = (config.body ?? {}) as { defaults?: Record<string, string>; overrides?: Record<string, string> }
    const merged = { ...defaults, ...overrides }
    catalog.#prefix = merged.prefix ? `/${merged.prefix.replace(/^\/+|\/+$/g, '')}` : ''
    // REST spec 1.11: a catalog that keeps idempotency keys says how long.
    catalog.#idempotency = merged['idempotency-key-lifetime'] !== undefined || JSON.stringify(config.body).includes('idempotency-key-lifetime')
    return catalog
  }

  async loadTable(table: TableIdentifier): Promise<LoadedTable | undefined> {
    const what = `GET ${this.#tablePath(table)}`
    const response = await this.#request('GET', this.#tablePath(table), undefined, what)
    if (response.status === 404) return undefined
    if (response.status !== 200) throw this.#failure(response, what)
    return loaded(response.body)
  }

  async createTable(table: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable> {
    const namespaces = `/v1${this.#prefix}/namespaces`
    const namespace = await this.#request('POST', namespaces, { namespace: table.namespace, properties: {} }, `POST ${namespaces}`)
    // 409: the namespace is there already (another host made it first), as wanted.
    if (namespace.status !== 200 && namespace.status !== 409) throw this.#failure(namespace, `POST ${namespaces}`)
    const path = `${namespaces}/${namespacePath(table)}/tables`
    const body = { name: table.name, schema: request.schema, 'partition-spec': request.spec, properties: request.properties, 'stage-create': false }
    const created = await this.#request('POST', path, body, `POST ${path}`)
    if (created.status === 200) return loaded(created.body)
    // Another host created the table meanwhile: use theirs.
    if (created.status === 409) {
      const table_ = await this.loadTable(table)
      if (table_) return table_
    }
    throw this.#failure(created, `POST ${path}`)
  }

  async commitTable(table: TableIdentifier, commit: TableCommit): Promise<CommitOutcome> {
    const path = this.#tablePath(table)
    const body = { identifier: { namespace: table.namespace, name: table.name }, requirements: commit.requirements, updates: commit.updates }
    let response: Response_
    try {
      response = await this.#request('POST', path, body, `POST ${path}`, this.#idempotency ? { 'Idempotency-Key': commit.idempotencyKey } : {})
    } catch (error) {
      // The request may have reached the catalog: its fate is unknown until the table is read again.
      if (error instanceof CatalogUnreachableError) return { kind: 'unknown', reason: error.message }
      throw error
    }
    if (response.status === 200) return { kind: 'committed', table: loaded(response.body) }
    if (response.status === 409) return { kind: 'conflict' }
    if (response.status >= 500) return { kind: 'unknown', reason: `the catalog answered HTTP ${response.status}` }
    throw this.#failure(response, `POST ${path}`)
  }

  #tablePath(table: TableIdentifier): string {
    return `/v1${this.#prefix}/namespaces/${namespacePath(table)}/tables/${encodeURIComponent(table.name)}`
  }

  /** An error for an answer that is not what the call needs. */
  #failure(response: Response_, what: string): Error {
    const message = errorMessage(response.body)
    if (response.status === 401 || response.status === 403) return new CatalogAccessError(this.label, `${what} (HTTP ${response.status}${message ? `: ${message}` : ''})`)
    if (response.status >= 500) return new CatalogUnreachableError(this.label, `${what} answered HTTP ${response.status}${message ? `: ${message}` : ''}`)
    return new Error(`the Iceberg catalog at ${this.label} answered ${what} with HTTP ${response.status}${message ? `: ${message}` : ''}`)
  }

  async #request(method: string, path: string, body: unknown, what: string, headers: Record<string, string> = {}): Promise<Response_> {
    const token = await this.#bearer()
    const timeoutMs = this.#settings.timeoutMs ?? DEFAULT_TIMEOUT_MS
    let response: Response
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'X-Client-Version': 'bufctl',
          ...headers,
        },
        body: body === undefined ? undefined : stringifyCatalogJson(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw new CatalogUnreachableError(this.label, `${what}: ${networkReason(error, timeoutMs)}`, error)
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text ? parseCatalogJson(text) : undefined
    } catch {
      parsed = text
    }
    return { status: response.status, body: parsed }
  }

  /** The token to send: the one given, or one exchanged for the credential (again when it is about to expire). */
  async #bearer(): Promise<string | undefined> {
    const credential = this.#settings.credential
    if (!credential || (this.#token && Date.now() < this.#expiresAt - REFRESH_MARGIN_MS)) return this.#token
    const [id, ...secret] = credential.split(':')
    const endpoint = this.#settings.oauth2ServerUri ?? `${this.#base}/v1/oauth/tokens`
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: id ?? '',
      client_secret: secret.join(':'),
      scope: this.#settings.scope ?? DEFAULT_ICEBERG_SCOPE,
    })
    let response: Response
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(this.#settings.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      })
    } catch (error) {
      throw new CatalogUnreachableError(endpoint, `the token endpoint: ${networkReason(error, this.#settings.timeoutMs ?? DEFAULT_TIMEOUT_MS)}`, error)
    }
    const answer = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string }
    if (!response.ok || !answer.access_token)
      throw new CatalogAccessError(endpoint, `the client credentials of ${id ?? ''} (HTTP ${response.status}${answer.error ? `: ${answer.error}` : ''})`)
    this.#token = answer.access_token
    this.#expiresAt = answer.expires_in ? Date.now() + answer.expires_in * 1000 : Number.POSITIVE_INFINITY
    return this.#token
  }
}

/** A namespace in a path: its levels joined by the unit separator (the REST spec's encoding). */
function namespacePath(table: TableIdentifier): string {
  return encodeURIComponent(table.namespace.join('\u001f'))
}

function loaded(body: unknown): LoadedTable {
  const result = body as { metadata?: TableMetadata; 'metadata-location'?: string }
  if (!result.metadata) throw new Error('the catalog answered without table metadata')
  return { metadata: result.metadata, metadataLocation: result['metadata-location'] }
}

function errorMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: string; type?: string } } | undefined)?.error
  if (error?.message) return error.type ? `${error.type}: ${error.message}` : error.message
  return typeof body === 'string' && body.length < 300 ? body : undefined
}

function networkReason(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`
  return failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error)
}
