/**
 * What every bufctl command shares: the --json flag (the returned result is the JSON document),
 * and the one shape of failure (exit-codes): `Error:` and `Hint:` on stderr, or under --json one
 * small document on stdout — for bufctl's errors, oclif's parse errors and the unexpected alike.
 */
import { format } from 'node:util'
import { Command } from '@oclif/core'
import { debugText } from '../lib/usage-errors.js'
import { errorDocument } from './exit-codes.js'
import { palette, printable, terminalText } from './style.js'

export abstract class BufctlCommand extends Command {
  static override enableJsonFlag = true

  override log(message = '', ...args: unknown[]): void {
    super.log(terminalText(format(message, ...args)))
  }

  override logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(terminalText(format(message, ...args)))
  }

  /** A warning on stderr, also under --json (whose stdout holds only the document). */
  protected warning(message: string): void {
    process.stderr.write(`${palette().yellow('Warning:')} ${terminalText(message)}\n`)
  }

  /** Sets the exit code without cutting the JSON document short (oclif prints it after run()). */
  protected setExitCode(code: number): void {
    if (code !== 0) process.exitCode = code
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const document = errorDocument(error, this.id ?? '')
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
    } else {
      const color = palette()
      const { message, hint } = document.error
      process.stderr.write(`${color.red('Error:')} ${printable(message)}\n${color.dim('Hint:')} ${printable(hint)}\n`)
    }
    // For a bug report: every stack of the error and its causes.
    if (process.env.BUFCTL_DEBUG) process.stderr.write(`${debugText(error)}\n`)
    process.exitCode = document.exitCode
    return undefined
  }
}
