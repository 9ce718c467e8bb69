#!/usr/bin/env bash
# npm test: the type-check of the whole tree and the jest suites, side by side (the incremental type-check is mostly
# waiting on files, the suites on the CPU), failing when either fails. Arguments go to jest.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
npx tsc -p tsconfig.dev.json &
typecheck=$!
NODE_OPTIONS=--experimental-vm-modules npx jest "$@"
tests=$?
wait "$typecheck"
checked=$?
[ "$checked" -eq 0 ] || echo "The type-check failed (npm run typecheck)." >&2
exit $((tests || checked))
