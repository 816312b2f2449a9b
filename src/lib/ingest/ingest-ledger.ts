/**
 * `<table>/bufctl-ingested.json`: the input files ingest appended to this table, by identity
 * (device, inode, size, modification time). A retry of `ingest a b c` after it failed on `c`
 * skips `a` and `b` instead of appending them twice. Entries are kept for 30 days (at most
 * 10,000); standard input and pipes have no identity and are never skipped.
 */
import { join } from 'node:path'
import { writeFileAtomically } from '../fs-util.js'
import { INGEST_LEDGER_FILE } from '../format/table-directory.js'
import { readTrusted } from '../replay/commit-journal.js'

export interface IngestedEntry {
  readonly identity: string
  readonly path: string
  readonly rows: number
  /** When it was appended (ISO 8601). */
  readonly at: string
}

const KEEP_MS = 30 * 24 * 3600 * 1000
const KEEP_ENTRIES = 10_000

export class IngestLedger {
  readonly #directory: string
  #entries: IngestedEntry[]

  private constructor(directory: string, entries: IngestedEntry[]) {
    this.#directory = directory
    this.#entries = entries
  }

  /** The table's ledger; an unreadable or foreign one counts as empty (it only ever saves a duplicate). */
  static async open(directory: string): Promise<IngestLedger> {
    let entries: IngestedEntry[] = []
    try {
      const text = await readTrusted(join(directory, INGEST_LEDGER_FILE))
      const parsed = text === undefined ? undefined : (JSON.parse(text) as { inputs?: unknown })
      if (Array.isArray(parsed?.inputs)) entries = parsed.inputs.filter(isEntry)
    } catch {
      entries = []
    }
    return new IngestLedger(directory, entries)
  }

  /** The earlier append of the input with this identity, if there was one. */
  find(identity: string | undefined): IngestedEntry | undefined {
    return identity === undefined ? undefined : this.#entries.find((entry) => entry.identity === identity)
  }

  async record(entry: IngestedEntry): Promise<void> {
    const cutoff = Date.now() - KEEP_MS
    this.#entries = [...this.#entries.filter((old) => Date.parse(old.at) >= cutoff), entry].slice(-KEEP_ENTRIES)
    await writeFileAtomically(join(this.#directory, INGEST_LEDGER_FILE), new TextEncoder().encode(JSON.stringify({ version: 1, inputs: this.#entries })))
  }
}

function isEntry(value: unknown): value is IngestedEntry {
  const entry = value as Partial<IngestedEntry> | null
  return typeof entry?.identity === 'string' && typeof entry.path === 'string' && typeof entry.rows === 'number' && typeof entry.at === 'string'
}
