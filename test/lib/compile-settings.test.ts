/**
 * bufctl leaves optimizing to code that runs long (compile-settings): a function that ran briefly
 * stays unoptimized, where by default V8 would have spent its compiler on it. Measured in fresh
 * processes on the built library (test/helpers/optimization.mjs), optimizing synchronously.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

const helper = fileURLToPath(new URL('../helpers/optimization.mjs', import.meta.url))

async function optimizedAfter(settings: 'settings' | 'default', calls: number): Promise<boolean> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', helper, settings, String(calls)])
  return (JSON.parse(stdout) as { optimized: boolean }).optimized
}

test('a small function called 8,000 times is optimized by default and left unoptimized with the settings', async () => {
  // Node 20's V8 optimized it within 4,000 calls by default; with the settings, after 16,000–25,000.
  assert.equal(await optimizedAfter('default', 8000), true, 'by default V8 optimizes it')
  assert.equal(await optimizedAfter('settings', 8000), false, 'with the settings it is left to the interpreter')
})

test('code that keeps running is still optimized with the settings', async () => {
  assert.equal(await optimizedAfter('settings', 200_000), true)
})
