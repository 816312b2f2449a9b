/**
 * nodejs-polars, the independent Arrow IPC reader of the tests (Rust's arrow2/polars, not
 * apache-arrow). Its platform package declares Node 22, so npm will not install it as an ordinary
 * dependency on Node 20 (where it works): it is installed on first use into node_modules/.cache,
 * as the benchmark does, from the npm registry.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { PROJECT_ROOT } from './cli.js'

const VERSION = '0.26.1'

/** The little of polars' API the tests use. */
export interface PolarsSeries {
  readonly name: string
  readonly dtype: { toString(): string }
  toArray(): unknown[]
  cast(dtype: unknown): PolarsSeries
}
export interface PolarsFrame {
  readonly height: number
  readonly columns: string[]
  getColumns(): PolarsSeries[]
}
export interface Polars {
  readIPCStream(source: string | Buffer): PolarsFrame
  readonly Int64: unknown
}

export function loadPolars(): Polars {
  const prefix = join(PROJECT_ROOT, 'node_modules', '.cache', 'bufctl-polars')
  if (!existsSync(join(prefix, 'node_modules', `nodejs-polars-${process.platform}-${process.arch}-gnu`))) {
    mkdirSync(prefix, { recursive: true })
    const platform = `nodejs-polars-${process.platform}-${process.arch}-gnu@${VERSION}`
    const install = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `nodejs-polars@${VERSION}`, platform], {
      encoding: 'utf8',
    })
    if (install.status !== 0) throw new Error(`could not install nodejs-polars into ${prefix}: ${install.stderr}`)
  }
  return createRequire(join(prefix, 'node_modules', 'index.js'))('nodejs-polars') as Polars
}
