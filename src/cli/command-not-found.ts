/**
 * A mistyped command (`bufctl stauts`): the closest command is named on every output — a cron log,
 * a script, a terminal — in the one failure shape (`Error:`/`Hint:` on stderr, or the JSON
 * document on stdout under --json); a person at a terminal is also asked whether to run it.
 * Exit 127, as a shell says "command not found". oclif runs this hook (package.json oclif.hooks).
 */
import { createInterface } from 'node:readline/promises'
import { type Hook, toConfiguredId } from '@oclif/core'
import { closest } from 'fastest-levenshtein'
import { EXIT_NOT_FOUND, type ErrorDocument } from './exit-codes.js'
import { palette, printable } from './style.js'

const hook: Hook.CommandNotFound = async function (options) {
  const commands = options.config.commands.filter((command) => !command.hidden).flatMap((command) => [command.id, ...command.aliases])
  const typed = toConfiguredId(options.id, options.config)
  const suggestion = commands.length > 0 ? toConfiguredId(closest(options.id, commands), options.config) : undefined
  const argv = options.argv ?? []
  const json = argv.includes('--json')
  const document: ErrorDocument = {
    error: {
      code: 'UNKNOWN_COMMAND',
      message: `${typed} is not a ${options.config.bin} command${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      hint: `run ${options.config.bin} help for the list of commands`,
      path: '',
    },
    exitCode: EXIT_NOT_FOUND,
  }
  if (json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
  else {
    const color = palette()
    process.stderr.write(`${color.red('Error:')} ${printable(document.error.message)}\n${color.dim('Hint:')} ${document.error.hint}\n`)
  }
  if (suggestion && !json && process.stdin.isTTY && process.stderr.isTTY && (await confirm(`Run ${options.config.bin} ${suggestion} instead? [y/N] `))) {
    return options.config.runCommand(suggestion.split(' ').join(':'), argv)
  }
  process.exit(EXIT_NOT_FOUND)
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim())
  } finally {
    prompt.close()
  }
}

export default hook
