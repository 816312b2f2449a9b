/**
 * A step that never finishes — a promise nothing will ever settle (a wasm trap swallowed, a lost
 * callback) — lets Node's event loop run dry; Node then ends the process with exit 13 ("unsettled
 * top-level await") in the middle of a commit. This watchdog turns that instant into an error of
 * the step instead: the caller's usual failure path runs (a commit is undone), and the run ends as
 * an internal error with its message. A step that is only slow (waiting on I/O, a timer, a worker)
 * keeps the loop alive and is never touched.
 */

/** A step that stopped without finishing: a bug in bufctl (exit 70), never bad input. */
export class StalledError extends Error {
  constructor(readonly step: string) {
    super(`internal error: ${step} stopped without finishing (a step that never completes); what it had begun was undone`)
    this.name = 'StalledError'
  }
}

/** `work`, or a StalledError once the process has nothing left to do but wait for it. */
export function untilSettled<T>(work: Promise<T>, step: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stalled = () => reject(new StalledError(step))
    process.once('beforeExit', stalled)
    work.then(resolve, reject).finally(() => process.off('beforeExit', stalled))
  })
}
