/**
 * A warehouse directory as an Iceberg catalog, for one machine, the demo and CI fixtures
 * (`--iceberg-catalog file:///dir`): the filesystem catalog's layout — `<dir>/<namespace>/<table>/`
 * with `metadata/v<N>.metadata.json` and `metadata/version-hint.text` — that pyiceberg's
 * StaticTable, DuckDB's iceberg_scan and icebird read. A commit writes the next version file,
 * published whole and exclusively (link(2) of a written temporary file): of two committers only one
 * creates it, the other meets a conflict and retries on the new head, as with a REST catalog, and
 * neither ever reads a version part-written. The hint is written after, atomically.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { writeFileAtomically, writeFileExclusively } from '../fs-util.js'
import {
  type Catalog,
  type CommitOutcome,
  type CreateTableRequest,
  type LoadedTable,
  type Snapshot,
  type TableCommit,
  type TableIdentifier,
  type TableMetadata,
} from './catalog.js'
import { FIRST_PARTITION_FIELD_ID } from './partition-spec.js'
import { parseCatalogJson, stringifyCatalogJson } from './json.js'

export class FileCatalog implements Catalog {
  readonly label: string
  readonly #root: string

  constructor(url: string) {
    this.label = url
    this.#root = fileURLToPath(url)
  }

  async loadTable(table: TableIdentifier): Promise<LoadedTable | undefined> {
    const version = await this.#currentVersion(table)
    if (version === undefined) return undefined
    const location = join(this.#metadataDirectory(table), `v${version}.metadata.json`)
    return { metadata: parseCatalogJson(await readFile(location, 'utf8')) as TableMetadata, metadataLocation: pathToFileURL(location).href }
  }

  async createTable(table: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable> {
    const now = Date.now()
    const metadata: TableMetadata = {
      'format-version': 2,
      'table-uuid': randomUUID(),
      location: pathToFileURL(this.#tableDirectory(table)).href,
      'last-sequence-number': 0,
      'last-updated-ms': now,
      'last-column-id': lastColumnId(request),
      'current-schema-id': request.schema['schema-id'],
      schemas: [request.schema],
      'default-spec-id': request.spec['spec-id'],
      'partition-specs': [request.spec],
      'last-partition-id': request.spec.fields.reduce((last, field) => Math.max(last, field['field-id']), FIRST_PARTITION_FIELD_ID - 1),
      'default-sort-order-id': 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      properties: request.properties,
      'current-snapshot-id': -1,
      refs: {},
      snapshots: [],
      statistics: [],
      'snapshot-log': [],
      'metadata-log': [],
    }
    await mkdir(this.#metadataDirectory(table), { recursive: true })
    // Another committer created it meanwhile: use theirs.
    if (!(await this.#writeVersion(table, 1, metadata))) return (await this.loadTable(table))!
    return (await this.loadTable(table))!
  }

  async commitTable(table: TableIdentifier, commit: TableCommit): Promise<CommitOutcome> {
    const version = await this.#currentVersion(table)
    const current = await this.loadTable(table)
    if (version === undefined || !current) return { kind: 'conflict' }
    if (!requirementsHold(current.metadata, commit.requirements)) return { kind: 'conflict' }
    const next = applyUpdates(current.metadata, commit.updates, current.metadataLocation)
    if (!(await this.#writeVersion(table, version + 1, next))) return { kind: 'conflict' }
    return { kind: 'committed', table: (await this.loadTable(table))! }
  }

  #tableDirectory(table: TableIdentifier): string {
    return join(this.#root, ...table.namespace, table.name)
  }

  #metadataDirectory(table: TableIdentifier): string {
    return join(this.#tableDirectory(table), 'metadata')
  }

  /** The newest version: the highest v<N>.metadata.json (the hint may lag a crashed committer). */
  async #currentVersion(table: TableIdentifier): Promise<number | undefined> {
    const names = await readdir(this.#metadataDirectory(table)).catch(() => [] as string[])
    const versions = names.map((name) => /^v(\d+)\.metadata\.json$/.exec(name)?.[1]).filter((version): version is string => version !== undefined)
    return versions.length ? Math.max(...versions.map(Number)) : undefined
  }

  /** Writes version `version`, whole or not at all; false when it exists already (another committer's). */
  async #writeVersion(table: TableIdentifier, version: number, metadata: TableMetadata): Promise<boolean> {
    const path = join(this.#metadataDirectory(table), `v${version}.metadata.json`)
    // Published whole: a committer that lists the directory meanwhile never reads a part-written version.
    if (!(await writeFileExclusively(path, new TextEncoder().encode(stringifyCatalogJson(metadata, 2))))) return false
    await writeFileAtomically(join(this.#metadataDirectory(table), 'version-hint.text'), new TextEncoder().encode(String(version)))
    return true
  }
}

function lastColumnId(request: CreateTableRequest): number {
  let last = 0
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if ((key === 'id' || key === 'element-id' || key === 'key-id' || key === 'value-id') && typeof item === 'number') last = Math.max(last, item)
        else walk(item)
      }
    }
  }
  walk(request.schema)
  return last
}

/** Whether the REST spec's requirements hold for the table as it is. */
function requirementsHold(metadata: TableMetadata, requirements: readonly Record<string, unknown>[]): boolean {
  return requirements.every((requirement) => {
    if (requirement.type === 'assert-table-uuid') return requirement.uuid === metadata['table-uuid']
    if (requirement.type === 'assert-ref-snapshot-id') {
      const ref = metadata.refs?.[requirement.ref as string]
      const expected = requirement['snapshot-id']
      if (expected === null || expected === undefined) return ref === undefined
      return ref !== undefined && BigInt(ref['snapshot-id']) === BigInt(expected as bigint | number)
    }
    return false
  })
}

/** The metadata after the updates bufctl sends (add-snapshot, set-snapshot-ref, set-properties). */
function applyUpdates(metadata: TableMetadata, updates: readonly Record<string, unknown>[], previous: string | undefined): TableMetadata {
  let next: Record<string, unknown> = { ...metadata, 'last-updated-ms': Date.now() }
  for (const update of updates) {
    if (update.action === 'add-snapshot') {
      const snapshot = update.snapshot as Snapshot
      next = {
        ...next,
        snapshots: [...((next.snapshots as Snapshot[] | undefined) ?? []), snapshot],
        'last-sequence-number': snapshot['sequence-number'],
        'snapshot-log': [...((next['snapshot-log'] as unknown[] | undefined) ?? []), { 'timestamp-ms': snapshot['timestamp-ms'], 'snapshot-id': snapshot['snapshot-id'] }],
      }
    } else if (update.action === 'set-snapshot-ref') {
      const refs = { ...((next.refs as Record<string, unknown> | undefined) ?? {}), [update['ref-name'] as string]: { 'snapshot-id': update['snapshot-id'], type: update.type } }
      next = { ...next, refs, ...(update['ref-name'] === 'main' ? { 'current-snapshot-id': update['snapshot-id'] } : {}) }
    } else if (update.action === 'set-properties') {
      next = { ...next, properties: { ...(next.properties ?? {}), ...(update.updates as Record<string, string>) } }
    } else throw new Error(`a file catalog does not apply ${String(update.action)}`)
  }
  if (previous) next['metadata-log'] = [...((metadata['metadata-log'] as unknown[] | undefined) ?? []), { 'timestamp-ms': metadata['last-updated-ms'], 'metadata-file': previous }]
  return next as TableMetadata
}
