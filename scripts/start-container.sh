#!/bin/sh
# The container's entry point (Dockerfile CMD): apply pending migrations, then replace this shell with the
# server so that it is PID 1 and receives SIGTERM itself (graceful shutdown). With several replicas,
# concurrent `prisma migrate deploy` runs are safe: Prisma serialises them with an advisory lock.
set -eu
if [ -n "${DATABASE_URL:-}" ]; then
  node node_modules/prisma/build/index.js migrate deploy
fi
exec node dist/src/server.js
