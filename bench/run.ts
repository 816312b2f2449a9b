/**
 * npm run bench — bufctl beside the tools a user would otherwise reach for, in one run, on the same
 * generated data (bench/generate.ts; under bench/data, never committed):
 *   - recover to zstd Parquet beside nodejs-polars (read the IPC stream, write zstd Parquet), on the
 *     exporter's own otel_logs shape at 1M, 4M and 10M rows (8,192-row batches), 1M rows whose
 *     timestamps are out of order by up to a minute (the others are evenly spaced), 1M rows in one file
 *     of 200-row batches, the same rows as 5,000 pending files of 200 rows (polars reads them as one
 *     stream), 10M rows as 50,000 such files (copies of those; polars reads their stream ten times
 *     over), and the older bench data (ns timestamps, dictionaries, LargeUtf8) at 1M rows; for each,
 *     wall time, CPU seconds (in all and per million rows) and peak RSS beside polars';
 *   - status at 1M and 10M rows; ingest beside `cp` of the same file; `bufctl --version` beside
 *     `node -e 0`;
 *   - Iceberg (bench/iceberg.ts, against Iceberg's REST catalog server): many small drains' commit
 *     latency and throughput beside pyiceberg's appends, and the time a 1M-row recover spends in
 *     Iceberg metadata (beside the same recover into a directory).
 * bufctl writes without time partitions (--granularity none), as polars writes one file.
 * Wall time (median of three; one run at 10M rows), peak RSS and CPU seconds (user + sys) come from
 * GNU time. Before each case its files are read once, so both tools read them from the page cache.
 * polars is installed on first use into bench/.polars, outside the project's lockfile
 * (its platform package declares Node 22). The table is printed and written to bench/RESULTS.md.
 * BENCH_QUICK=1 runs only the 1M-row cases; BENCH_GENERATE_ONLY=1 only makes the data; BENCH_ICEBERG_ONLY=1 only the Iceberg figures;
 * BENCH_CASES=text only the cases whose name holds the text (these partial runs leave RESULTS.md as it is).
 */
import { spawnSync } from 'node:child_process'
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateExporterSpill, generateSpill, multiplySpill } from './generate.js'
import { restCatalogForBench, smallDrains } from './iceberg.js'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'bin', 'run.js')
const quick = process.env.BENCH_QUICK === '1'

interface Measure {
  seconds: number
  peakMiB: number
  cpuSeconds: number
}

/** Runs a command under GNU time `repeat` times; the median wall time, with that run's peak RSS and CPU. */
function measure(command: string, args: string[], repeat = 1, before?: () => void): Measure {
  const runs: Measure[] = []
  for (let i = 0; i < repeat; i++) {
    before?.()
    const report = join(here, 'data', 'time.txt')
    const result = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', report, command, ...args], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`)
    const [seconds, kib, user, sys] = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
    runs.push({ seconds: seconds!, peakMiB: kib! / 1024, cpuSeconds: user! + sys! })
  }
  return runs.sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!
}

/**
 * Reads every file under `path` (or the file) once. Generating data, or measuring the cases before,
 * can push a case's files out of the page cache; the first run would then pay the disk, and only
 * bufctl's, as polars runs after it.
 */
function warm(path: string): void {
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
    : [path]
  const buffer = Buffer.allocUnsafe(8 * 2 ** 20)
  for (const file of files) {
    const fd = openSync(file, 'r')
    try {
      while (readSync(fd, buffer) > 0);
    } finally {
      closeSync(fd)
    }
  }
}

function bytesUnder(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.parquet')) total += statSync(join(entry.parentPath, entry.name)).size
  }
  return total
}

function ensurePolars(): string | undefined {
  const prefix = join(here, '.polars')
  if (!existsSync(join(prefix, 'node_modules', 'nodejs-polars'))) {
    mkdirSync(prefix, { recursive: true })
    const platform = `nodejs-polars-${process.platform}-${process.arch}-gnu@0.26.1`
    const install = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, 'nodejs-polars@0.26.1', platform], { stdio: 'inherit' })
    if (install.status !== 0) return undefined
  }
  return join(prefix, 'node_modules')
}

const rows: string[][] = []
const note = (metric: string, bufctl: string, reference: string, ratio: string, target: string, met: boolean | undefined) =>
  rows.push([metric, bufctl, reference, ratio, target, met === undefined ? '' : met ? 'yes' : 'no'])
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
const m = (value: number) => (value >= 1_000_000 ? `${value / 1_000_000}M` : value.toLocaleString('en-US'))

interface Case {
  readonly name: string
  readonly rows: number
  /** Generates the spill root; returns the single stream polars reads (the same rows). */
  readonly make: (root: string) => Promise<void>
  readonly polarsInput: (root: string) => string
  readonly target?: number
  /** The peak RSS bufctl should stay under. @default 400 */
  readonly peakMiB?: number
}

const oneFile = (root: string) => join(root, 'otel_logs', 'pending-000001.ipc')
const allCases: Case[] = [
  { name: '1M rows, 8,192-row batches', rows: 1_000_000, make: (root) => generateExporterSpill(root, 1_000_000, 8192).then(() => undefined), polarsInput: oneFile, target: 1.2 },
  { name: '4M rows, 8,192-row batches', rows: 4_000_000, make: (root) => generateExporterSpill(root, 4_000_000, 8192).then(() => undefined), polarsInput: oneFile, target: 0.85 },
  { name: '10M rows, 8,192-row batches', rows: 10_000_000, make: (root) => generateExporterSpill(root, 10_000_000, 8192).then(() => undefined), polarsInput: oneFile, target: 0.8 },
  {
    // The generated rows are evenly spaced in time, which delta-encoded timestamps store almost for free; real ones are not.
    name: '1M rows, times out of order by up to 60 s',
    rows: 1_000_000,
    make: (root) => generateExporterSpill(root, 1_000_000, 8192, 1, 60_000_000).then(() => undefined),
    polarsInput: oneFile,
  },
  { name: '1M rows, one file of 200-row batches', rows: 1_000_000, make: (root) => generateExporterSpill(root, 1_000_000, 200).then(() => undefined), polarsInput: oneFile },
  {
    name: '1M rows as 5,000 files of 200 rows',
    rows: 1_000_000,
    make: async (root) => {
      await spillOf('1M rows, one file of 200-row batches')
      await generateExporterSpill(root, 1_000_000, 200, 5000)
    },
    // polars reads the same rows as one stream (the one-file case's data).
    polarsInput: () => oneFile(join(here, 'data', '1M rows, one file of 200-row batches', 'spill')),
    target: 1.5,
  },
  { name: '1M rows, older bench data (ns, dictionaries, LargeUtf8)', rows: 1_000_000, make: (root) => generateSpill(root, 1_000_000).then(() => undefined), polarsInput: oneFile },
  {
    // A backlog of a week's rotations: the 5,000 files ten times over (copies), polars reading the
    // one-file case's stream ten times over as one stream.
    name: '10M rows as 50,000 files of 200 rows',
    rows: 10_000_000,
    make: async (root) => {
      const [files, stream] = await Promise.all([spillOf('1M rows as 5,000 files of 200 rows'), spillOf('1M rows, one file of 200-row batches')])
      await multiplySpill(files, root, 10, oneFile(stream), join(root, '..', 'polars.ipc'))
    },
    polarsInput: (root) => join(root, '..', 'polars.ipc'),
    target: 1.5,
    peakMiB: 300,
  },
]

/** The spill root of a case, generated first if it is not there yet. */
async function spillOf(name: string): Promise<string> {
  const entry = allCases.find((candidate) => candidate.name === name)!
  const base = join(here, 'data', entry.name)
  const root = join(base, 'spill')
  if (!existsSync(join(base, 'generated'))) {
    console.error(`generating ${entry.name}…`)
    rmSync(base, { recursive: true, force: true })
    await entry.make(root)
    writeFileSync(join(base, 'generated'), '')
  }
  return root
}
const icebergOnly = process.env.BENCH_ICEBERG_ONLY === '1'
// BENCH_CASES=text runs only the cases whose name holds it; like BENCH_ICEBERG_ONLY and BENCH_GENERATE_ONLY, it keeps RESULTS.md.
const only = process.env.BENCH_CASES
const partial = icebergOnly || only !== undefined || process.env.BENCH_GENERATE_ONLY === '1'
const cases = icebergOnly ? [] : allCases.filter((entry) => (!quick || entry.rows <= 1_000_000) && (only === undefined || entry.name.includes(only)))

const polarsModules = ensurePolars()
for (const entry of cases) {
  const base = join(here, 'data', entry.name)
  const root = await spillOf(entry.name)
  if (process.env.BENCH_GENERATE_ONLY === '1') continue
  const out = join(base, 'out')
  const repeat = entry.rows <= 4_000_000 ? 3 : 1
  // Each run starts from the same state: no output, and no kept commit (a --keep run elsewhere, by
  // hand, would make this one skip the files it wrote).
  const clean = () => {
    rmSync(out, { recursive: true, force: true })
    rmSync(join(root, 'otel_logs', 'bufctl-kept.json'), { force: true })
  }
  const spillMiB = readdirSync(join(root, 'otel_logs')).reduce((sum, name) => sum + statSync(join(root, 'otel_logs', name)).size, 0) / 2 ** 20
  // One output tree without time partitions, as polars writes one file: the generated rows are 13 s
  // apart (1M rows span 150 days), and hourly partitions would compare 3,600 files with one.
  const polarsInput = entry.polarsInput(root)
  warm(root)
  // Most cases give polars a file of their own spill, read just now; the 5,000-file case, another case's.
  if (polarsModules && relative(root, polarsInput).startsWith('..')) warm(polarsInput)
  const replay = measure(process.execPath, [bin, 'recover', '--path', root, '--out', out, '--keep', '--quiet', '--granularity', 'none'], repeat, clean)
  const bufctlBytes = bytesUnder(out)
  let polars: Measure | undefined
  let polarsBytes = 0
  if (polarsModules) {
    const target = join(base, 'polars.parquet')
    process.env.NODE_PATH = polarsModules
    polars = measure(process.execPath, [join(here, 'polars-replay.cjs'), polarsInput, target], repeat)
    polarsBytes = statSync(target).size
  }
  const ratio = polars ? replay.seconds / polars.seconds : undefined
  note(
    `recover ${entry.name} (${spillMiB.toFixed(0)} MiB IPC): wall`,
    `${replay.seconds.toFixed(2)} s`,
    polars ? `${polars.seconds.toFixed(2)} s` : 'n/a',
    ratio ? `${ratio.toFixed(2)}×` : '',
    entry.target ? `≤ ${entry.target}×` : '',
    ratio === undefined || entry.target === undefined ? undefined : ratio <= entry.target,
  )
  note(
    `recover ${entry.name}: CPU (user + sys)`,
    `${replay.cpuSeconds.toFixed(2)} s`,
    polars ? `${polars.cpuSeconds.toFixed(2)} s` : 'n/a',
    polars ? `${(replay.cpuSeconds / polars.cpuSeconds).toFixed(2)}×` : '',
    '',
    undefined,
  )
  const perMillion = (measured: Measure) => (measured.cpuSeconds * 1_000_000) / entry.rows
  note(
    `recover ${entry.name}: CPU seconds per 1M rows`,
    `${perMillion(replay).toFixed(2)} s`,
    polars ? `${perMillion(polars).toFixed(2)} s` : 'n/a',
    polars ? `${(perMillion(replay) / perMillion(polars)).toFixed(2)}×` : '',
    '',
    undefined,
  )
  const peakLimit = entry.peakMiB ?? 400
  note(
    `recover ${entry.name}: peak RSS`,
    `${replay.peakMiB.toFixed(0)} MiB`,
    polars ? `${polars.peakMiB.toFixed(0)} MiB` : 'n/a',
    '',
    `≤ ${peakLimit} MiB`,
    replay.peakMiB <= peakLimit,
  )
  const sizeRatio = polarsBytes ? bufctlBytes / polarsBytes : undefined
  note(
    `recover ${entry.name}: Parquet bytes`,
    mib(bufctlBytes),
    polarsBytes ? mib(polarsBytes) : 'n/a',
    sizeRatio ? `${sizeRatio.toFixed(2)}×` : '',
    'within 10%',
    sizeRatio === undefined ? undefined : sizeRatio <= 1.1,
  )
  clean()

  if (entry.name.includes('8,192') && (entry.rows === 1_000_000 || entry.rows === 10_000_000)) {
    const limit = entry.rows === 1_000_000 ? 0.3 : 1
    const statusRun = measure(process.execPath, [bin, 'status', '--path', root], 3)
    note(`status, ${m(entry.rows)} rows`, `${statusRun.seconds.toFixed(2)} s`, '', '', `≤ ${limit} s`, statusRun.seconds <= limit)
  }
  if (entry.name === '1M rows, 8,192-row batches') {
    const ingestRoot = join(base, 'ingest')
    const copyDir = join(base, 'copy')
    const ingest = measure(process.execPath, [bin, 'ingest', 'otel_logs', oneFile(root), '--path', ingestRoot, '--quiet'], 3, () =>
      rmSync(ingestRoot, { recursive: true, force: true }),
    )
    const copy = measure('cp', [oneFile(root), join(copyDir, 'copy.ipc')], 3, () => {
      rmSync(copyDir, { recursive: true, force: true })
      mkdirSync(copyDir, { recursive: true })
    })
    const fraction = copy.seconds / Math.max(ingest.seconds, 0.001)
    note('ingest 1M rows: throughput as a fraction of cp', `${ingest.seconds.toFixed(2)} s`, `${copy.seconds.toFixed(2)} s (cp)`, fraction.toFixed(2), '≥ 0.5', fraction >= 0.5)
    rmSync(ingestRoot, { recursive: true, force: true })
    rmSync(copyDir, { recursive: true, force: true })
  }
}

if (process.env.BENCH_GENERATE_ONLY !== '1' && only === undefined) {
  const icebergWork = join(here, 'data', 'iceberg')
  const small = await smallDrains(join(icebergWork, 'small'), quick ? 20 : 50)
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`
  const [ours, theirs] = [small.bufctlLatency, small.pyicebergLatency]
  note(
    `Iceberg: ${small.drains} small drains (200 rows) into a REST catalog, commit latency median / p95`,
    `${ms(ours.median)} / ${ms(ours.p95)}`,
    `${ms(theirs.median)} / ${ms(theirs.p95)} (pyiceberg append)`,
    `${(ours.median / theirs.median).toFixed(2)}×`,
    '',
    undefined,
  )
  note(
    'Iceberg: small drains committed per second',
    ours.perSecond.toFixed(1),
    `${theirs.perSecond.toFixed(1)} (pyiceberg)`,
    `${(ours.perSecond / theirs.perSecond).toFixed(2)}×`,
    '',
    undefined,
  )

  // 1M rows into a table beside the same into a directory: the difference is the Iceberg metadata.
  const source = join(here, 'data', '1M rows, 8,192-row batches', 'spill')
  if (!existsSync(join(source, '..', 'generated'))) {
    rmSync(join(source, '..'), { recursive: true, force: true })
    await generateExporterSpill(source, 1_000_000, 8192)
    writeFileSync(join(source, '..', 'generated'), '')
  }
  const copy = join(icebergWork, 'spill')
  const directoryOut = join(icebergWork, 'out')
  const fresh = () => {
    rmSync(copy, { recursive: true, force: true })
    rmSync(directoryOut, { recursive: true, force: true })
    cpSync(source, copy, { recursive: true })
  }
  const rest = await restCatalogForBench()
  try {
    const intoTable = measure(
      process.execPath,
      [bin, 'recover', '--path', copy, '--iceberg-catalog', rest.url, '--iceberg-namespace', 'bench', '--granularity', 'none', '--quiet'],
      3,
      fresh,
    )
    const intoDirectory = measure(process.execPath, [bin, 'recover', '--path', copy, '--out', directoryOut, '--granularity', 'none', '--quiet'], 3, fresh)
    note(
      'recover 1M rows into an Iceberg table (REST catalog): wall',
      `${intoTable.seconds.toFixed(2)} s`,
      `${intoDirectory.seconds.toFixed(2)} s (into a directory)`,
      `${(intoTable.seconds / intoDirectory.seconds).toFixed(2)}×`,
      '',
      undefined,
    )
    note('recover 1M rows into an Iceberg table: time in Iceberg metadata (the difference)', `${(intoTable.seconds - intoDirectory.seconds).toFixed(2)} s`, '', '', '', undefined)
  } finally {
    await rest.stop()
    rmSync(icebergWork, { recursive: true, force: true })
  }
}

const version = measure(process.execPath, [bin, '--version'], 5)
const bare = measure(process.execPath, ['-e', '0'], 5)
const extra = (version.seconds - bare.seconds) * 1000
if (!partial)
  note(
    '`bufctl --version` beside `node -e 0`',
    `${(version.seconds * 1000).toFixed(0)} ms`,
    `${(bare.seconds * 1000).toFixed(0)} ms`,
    `${extra < 0 ? '−' : '+'}${Math.abs(extra).toFixed(0)} ms`,
    '≤ +100 ms',
    extra <= 100,
  )

const header = ['metric', 'bufctl', 'reference', 'ratio', 'target', 'met']
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
const cpu = cpus()[0]?.model ?? 'unknown CPU'
const machine = `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, nodejs-polars 0.26.1, ${new Date().toISOString().slice(0, 10)}`
const text = `# Benchmark results\n\nMeasured by \`npm run bench\` on ${machine}.\nbufctl recovers with \`--granularity none\` (polars writes one file). Median of three runs (one at 10M rows); wall time, peak RSS and CPU seconds from GNU time; reference: nodejs-polars reading the IPC stream and writing zstd Parquet, \`cp\`, \`node -e 0\`.\n\n${table}\n`
console.log(`\n${text}`)
// A partial run (some cases, or only the Iceberg figures) does not replace the full results.
if (!partial) writeFileSync(join(here, 'RESULTS.md'), text)
