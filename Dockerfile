# syntax=docker/dockerfile:1
# Obligo image. Stages:
#   build         `npm ci` from the lock, TypeScript build, then only production dependencies
#                 (better-sqlite3 is native: compiled here when no prebuilt binary can be fetched)
#   runtime       (default) small, non-root (uid 1000), `obligo` as the entry point
#   opa           optional: the real OPA, built from source with Go (the same version CI uses)
#   opa-bundle    optional: compiles the example contracts, runs `opa test` on policies/ and the generated
#                 modules, builds a wasm bundle with `opa build -t wasm`
#   runtime-wasm  runtime + that bundle, policy backend switched to wasm
# Build: docker build -t obligo .          Wasm variant: docker build --target runtime-wasm -t obligo:wasm .
# Run:   docker run --rm obligo validate /app/contracts
#        docker run --rm -p 8080:8080 -v "$PWD/obligo.yaml:/etc/obligo/obligo.yaml:ro" obligo serve --config /etc/obligo/obligo.yaml

ARG NODE_IMAGE=node:20-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm
ARG OPA_VERSION=v1.22.4

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find dist -name "*.map" -delete && rm -rf /root/.npm

FROM ${GO_IMAGE} AS opa
ARG OPA_VERSION
WORKDIR /go/src
RUN CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${OPA_VERSION}"

# The example contracts compiled, so that the OPA stage has generated Rego modules to test and bundle.
FROM build AS generated
COPY contracts ./contracts
COPY policies ./policies
RUN node dist/cli/main.js compile contracts --out /generated

FROM ${NODE_IMAGE} AS opa-bundle
WORKDIR /bundle
COPY --from=opa /go/bin/opa /usr/local/bin/opa
COPY --from=generated /src/policies ./policies
COPY --from=generated /generated/policies ./generated
RUN ["opa", "test", "policies", "generated"]
# hadolint ignore=DL3059
RUN ["opa", "build", "-t", "wasm", "-e", "obligo/decision/result", "-e", "obligo/gate/result", "-e", "obligo/credits/result", "-o", "bundle.tar.gz", "policies", "generated"]

FROM ${NODE_IMAGE} AS runtime-base
# A 64 MiB young generation (V8's default is 16): a serve tick's objects live for the whole tick, and with
# the default they are copied through many scavenges (bench/serve-tick.ts, docs/serve.md).
ENV NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY policies ./policies
COPY contracts ./contracts
COPY THIRD_PARTY_NOTICES.md ./
RUN chmod 0755 /app/dist/cli/main.js \
 && ln -s /app/dist/cli/main.js /usr/local/bin/obligo \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /usr/local/lib/node_modules/corepack /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
# The node image's unprivileged user, by number (Kubernetes' runAsNonRoot can check a number).
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["obligo"]
CMD ["--help"]

FROM runtime-base AS runtime-wasm
COPY --from=opa-bundle /bundle/bundle.tar.gz /app/bundle.tar.gz
ENV OBLIGO_POLICY_BACKEND=wasm OBLIGO_POLICY_BUNDLE=/app/bundle.tar.gz

# Last stage = default target: the plain runtime image.
FROM runtime-base AS runtime
