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

const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
