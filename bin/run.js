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

// `bufctl --version` alone (a health check in scripts) needs no command framework: answer as oclif
// would, without loading it and its plugins.
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  const { readFileSync } = await import('node:fs')
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
