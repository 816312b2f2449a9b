/**
 * How bufctl reaches the Iceberg table a drain is committed to, as pyiceberg and iceberg-go name
 * the settings: a REST catalog (or a warehouse directory, `file:///dir`), the namespace (the
 * exporter's default, `otel`), the warehouse passed to the catalog's config, and authentication —
 * a bearer token, or OAuth2 client credentials exchanged for one. Secrets never leave this object:
 * not into output, errors or the journal.
 */
export interface IcebergSettings {
  /** `http(s)://host:port[/path]` (a REST catalog) or `file:///dir` (a warehouse directory, one machine). */
  readonly catalog: string
  /** @default 'otel' */
  readonly namespace?: string
  /** Passed to the catalog's `GET /v1/config` as `warehouse`. */
  readonly warehouse?: string
  /** A bearer token. */
  readonly token?: string
  /** OAuth2 client credentials, `id:secret`, exchanged for a token (and again before it expires). */
  readonly credential?: string
  /** Where the credential is exchanged. @default `<catalog>/v1/oauth/tokens` */
  readonly oauth2ServerUri?: string
  /** @default 'catalog' */
  readonly scope?: string
  /** How long the catalog may take to answer, in milliseconds. @default 30000 */
  readonly timeoutMs?: number
}

export const DEFAULT_ICEBERG_NAMESPACE = 'otel'
export const DEFAULT_ICEBERG_SCOPE = 'catalog'
