/**
 * Files of the bufctl package, found from its package.json wherever the module asking lies: the
 * sources (tests), the library as tsc built it, or a command bundled into one file
 * (scripts/bundle-cli.js), whose modules no longer sit where their sources did.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)

/** The package's file at `relative` (to its root). */
export function packageFile(relative: string): URL {
  // The package's own name resolves inside the package (package.json exports ./package.json).
  return pathToFileURL(join(dirname(require.resolve('bufctl/package.json')), relative))
}
