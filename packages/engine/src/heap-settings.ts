import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that runs the engine, applied when the role starts.
 *
 * - How far the old generation may grow past what the last full collection left before the
 *   next one starts (`engine.heapGrowthPercent`, 150 by default: to 2.5 times its live size;
 *   bin/vigil starts every role at 60, set for the edge's small heap). The engine keeps
 *   correlation windows and alert state, tens to hundreds of megabytes that every full
 *   collection marks again, and promotes the hit records its batches hold until they are sent;
 *   at 60 it ran a full collection every ~60,000 events of the benchmark mix, and V8's GC
 *   threads took a sixth of its CPU. At 150 it runs about half as many, and the engine detects
 *   10-15% more events per CPU-second (`test/bench/detect-notes.md`), for a heap that peaks at
 *   up to 2.5 times its live size instead of 1.6 times.
 * - External memory (ArrayBuffers, and what zlib reports for its contexts) counts toward the
 *   heap's own growth limit instead of a fixed 64 MB of its own. Every signed batch the engine
 *   verifies is a zstd frame: decompressing it makes a zstd context with a window of the batch's
 *   size (about 2 MB) and a 2 MB output buffer, freed again a few milliseconds later. Under the
 *   separate limit that churn alone started a full collection every ~16 batches, each one
 *   marking all of the engine's correlation and alert state. Counted with the heap, collections
 *   follow the heap's growth.
 */
export function applyEngineHeapSettings(heapGrowthPercent: number): void {
  setFlagsFromString(`--heap-growing-percent=${heapGrowthPercent}`);
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
