// Lint: typescript-eslint's strict type-checked rules over the sources, tests and benchmark.
// Formatting is prettier's (eslint-config-prettier turns off the rules it owns); the order of
// the layers is dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/data/', 'bench/.polars/', 'demo-output/', 'test/fixtures/**/*.js', 'test/peers/.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '.*.cjs', 'bin/*.js', 'scripts/*.js', 'scripts/*.d.ts', 'bench/*.cjs', 'test/helpers/*.mjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // With noUncheckedIndexedAccess, `xs[i]!` inside a loop bounded by xs.length says what the
      // loop already guarantees; the rule would ask for a runtime check that cannot fail.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // node:test's test() and describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' }] }],
      // An async function that implements a Promise-returning interface needs no await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Template literals are how messages are built here; numbers and booleans read fine in them.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', require: 'readonly', module: 'writable', fetch: 'readonly', Response: 'readonly', Headers: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
)
