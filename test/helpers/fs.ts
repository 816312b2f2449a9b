/** Temporary directories and external lock holders for tests. */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { spawn, type ChildProcess } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'

/** A fresh temporary directory, removed when the test ends. */
/** What cleans up after a test (its TestContext), or after a benchmark. */
export interface Cleanups {
  after(fn: () => unknown): void
}

export async function tempDir(t: Cleanups, prefix = 'bufctl-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}

/**
 * Holds flock(2) on `lockFile` from another process, exactly as the exporter would, using the
 * util-linux `flock` command. Resolves once the lock is held; call release() to let it go.
 */
export async function holdLockElsewhere(lockFile: string): Promise<{ pid: number; release: () => Promise<void> }> {
  const child: ChildProcess = spawn('flock', ['--exclusive', '--nonblock', '--no-fork', lockFile, 'sh', '-c', 'echo locked; exec sleep 600'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
  if (!chunk.toString().includes('locked')) throw new Error(`flock did not take ${lockFile}`)
  return {
    pid: child.pid!,
    release: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Exit status of `flock --nonblock lockFile true`: 0 if the lock was free, 1 if held. */
export async function probeLockElsewhere(lockFile: string): Promise<number> {
  const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', '1', lockFile, 'true'], { stdio: 'ignore' })
  const [code] = (await once(child, 'exit')) as [number]
  return code
}
