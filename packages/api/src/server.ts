import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { OncePerInterval, describeError, parseConfig, startAll, stopAll, type Component, type Logger, type Metrics } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import { apiConfigSchema, type ApiConfig, type ApiConfigInput } from './config.ts';
import { apiErrors } from './errors.ts';
import type { AuthRepository } from './auth/auth-repository.ts';
import { LoginLimiter } from './auth/login-limiter.ts';
import { FleetService, type ApiFleetDeps } from './fleet/fleet-service.ts';
import { suppressionRoutes } from './routes/suppressions.ts';
import { toErrorResponse } from './http/error-response.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import { registerRoutes, type RouteDefinition } from './http/route.ts';
import { securityHeaders } from './http/security-headers.ts';
import { serverCredentials } from './http/tls.ts';
import { WEB_APP_DIR } from '@vigil/web';
import { registerStaticFiles } from './http/static-files.ts';
import { alertRoutes } from './routes/alerts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { userRoutes } from './routes/users.ts';
import { auditRoutes } from './routes/audit.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { auditEntry } from './audit/route-audit.ts';
import { AlertFeed } from './live/alert-feed.ts';
import { AlertFollower } from './live/alert-follower.ts';
import { liveRoutes } from './routes/live.ts';
import { ruleRoutes } from './routes/rules.ts';
import { savedSearchRoutes } from './routes/saved-searches.ts';
import { notificationChannelRoutes } from './routes/notification-channels.ts';
import type { NotifyConfig } from '@vigil/engine';
import type { SavedSearches } from './searches/saved-searches.ts';
import type { Bus } from '@vigil/bus';
import { authRoutes } from './routes/auth.ts';
import { backtestRoutes, type ApiBacktestDeps } from './routes/backtests.ts';
import { edgeRoutes } from './routes/edges.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type HealthCheck } from './routes/health.ts';
import { openApiRoute } from './routes/openapi.ts';

/** What the API server needs from its host. */
export interface ApiDeps {
  readonly store: Store;
  readonly auth: AuthRepository;
  /** Where every change and login is recorded (append-only). */
  readonly audit: AuditLog;
  /** Searches analysts saved. */
  readonly savedSearches: SavedSearches;
  /** The engines' notification settings (`engine.notify`), for the admin page that lists and tests the channels. */
  readonly notify?: NotifyConfig;
  /**
   * The bus the engines publish alerts on, and this process's own consumer group there: open
   * dashboards then see new alerts live. Without it they see only triage made through this process.
   */
  readonly liveAlerts?: { readonly bus: Bus; readonly groupId: string };
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Readiness of the process, for `GET /healthz`. */
  readonly health: HealthCheck;
  /** Directory of the web app's built files; defaults to `@vigil/web`'s build output. */
  readonly dashboardDir?: string;
  /** The edge fleet (enrollment, health, revocation, commands); without it, the `/api/v1/edges` routes are absent. */
  readonly fleet?: ApiFleetDeps;
  /** The rules and detection settings backtests run with. */
  readonly backtest: ApiBacktestDeps;
}

/** The API role's HTTP server as a component. */
export interface ApiServer extends Component {
  /** The fastify instance, for `inject()` in tests. Routes are registered when this is created. */
  readonly app: FastifyInstance;
  readonly config: ApiConfig;
  /** The API routes as declared (what the OpenAPI document lists). */
  readonly routes: readonly RouteDefinition[];
  /** Every method and URL registered with fastify, web app files included. */
  readonly registeredRoutes: readonly { method: string; url: string }[];
  /** The URLs of the web app's files (none when `dashboard` is off). */
  readonly webAppFiles: readonly string[];
  /** Addresses listened on once started. */
  addresses(): AddressInfo[];
}

/** Creates the REST API + dashboard server. Nothing listens until `start()`. */
export function createApiServer(configInput: ApiConfigInput, deps: ApiDeps): ApiServer {
  const config = parseConfig(apiConfigSchema, configInput, 'api configuration');
  const { auth, metrics, logger } = deps;
  const credentials = serverCredentials(config.tls, deps.fleet?.ca);
  const headers = securityHeaders(credentials !== undefined);
  // With `https`, fastify serves HTTPS only (its type is then bound to https.Server; the instance is used the same way).
  const app = Fastify({
    ...(credentials && { https: credentials }),
    loggerInstance: logger as FastifyBaseLogger,
    // No per-request log lines: requests are counted in metrics, and failures logged once per interval.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxRequestBytes,
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const requests = metrics.counter('vigil_api_requests_total', 'API requests answered, by route and HTTP status.', ['route', 'status']);
  const loginFailures = metrics.counter('vigil_api_login_failures_total', 'Failed logins (wrong username or password).');
  const oncePerInterval = new OncePerInterval();
  const auditFailures = metrics.counter('vigil_api_audit_write_failures_total', 'Audit entries that could not be written (the request itself was answered).');

  const registeredRoutes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push({ method, url: route.url });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of headers) reply.header(name, value);
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  app.setErrorHandler(async (error, request, reply) => {
    const response = toErrorResponse(error, config);
    if (response.internal && oncePerInterval.shouldLog(response.body.error.code)) {
      // Only the code, route and error text: never headers or bodies, which may carry secrets.
      request.log.error({ code: response.body.error.code, route: request.routeOptions.url, err: describeError(error) }, 'api request failed');
    }
    if (response.retryAfterSeconds !== undefined) reply.header('Retry-After', String(response.retryAfterSeconds));
    return reply.code(response.status).send(response.body);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const error = apiErrors.create('VIGIL_ERR_API_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });
    return reply.code(404).send(toErrorResponse(error, config).body);
  });

  const fleet = deps.fleet && new FleetService(deps.fleet, { config: config.fleet, metrics, logger: logger.child({ part: 'fleet' }) });
  const feed = new AlertFeed();
  const streams = metrics.gauge('vigil_api_live_streams', 'Live alert streams open (dashboards following alerts).');
  const backgroundComponents: Component[] = [
    ...(fleet?.components ?? []),
    ...(deps.liveAlerts ? [new AlertFollower({ ...deps.liveAlerts, feed, logger: logger.child({ part: 'live' }) })] : []),
  ];
  const routes = documentedRoutes(
    routeList({
      config,
      deps,
      loginFailures,
      live: { feed, streams, headers },
      fleet: fleet && {
        service: fleet,
        authFailures: metrics.counter('vigil_api_fleet_auth_failures_total', 'Refused enrollments (bad token) and renewals (untrusted certificate or bad signature), by route.', ['route']),
      },
    }),
  );
  registerRoutes(app, routes, auth, (route, request, principal, error) => {
    // Reads are not audited; a request no one could be named for (no valid token) is only counted in the metrics.
    if (route.spec.method === 'GET' || (principal === null && route.spec.access !== 'public')) return;
    try {
      deps.audit.append(auditEntry({ operationId: route.spec.operationId, request, principal, error, now: new Date() }));
    } catch (failure) {
      auditFailures.inc();
      const problem = apiErrors.create('VIGIL_ERR_API_AUDIT_WRITE_FAILED', { reason: describeError(failure) });
      if (oncePerInterval.shouldLog(problem.code)) logger.error({ code: problem.code }, problem.message);
    }
  });
  const webAppFiles = config.dashboard
    ? registerStaticFiles(app, deps.dashboardDir ?? WEB_APP_DIR, (dir) => logger.warn({ dir }, 'the web app is not built (pnpm --filter @vigil/web build): / shows how to build it; the API works'))
    : [];

  return {
    name: 'api',
    app,
    config,
    routes,
    registeredRoutes,
    webAppFiles,
    addresses: () => listening(app),
    async start() {
      await app.listen({ host: config.host, port: config.port });
      try {
        await startAll(backgroundComponents);
      } catch (error) {
        await app.close();
        throw error;
      }
      logger.info({ addresses: listening(app).map((a) => `${a.address}:${a.port}`) }, 'api listening');
    },
    async stop() {
      try {
        await stopAll(backgroundComponents);
      } finally {
        await app.close();
      }
    },
  };
}

function listening(app: FastifyInstance): AddressInfo[] {
  return app.addresses().filter((address): address is AddressInfo => typeof address === 'object');
}

/** What the routes are made of. */
interface RouteParts {
  readonly config: ApiConfig;
  readonly deps: Pick<ApiDeps, 'auth' | 'audit' | 'savedSearches' | 'store' | 'health' | 'metrics' | 'backtest' | 'notify'>;
  readonly loginFailures: { inc(): void };
  readonly live: { feed: AlertFeed; streams: { inc(): void; dec(): void }; headers: ReadonlyArray<readonly [string, string]> };
  /** The fleet's routes (edges, suppressions) are there only with a fleet. */
  readonly fleet: { service: FleetService; authFailures: { inc(labels: { route: string }): void } } | undefined;
}

/** Every API route but the OpenAPI document's own. */
function routeList(parts: RouteParts): RouteDefinition[] {
  const { config, deps, loginFailures, live, fleet } = parts;
  const { auth, store } = deps;
  const limiter = new LoginLimiter({ maxFailures: config.loginMaxFailures, windowMs: config.loginWindowMs });
  const accountLimiter = new LoginLimiter({ maxFailures: config.loginAccountMaxFailures, windowMs: config.loginWindowMs });
  const routes: RouteDefinition[] = [
    ...authRoutes({ auth, limiter, accountLimiter, sessionTtlMs: config.sessionTtlMs, loginFailures }),
    ...apiKeyRoutes({ auth }),
    ...userRoutes({ auth }),
    ...auditRoutes({ audit: deps.audit }),
    ...notificationChannelRoutes({ notify: deps.notify }),
    ...eventRoutes({ store, headers: live.headers }),
    ...savedSearchRoutes({ searches: deps.savedSearches }),
    ...alertRoutes({ store, feed: live.feed }),
    ...liveRoutes({ feed: live.feed, auth, maxStreams: config.maxLiveStreams, streams: live.streams, headers: live.headers }),
    ...backtestRoutes({ store, backtest: deps.backtest, limits: config.backtest }),
    ...ruleRoutes({ store, backtest: deps.backtest, fleet: fleet?.service }),
    ...healthRoutes({ health: deps.health, metrics: deps.metrics }),
  ];
  if (fleet) {
    const fleetLimiter = new LoginLimiter({ maxFailures: config.loginMaxFailures, windowMs: config.loginWindowMs });
    routes.push(...edgeRoutes({ fleet: fleet.service, limiter: fleetLimiter, silentAfterIntervals: config.fleet.silentAfterIntervals, authFailures: fleet.authFailures }));
    routes.push(...suppressionRoutes({ fleet: fleet.service }));
  }
  return routes;
}

const DOCUMENT_INFO = { title: 'Vigil API', version: '1', description: 'Alerts, events, backtests, users, audit log, API keys and edges of a Vigil SIEM.' };

/** The routes plus `GET /api/v1/openapi.json`, which describes all of them (itself included). */
function documentedRoutes(routes: RouteDefinition[]): RouteDefinition[] {
  let document: Record<string, unknown> | undefined;
  const all = [...routes];
  all.push(openApiRoute(() => (document ??= buildOpenApiDocument(all, DOCUMENT_INFO))));
  return all;
}

/**
 * The OpenAPI document of every route a full API serves (the fleet's included), made without a
 * server: the routes are declared with placeholders for what only their handlers use. For the
 * generated reference (`docs/openapi.json`) and the web app's types.
 */
export function openApiDocument(): Record<string, unknown> {
  const handlersOnly = undefined as never;
  const config = parseConfig(apiConfigSchema, {}, 'api configuration');
  const routes = routeList({ config, deps: {} as RouteParts['deps'], loginFailures: handlersOnly, live: { feed: new AlertFeed(), streams: handlersOnly, headers: [] }, fleet: { service: handlersOnly, authFailures: handlersOnly } });
  return buildOpenApiDocument(documentedRoutes(routes), DOCUMENT_INFO);
}
