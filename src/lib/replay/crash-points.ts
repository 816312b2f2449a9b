/**
 * Named instants in the commit protocol and in ingest where a test can make the process die as
 * `kill -9` would (BUFCTL_CRASH_AT=<point>, or <point>#<n> for the n-th occurrence a caller
 * numbers, such as ingest's n-th input), to prove that a re-run finishes the work exactly once; or
 * meet a bug there (BUFCTL_FAIL_AT=<point>: a TypeError is thrown), to prove that the failure is
 * reported and the commit undone in the same run. Unset, this costs two environment lookups per call.
 */
export type CrashPoint =
  | 'files-held'
  | 'journal-written'
  | 'output-written-while-planning'
  | 'output-growing'
  | 'upload-recorded'
  | 'outputs-written'
  | 'journal-durable'
  | 'attempt-recorded'
  | 'published'
  | 'files-committed'
  | 'ingest-intent-recorded'
  | 'ingest-renamed'

/**
 * A step that never finishes (BUFCTL_STALL_AT=<point>): a promise that never settles, as a wasm
 * trap or a lost callback would leave one, to prove that the stall watchdog undoes the commit.
 */
export function stallPoint(point: CrashPoint): Promise<void> {
  return process.env.BUFCTL_STALL_AT === point ? new Promise<void>(() => undefined) : Promise.resolve()
}

export function crashPoint(point: CrashPoint, occurrence?: number): void {
  const at = (wanted: string | undefined) => wanted === point || (occurrence !== undefined && wanted === `${point}#${occurrence}`)
  if (at(process.env.BUFCTL_CRASH_AT)) process.kill(process.pid, 'SIGKILL')
  if (at(process.env.BUFCTL_FAIL_AT)) throw new TypeError(`a fault injected at ${point} (BUFCTL_FAIL_AT)`)
}
