import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { FIXTURES } from '../helpers/spill.js'

/** The uid and gid of the user the exporter runs as in this test: `nobody` when we are root. */
const EXPORTER = { uid: 65534, gid: 65534 }
const asRoot = process.getuid?.() === 0

test("what bufctl creates in a spill root has the exporter's modes (directories 0750, .lock 0600) and, run as root, belongs to the root's owner", async (t) => {
  const root = join(await tempDir(t), 'spill')
  await mkdir(root, { mode: 0o750 })
  // Run as root, bufctl works in a root another user (the exporter's) owns; run as anyone else, in its own.
  if (asRoot) await chown(root, EXPORTER.uid, EXPORTER.gid)
  const owner = asRoot ? EXPORTER : { uid: process.getuid!(), gid: process.getgid!() }
  const umask = Number.parseInt(/^Umask:\s+(\d+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1]!, 8)
  const input = join(FIXTURES, 'inputs', 'logs-stream.arrows')
  const result = await runCli(['ingest', 'otel_logs', input, '--path', root])
  assert.equal(result.code, 0, result.stderr)

  const owned = async (path: string, mode: number) => {
    const info = await stat(path)
    assert.equal(info.mode & 0o777, mode & ~umask, `${path}: mode ${(info.mode & 0o777).toString(8)}`)
    assert.deepEqual({ uid: info.uid, gid: info.gid }, owner, `${path}: owner`)
  }
  await owned(join(root, 'otel_logs'), 0o750)
  await owned(join(root, 'otel_logs', '.lock'), 0o600)
  const pending = join(root, 'otel_logs', 'pending-000001.ipc')
  assert.deepEqual({ uid: (await stat(pending)).uid, gid: (await stat(pending)).gid }, owner, 'the pending file')

  // A file recover must quarantine: the quarantine directory belongs to the owner too.
  await writeFile(join(root, 'otel_logs', 'pending-000002.ipc'), new Uint8Array(0))
  if (asRoot) await chown(join(root, 'otel_logs', 'pending-000002.ipc'), EXPORTER.uid, EXPORTER.gid)
  const recovered = await runCli(['recover', '--path', root, '--out', join(root, '..', 'out')])
  assert.equal(recovered.code, 0, recovered.stderr)
  await owned(join(root, 'otel_logs', 'quarantine'), 0o750)
})
