#!/bin/sh
# The container's entry point (Dockerfile CMD): apply pending migrations, then replace this shell with the
# server so that it is PID 1 and receives SIGTERM itself (graceful shutdown). With several replicas,
# concurrent runs are safe: `migrate` serialises them with Prisma's advisory lock.
# The server's node flags are npm start's (package.json; a test keeps them equal): a 64 MB semi-space lets
# the young generation absorb a request's garbage with fewer scavenges (docs/benchmarks.md, fourth session).
set -eu
if [ -n "${DATABASE_URL:-}" ]; then
  node dist/src/main/cli/index.js migrate
fi
exec node --max-semi-space-size=64 dist/src/main/server.js
