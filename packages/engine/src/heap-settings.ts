import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that runs the engine, applied when the role starts.
 *
 * External memory (ArrayBuffers, and what zlib reports for its contexts) counts toward the
 * heap's own growth limit instead of a fixed 64 MB of its own. Every signed batch the engine
 * verifies is a zstd frame: decompressing it makes a zstd context with a window of the batch's
 * size (about 2 MB) and a 2 MB output buffer, freed again a few milliseconds later. Under the
 * separate limit that churn alone started a full collection every ~16 batches, each one
 * marking all of the engine's correlation and alert state; V8's GC threads took a quarter of
 * the engine's CPU. Counted with the heap, collections follow the heap's growth.
 */
export function applyEngineHeapSettings(): void {
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
