// Run as its own process by test/lib/compile-settings.test.ts, with --allow-natives-syntax and
// --no-concurrent-recompilation (so that a function V8 decides to optimize is optimized at once).
// argv[2]: `settings` applies compile-settings first, as bin/run.js does. A fresh function is then
// called `calls` times (argv[3]) and whether V8 optimized it is printed.
import { optimizeHotCodeOnly } from '../../dist/lib/compile-settings.js'

if (process.argv[2] === 'settings') optimizeHotCodeOnly()
const calls = Number(process.argv[3])
const step = new Function('x', 'return (x * 2 + 1) % 7')
for (let i = 0; i < calls; i++) step(i)
// Bit 4 of V8's optimization status: the function runs optimized code.
const OPTIMIZED = 1 << 4
const status = new Function('f', 'return %GetOptimizationStatus(f)')(step)
process.stdout.write(JSON.stringify({ optimized: (status & OPTIMIZED) !== 0 }))
