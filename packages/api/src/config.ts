import { z } from 'zod';
import { host, port } from '@vigil/runtime';

/** Configuration of the API role's HTTP server (REST API, dashboard, health and metrics). */
export const apiConfigSchema = z
  .object({
    host: host().default('0.0.0.0').describe('Address the API and dashboard listen on.'),
    port: port().default(8080).describe('TCP port of the API and dashboard; 0 picks a free port.'),
    sessionTtlMs: z
      .number()
      .int()
      .min(60_000)
      .default(8 * 60 * 60 * 1000)
      .describe('How long a login token stays valid, in milliseconds.'),
    maxRequestBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024)
      .describe('Largest request body accepted, in bytes; larger requests get 413.'),
    trustProxy: z
      .boolean()
      .default(false)
      .describe('Trust X-Forwarded-For from a reverse proxy, so login limits and logs see the client address.'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(30_000)
      .describe('Time a client has to send a whole request, in milliseconds.'),
    loginMaxFailures: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Failed logins allowed per username and client address within loginWindowMs before 429.'),
    loginAccountMaxFailures: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe('Failed logins allowed per username from all addresses together within loginWindowMs before that account answers 429 everywhere (guessing spread over many addresses); a successful login resets it.'),
    loginWindowMs: z
      .number()
      .int()
      .min(1000)
      .default(15 * 60 * 1000)
      .describe('Window over which failed logins are counted, in milliseconds.'),
    dashboard: z.boolean().default(true).describe('Serve the web dashboard at `/`.'),
    tls: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe('Serve the API and the web app over HTTPS only, and send HSTS. Without certFile/keyFile the Vigil CA issues the certificate at start for `hostnames` (the CA key is needed: `vigil start` has it, a standalone API needs caKeyPath); start-up fails (VIGIL_ERR_API_TLS_NO_CERTIFICATE) when there is neither.'),
        certFile: z.string().min(1).optional().describe('PEM certificate (with its chain) the API presents.'),
        keyFile: z.string().min(1).optional().describe('PEM private key of certFile; set both or neither.'),
        hostnames: z
          .array(z.string().min(1).max(253))
          .min(1)
          .default(['localhost', '127.0.0.1'])
          .describe('Names and addresses a CA-issued certificate is for (its subjectAltName); the first is its common name.'),
        minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
      })
      .strict()
      .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), { message: 'set both certFile and keyFile, or neither', path: ['certFile'] })
      .prefault({})
      .describe('HTTPS for the API and the web app.'),
    maxLiveStreams: z.number().int().min(1).max(10_000).default(200).describe('Most open live alert streams (`GET /api/v1/alerts/live`, one per open dashboard) per API process; more answer 503.'),
    backtest: z
      .object({
        maxEvents: z
          .number()
          .int()
          .min(1)
          .default(1_000_000)
          .describe('Most events one backtest reads; a backtest with more in its range stops there and says so (`stoppedBy: event-limit`).'),
        timeLimitMs: z
          .number()
          .int()
          .min(1000)
          .default(30_000)
          .describe('Longest one backtest runs, in milliseconds; then it answers with what it found so far (`stoppedBy: time-limit`).'),
        maxAlerts: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(1000)
          .describe('Most alerts a backtest report lists; the others are counted in `alertsOmitted`.'),
        maxConcurrent: z.number().int().min(1).default(2).describe('Backtests that run at once; another gets 429 with Retry-After.'),
      })
      .strict()
      .prefault({})
      .describe('Backtests (`POST /api/v1/backtests`): the limits that keep each one bounded while the API keeps serving.'),
    fleet: z
      .object({
        revocationRepublishMs: z
          .number()
          .int()
          .min(1000)
          .default(60_000)
          .describe('How often the full revocation list is published again on `vigil.commands`, so engines and indexers that start later still get it.'),
        silentAfterIntervals: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('An edge is `silent` once this many of its heartbeat intervals pass without a heartbeat.'),
        certificateValidityDays: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .default(365)
          .describe('Validity of the edge certificates issued at enrollment and renewal, in days.'),
      })
      .strict()
      .prefault({})
      .describe('Edge fleet: enrollment, certificate renewal, revocation, heartbeats and commands.'),
  })
  .strict()
  .describe('API role: REST API, authentication and the dashboard.');

/** Parsed API configuration. */
export type ApiConfig = z.output<typeof apiConfigSchema>;
/** API configuration as written by a user (defaults not yet applied). */
export type ApiConfigInput = z.input<typeof apiConfigSchema>;
