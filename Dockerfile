# syntax=docker/dockerfile:1
# Engine-health anomaly detection service.
#   docker build -t engine-health .
#   docker compose up --build          (PostgreSQL + the API, see docker-compose.yml)
# The container applies pending migrations, then runs the server as the unprivileged `node` user
# (scripts/start-container.sh). Health: GET /health (liveness, used below), GET /ready (readiness).
#
# Dependency install scripts are not run (--ignore-scripts): they would download native binaries at
# build time (Prisma's engines, libtensorflow for the optional @tensorflow/tfjs-node), which this
# service does not use (Prisma runs its WebAssembly engines, TensorFlow.js its wasm backend). Our own
# postinstall step, `prisma generate`, is run explicitly instead. This is also what npm 11 does by
# default, so the image holds what the tests ran against.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- production dependencies only -------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --omit=optional --ignore-scripts \
 && node node_modules/prisma/build/index.js generate \
 && npm cache clean --force

# ---- build (all dependencies) -------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# Optional dependencies included: Vite's bundler (rolldown) ships its native binary as one; install
# scripts stay off, so @tensorflow/tfjs-node downloads nothing here (the runtime copies no node_modules
# from this stage).
RUN npm ci --ignore-scripts \
 && node node_modules/prisma/build/index.js generate
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY dashboard ./dashboard
RUN npm run build

# ---- runtime ------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/app/.data
WORKDIR /app
# Application files belong to root and are read-only for the `node` user that runs them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY data ./data
COPY scripts/start-container.sh ./scripts/start-container.sh
# The embedded database's folder (used only when DATABASE_URL is unset) is the one writable place.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["sh", "scripts/start-container.sh"]
