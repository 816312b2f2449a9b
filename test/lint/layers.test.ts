import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { PROJECT_ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'

const run = promisify(execFile)
const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise')

/** Runs dependency-cruiser with the project's rules in `cwd`; resolves to its exit code and output. */
async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs'], { cwd })
    return { code: 0, output: stdout }
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string }
    return { code: failure.code, output: failure.stdout + failure.stderr }
  }
}

/** A copy of the sources and the lint configuration, with the project's node_modules. */
async function copyOfTree(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const work = await tempDir(t)
  await cp(join(PROJECT_ROOT, 'src'), join(work, 'src'), { recursive: true })
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) await cp(join(PROJECT_ROOT, file), join(work, file))
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(work, 'node_modules'))
  return work
}

test('the layer rules hold on the tree as it is', async () => {
  const result = await cruise(PROJECT_ROOT)
  assert.equal(result.code, 0, result.output)
})

test('an upward import (format/ importing replay/) breaks the layer rules', async (t) => {
  const work = await copyOfTree(t)
  await writeFile(join(work, 'src/lib/format/upward.ts'), "export { replay } from '../replay/index.js'\n")
  const result = await cruise(work)
  assert.notEqual(result.code, 0)
  assert.match(result.output, /format-layer: src\/lib\/format\/upward\.ts → src\/lib\/replay\/index\.ts/)
})

test('a command reaching into a stage past its index.ts breaks the layer rules', async (t) => {
  const work = await copyOfTree(t)
  const path = join(work, 'src/commands/status.ts')
  await writeFile(path, `${await readFile(path, 'utf8')}\nexport { status as internal } from '../lib/inspect/status.js'\n`)
  const result = await cruise(work)
  assert.notEqual(result.code, 0)
  assert.match(result.output, /commands-use-indexes: src\/commands\/status\.ts → src\/lib\/inspect\/status\.ts/)
})

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name))
}

test('no src/lib file over 300 lines, no class over 170', async () => {
  const tooLong: string[] = []
  for (const file of await sourceFiles(join(PROJECT_ROOT, 'src', 'lib'))) {
    const text = await readFile(file, 'utf8')
    const lines = text.split('\n').length
    if (lines > 300) tooLong.push(`${relative(PROJECT_ROOT, file)}: ${lines} lines`)
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node)) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
        if (end - start + 1 > 170) tooLong.push(`${relative(PROJECT_ROOT, file)}: class ${node.name?.text ?? '?'} ${end - start + 1} lines`)
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  assert.deepEqual(tooLong, [])
})
