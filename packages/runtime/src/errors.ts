/**
 * Error registries. Every package declares its error codes once, in its own `errors.ts`, with
 * a message template, the HTTP status an API answers with, and whether retrying can help.
 * Permanent errors send the input to the DLQ; retryable ones back off and do not commit.
 */

/** What one error code means. */
export interface ErrorSpec {
  /** Message template; `{name}` placeholders are filled from the error's params. */
  readonly message: string;
  /** HTTP status an API answers with when this error reaches a client. */
  readonly status: number;
  /** True when the same input may succeed later (back off and retry, do not commit). */
  readonly retryable: boolean;
}

export type ErrorCode = `VIGIL_ERR_${string}`;

/** An error with a registered code. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, spec: ErrorSpec, params: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(fillTemplate(spec.message, params), options);
    this.name = 'VigilError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.params = params;
  }
}

function fillTemplate(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

/** A package's registry of error codes. */
export interface ErrorRegistry<C extends ErrorCode> {
  readonly specs: Readonly<Record<C, ErrorSpec>>;
  /** Makes an error with the given code; params fill the message template. */
  create(code: C, params?: Record<string, unknown>, options?: { cause?: unknown }): VigilError;
  /**
   * The code and filled-in message, without making an Error (no stack is captured): for hot
   * paths that record a problem on data, such as an unparsed log line's `error.*`.
   */
  describe(code: C, params?: Record<string, unknown>): { code: C; message: string };
  /** True when `error` carries one of this registry's codes (optionally a given one). */
  is(error: unknown, code?: C): error is VigilError;
}

/** Declares a registry; codes must follow `VIGIL_ERR_<AREA>_<WHAT>`. */
export function defineErrors<C extends ErrorCode>(specs: Record<C, ErrorSpec>): ErrorRegistry<C> {
  for (const code of Object.keys(specs)) {
    if (!/^VIGIL_ERR_[A-Z0-9]+_[A-Z0-9_]+$/.test(code)) throw new Error(`bad error code ${code}`);
  }
  const frozen = Object.freeze({ ...specs });
  return {
    specs: frozen,
    create(code, params = {}, options) {
      return new VigilError(code, frozen[code], params, options);
    },
    describe(code, params = {}) {
      return { code, message: fillTemplate(frozen[code].message, params) };
    },
    is(error, code): error is VigilError {
      return error instanceof VigilError && error.code in frozen && (code === undefined || error.code === code);
    },
  };
}

/** True when the error says retrying may help; unknown errors count as retryable. */
export function isRetryable(error: unknown): boolean {
  return error instanceof VigilError ? error.retryable : true;
}

/** The code of a VigilError, or a generic one for anything else. */
export function errorCode(error: unknown): string {
  return error instanceof VigilError ? error.code : 'VIGIL_ERR_INTERNAL_UNEXPECTED';
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
