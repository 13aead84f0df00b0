# The registry's image: one image for every service, chosen by the command:
#   docker run IMAGE gateway --host 0.0.0.0     (the default)
#   docker run IMAGE processor | graphql | devnet --host 0.0.0.0
# Built in two stages: the first installs every dependency, builds the web page and drops the
# development dependencies; the second holds only that, runs as an unprivileged user and checks
# its own health. NODE_IMAGE is any image with Node 20 or 22 and npm (node:20-bookworm-slim, or
# one made from this machine's Node by scripts/node-base-image.sh where no registry serves it).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts run only where package.json's allowScripts allows them (npm 11).
RUN npm install --no-audit --no-fund --no-update-notifier
COPY . .
# The context is the checkout, where an operator's compose `.env` (GATEWAY_SURI, passwords), a TLS
# key, an .npmrc with a registry token, a token-secret or compose's secrets/ may lie beside the
# sources: none of them may reach the image.
RUN find . -path ./node_modules -prune -o -type f \( -name '.env' -o -name '.env.*' -o -name '*.pem' -o -name '*.key' -o -name '*.p12' -o -name '*.pfx' -o -name '.npmrc' -o -name 'token-secret' \) -exec rm -f {} + \
 && rm -rf ./secrets && npm run build:web && npm prune --omit=dev --no-audit --no-fund --no-update-notifier && rm -rf /root/.npm && mkdir /data

FROM ${NODE_IMAGE}
# Settings first and the application last: each instruction after a large COPY would copy the
# whole tree again on storage drivers without copy-on-write (vfs).
ENV NODE_ENV=production HCR_DATA_DIR=/data HCR_LOG_FORMAT=json
WORKDIR /app
# gateway, GraphQL, the processor's metrics (PROMETHEUS_PORT), the dev chain
EXPOSE 5000 4350 3000 9944
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/bin/hcr.js", "healthcheck"]
ENTRYPOINT ["node", "/app/bin/hcr.js"]
CMD ["gateway", "--host", "0.0.0.0"]
USER 10001:10001
# The application is owned by root, so read-only to the service; only /data is written.
COPY --from=build --chown=10001:10001 /data /data
COPY --from=build /app /app
