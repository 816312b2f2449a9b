/**
 * The one error hierarchy of bufctl. Every failure kind has its own class, carries the file or
 * directory involved, and a hint that tells the operator what to do. The library never exits the
 * process; the command layer maps these classes to exit codes in one place.
 */

export type ErrorCode =
  | 'LOCK_HELD'
  | 'LOCK_FAILED'
  | 'SCHEMA_MISMATCH'
  | 'NOT_EXPORTER_SHAPE'
  | 'CORRUPT_STREAM'
  | 'NOT_ARROW'
  | 'INPUT_NOT_FOUND'
  | 'ROOT_NOT_FOUND'
  | 'NOT_A_SPILL_ROOT'
  | 'TABLE_NOT_FOUND'
  | 'PERMISSION'
  | 'INTERRUPTED'
  | 'INVALID_OPTIONS'
  | 'STORE_CLOSED'
  | 'STORE_WRITE'
  | 'FLUSH_FAILED'
  | 'BATCH_REJECTED'
  | 'JOURNAL'
  | 'OUTPUT_ROOT'
  | 'ROLLBACK'
  | 'OUTPUT_VERIFICATION'
  | 'UNSUPPORTED_TYPE'
  | 'UNWRITABLE_DATA'
  | 'STORE_UNREACHABLE'
  | 'STORE_ACCESS'
  | 'RESTORE_REFUSED'
  | 'SYSTEM_LIMIT'
  | 'UNSAFE_ENTRY'
  | 'CATALOG_UNREACHABLE'
  | 'CATALOG_ACCESS'
  | 'CATALOG_CONFLICT'
  | 'TABLE_SCHEMA'
  | 'CATALOG_OUTCOME_UNKNOWN'
  | 'CATALOG_REQUIRED'

export abstract class BufctlError extends Error {
  abstract readonly code: ErrorCode
  /** The file or directory the failure is about. */
  readonly path: string
  /** What the operator can do about it. */
  readonly hint: string

  protected constructor(message: string, path: string, hint: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.path = path
    this.hint = hint
  }
}

/** Another process (the exporter, another bufctl, `flock`) owns the table directory. */
export class LockHeldError extends BufctlError {
  readonly code = 'LOCK_HELD'
  constructor(
    readonly directory: string,
    readonly holderPid?: number,
  ) {
    super(
      `${directory} is in use: another process${holderPid ? ` (pid ${holderPid})` : ''} holds the lock on ${directory}/.lock`,
      directory,
      'stop the exporter (or the other bufctl) that owns this directory, or retry later',
    )
  }
}

/** flock(2) failed for a reason other than contention (permissions, unsupported file system). */
export class LockFailedError extends BufctlError {
  readonly code = 'LOCK_FAILED'
  constructor(lockFile: string, cause: unknown) {
    const addonMissing = (cause as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND'
    super(
      `cannot lock ${lockFile}: ${addonMissing ? 'the fs-ext addon that provides flock(2) was not built' : describe(cause)}`,
      lockFile,
      addonMissing
        ? 'reinstall allowing its build script: npm install -g --allow-scripts=fs-ext <bufctl package> (needs g++, make and python3)'
        : 'check that the directory is writable and on a local file system that supports flock(2)',
      { cause },
    )
  }
}

/** An Arrow IPC stream that cannot be read (cleanly, or at all). */
export class CorruptStreamError extends BufctlError {
  readonly code = 'CORRUPT_STREAM'
  constructor(
    path: string,
    readonly offset: number,
    readonly reason: string,
    hint = 'run `bufctl recover` to salvage the complete batches and quarantine what cannot be read',
  ) {
    super(`${path} is damaged at byte ${offset}: ${reason}`, path, hint)
  }
}

/** The run was stopped by SIGINT or SIGTERM at a safe point. */
export class InterruptedError extends BufctlError {
  readonly code = 'INTERRUPTED'
  constructor(readonly signal: string) {
    super(`stopped by ${signal}`, '', 'run the same command again: it finishes what was left, exactly once')
  }
}

/** A store used after close(). */
export class StoreClosedError extends BufctlError {
  readonly code = 'STORE_CLOSED'
  constructor(path: string) {
    super(`the buffer at ${path} is closed`, path, 'open the buffer again')
  }
}

/** Writing to the spill directory failed; what was written before is kept. */
export class StoreWriteError extends BufctlError {
  readonly code = 'STORE_WRITE'
  constructor(path: string, cause: unknown) {
    super(`cannot write ${path}: ${describe(cause)}`, path, 'free disk space or fix permissions; batches written before the failure were sealed and are kept', { cause })
  }
}

/** A flush operation failed; nothing was committed and the rows stay buffered. */
export class FlushFailedError extends BufctlError {
  readonly code = 'FLUSH_FAILED'
  constructor(
    readonly table: string,
    path: string,
    cause: unknown,
  ) {
    super(`flush of table ${table} (${path}) failed: ${describe(cause)}`, path, 'fix the cause and flush again; no buffered row was lost', { cause })
  }
}

/** Manager.add refused a batch because the buffer is full and could not be flushed. */
export class BatchRejectedError extends BufctlError {
  readonly code = 'BATCH_REJECTED'
  constructor(
    readonly table: string,
    path: string,
    cause: unknown,
  ) {
    super(
      `batch for table ${table} (${path}) rejected: the buffer is at its size cap and flushing it failed: ${describe(cause)}`,
      path,
      'retry the batch once the flush destination works again; the rejected batch was not buffered',
      { cause },
    )
  }
}

/** The commit journal in a table directory cannot be trusted (tampered with, or not bufctl's). */
export class JournalError extends BufctlError {
  readonly code = 'JOURNAL'
  constructor(
    path: string,
    readonly reason: string,
    options: { readonly setAside?: boolean } = {},
  ) {
    super(
      `commit journal ${path} cannot be trusted: ${reason}`,
      path,
      options.setAside
        ? 'look at the journal that was set aside: if its outputs exist, the rows were written; the next run treats the table as never committed'
        : "inspect the file; if it is not bufctl's, move it aside and run again",
    )
  }
}

/** An output read back does not hold what was written: the drain was undone, nothing committed. */
export class OutputVerificationError extends BufctlError {
  readonly code = 'OUTPUT_VERIFICATION'
  constructor(output: string, reason: string) {
    super(
      `${output} does not hold what was written: ${reason}; the drain was undone and no pending file was removed`,
      output,
      'check the output directory (disk, mount, another writer), then run again',
    )
  }
}

/**
 * The Parquet writer could not take the rows of these files (data the reader accepted, the writer
 * refused, or wrote short): the drain was undone. recover keeps such files in quarantine/ and
 * drains the rest; flush refuses the table.
 */
export class UnwritableDataError extends BufctlError {
  readonly code = 'UNWRITABLE_DATA'
  /** The files of the table directory whose rows the writer could not take. */
  readonly files: readonly string[]
  readonly reason: string
  constructor(directory: string, files: readonly string[], reason: string) {
    super(
      `${directory}: the Parquet writer could not take the rows of ${files.join(', ')} (${reason}); the drain was undone and no pending file was removed`,
      directory,
      'bufctl recover keeps such a file in quarantine/ and writes the rest; bufctl status --deep shows what it holds',
    )
    this.files = files
    this.reason = reason
  }
}

/** Undoing an interrupted commit could not remove one of its outputs; the journal is kept. */
export class RollbackError extends BufctlError {
  readonly code = 'ROLLBACK'
  constructor(
    readonly output: string,
    readonly directory: string,
    cause: unknown,
    readonly undoing?: unknown,
  ) {
    super(
      `cannot undo the interrupted commit of ${directory}: removing ${output} failed: ${describe(cause)}${undoing === undefined ? '' : ` (undoing it because: ${describe(undoing)})`}`,
      output,
      `make ${output} removable (or remove it yourself), then run bufctl recover again; the commit journal stays, so nothing is lost or written twice`,
      { cause },
    )
  }

  /** The same failure, saying which failure the undo was for. */
  after(failure: unknown): RollbackError {
    return new RollbackError(this.output, this.directory, this.cause, failure)
  }
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  return String(cause)
}

/** A quarantined file that may not go back: recover would set it aside again, or its rows were written already. */
export class RestoreRefusedError extends BufctlError {
  readonly code = 'RESTORE_REFUSED'
  constructor(path: string, reason: string) {
    super(
      `${path} stays in quarantine: ${reason}`,
      path,
      'fix or replace the file first (bufctl cat shows what it holds), or leave it for bufctl quarantine purge; nothing was changed',
    )
  }
}

/**
 * An entry inside a spill root that bufctl will not act through: a link, or a file where a
 * directory belongs (a hostile local user may have planted it). Nothing was moved, read or deleted.
 */
export class UnsafeEntryError extends BufctlError {
  readonly code = 'UNSAFE_ENTRY'
  constructor(path: string, what: string) {
    super(
      `${path} ${what}: bufctl never follows links or acts through them inside a spill root`,
      path,
      `look at what ${path} is and who made it; replace it with a plain directory (or remove it), then run again; nothing was changed`,
    )
  }
}

/** An operating-system error (it carries an errno code: EMFILE, EIO…): the machine's problem, never the data's. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string'
}
