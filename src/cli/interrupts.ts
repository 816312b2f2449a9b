/**
 * Ctrl-C and SIGTERM during long work: the first asks the library to stop at its next safe point
 * (it finishes or undoes the commit in flight and removes what it half-wrote); the second stops at
 * once, leaving what a crash would leave, which the next run repairs. bin/run.js exits at once on
 * a signal that comes before any work starts.
 */
import { InterruptedError } from '../lib/errors.js'
import { exitCodeForSignal } from './exit-codes.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export interface Interrupts {
  readonly signal: AbortSignal
  /** The signal that asked to stop, once one did. */
  readonly received: () => string | undefined
  /** Puts back the at-once exit of bin/run.js. */
  dispose(): void
}

/**
 * Listens for SIGINT and SIGTERM until dispose(). `onStopping` runs at the first (restore the
 * terminal, say what happens); `onExit` right before a second one ends the process.
 */
export function listenForInterrupts(onStopping: (signal: string) => void, onExit: () => void): Interrupts {
  const controller = new AbortController()
  const previous = new Map(SIGNALS.map((name) => [name, process.listeners(name)]))
  let received: string | undefined
  const handler = (name: NodeJS.Signals) => {
    if (received) {
      onExit()
      process.exit(exitCodeForSignal(name))
    }
    received = name
    onStopping(name)
    controller.abort(new InterruptedError(name))
  }
  // The new listener goes on before the old ones come off (and back on before it comes off): a
  // signal with no listener for an instant gets its default action back, which ends the process.
  for (const name of SIGNALS) {
    process.on(name, handler)
    for (const listener of previous.get(name) ?? []) process.off(name, listener)
  }
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const name of SIGNALS) {
        for (const listener of previous.get(name) ?? []) process.on(name, listener)
        process.off(name, handler)
      }
    },
  }
}
