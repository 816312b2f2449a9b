/** How a catalog is named: the one spelling journals record and runs compare. */
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { InvalidOptionsError } from '../usage-errors.js'

/**
 * The catalog's URL as journals record it: a REST catalog's as given; a warehouse directory's as an
 * absolute file: URL (a path, relative or not, is taken for one).
 */
export function catalogUrl(value: string): string {
  if (/^https?:\/\//i.test(value)) return value.replace(/\/+$/, '')
  if (/^file:/i.test(value)) {
    try {
      return pathToFileURL(fileURLToPath(value)).href
    } catch (error) {
      throw new InvalidOptionsError(
        '--iceberg-catalog',
        `${value} is not a file URL of this machine (${(error as Error).message})`,
        'write file:///absolute/path, or give the directory as a path',
      )
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    throw new InvalidOptionsError('--iceberg-catalog', `${value} is neither a REST catalog (http://host:port[/path], https://…) nor a warehouse directory (file:///dir)`)
  }
  return pathToFileURL(resolve(value)).href
}
