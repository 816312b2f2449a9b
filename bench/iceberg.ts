/**
 * The Iceberg part of npm run bench, against Iceberg's own REST catalog server (test/peers, set up
 * by test/peers/setup.sh):
 *   - many small drains: each a flush of one 200-row pending file committed as one snapshot, in one
 *     process (the library's replay), beside pyiceberg appending the same rows one snapshot at a
 *     time: commit latency (median and 95th percentile) and commits per second;
 *   - a 1M-row recover into an Iceberg table beside the same recover into a directory: the
 *     difference is the time spent in Iceberg metadata (footer statistics, manifests, the commit).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startRestCatalog } from '../test/helpers/iceberg.js'
import { python } from '../test/helpers/peers.js'
import { generateExporterSpill } from './generate.js'

export interface IcebergFigures {
  readonly drains: number
  readonly bufctlLatency: { readonly median: number; readonly p95: number; readonly perSecond: number }
  readonly pyicebergLatency: { readonly median: number; readonly p95: number; readonly perSecond: number }
}

/** Seconds of each small drain's commit, and pyiceberg's appends of the same rows. */
export async function smallDrains(work: string, drains: number): Promise<IcebergFigures> {
  const cleanups: (() => unknown)[] = []
  try {
    const catalog = await startRestCatalog({ after: (fn) => cleanups.push(fn) })
    const { replay } = await import('../src/lib/replay/index.js')
    const source = join(work, 'source')
    rmSync(work, { recursive: true, force: true })
    await generateExporterSpill(source, 200 * drains, 200, drains)
    const root = join(work, 'spill')
    const seconds: number[] = []
    for (let i = 1; i <= drains; i++) {
      const name = `pending-${String(i).padStart(6, '0')}.ipc`
      mkdirSync(join(root, 'otel_logs'), { recursive: true })
      cpSync(join(source, 'otel_logs', name), join(root, 'otel_logs', name))
      const started = performance.now()
      const report = await replay({ mode: 'flush', root, tables: ['otel_logs'], iceberg: { catalog: catalog.direct, namespace: 'bench' }, granularity: 'hour', concurrency: 1 })
      seconds.push((performance.now() - started) / 1000)
      if (report.failed.length > 0) throw new Error(`drain ${i}: ${report.tables[0]?.error?.message ?? 'failed'}`)
    }
    // pyiceberg: the same 200-row files, one append (one snapshot) each, into a table of its own.
    const script = join(work, 'append.py')
    writeFileSync(
      script,
      [
        'import json, sys, time, glob',
        'import pyarrow.ipc as ipc',
        'from pyiceberg.catalog import load_catalog',
        'catalog = load_catalog("rest", type="rest", uri=sys.argv[1])',
        'files = sorted(glob.glob(sys.argv[2] + "/otel_logs/pending-*.ipc"))',
        'tables = [ipc.open_stream(open(f, "rb")).read_all() for f in files]',
        'catalog.create_namespace_if_not_exists("pyiceberg")',
        'table = catalog.create_table_if_not_exists("pyiceberg.otel_logs", schema=tables[0].schema)',
        'seconds = []',
        'for data in tables:',
        '    started = time.perf_counter()',
        '    table.append(data)',
        '    seconds.append(time.perf_counter() - started)',
        'print(json.dumps(seconds))',
      ].join('\n'),
    )
    const reference = JSON.parse(execFileSync(python(), [script, catalog.direct, source], { encoding: 'utf8' })) as number[]
    return { drains, bufctlLatency: latency(seconds), pyicebergLatency: latency(reference) }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}

function latency(seconds: readonly number[]): IcebergFigures['bufctlLatency'] {
  const sorted = [...seconds].sort((a, b) => a - b)
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!
  return { median: at(0.5), p95: at(0.95), perSecond: seconds.length / seconds.reduce((sum, value) => sum + value, 0) }
}

/** A REST catalog for the CLI runs of the 1M-row case; stopped by the returned function. */
export async function restCatalogForBench(): Promise<{ readonly url: string; readonly stop: () => Promise<void> }> {
  const cleanups: (() => unknown)[] = []
  const catalog = await startRestCatalog({ after: (fn) => cleanups.push(fn) })
  // The server's own URL: the proxy runs in this process, which spawnSync blocks while a CLI run measures.
  return {
    url: catalog.direct,
    stop: async () => {
      for (const cleanup of cleanups.reverse()) await cleanup()
    },
  }
}
