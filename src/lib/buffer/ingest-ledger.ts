/**
 * `<table>/bufctl-ingested.json`: the input files ingest appended to this table, by identity
 * (device, inode, size, modification time). A retry of `ingest a b c` after it failed on `c`
 * skips `a` and `b` instead of appending them twice. Entries are kept for 30 days (at most
 * 10,000); standard input and pipes have no identity and are never skipped.
 *
 * Exactly once across a kill at any instant: an input's entry is written *before* its copy is
 * renamed in as a pending file, naming that copy (`appending`: its temporary name). Whoever opens
 * the table next (ingest, flush, recover — before bufctl's temporaries are cleared) resolves such
 * an entry from what the rename left: the copy still there means the input was not appended (the
 * entry goes, the copy is cleared); the copy gone means it was (the entry stays, now plain).
 */
import { join } from 'node:path'
import { lstat } from 'node:fs/promises'
import { readTrusted, writeFileAtomically } from '../fs-util.js'
import { BUFCTL_TEMPORARY_PATTERN, INGEST_LEDGER_FILE } from '../format/table-directory.js'

export interface IngestedEntry {
  readonly identity: string
  readonly path: string
  readonly rows: number
  /** When it was appended (ISO 8601). */
  readonly at: string
  /** The temporary name of its copy while it is being renamed in (see above). */
  readonly appending?: string
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

  /**
   * Settles the entries of appends a kill interrupted (see above), under the table's lock and
   * before bufctl's temporary files are cleared from the directory.
   */
  static async resolve(directory: string): Promise<void> {
    const ledger = await IngestLedger.open(directory)
    if (!ledger.#entries.some((entry) => entry.appending !== undefined)) return
    const settled: IngestedEntry[] = []
    for (const entry of ledger.#entries) {
      if (entry.appending === undefined) settled.push(entry)
      else if (!(await present(join(directory, entry.appending)))) settled.push({ identity: entry.identity, path: entry.path, rows: entry.rows, at: entry.at })
    }
    ledger.#entries = settled
    await ledger.#write()
  }

  /** The earlier append of the input with this identity, if there was one. */
  find(identity: string | undefined): IngestedEntry | undefined {
    return identity === undefined ? undefined : this.#entries.find((entry) => entry.identity === identity)
  }

  /** Records an input (replacing an entry of the same identity): appended, or — with `appending` — about to be. */
  async record(entry: IngestedEntry): Promise<void> {
    const cutoff = Date.now() - KEEP_MS
    this.#entries = [...this.#entries.filter((old) => old.identity !== entry.identity && Date.parse(old.at) >= cutoff), entry].slice(-KEEP_ENTRIES)
    await this.#write()
  }

  async #write(): Promise<void> {
    await writeFileAtomically(join(this.#directory, INGEST_LEDGER_FILE), new TextEncoder().encode(JSON.stringify({ version: 1, inputs: this.#entries })))
  }
}

async function present(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined
}

function isEntry(value: unknown): value is IngestedEntry {
  const entry = value as Partial<IngestedEntry> | null
  return (
    typeof entry?.identity === 'string' &&
    typeof entry.path === 'string' &&
    typeof entry.rows === 'number' &&
    typeof entry.at === 'string' &&
    (entry.appending === undefined || (typeof entry.appending === 'string' && BUFCTL_TEMPORARY_PATTERN.test(entry.appending)))
  )
}
