/** bufctl's own version (package.json), for what it writes into its outputs. */
import { readFileSync } from 'node:fs'

/** Read once, at first use; src/lib/sink and dist/lib/sink both sit three levels below package.json. */
export function bufctlVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return manifest.version
}
