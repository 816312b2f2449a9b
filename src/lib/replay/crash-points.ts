/**
 * Named instants in the commit protocol where a test can make the process die as `kill -9` would
 * (BUFCTL_CRASH_AT=<point>), to prove that a re-run finishes the work exactly once. Unset, this
 * costs one environment lookup per commit.
 */
export type CrashPoint = 'files-held' | 'journal-written' | 'output-written-while-planning' | 'upload-recorded' | 'outputs-written' | 'journal-durable' | 'files-committed'

export function crashPoint(point: CrashPoint): void {
  if (process.env.BUFCTL_CRASH_AT === point) process.kill(process.pid, 'SIGKILL')
}
