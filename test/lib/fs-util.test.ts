/**
 * A file published exclusively appears whole or not at all, and only where nothing was: the
 * second writer of a name is told so and changes nothing, and no temporary file is left behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileExclusively } from '../../src/lib/fs-util.js'
import { tempDir } from '../helpers/fs.js'

test('writeFileExclusively: the first writer of a name wins whole; the others are refused and leave nothing', async (t) => {
  const directory = await tempDir(t)
  const path = join(directory, 'v1.metadata.json')
  const contents = Array.from({ length: 8 }, (_, i) => new TextEncoder().encode(`{"writer":${i},"pad":"${'x'.repeat(100_000)}"}`))
  const won = await Promise.all(contents.map((bytes) => writeFileExclusively(path, bytes)))
  assert.equal(won.filter(Boolean).length, 1)
  const winner = won.indexOf(true)
  assert.deepEqual(new Uint8Array(await readFile(path)), contents[winner])
  assert.deepEqual(await readdir(directory), ['v1.metadata.json'])
})
