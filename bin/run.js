#!/usr/bin/env node
// A signal before a command starts its work changes nothing: exit as a shell would report it.
// Commands replace these handlers while they work (src/cli/interrupts.ts).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => process.exit(code))
}

// bufctl's stderr carries bufctl's messages only: the AWS SDK's notice about Node 20 is not one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
// oclif checks Node against its own engines (>=18, looser than bufctl's) with semver at every
// start, ~20 ms of loading for a warning that can never fire here: package.json asks for Node 20.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true'

// `bufctl --version` alone (a health check in scripts) needs no command framework: answer as oclif
// would, without loading it and its plugins.
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  const { readFileSync } = await import('node:fs')
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

// cat turns gigabytes into short-lived strings. V8 sizes its young generation at start-up only, and
// by default lets it fill with ~30 MiB of garbage; so cat runs in a child with a 1 MiB young
// generation (peak RSS flat, under 100 MB on any file), and this process only waits for it.
const YOUNG_GENERATION = '--max-semi-space-size=1'
if (args[0] === 'cat' && !process.execArgv.includes(YOUNG_GENERATION)) {
  const { spawn } = await import('node:child_process')
  const { constants } = await import('node:os')
  const { fileURLToPath } = await import('node:url')
  const child = spawn(process.execPath, [...process.execArgv, YOUNG_GENERATION, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' })
  // A signal for bufctl is the child's to handle (Ctrl-C reaches both: the child stops as cat does).
  // The child's listener goes on before the old ones come off: a signal never goes without one.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const previous = process.listeners(signal)
    process.on(signal, () => child.kill(signal))
    for (const listener of previous) process.off(signal, listener)
  }
  child.on('error', (error) => {
    process.stderr.write(`Error: cannot start ${process.execPath}: ${error.message}\n`)
    process.exit(70)
  })
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)))
} else {
  // How V8 collects garbage, for this thread (the encoder threads do the same as they start), and
  // which code it optimizes: see the modules. Only a process that runs a command needs them, and before oclif loads.
  const [{ collectGarbageEarly }, { optimizeHotCodeOnly }] = await Promise.all([import('../dist/lib/heap-settings.js'), import('../dist/lib/compile-settings.js')])
  collectGarbageEarly()
  optimizeHotCodeOnly()
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
