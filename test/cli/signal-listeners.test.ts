/**
 * While long work starts listening for SIGINT and SIGTERM, and when it stops, each signal keeps a
 * listener at every instant: Node gives a signal with no listener its default action back, and a
 * Ctrl-C landing in that gap ended the process (by SIGINT, exit code lost) right as a recover finished.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { listenForInterrupts } from '../../src/cli/interrupts.js'

test('starting and stopping to listen for interrupts never leaves SIGINT or SIGTERM without a listener', () => {
  const signals = ['SIGINT', 'SIGTERM'] as const
  const exitAtOnce = () => undefined
  for (const name of signals) process.on(name, exitAtOnce)
  const counts: number[] = []
  const watch = (event: string | symbol) => {
    if (signals.includes(event as (typeof signals)[number])) counts.push(process.listenerCount(event))
  }
  process.on('removeListener', watch)
  try {
    const interrupts = listenForInterrupts(
      () => undefined,
      () => undefined,
    )
    for (const name of signals) assert.deepEqual(process.listeners(name).length, 1, `${name}: only the work's listener while it runs`)
    interrupts.dispose()
    for (const name of signals) assert.deepEqual(process.listeners(name), [exitAtOnce], `${name}: the earlier listener is back`)
    assert.ok(counts.length >= 4, `${counts.length} removals seen`)
    assert.ok(
      counts.every((count) => count > 0),
      `listener counts after each removal: ${counts.join(', ')}`,
    )
  } finally {
    process.off('removeListener', watch)
    for (const name of signals) process.off(name, exitAtOnce)
  }
})
