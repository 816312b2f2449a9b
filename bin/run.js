#!/usr/bin/env node
// A signal before a command starts its work changes nothing: exit as a shell would report it.
// Commands replace these handlers while they work (src/cli/interrupts.ts).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => process.exit(code))
}

const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
