/**
 * The Iceberg catalog of a run, connected on first use and shared by its tables. A commit journal
 * names the catalog it committed to (its URL, never a secret); a run reaches it with its own
 * settings only when they name that same catalog: a journal never chooses where bufctl connects.
 */
import { CatalogRequiredError } from '../store-errors.js'
import type { IcebergSettings } from '../options/iceberg-settings.js'
import type { Catalog } from './catalog.js'
import { catalogUrl } from './catalog-url.js'

export class RunCatalogs {
  readonly #settings: IcebergSettings | undefined
  #catalog: Promise<Catalog> | undefined

  constructor(settings: IcebergSettings | undefined) {
    this.#settings = settings
  }

  /** The run's Iceberg settings, or undefined when the run writes no Iceberg table. */
  get settings(): IcebergSettings | undefined {
    return this.#settings
  }

  /** The run's catalog (connected once). */
  async open(): Promise<Catalog> {
    const settings = this.#settings
    if (!settings) throw new Error('this run has no Iceberg catalog')
    // Loaded only by a run that commits to a table: every recover made this object, and loading the catalogs' code with it cost ~40 ms of start-up.
    this.#catalog ??= import('./table-binding.js').then(({ openCatalog }) => openCatalog(settings))
    // A failed connection is tried again by the next table.
    this.#catalog.catch(() => {
      this.#catalog = undefined
    })
    return this.#catalog
  }

  /** The catalog a journal of `directory` names, when it is this run's; CatalogRequiredError otherwise. */
  async named(label: string, directory: string, table: string): Promise<Catalog> {
    if (!this.#settings || catalogUrl(this.#settings.catalog).toLowerCase() !== label.replace(/\/+$/, '').toLowerCase()) throw new CatalogRequiredError(directory, label, table)
    return this.open()
  }
}
