/**
 * The layer order of src/lib, checked by dependency-cruiser in `npm run lint`. The data flows
 * format → buffer → (parquet, sink) → iceberg → replay → (inspect, ingest, quarantine), and format → dump;
 * each stage may import only the stages below it, the options (what the caller chose about the
 * output) and the ground (src/lib/*.ts: errors, units, file-system helpers, the public index). The command layer reaches the library only
 * through a stage's index.ts or the ground, and the library never reaches the command layer.
 */
const ground = '^src/lib/[^/]+\\.ts$'
const stage = (name) => `^src/lib/${name}/`
const allowed = (...stages) => [ground, ...stages.map(stage)].join('|')

/** A rule: files of `name` may import only the ground and `stages` (themselves included). */
const layer = (name, ...stages) => ({
  name: `${name}-layer`,
  comment: `src/lib/${name} may import only the ground and ${stages.length ? stages.join(', ') : 'nothing else of bufctl'}`,
  severity: 'error',
  from: { path: stage(name) },
  to: { path: '^src/', pathNot: allowed(name, ...stages) },
})

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles hide the layering', from: {}, to: { circular: true } },
    {
      name: 'ground-layer',
      comment: 'the ground (errors, units, fs-util, …) imports nothing of bufctl but the ground',
      severity: 'error',
      from: { path: ground, pathNot: '^src/lib/index\\.ts$' },
      to: { path: '^src/', pathNot: ground },
      // index.ts is the public entry: it re-exports the stages.
    },
    // options: what a caller chooses about the output (light, for the command line's start-up); any stage may read it.
    layer('options'),
    layer('format', 'options'),
    layer('buffer', 'format', 'options'),
    layer('parquet', 'format', 'options'),
    layer('sink', 'format', 'options'),
    layer('iceberg', 'format', 'sink', 'options'),
    layer('replay', 'format', 'buffer', 'parquet', 'sink', 'iceberg', 'options'),
    layer('inspect', 'format', 'buffer', 'sink', 'replay', 'options'),
    layer('ingest', 'format', 'buffer', 'parquet', 'sink', 'iceberg', 'replay', 'options'),
    layer('quarantine', 'format', 'buffer', 'replay', 'options'),
    layer('dump', 'format', 'options'),
    {
      name: 'commands-use-indexes',
      comment: 'src/commands and src/cli reach a stage only through its index.ts (or the ground)',
      severity: 'error',
      from: { path: '^src/(commands|cli)/' },
      to: { path: '^src/lib/[^/]+/', pathNot: '^src/lib/[^/]+/index\\.ts$' },
    },
    {
      name: 'lib-stays-below-commands',
      comment: 'the library never imports the command layer',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/(commands|cli)/' },
    },
    {
      name: 'lib-draws-nothing',
      comment: 'no console output, oclif, chalk or progress bars in the library',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: 'node_modules/(@oclif|chalk|cli-progress)/' },
    },
    {
      name: 'commands-are-thin',
      comment: "commands parse flags and render: files, Arrow and Parquet are the library's",
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: '^(fs|node:fs|fs/promises|node:fs/promises)$|node_modules/(apache-arrow|parquet-wasm)/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
    includeOnly: '^src/|node_modules/(@oclif|chalk|cli-progress|apache-arrow|parquet-wasm)/|^(node:)?fs',
  },
}
