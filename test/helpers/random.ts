/** A small seeded PRNG (mulberry32), so randomized tests are reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A count from the environment, scaled down under CI=true (but never to zero). */
export function rounds(envName: string, local: number, ci: number): number {
  const fromEnv = Number(process.env[envName])
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv
  return process.env.CI ? ci : local
}
