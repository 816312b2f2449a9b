/**
 * Every example a user can copy — each command's `--help` examples and the shell lines of the
 * README — run as written, in a sandbox laid out as the examples assume: the exporter's spill root
 * at /var/lib/otelcol/spill (a crashed one; a cleanly stopped one for flush), ./crashed and ./spill,
 * the input files the examples name, /data/parquet, a textfile directory, an S3 server for
 * s3:// URLs (the endpoints the examples name lead to it), and an Iceberg REST catalog for the
 * catalog URLs they name (file:///data/… warehouses lie in the sandbox). A usage error, an unknown
 * column or a failing pipeline fails the test: the examples are what a new operator tries first.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { BIN, PROJECT_ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { startS3, type S3Fixture } from '../helpers/s3.js'
import { startRestCatalog } from '../helpers/iceberg.js'
import { FIXTURES } from '../helpers/spill.js'

interface Example {
  readonly where: string
  readonly command: string
}

/** Each command's examples, from the built manifest, as a shell would see them. */
async function helpExamples(): Promise<Example[]> {
  const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { examples?: string[] }> }
  return Object.entries(manifest.commands).flatMap(([id, command]) =>
    (command.examples ?? []).map((example) => ({
      where: `bufctl ${id.replaceAll(':', ' ')} --help`,
      command: example.replaceAll('<%= config.bin %>', 'bufctl').replaceAll('<%= command.id %>', id.replaceAll(':', ' ')),
    })),
  )
}

/** The README's shell lines that run bufctl (continuation lines joined), and the ExecStartPre= recipe. */
async function readmeExamples(): Promise<Example[]> {
  const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const examples: Example[] = []
  for (const [, body] of readme.matchAll(/```(?:sh|ini)\n([\s\S]*?)```/g)) {
    const lines = body!.replace(/\\\n\s*/g, '').split('\n')
    for (const line of lines) {
      const command = line.replace(/^ExecStartPre=\/usr\/local\/bin\//, '').trim()
      if (/(^|\s)bufctl\s/.test(command) && !command.startsWith('npm ')) examples.push({ where: 'README.md', command })
    }
  }
  return examples
}

/** A fresh sandbox for one example; returns the example rewritten to run in it. */
async function sandbox(
  t: Parameters<typeof tempDir>[0],
  example: Example,
  s3: S3Fixture,
  catalog: string,
): Promise<{ work: string; command: string; env: Record<string, string> }> {
  const work = await tempDir(t, 'bufctl-example-')
  const root = join(work, 'var/lib/otelcol/spill')
  // A flush drains a buffer the exporter left cleanly; everything else meets a crashed one.
  const flushing = /bufctl flush/.test(example.command)
  await cp(join(FIXTURES, flushing ? 'clean' : 'crashed'), root, { recursive: true })
  await cp(join(FIXTURES, 'crashed'), join(work, 'crashed'), { recursive: true })
  await cp(join(FIXTURES, 'clean'), join(work, 'spill'), { recursive: true })
  await mkdir(join(work, 'var/lib/node_exporter/textfile'), { recursive: true })
  await mkdir(join(work, 'data'), { recursive: true })
  const inputs = join(FIXTURES, 'inputs')
  for (const [name, from] of [
    ['logs-0001.arrow', 'logs-file.arrow'],
    ['logs-0002.arrows', 'logs-stream.arrows'],
    ['logs.arrows', 'logs-stream.arrows'],
    ['big.arrow', 'logs-file.arrow'],
    ['input.arrows', 'logs-stream.arrows'],
    ['batch.arrows', 'traces-stream.arrows'],
    ['events.arrows', 'app-logs-stream.arrows'],
  ]) {
    await copyFile(join(inputs, from!), join(work, name!))
  }
  // What the quarantine examples name: a file recover set aside and the operator has since fixed.
  const { moveToQuarantine } = await import('../../src/lib/buffer/quarantine.js')
  for (const spill of [root, join(work, 'crashed')]) {
    if (!flushing || spill !== root) await moveToQuarantine(join(spill, 'otel_logs'), 'pending-000007.ipc', 'set aside by an earlier recover; fixed since')
  }
  // bufctl on PATH, as an installed one would be.
  const bin = join(work, '.bin')
  await mkdir(bin)
  await writeFile(join(bin, 'bufctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
  await chmod(join(bin, 'bufctl'), 0o755)
  const command = example.command
    .replaceAll(/(^|[\s=])\/(var|data)\//g, `$1${work}/$2/`)
    .replaceAll(/file:\/\/\/(var|data)\//g, `file://${work}/$1/`)
    .replaceAll(/https?:\/\/(lakekeeper|catalog|polaris)(\.internal)?:8181(\/catalog)?/g, catalog)
    .replaceAll(/https?:\/\/(127\.0\.0\.1:9000|minio:9000|minio\.internal:9000)/g, s3.endpoint)
    // The stand-in store has credentials of its own.
    .replaceAll(/AWS_ACCESS_KEY_ID=\S+/g, `AWS_ACCESS_KEY_ID=${s3.env.AWS_ACCESS_KEY_ID}`)
    .replaceAll(/AWS_SECRET_ACCESS_KEY=\S+/g, `AWS_SECRET_ACCESS_KEY=${s3.env.AWS_SECRET_ACCESS_KEY}`)
  const env = {
    ...process.env,
    ...s3.env,
    // Examples written for AWS reach the test's store; those with another endpoint were pointed at it above.
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    BUFCTL_PATH: join(work, 'spill'),
    NO_COLOR: '1',
  } as Record<string, string>
  return { work, command, env }
}

async function run(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // `alert` stands for whatever the operator's cron job does when status exits 1.
  const child = spawn('bash', ['-o', 'pipefail', '-c', `alert() { echo ALERT; }\n${command}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, stdout, stderr }
}

test('every --help and README example runs as written against the exporter-shaped fixtures', { timeout: 15 * 60_000 }, async (t) => {
  const s3 = await startS3(t)
  await s3.client.send(new CreateBucketCommand({ Bucket: 'telemetry-lake' }))
  const catalog = await startRestCatalog(t)
  const examples = [...(await helpExamples()), ...(await readmeExamples())]
  assert.ok(examples.length >= 30, `${examples.length} examples found`)
  for (const example of examples) {
    const { work, command, env } = await sandbox(t, example, s3, catalog.url)
    const result = await run(command, work, env)
    const label = `${example.where}: ${example.command}\n${result.stderr}`
    // status exits 1 when it finds what the crashed fixture holds (files that block the exporter, a
    // threshold), cat when it reaches the torn tail of a crashed file (and says so); all else succeeds.
    const findsDamage = (/bufctl status/.test(example.command) && !/--format prometheus --output/.test(example.command)) || /stopped reading .*complete batches/.test(result.stderr)
    const expected = findsDamage ? [0, 1] : [0]
    assert.ok(expected.includes(result.code ?? -1), `exit ${result.code} — ${label}`)
    assert.doesNotMatch(result.stderr, /Error:|not a bufctl command|Parsing --/, label)
    // A pipe into jq must have something to read: a column the tables do not have prints null.
    if (/\| jq/.test(example.command)) assert.doesNotMatch(result.stdout, /^null$/m, `jq read a column the tables do not have — ${label}`)
  }
})
