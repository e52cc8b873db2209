# Vigil: one image for every role.
#
#   docker build -t vigil:0.1.0 .
#   docker run -p 8080:8080 -p 8088:8088 -p 5514:5514/udp -p 5514:5514 -v vigil-data:/var/lib/vigil vigil:0.1.0
#   docker run ... vigil:0.1.0 edge|engine|indexer|api|pki init|...
#
# Node 24 runs the TypeScript sources with their types stripped: the image holds the workspace's
# sources, its production dependencies, and the stripped JavaScript of every module (made once
# here, so a running process never loads Node's type stripper; see stripped-source-cache.js).
# Builds with BuildKit and with the classic builder alike (no RUN --mount, no COPY --link).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- pnpm and the workspace's lockfile, for the two install stages below ------------------
FROM ${NODE_IMAGE} AS workspace
ARG PNPM_VERSION=10.34.8
ENV CI=true \
    PNPM_STORE_DIR=/pnpm-store
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" \
 && npm cache clean --force
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches

# ---- dependencies: production node_modules for the whole pnpm workspace ------------------
# Fetching needs only the lockfile, so this (slow, networked) layer is rebuilt only when the
# dependencies change, not when a source file does.
FROM workspace AS deps
RUN pnpm fetch --prod --store-dir "$PNPM_STORE_DIR"
COPY package.json ./
COPY packages ./packages
RUN pnpm install --frozen-lockfile --prod --offline --store-dir "$PNPM_STORE_DIR"

# ---- web app: built with its build tools; only its dist/ goes into the image -------------
FROM workspace AS web
RUN pnpm fetch --store-dir "$PNPM_STORE_DIR"
COPY package.json ./
COPY packages ./packages
RUN pnpm install --frozen-lockfile --offline --filter @vigil/web --store-dir "$PNPM_STORE_DIR" \
 && pnpm --filter @vigil/web run build

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Vigil" \
      org.opencontainers.image.description="Open-source distributed SIEM: edge collectors, streaming detection, OpenSearch storage, REST API and dashboard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim" \
      org.opencontainers.image.documentation="docs/deploy.md"

ENV NODE_ENV=production \
    VIGIL_DATA_DIR=/var/lib/vigil

# uid/gid 10001: outside the range of the base image's users and of most host users, so files
# on bind mounts are not accidentally owned by someone real. /etc/vigil/{trust,edge} are the
# mount points docker-compose uses for the CA certificate and the edge identity; creating them
# here makes fresh named volumes mounted there owned by vigil.
RUN groupadd --system --gid 10001 vigil \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/vigil --no-create-home --shell /usr/sbin/nologin vigil \
 && mkdir -p /var/lib/vigil /etc/vigil/trust /etc/vigil/edge \
 && chown 10001:10001 /var/lib/vigil /etc/vigil/trust /etc/vigil/edge \
 && chmod 0700 /var/lib/vigil /etc/vigil/edge

WORKDIR /app
# Owned by root and read-only for the vigil user: the process cannot change its own code.
COPY --from=deps /app/package.json /app/pnpm-workspace.yaml ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages ./packages
COPY --from=web /app/packages/web/dist ./packages/web/dist
RUN VIGIL_JS_CACHE=/app/.js-cache node packages/cli/src/stripped-source-cache.js packages

USER 10001:10001
VOLUME ["/var/lib/vigil"]
# 8080 API + dashboard, 8088 HTTP ingest, 5514 syslog, 8091/8092 engine/indexer health+metrics.
EXPOSE 8080 8088 5514/tcp 5514/udp 8091 8092

# For the default command (all-in-one, API on VIGIL_API_PORT). docker-compose and the Helm chart
# set a check per role on that role's own health port.
# The probe asks its own process on loopback; with VIGIL_API_TLS it speaks HTTPS (the certificate is
# for the names clients use, so it is not checked here).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require(/^(1|true)$/i.test(process.env.VIGIL_API_TLS||'')?'https':'http').get({host:'127.0.0.1',port:process.env.VIGIL_API_PORT||8080,path:'/healthz',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]

# How Vigil runs, as bin/vigil (see there and docs/benchmarks.md): a young generation of 2 x 16 MB, no
# allocation-site pretenuring, an old generation that grows by 60% between full collections (150% in a
# process running the engine, set when the role starts), two
# malloc arenas, buffers of 64 KiB and more given back to the system when freed, modules from the
# stripped-source cache made above.
ENV NODE_OPTIONS="--max-semi-space-size=16 --import=/app/packages/cli/src/stripped-source-cache.js" \
    VIGIL_JS_CACHE=/app/.js-cache \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=65536
ENTRYPOINT ["node", "--no-allocation-site-pretenuring", "--heap-growing-percent=60", "/app/packages/cli/src/main.ts"]
CMD ["start"]
