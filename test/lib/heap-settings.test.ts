/**
 * bufctl's threads keep their young generation at its starting size (heap-settings). V8 puts the
 * growth factor back to its default whenever a thread's heap is created, so starting the encoder
 * threads must not undo it for the thread that started them. Measured in fresh processes on the
 * built library (test/helpers/young-generation.mjs): a young generation never shrinks back.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

const MIB = 1024 * 1024
const helper = fileURLToPath(new URL('../helpers/young-generation.mjs', import.meta.url))

interface Measure {
  readonly started: boolean
  readonly kept: number
  readonly young: number
}

async function youngGeneration(settings: 'settings' | 'default', threads: 'threads' | 'during' | 'none'): Promise<Measure> {
  const { stdout } = await promisify(execFile)(process.execPath, [helper, settings, threads])
  return JSON.parse(stdout) as Measure
}

test('after the encoder threads start, the young generation of the thread that started them stays at its starting size', async () => {
  const withSettings = await youngGeneration('settings', 'threads')
  assert.equal(withSettings.started, true, 'the encoder threads started')
  // It starts at 2 MiB; a scavenge between a thread's heap creation and its re-applying the settings
  // may grow it once or twice. Without the encoder thread re-applying them it reached 30 MiB.
  assert.ok(withSettings.young <= 8 * MIB, `with the settings: ${(withSettings.young / MIB).toFixed(1)} MiB`)
  // The same allocation without them (and without the threads, which apply them): V8 grows it to 32 MiB.
  const without = await youngGeneration('default', 'none')
  assert.equal(without.kept, withSettings.kept)
  assert.ok(without.young >= 16 * MIB, `without the settings: ${(without.young / MIB).toFixed(1)} MiB`)
})

test('a thread that allocates while the encoder threads start keeps its young generation small too', async () => {
  // Each thread's heap, as it is made, puts the growth back to its default for every thread until
  // the settings are made again: the starting thread makes them again at each turn of its loop.
  // Measured: 2–4 MiB; without that, allocating meanwhile grew it to 14–29 MiB.
  const during = await youngGeneration('settings', 'during')
  assert.equal(during.started, true, 'the encoder threads started')
  assert.ok(during.young <= 8 * MIB, `while the threads started: ${(during.young / MIB).toFixed(1)} MiB`)
})
