/**
 * Where a drain's outputs go and how they become visible there — the one thing a commit asks of
 * its destination. A directory or a bucket: outputs are visible once durable, so publishing has
 * nothing to do. An Iceberg table: outputs lie under the table's location with its field ids, and
 * publishing appends them as one snapshot (iceberg/drain-append), which the journal records.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { join, posix } from 'node:path'
import { JournalError } from '../errors.js'
import { JOURNAL_FILE } from '../format/table-directory.js'
import { CatalogOutcomeUnknownError } from '../store-errors.js'
import type { BoundTable, Catalog, DataFileEntry, LoadedTable, TableIdentifier } from '../iceberg/index.js'
import { tableName } from '../iceberg/catalog.js'
import { bufctlVersion } from '../sink/bufctl-version.js'
import { dataDirectoryOf } from '../sink/output-layout.js'
import type { OutputSink } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import type { OutputSinks } from '../sink/open-sink.js'
import { TableFiles, trimmedLocation } from '../sink/table-location.js'
import { writeJournal, type JournalIceberg, type JournalRecord } from './commit-journal.js'
import { crashPoint } from './crash-points.js'

/** What undoing a durable commit found: nothing of it is visible (undo may go on), or it is published after all (finish it instead). */
export type Withdrawal = 'withdrawn' | 'published'

export interface Destination {
  readonly sink: OutputSink
  /** The directory under the sink's root the outputs' partitions lie in. */
  readonly dataDirectory: string
  /** Parquet field ids by column path (an Iceberg table's). */
  readonly fieldIds?: ReadonlyMap<string, number>
  /** The partitioning the destination imposes (an existing Iceberg table's spec). */
  readonly granularity?: Granularity
  /** What a new commit's journal records about the destination. */
  journalEntry(): JournalIceberg | undefined
  /** Makes a durable commit's outputs visible (`directory`'s journal records what it does first); resolves to the snapshot that holds them, for a table. */
  publish(directory: string, record: JournalRecord, signal?: AbortSignal): Promise<string | undefined>
  /** Before a durable commit is undone: withdraws what publishing left, or says it is published; throws when that cannot be told yet. */
  withdraw(directory: string, record: JournalRecord): Promise<Withdrawal>
}

/** A directory tree or an S3 prefix: `<table>/data/<partition>/<name>.parquet`. */
export function directoryDestination(sink: OutputSink, table: string): Destination {
  return {
    sink,
    dataDirectory: dataDirectoryOf(table),
    journalEntry: () => undefined,
    publish: () => Promise.resolve(undefined),
    withdraw: () => Promise.resolve('withdrawn'),
  }
}

/** The Iceberg table a drain is committed to. */
export class IcebergDestination implements Destination {
  readonly sink: OutputSink
  readonly dataDirectory = 'data'
  readonly fieldIds?: ReadonlyMap<string, number>
  readonly granularity?: Granularity
  readonly #catalog: Catalog
  readonly #identifier: TableIdentifier
  readonly #tableUuid: string
  readonly #files: TableFiles

  private constructor(catalog: Catalog, identifier: TableIdentifier, tableUuid: string, files: TableFiles, bound?: BoundTable) {
    this.#catalog = catalog
    this.#identifier = identifier
    this.#tableUuid = tableUuid
    this.#files = files
    this.sink = files.sink
    this.fieldIds = bound?.fieldIds
    this.granularity = bound?.granularity
  }

  /** The destination of a new drain into a table just bound to its schemas. */
  static ofTable(catalog: Catalog, bound: BoundTable, sinks: OutputSinks): IcebergDestination {
    const { metadata } = bound.loaded
    return new IcebergDestination(catalog, bound.identifier, metadata['table-uuid'], new TableFiles(sinks, metadata.location), bound)
  }

  /** The destination a journal names (to finish or undo its commit). */
  static ofJournal(catalog: Catalog, iceberg: JournalIceberg, sinks: OutputSinks): IcebergDestination {
    return new IcebergDestination(catalog, { namespace: iceberg.namespace, name: iceberg.table }, iceberg.tableUuid, new TableFiles(sinks, iceberg.location))
  }

  journalEntry(): JournalIceberg {
    return {
      catalog: this.#catalog.label,
      namespace: this.#identifier.namespace,
      table: this.#identifier.name,
      tableUuid: this.#tableUuid,
      location: this.#files.location,
      commitId: randomBytes(16).toString('hex'),
      attempts: [],
    }
  }

  async publish(directory: string, record: JournalRecord, signal?: AbortSignal): Promise<string> {
    const iceberg = record.iceberg!
    const { appendDrain, committedSnapshot } = await icebergCommits()
    const loaded = this.#checked(directory, await this.#catalog.loadTable(this.#identifier))
    // Already in the table (an earlier run's answer was lost): nothing to read or write again.
    const landed = loaded && committedSnapshot(loaded, iceberg.commitId)
    if (landed) return String(landed['snapshot-id'])
    let current = record
    const appended = await appendDrain({
      catalog: this.#catalog,
      table: this.#identifier,
      tableUuid: this.#tableUuid,
      commitId: iceberg.commitId,
      files: this.#files,
      dataFiles: loaded ? await this.#dataFiles(record, loaded) : [],
      summary: { 'bufctl.drain': record.drain, 'bufctl.version': bufctlVersion(), 'bufctl.host': hostname() },
      earlier: iceberg.attempts,
      record: async (attempts) => {
        current = { ...current, iceberg: { ...iceberg, attempts } }
        await writeJournal(directory, current)
        crashPoint('attempt-recorded')
      },
      signal,
    })
    return String(appended.snapshotId)
  }

  async withdraw(directory: string, record: JournalRecord): Promise<Withdrawal> {
    const iceberg = record.iceberg!
    // No request ever went out: nothing can land.
    if (iceberg.attempts.length === 0) return 'withdrawn'
    const { attemptsSettled, committedSnapshot, removeAttempts } = await icebergCommits()
    const loaded = this.#checked(directory, await this.#catalog.loadTable(this.#identifier))
    // The table is gone (or another now has its name): nothing can land in it, and its files are not bufctl's to touch.
    if (loaded?.metadata['table-uuid'] !== this.#tableUuid) return 'withdrawn'
    if (committedSnapshot(loaded, iceberg.commitId)) return 'published'
    if (!attemptsSettled(loaded, iceberg.commitId, iceberg.attempts)) {
      throw new CatalogOutcomeUnknownError(
        this.#catalog.label,
        tableName(this.#identifier),
        'an attempt of the commit may still be taken (the table is still at the snapshot it was built on)',
      )
    }
    await removeAttempts(this.#files, iceberg.attempts)
    return 'withdrawn'
  }

  /**
   * The table as loaded, once it is seen to lie where the journal says: a journal is input a local
   * user could have written, and its location decides which files bufctl writes and removes.
   */
  #checked(directory: string, loaded: LoadedTable | undefined): LoadedTable | undefined {
    if (loaded && loaded.metadata['table-uuid'] === this.#tableUuid && trimmedLocation(loaded.metadata.location) !== this.#files.location) {
      throw new JournalError(
        join(directory, JOURNAL_FILE),
        `the table ${tableName(this.#identifier)} lies at ${loaded.metadata.location}, not at ${this.#files.location} as the journal says`,
      )
    }
    return loaded
  }

  /** The drain's data files as the manifest lists them: paths under the location, partition values, statistics from each footer. */
  async #dataFiles(record: JournalRecord, loaded: LoadedTable): Promise<DataFileEntry[]> {
    const { metadata } = loaded
    const { dataFileStats, partitionValue } = await icebergCommits()
    const schema = metadata.schemas.find((candidate) => candidate['schema-id'] === metadata['current-schema-id'])!
    const spec = metadata['partition-specs'].find((candidate) => candidate['spec-id'] === metadata['default-spec-id'])
    const transform = spec?.fields[0]?.transform ?? 'none'
    const entries: DataFileEntry[] = []
    for (const output of record.outputs) {
      const reader = await this.sink.open(output.path)
      if (!reader) throw new Error(`${this.sink.locate(output.path)} is gone`)
      try {
        const partition = posix.relative(this.dataDirectory, posix.dirname(output.path))
        entries.push({
          path: this.#files.url(output.path),
          bytes: reader.byteLength,
          rows: output.rows,
          partition: partitionValue(partition, transform),
          stats: await dataFileStats(reader, schema),
        })
      } finally {
        await reader.close()
      }
    }
    return entries
  }
}

/** The Iceberg commit code, loaded by the runs that commit to a table (every run's start-up paid ~40 ms for it). */
function icebergCommits(): Promise<typeof import('../iceberg/index.js')> {
  return import('../iceberg/index.js')
}
