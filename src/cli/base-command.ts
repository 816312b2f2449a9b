/**
 * What every bufctl command shares: the --json flag (the returned result is the JSON document),
 * --quiet, and turning library errors into a message that names the file, a hint, and the exit
 * code of exit-codes.ts.
 */
import { Command } from '@oclif/core'
import { BufctlError } from '../lib/errors.js'
import { exitCodeFor } from './exit-codes.js'
import { palette } from './style.js'

export abstract class BufctlCommand extends Command {
  static override enableJsonFlag = true

  /** Sets the exit code without cutting the JSON document short (oclif prints it after run()). */
  protected setExitCode(code: number): void {
    if (code !== 0) process.exitCode = code
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (!(error instanceof BufctlError)) return super.catch(error)
    const code = exitCodeFor(error)
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: error.code, message: error.message, hint: error.hint, path: error.path, exitCode: code } })
    } else {
      const color = palette()
      this.logToStderr(`${color.red('Error:')} ${error.message}\n${color.dim('Hint:')} ${error.hint}`)
    }
    return this.exit(code)
  }
}
