/**
 * Named instants in the commit protocol and in ingest where a test can make the process die as
 * `kill -9` would (BUFCTL_CRASH_AT=<point>, or <point>#<n> for the n-th occurrence a caller
 * numbers, such as ingest's n-th input), to prove that a re-run finishes the work exactly once.
 * Unset, this costs one environment lookup per call.
 */
export type CrashPoint =
  | 'files-held'
  | 'journal-written'
  | 'output-written-while-planning'
  | 'upload-recorded'
  | 'outputs-written'
  | 'journal-durable'
  | 'files-committed'
  | 'ingest-intent-recorded'
  | 'ingest-renamed'

export function crashPoint(point: CrashPoint, occurrence?: number): void {
  const wanted = process.env.BUFCTL_CRASH_AT
  if (wanted === point || (occurrence !== undefined && wanted === `${point}#${occurrence}`)) process.kill(process.pid, 'SIGKILL')
}
