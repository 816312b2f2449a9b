/**
 * When V8 compiles bufctl's JavaScript to optimized code. By default a function is optimized after
 * ~66 KB worth of its bytecode has run: a recover of 5,000 small files had ~250 functions optimized
 * (several twice, after a deoptimization), ~0.45 s of CPU on V8's compiler threads (perf), mostly
 * for code that ran for a fraction of a second. Fifteen times that budget leaves optimization to
 * code that runs long, where it pays: that recover took 0.22 s less CPU and 0.06–0.07 s less time
 * (8 interleaved runs each), and one of 8,192-row batches no longer.
 *
 * V8 reads the budget as it sets up each function's counter, so it takes effect set at run time,
 * for every thread: the encoder threads start after it is set.
 */
import { setFlagsFromString } from 'node:v8'

export function optimizeHotCodeOnly(): void {
  setFlagsFromString('--interrupt-budget=1000000')
}
