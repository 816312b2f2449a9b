#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (oclif development mode), without a build.
import { execute } from '@oclif/core'

await execute({ development: true, dir: import.meta.url })
