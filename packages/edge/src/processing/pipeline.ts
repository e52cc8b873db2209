import { OncePerInterval, describeError, type Logger, type Metrics } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { Aggregator } from './aggregate.ts';
import { compileCondition, type Predicate } from './conditions.ts';
import { AGGREGATING_SOURCES, PROCESSING_SOURCES, type ProcessingConfig, type ProcessingSource } from './config.ts';
import { loadOrCreateKeyFile } from './key-file.ts';
import { NOT_KEPT_LABEL, ProcessingMetrics } from './metrics.ts';
import { Pseudonymiser } from './pseudonymise.ts';

export interface ProcessingPipelineOptions {
  metrics: Metrics;
  logger: Logger;
  /** The edge's clock (aggregation windows); defaults to `Date.now`. */
  now?: () => number;
  /**
   * Receives every event that leaves the stage, in order. Called inside `process()` for inputs
   * that do not aggregate (so an HTTP request's events can be collected and published together),
   * and later, from a timer or `flush()`, for aggregates.
   */
  emit: (event: EcsEvent) => void;
  /** The pseudonymisation key (32+ bytes) when the host keeps it; else it is read from `pseudonymise.keyFile`. */
  pseudonymKey?: Buffer;
}

interface CompiledFilter {
  test: Predicate;
  counter: { inc(): void };
}

/** What one input goes through; inputs with nothing to do have no plan at all. */
interface Plan {
  drops: CompiledFilter[];
  keeps: CompiledFilter[];
  /** Counts events no keep filter matched; set when `keeps` is not empty. */
  notKept: { inc(): void } | undefined;
  pseudonymiser: Pseudonymiser | undefined;
  aggregator: Aggregator | undefined;
}

/**
 * Edge-side processing between normalization and publishing, per input: filters (drop/keep),
 * then pseudonymisation, then aggregation of repeats. Rules are compiled once here; an event
 * whose input no rule applies to costs one map lookup.
 *
 * After start-up nothing here throws on input: an event that fails to process is dropped
 * rather than published half-pseudonymised, counted in `vigil_edge_dropped_total{reason="processing_failed"}`
 * and logged once a minute.
 */
export class ProcessingPipeline {
  readonly #emit: (event: EcsEvent) => void;
  readonly #logger: Logger;
  readonly #metrics: ProcessingMetrics;
  readonly #logOnce = new OncePerInterval();
  readonly #plans = new Map<string, Plan>();
  readonly #aggregator: Aggregator | undefined;
  #stopped = false;

  /** Throws, with what to change, when the pseudonymisation key cannot be had. */
  constructor(config: ProcessingConfig, options: ProcessingPipelineOptions) {
    this.#emit = options.emit;
    this.#logger = options.logger;
    this.#metrics = new ProcessingMetrics(options.metrics);
    const filters = config.filters.map((filter) => ({
      ...filter,
      compiled: { test: compileCondition(filter.where, config.maxRegexInputChars), counter: this.#filterCounter(filter.name) },
    }));
    const pseudonymiser = config.pseudonymise.fields.length > 0 ? new Pseudonymiser(config.pseudonymise.fields, pseudonymKey(config, options)) : undefined;
    const { aggregate } = config;
    this.#aggregator = aggregate.enabled
      ? new Aggregator({
          windowMs: aggregate.windowMs,
          maxGroups: aggregate.maxGroups,
          keyFields: aggregate.keyFields,
          now: options.now ?? Date.now,
          emit: options.emit,
          metrics: this.#metrics,
          onTimerError: (error) => this.#failed(error),
        })
      : undefined;
    for (const source of PROCESSING_SOURCES) {
      const applies = (sources: readonly ProcessingSource[] | undefined) => sources === undefined || sources.includes(source);
      const mine = filters.filter((filter) => applies(filter.sources));
      const keeps = mine.filter((filter) => filter.action === 'keep').map((filter) => filter.compiled);
      const plan: Plan = {
        drops: mine.filter((filter) => filter.action === 'drop').map((filter) => filter.compiled),
        keeps,
        notKept: keeps.length > 0 ? this.#filterCounter(NOT_KEPT_LABEL) : undefined,
        pseudonymiser: applies(config.pseudonymise.sources) ? pseudonymiser : undefined,
        aggregator: AGGREGATING_SOURCES.includes(source) && applies(aggregate.sources) ? this.#aggregator : undefined,
      };
      if (plan.drops.length > 0 || plan.keeps.length > 0 || plan.pseudonymiser || plan.aggregator) this.#plans.set(source, plan);
    }
  }

  /** Aggregate events held, to be emitted when their window ends or on flush/stop. */
  get pending(): number {
    return this.#aggregator?.pending ?? 0;
  }

  /** Runs one event through the input's rules; `emit` is called 0..n times, now or later. */
  process(event: EcsEvent, input: ProcessingSource): void {
    const plan = this.#plans.get(input);
    if (!plan) {
      this.#emit(event);
      return;
    }
    try {
      if (!this.#passes(plan, event)) return;
      if (plan.pseudonymiser?.apply(event)) this.#metrics.pseudonymised.inc();
      if (plan.aggregator && !this.#stopped) {
        plan.aggregator.add(event, input);
        return;
      }
    } catch (error) {
      this.#failed(error);
      return;
    }
    this.#emit(event);
  }

  /** Emits every held aggregate now. */
  flush(): void {
    this.#aggregator?.flush();
  }

  /** Flushes and stops the window timer; events processed afterwards are no longer aggregated. */
  stop(): void {
    this.#stopped = true;
    this.flush();
  }

  #passes(plan: Plan, event: EcsEvent): boolean {
    for (const filter of plan.drops) {
      if (filter.test(event)) {
        filter.counter.inc();
        return false;
      }
    }
    if (plan.keeps.length === 0) return true;
    for (const filter of plan.keeps) if (filter.test(event)) return true;
    plan.notKept!.inc();
    return false;
  }

  /** A filter's counter, bound to its label once (no label hashing per event) and shown at 0 from the start. */
  #filterCounter(filter: string): { inc(): void } {
    const counter = this.#metrics.filtered.labels({ filter });
    counter.inc(0);
    return counter;
  }

  #failed(error: unknown): void {
    this.#metrics.dropped.inc({ reason: 'processing_failed' });
    if (this.#logOnce.shouldLog('processing_failed')) {
      this.#logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: describeError(error) }, 'an event could not be processed and was dropped (logged once per minute)');
    }
  }
}

function pseudonymKey(config: ProcessingConfig, options: ProcessingPipelineOptions): Buffer {
  if (options.pseudonymKey) return options.pseudonymKey;
  if (config.pseudonymise.keyFile) return loadOrCreateKeyFile(config.pseudonymise.keyFile, options.logger);
  throw new Error('processing configuration: pseudonymise.fields is set but there is no key; set pseudonymise.keyFile (it is created when missing)');
}
