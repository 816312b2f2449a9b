/** bufctl's own version (package.json), for what it writes into its outputs. */
import { readFileSync } from 'node:fs'
import { packageFile } from '../package-files.js'

/** Read at each call: once a commit, and once an object written to S3. */
export function bufctlVersion(): string {
  const manifest = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }
  return manifest.version
}
