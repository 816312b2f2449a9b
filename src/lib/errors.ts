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
  | 'INVALID_OPTIONS'
  | 'STORE_CLOSED'
  | 'STORE_WRITE'
  | 'FLUSH_FAILED'
  | 'BATCH_REJECTED'
  | 'JOURNAL'

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

/** A batch or file whose schema differs from the active stream it would be appended to. */
export class SchemaMismatchError extends BufctlError {
  readonly code = 'SCHEMA_MISMATCH'
  constructor(
    path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `schema mismatch for ${path}: the table's active stream has ${expected}, this data has ${actual}`,
      path,
      'flush the table first (its active stream is sealed, and a new one takes the new schema), or convert the input to the existing schema',
    )
  }
}

/**
 * Input for one of the exporter's tables whose columns are not the exporter's: it joins batches by
 * column position and reads timestamps as microseconds, so such data breaks its flushes.
 */
export class ExporterShapeError extends BufctlError {
  readonly code = 'NOT_EXPORTER_SHAPE'
  constructor(
    path: string,
    readonly table: string,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      `${path} does not have the exporter's ${table} shape: at column ${column + 1} the exporter writes ${expected}, this data has ${found}`,
      path,
      `convert the input to the exporter's columns (see bufctl's README), or pass --schema any to ingest it anyway (the exporter could then not flush this table)`,
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
  ) {
    super(`${path} is damaged at byte ${offset}: ${reason}`, path, 'run `bufctl recover` to salvage the complete batches and quarantine what cannot be read')
  }
}

/** Input that is not Arrow IPC (stream or file format) at all, or is empty. */
export class NotArrowError extends BufctlError {
  readonly code = 'NOT_ARROW'
  constructor(
    path: string,
    readonly reason: string,
  ) {
    super(`${path} is not an Arrow IPC stream or file: ${reason}`, path, 'pass an Arrow IPC stream (.arrows/.ipc) or Arrow IPC file (.arrow)')
  }
}

/** An input path that does not exist or is not a regular file. */
export class InputNotFoundError extends BufctlError {
  readonly code = 'INPUT_NOT_FOUND'
  constructor(
    path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`, path, 'check the path; pass `-` to read standard input')
  }
}

/** Options rejected at construction: the name of the option stands in for the path. */
export class InvalidOptionsError extends BufctlError {
  readonly code = 'INVALID_OPTIONS'
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`invalid option ${option}: ${detail}`, option, `correct ${option}`)
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
    super(`flush of table ${table} failed: ${describe(cause)}`, path, 'fix the cause and flush again; no buffered row was lost', { cause })
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
      `batch for table ${table} rejected: the buffer is at its size cap and flushing it failed: ${describe(cause)}`,
      path,
      'retry the batch once the flush destination works again; the rejected batch was not buffered',
      { cause },
    )
  }
}

/** The commit journal in a table directory cannot be read. */
export class JournalError extends BufctlError {
  readonly code = 'JOURNAL'
  constructor(path: string, reason: string) {
    super(`commit journal ${path} is unreadable: ${reason}`, path, 'inspect the file; move it aside only after checking which outputs it lists exist')
  }
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  return String(cause)
}
