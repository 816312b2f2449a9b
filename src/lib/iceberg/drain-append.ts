/**
 * One drain's data files appended to an Iceberg table as one snapshot, exactly once, however many
 * writers commit to the table at the same time. Each attempt asserts the main branch's head it was
 * built on (assert-ref-snapshot-id), and is made only after that head's history was seen not to
 * hold the drain's commit id (`bufctl.drain-id` in the summary): two attempts of one drain assert
 * the same head or one whose history the other could not have joined, so at most one ever lands.
 * - 409: the attempt is refused, nothing of it applied; its files go and the next one is built on
 *   the new head, after a jittered pause (bounded: then CatalogConflictError).
 * - no answer that says (5xx, reset, timeout): the table is read again; the commit id in its
 *   history means it landed. Otherwise, while the head is still the one it asserted, the very same
 *   request is sent again, with the same Idempotency-Key (a catalog that keeps keys answers a
 *   repeat with the first answer); once the head moved, it can never land, and its files go.
 * Every attempt is recorded (`record`) before its files are written or its request sent, so a
 * crash at any instant leaves the journal naming whatever could have landed.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { CatalogConflictError, CatalogOutcomeUnknownError, TableSchemaError } from '../store-errors.js'
import type { TableFiles } from '../sink/table-location.js'
import { readAvroFile } from './avro-file.js'
import {
  currentSchema,
  defaultSpec,
  mainHistory,
  mainSnapshot,
  tableName,
  type Catalog,
  type LoadedTable,
  type Snapshot,
  type TableCommit,
  type TableIdentifier,
} from './catalog.js'
import { carriedEntry, manifestFile, manifestList, newManifestEntry, type DataFileEntry } from './manifests.js'
import { nameMapping } from './schema.js'
import { stringifyCatalogJson } from './json.js'

/** The summary key that names the commit a snapshot made. */
export const COMMIT_ID_KEY = 'bufctl.drain-id'
const NAME_MAPPING = 'schema.name-mapping.default'

/** One attempt at the commit: its snapshot, the head it asserts, and its files (relative to the table's location). */
export interface AppendAttempt {
  readonly snapshot: string
  /** The main branch's head it was built on, or null for a table without snapshots. */
  readonly parent: string | null
  readonly manifest: string
  readonly list: string
}

export interface DrainAppend {
  readonly catalog: Catalog
  readonly table: TableIdentifier
  /** The table's uuid when the drain was written: a table dropped and created again meanwhile is not this one. */
  readonly tableUuid: string
  /** Unique to this commit (the journal keeps it): found in a snapshot's summary, it says the commit landed. */
  readonly commitId: string
  readonly files: TableFiles
  /** The drain's data files (paths as the table's location spells them). */
  readonly dataFiles: readonly DataFileEntry[]
  /** Summary entries beside the standard ones (drain, version, host). */
  readonly summary: Readonly<Record<string, string>>
  /** Attempts an earlier run made (from the journal). */
  readonly earlier?: readonly AppendAttempt[]
  /** Records the attempts so far before an attempt's files are written or its request sent. */
  readonly record: (attempts: readonly AppendAttempt[]) => Promise<void>
  /** @default 10 */
  readonly maxAttempts?: number
  /** The first pause after a conflict, doubled each time up to 5 s, jittered. @default 100 */
  readonly backoffMs?: number
  readonly signal?: AbortSignal
}

export interface AppendResult {
  readonly snapshotId: bigint
  /** The attempts the commit took (the one that landed among them). */
  readonly attempts: number
}

/** Appends the drain, or finds it appended already. Throws CatalogConflictError (nothing landed) or CatalogOutcomeUnknownError (something may have). */
export async function appendDrain(request: DrainAppend): Promise<AppendResult> {
  const attempts = [...(request.earlier ?? [])]
  const name = tableName(request.table)
  const maxAttempts = request.maxAttempts ?? 10
  let lastUnknown: string | undefined
  /** Requests sent this run whose answer was lost, by snapshot: sent again as they were. */
  const unanswered = new Map<string, TableCommit>()
  for (let round = 0; ; round++) {
    const loaded = await load(request)
    const landed = committedSnapshot(loaded, request.commitId)
    if (landed) {
      await removeAttempts(
        request.files,
        attempts.filter((attempt) => attempt.snapshot !== String(landed['snapshot-id'])),
      )
      return { snapshotId: BigInt(landed['snapshot-id']), attempts: attempts.length }
    }
    // Attempts built on another head than the current one can never land: their files go.
    const head = headId(loaded)
    const dead = attempts.filter((attempt) => attempt.parent !== head)
    if (dead.length > 0) {
      await removeAttempts(request.files, dead)
      attempts.splice(0, attempts.length, ...attempts.filter((attempt) => attempt.parent === head))
      await request.record([...attempts])
    }
    if (round >= maxAttempts) {
      if (attempts.length > 0) throw new CatalogOutcomeUnknownError(request.catalog.label, name, lastUnknown ?? 'an earlier commit request was not answered')
      throw new CatalogConflictError(name, round)
    }
    if (round > 0) await pause(round, request)

    let attempt = attempts.find((alive) => unanswered.has(alive.snapshot))
    let commit = attempt && unanswered.get(attempt.snapshot)
    if (!attempt || !commit) {
      attempt = newAttempt(loaded, round)
      attempts.push(attempt)
      await request.record([...attempts])
      commit = await buildCommit(request, loaded, attempt)
    }
    const outcome = await request.catalog.commitTable(request.table, commit)
    if (outcome.kind === 'committed') {
      // The catalog's table says which attempt landed (a repeated key is answered with the first answer).
      const snapshotId = BigInt(committedSnapshot(outcome.table, request.commitId)?.['snapshot-id'] ?? attempt.snapshot)
      await removeAttempts(
        request.files,
        attempts.filter((other) => other.snapshot !== String(snapshotId)),
      )
      return { snapshotId, attempts: attempts.length }
    }
    if (outcome.kind === 'conflict') {
      // Refused: nothing of it applied, ever. The journal stops naming it once its files are gone.
      unanswered.delete(attempt.snapshot)
      await removeAttempts(request.files, [attempt])
      attempts.splice(attempts.indexOf(attempt), 1)
      await request.record([...attempts])
    } else {
      unanswered.set(attempt.snapshot, commit)
      lastUnknown = outcome.reason
    }
  }
}

/** The snapshot of the main branch that made the commit `commitId`, if any. */
export function committedSnapshot(loaded: LoadedTable, commitId: string): Snapshot | undefined {
  return mainHistory(loaded.metadata).find((snapshot) => snapshot.summary[COMMIT_ID_KEY] === commitId)
}

/**
 * Whether none of `attempts` can land any more: the commit is not in the table and the head moved
 * past every head they asserted. Then an undo may remove their files and the drain's data files.
 */
export function attemptsSettled(loaded: LoadedTable, commitId: string, attempts: readonly AppendAttempt[]): boolean {
  if (committedSnapshot(loaded, commitId)) return false
  const head = headId(loaded)
  return attempts.every((attempt) => attempt.parent !== head)
}

/** Removes the files of attempts that cannot land; one already gone is fine. */
export async function removeAttempts(files: TableFiles, attempts: readonly AppendAttempt[]): Promise<void> {
  for (const attempt of attempts) {
    await files.remove(attempt.list)
    await files.remove(attempt.manifest)
  }
}

async function load(request: DrainAppend): Promise<LoadedTable> {
  const loaded = await request.catalog.loadTable(request.table)
  const name = tableName(request.table)
  if (!loaded) throw new TableSchemaError(name, `it no longer exists at ${request.catalog.label} (dropped after the drain's files were written)`)
  if (loaded.metadata['table-uuid'] !== request.tableUuid) throw new TableSchemaError(name, 'it was dropped and created again after the drain was written')
  return loaded
}

function headId(loaded: LoadedTable): string | null {
  const head = mainSnapshot(loaded.metadata)
  return head ? String(head['snapshot-id']) : null
}

function newAttempt(loaded: LoadedTable, round: number): AppendAttempt {
  const taken = new Set((loaded.metadata.snapshots ?? []).map((snapshot) => String(snapshot['snapshot-id'])))
  let snapshot: bigint
  do {
    // A positive 63-bit id, as Java and iceberg-go draw them.
    snapshot = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn
  } while (snapshot === 0n || taken.has(String(snapshot)))
  const unique = randomUUID()
  return {
    snapshot: String(snapshot),
    parent: headId(loaded),
    manifest: `metadata/${unique}-m0.avro`,
    list: `metadata/snap-${snapshot}-${round + 1}-${unique}.avro`,
  }
}

/** Writes the attempt's manifest and manifest list and returns the request that commits them. */
async function buildCommit(request: DrainAppend, loaded: LoadedTable, attempt: AppendAttempt): Promise<TableCommit> {
  const { metadata } = loaded
  const schema = currentSchema(metadata)
  const spec = defaultSpec(metadata)
  const snapshotId = BigInt(attempt.snapshot)
  const parent = mainSnapshot(metadata)
  const sequenceNumber = BigInt(metadata['last-sequence-number'] ?? 0) + 1n

  const manifest = manifestFile(request.dataFiles, snapshotId, schema, spec)
  const manifestLength = await request.files.write(attempt.manifest, manifest)
  const carried = parent ? await carriedManifests(request.files, parent) : []
  const added = newManifestEntry(request.files.url(attempt.manifest), manifestLength, request.dataFiles, snapshotId, sequenceNumber, spec)
  await request.files.write(attempt.list, manifestList([...carried, added], snapshotId, parent ? BigInt(parent['snapshot-id']) : undefined, sequenceNumber))

  const snapshot = {
    'snapshot-id': snapshotId,
    ...(parent ? { 'parent-snapshot-id': BigInt(parent['snapshot-id']) } : {}),
    'sequence-number': sequenceNumber,
    'timestamp-ms': Date.now(),
    'manifest-list': request.files.url(attempt.list),
    summary: { operation: 'append', ...summaryTotals(request.dataFiles, parent), ...request.summary, [COMMIT_ID_KEY]: request.commitId },
    'schema-id': schema['schema-id'],
  }
  const updates: Record<string, unknown>[] = [
    { action: 'add-snapshot', snapshot },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
  ]
  // Readers of files written without field ids (the exporter's) resolve columns by this mapping; iceberg-go sets it on the first append.
  if (metadata.properties?.[NAME_MAPPING] === undefined) updates.push({ action: 'set-properties', updates: { [NAME_MAPPING]: stringifyCatalogJson(nameMapping(schema)) } })
  return {
    requirements: [
      { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent ? BigInt(parent['snapshot-id']) : null },
    ],
    updates,
    // One key per request: sent again unchanged after a lost answer, it is the same request.
    idempotencyKey: randomUUID(),
  }
}

/** The manifests of the parent snapshot, carried into the new manifest list. */
async function carriedManifests(files: TableFiles, parent: Snapshot) {
  const list = await readAvroFile(await files.read(parent['manifest-list']))
  return list.records.map((record) => carriedEntry(record, list.schema))
}

/** The standard summary: what this snapshot adds, and the table's totals after it. */
function summaryTotals(dataFiles: readonly DataFileEntry[], parent: Snapshot | undefined): Record<string, string> {
  const added = {
    'added-data-files': dataFiles.length,
    'added-records': dataFiles.reduce((sum, file) => sum + file.rows, 0),
    'added-files-size': dataFiles.reduce((sum, file) => sum + file.bytes, 0),
  }
  const before = (key: string) => BigInt(parent?.summary[key] ?? 0)
  const partitions = new Set(dataFiles.map((file) => String(file.partition)))
  return {
    ...Object.fromEntries(Object.entries(added).map(([key, value]) => [key, String(value)])),
    'changed-partition-count': String(partitions.size),
    'total-data-files': String(before('total-data-files') + BigInt(added['added-data-files'])),
    'total-records': String(before('total-records') + BigInt(added['added-records'])),
    'total-files-size': String(before('total-files-size') + BigInt(added['added-files-size'])),
    'total-delete-files': String(before('total-delete-files')),
    'total-position-deletes': String(before('total-position-deletes')),
    'total-equality-deletes': String(before('total-equality-deletes')),
  }
}

async function pause(round: number, request: DrainAppend): Promise<void> {
  const cap = Math.min(5000, (request.backoffMs ?? 100) * 2 ** (round - 1))
  const ms = cap / 2 + Math.random() * (cap / 2)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    request.signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(request.signal!.reason instanceof Error ? request.signal!.reason : new Error('stopped'))
      },
      { once: true },
    )
  })
}
