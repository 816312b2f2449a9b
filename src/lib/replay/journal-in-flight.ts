/**
 * The commit journal of a drain being written: the record as it grows (every output named before
 * an encoder may take it, every half-written upload as it starts), written one version at a time
 * in order, so that the journal on disk always names everything a crash could leave behind.
 */
import { SerialQueue } from '../buffer/serial-queue.js'
import { writeJournal, type JournalFile, type JournalOutput, type JournalRecord } from './commit-journal.js'
import { crashPoint, type CrashPoint } from './crash-points.js'

export class JournalInFlight {
  readonly #directory: string
  readonly #base: Omit<JournalRecord, 'state' | 'files' | 'outputs'>
  #files: JournalFile[]
  readonly #outputs: JournalOutput[] = []
  /** Half-written outputs (S3 upload ids), by output. */
  readonly #partials = new Map<string, string[]>()
  readonly #queue = new SerialQueue()
  readonly #writes: Promise<void>[] = []

  constructor(directory: string, base: Omit<JournalRecord, 'state' | 'files' | 'outputs'>, files: readonly JournalFile[]) {
    this.#directory = directory
    this.#base = base
    this.#files = [...files]
  }

  get files(): readonly JournalFile[] {
    return this.#files
  }

  get outputs(): readonly JournalOutput[] {
    return this.#outputs
  }

  /** The first version: the files about to be held, no output yet. */
  async begin(): Promise<void> {
    await writeJournal(this.#directory, { ...this.#base, state: 'held', files: this.#files, outputs: [] })
  }

  /** Names outputs and writes the journal (then `after` may crash the process, for tests). */
  addOutputs(outputs: readonly JournalOutput[], after: CrashPoint): Promise<void> {
    this.#outputs.push(...outputs)
    return this.write(after)
  }

  /** Records a half-written output's name in the store (an upload id) as it starts. */
  addPartial(relative: string, partial: string, after: CrashPoint): Promise<void> {
    this.#partials.set(relative, [...(this.#partials.get(relative) ?? []), partial])
    return this.write(after)
  }

  /** Gives the outputs, named as they opened, the rows they hold now that planning is done. */
  complete(outputs: readonly { readonly path: string; readonly rows: number }[]): void {
    const rows = new Map(outputs.map((output) => [output.path, output.rows]))
    for (const [index, output] of this.#outputs.entries()) this.#outputs[index] = { ...output, rows: rows.get(output.path) ?? output.rows }
  }

  /** Marks the damaged files whose originals go to quarantine/ once written. */
  markQuarantined(names: ReadonlySet<string>): void {
    this.#files = this.#files.map((file) => ({ ...file, quarantine: names.has(file.name) }))
  }

  /** Writes the current version, after every earlier one; a failure is kept for settled(). */
  write(after: CrashPoint): Promise<void> {
    const written = this.#queue.run(async () => {
      await writeJournal(this.#directory, this.writing())
      crashPoint(after)
    })
    // Awaited by settled(); a failure is not unhandled meanwhile.
    written.catch(() => undefined)
    this.#writes.push(written)
    return written
  }

  /** Resolves once every write so far is done; rejects with the first that failed. */
  async settled(): Promise<void> {
    await Promise.all(this.#writes)
  }

  /** Waits for the writes in flight, failed or not (before an undo reads the record). */
  async quiet(): Promise<void> {
    await this.#queue.run(async () => undefined)
  }

  /** The record as a crash now would leave it: outputs may be partly written. */
  writing(): JournalRecord {
    return { ...this.#base, state: 'writing', files: this.#files, outputs: this.#outputs.map((output) => ({ ...output, partials: this.#partials.get(output.path) })) }
  }

  /** Every output is written, synced and verified, with these sizes: the files may go. */
  async durable(outputs: readonly JournalOutput[]): Promise<JournalRecord> {
    const record: JournalRecord = { ...this.#base, state: 'durable', files: this.#files, outputs }
    await writeJournal(this.#directory, record)
    return record
  }
}
