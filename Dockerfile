# syntax=docker/dockerfile:1
# Obligo image. Stages:
#   build        compiles TypeScript, installs production dependencies (better-sqlite3 is native)
#   runtime      (default) small image, non-root, `obligo` as entry point
#   opa-bundle   optional: runs `opa test` on policies/ and builds a wasm bundle with the official OPA image
#   runtime-wasm runtime + that bundle, policy backend switched to wasm
# Build: docker build -t obligo .            Wasm variant: docker build --target runtime-wasm -t obligo:wasm .

ARG NODE_IMAGE=node:20-bookworm-slim
ARG OPA_IMAGE=openpolicyagent/opa:1.4.2-static

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Compile the example contracts so the optional OPA stage has generated modules to test and bundle.
FROM build AS generated
COPY contracts ./contracts
COPY policies ./policies
RUN node dist/cli/main.js compile contracts --out /generated

FROM ${OPA_IMAGE} AS opa-bundle
WORKDIR /bundle
COPY --from=generated /src/policies ./policies
COPY --from=generated /generated/policies ./generated
RUN ["/opa", "test", "policies", "generated"]
RUN ["/opa", "build", "-t", "wasm", "-e", "obligo/decision/result", "-e", "obligo/gate/result", "-e", "obligo/credits/result", "-o", "/bundle/bundle.tar.gz", "policies", "generated"]

FROM ${NODE_IMAGE} AS runtime-base
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY policies ./policies
COPY contracts ./contracts
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]

FROM runtime-base AS runtime-wasm
COPY --from=opa-bundle /bundle/bundle.tar.gz /app/bundle.tar.gz
ENV OBLIGO_POLICY_BACKEND=wasm OBLIGO_POLICY_BUNDLE=/app/bundle.tar.gz

# Last stage = default target: the plain runtime image.
FROM runtime-base AS runtime
