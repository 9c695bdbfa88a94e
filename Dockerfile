# syntax=docker/dockerfile:1
# One image for the API, the worker and the one-shot migration; compose picks the command.
# Node 26, the current LTS; the code also runs on Node 20 (the development and CI machines).

FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY loadtest/bench loadtest/bench
COPY loadtest/driver loadtest/driver
COPY loadtest/model loadtest/model
COPY loadtest/demo loadtest/demo
# The shard benchmark starts its cluster with the fault suite's topology (and that, HAProxy's config).
COPY loadtest/faults loadtest/faults
COPY loadtest/scale loadtest/scale
COPY loadtest/scenarios.json loadtest/scenarios.json
# Then the production tree only. The lockfile marks devOptional what that tree holds only as
# an optional peer (TypeScript for valibot's types, gRPC for terminus's unused indicator, their
# typings): nothing the runtime loads, about 35 MB.
RUN npm run build && npm prune --omit=dev \
  && node -e "const fs=require('fs');for(const [dir,p] of Object.entries(require('./package-lock.json').packages))if(p.devOptional)fs.rmSync(dir,{recursive:true,force:true})"

FROM node:26-trixie-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    # A larger young generation: far fewer scavenges under a flood of small requests.
    NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Where generated secrets go (compose bind-mounts the project's ./.secrets here).
RUN mkdir -p /var/lib/flash-sale/secrets && chown node:node /var/lib/flash-sale/secrets \
  && chmod 711 /var/lib/flash-sale/secrets
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/src/main.js"]
