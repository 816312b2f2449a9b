/**
 * Runs bufctl's library over hostile spill roots and inputs prepared by test/hostile/handles, then
 * collects garbage until Node would have said "Closing file descriptor N on garbage collection"
 * for any FileHandle left open. Prints the warnings it saw as JSON.
 *
 *   node --expose-gc --import tsx test/helpers/handle-probe.ts <work> [--control]
 *
 * `--control` leaks one handle on purpose: the test checks the probe can see a leak at all.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { ingest, replay, status } from '../../src/lib/index.js'

const [work, mode] = process.argv.slice(2) as [string, string | undefined]
const warnings: string[] = []
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`))
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

async function collect(): Promise<void> {
  for (let round = 0; round < 6; round++) {
    gc!()
    await nextTurn()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Every operation may fail (that is the point of hostile input); only the handles matter here. */
async function attempt(operation: () => Promise<unknown>): Promise<void> {
  await operation().catch(() => undefined)
  await collect()
}

if (mode === '--control') {
  await open(join(work, 'inputs', 'junk.arrows'), 'r')
} else {
  const root = join(work, 'spill')
  const out = join(work, 'out')
  await attempt(() => status({ root, deep: false }))
  await attempt(() => status({ root, deep: true }))
  await attempt(() => replay({ mode: 'recover', root, out, dryRun: true }))
  await attempt(() => replay({ mode: 'flush', root, out }))
  await attempt(() => replay({ mode: 'recover', root, out, concurrency: 1 }))
  for (const input of ['junk.arrows', 'torn.arrows', 'unsupported.arrows', 'missing.arrows', 'good.arrows']) {
    await attempt(() => ingest({ table: 'app_logs', inputs: [join(work, 'inputs', input)], root: join(work, 'ingest'), schema: 'any', out: join(work, 'ingest-out'), flush: true }))
  }
  await attempt(() => status({ root: join(work, 'no-such-root') }))
}
await collect()
process.stdout.write(`${JSON.stringify({ warnings })}\n`)
