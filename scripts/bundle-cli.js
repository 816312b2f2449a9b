#!/usr/bin/env node
// Part of npm run build, after tsc: each command (dist/commands) and the encoder thread's entry
// (dist/lib/parquet/encoder-worker.js) is replaced by one file holding the modules it loads, its
// pure-JavaScript dependencies among them. A recover loaded ~400 files at every start (apache-arrow
// alone is 146 of them: 130–170 ms to import, 20–30 ms as one file); an empty recover took 0.44 s,
// bundled 0.29 s. The rest of dist stays as tsc wrote it: it is the library (package.json `main`).
// Packages with native code or wasm, the AWS SDK (loaded only for s3:// roots), CommonJS packages
// that require Node's modules themselves, and oclif (which loads the commands) stay external.
import { build } from 'esbuild'
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const project = fileURLToPath(new URL('..', import.meta.url))
const dist = join(project, 'dist')
const { dependencies } = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))

/** ES modules without native code: bundled. Every other dependency is loaded from node_modules as before. */
const BUNDLED = new Set(['apache-arrow', 'flatbuffers', 'hyparquet', 'lossless-json', 'fzstd', 'chalk'])
const external = Object.keys(dependencies).filter((name) => !BUNDLED.has(name))

const commands = readdirSync(join(dist, 'commands'), { recursive: true })
  .filter((name) => name.endsWith('.js'))
  .map((name) => join(dist, 'commands', name))
const entries = [...commands, join(dist, 'lib', 'parquet', 'encoder-worker.js')]

await build({
  entryPoints: entries,
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: external.flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
})
// tsc's source maps describe the files replaced: a debugger would follow them to the wrong lines.
for (const entry of entries) rmSync(`${entry}.map`, { force: true })
