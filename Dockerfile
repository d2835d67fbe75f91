# One image for both services, the web app and the migrate/seed job; the command picks which one runs.
# The workspace runs TypeScript through tsx, with no build step (internal packages export source).
FROM node:20.19-bookworm-slim
ENV PNPM_VERSION=10.34.9 TURBO_TELEMETRY_DISABLED=1 NODE_ENV=production
RUN npm install -g "pnpm@${PNPM_VERSION}"
WORKDIR /app

# Manifests first, so that dependency layers are cached across source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY apps/queue-gateway/package.json apps/queue-gateway/
COPY apps/booking-api/package.json apps/booking-api/
COPY apps/web/package.json apps/web/
COPY packages/client/package.json packages/client/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/http/package.json packages/http/
COPY packages/identity/package.json packages/identity/
COPY packages/queue-core/package.json packages/queue-core/
COPY packages/testing/package.json packages/testing/
COPY bench/package.json bench/
COPY loadtest/k6/package.json loadtest/k6/
COPY tools/onsale/package.json tools/onsale/
RUN pnpm install --frozen-lockfile

COPY . .
RUN pnpm --filter @concert/db generate && pnpm --filter @concert/web build

USER node
EXPOSE 3000 3001 3002
CMD ["pnpm", "--filter", "@concert/queue-gateway", "start"]
