#!/usr/bin/env bash
# Rebuilds the seed corpora of every fuzz target from the project's own files (testdata/,
# examples/) and the shared migration corpus (../shared/corpus when present), then minimises
# each with `cargo fuzz cmin`. The result is committed under fuzz/corpus/.
#
#   bash fuzz/seed.sh            # regenerate and minimise every target
#   bash fuzz/seed.sh --raw      # regenerate without minimising (no build needed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${ASSAY_SHARED_CORPUS:-$ROOT/../shared/corpus}
C=fuzz/corpus
n=0

# put TARGET FILE-CONTENT-ON-STDIN: one seed, named by its content hash.
put() {
    local dir=$C/$1 tmp
    mkdir -p "$dir"
    tmp=$(mktemp)
    cat >"$tmp"
    mv "$tmp" "$dir/$(sha1sum "$tmp" | cut -c1-16)"
    n=$((n + 1))
}

# archive DIR [MAX_BYTES]: the top-level files of DIR (recursive for flyway) as a txtar archive.
archive() {
    local dir=$1 max=${2:-65536} f size=0
    while IFS= read -r f; do
        size=$((size + $(stat -c %s "$f")))
        if [ "$size" -gt "$max" ]; then break; fi
        printf -- '-- %s --\n' "${f#"$dir"/}"
        cat "$f"
        if [ -n "$(tail -c1 "$f")" ]; then echo; fi
    done < <(find "$dir" -type f \( -name '*.sql' -o -name atlas.sum \) | LC_ALL=C sort)
}

# Inputs fuzzing found (crash-*, timeout-*, slow-* and the like) stay: they are regression seeds.
kept=$(mktemp -d)
find "$C" -type f -name '*-*' -exec cp --parents {} "$kept" \; 2>/dev/null || true
rm -rf "$C"
mkdir -p "$C"
if [ -d "$kept/$C" ]; then cp -r "$kept/$C/." "$C/"; fi
rm -rf "$kept"

mapfile -t HCL < <(find testdata examples -name '*.hcl' ! -name atlas.hcl | LC_ALL=C sort)
mapfile -t TXTAR < <(find testdata examples -name '*.txtar' | LC_ALL=C sort)
mapfile -t SQL < <(find testdata examples "$SHARED" -name '*.sql' 2>/dev/null | LC_ALL=C sort)
mapfile -t SUMS < <(find testdata examples "$SHARED" -name atlas.sum 2>/dev/null | LC_ALL=C sort)
mapfile -t PROJECTS < <(find testdata examples -name atlas.hcl | LC_ALL=C sort)

for f in "${HCL[@]}"; do
    put hcl_test_file <"$f"
    if grep -q '^script "' "$f"; then put data_script <"$f"; fi
    { cat "$f"; printf '\0'; printf '1,a\n2,b\n'; } | put update_hcl
    { cat "$f"; printf '\0'; printf 'EOT\n  indented\n${x} %%{y} "q" \\ \r\n'; } | put update_hcl
done
for f in "${TXTAR[@]}"; do
    put txtar <"$f"
    put script_lex <"$f"
    name=$(grep -m1 -oP '^-- \K.*(?= --$)' "$f" || echo out)
    { cat "$f"; printf '\0%s\0' "$name"; printf 'new\ndata\n'; } | put update_txtar
done
for f in "${SQL[@]}"; do
    for d in postgres mysql sqlite; do put "scan_$d" <"$f"; done
done
for f in "${SUMS[@]}"; do put atlas_sum <"$f"; done
for f in "${PROJECTS[@]}"; do { echo dev; cat "$f"; } | put atlas_hcl; done
for env in dev test ci local; do
    printf '%s\nenv "%s" {\n  url = var.url\n  dev = "sqlite://dev?mode=memory"\n  src = ["file://schema.sql"]\n  migration {\n    dir = "file://migrations"\n    format = golang-migrate\n  }\n  test {\n    schema {\n      src = ["schema.test.hcl"]\n      vars = { name = var.name }\n    }\n  }\n}\nvariable "url" {\n  type = string\n}\nvariable "name" {\n  type = string\n  default = "x"\n}\nlocals {\n  a = getenv("HOME")\n}\n' "$env" "$env" | put atlas_hcl
done

# Data Scripts files and template_dir templates kept inside txtar archives.
python3 - "$C" "${TXTAR[@]}" <<'PY'
import hashlib, os, re, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    text = open(path, encoding='utf-8', errors='replace').read()
    for name, body in re.findall(r'^-- (.+?) --\n(.*?)(?=^-- .+? --$|\Z)', text, re.S | re.M):
        target = None
        if re.search(r'^script "', body, re.M):
            target = 'data_script'
        elif '{{' in body:
            target = 'go_template'
        if target:
            os.makedirs(os.path.join(out, target), exist_ok=True)
            data = body.encode()
            open(os.path.join(out, target, hashlib.sha1(data).hexdigest()[:16]), 'wb').write(data)
PY
printf 'CREATE SCHEMA {{ .nested.schema }};\n{{ range .list }}CREATE TABLE {{ . }} (id int);\n{{ end }}{{ if .flag }}-- on{{ else }}-- off{{ end }}\n{{- /* c */ -}}\n{{ $.name }}\n' | put go_template

# HCL schemas: the raw-string schemas of dsl/src/schema's unit tests.
python3 - "$C/hcl_schema" dsl/src/schema/tests*.rs <<'PY'
import hashlib, os, re, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for path in sys.argv[2:]:
    for block in re.findall(r'r#"(.*?)"#', open(path).read(), re.S):
        if 'table "' in block or 'schema "' in block:
            data = block.encode()
            open(os.path.join(out, hashlib.sha1(data).hexdigest()[:16]), 'wb').write(data)
PY

# Migration directories: every directory of .sql files, in each format it could be read as.
while IFS= read -r d; do
    for t in migrate_atlas migrate_golang_migrate migrate_goose migrate_flyway migrate_dbmate; do
        archive "$d" | put "$t"
    done
done < <(find testdata examples "$SHARED" -name '*.sql' -printf '%h\n' 2>/dev/null | LC_ALL=C sort -u)

printf 's=hello\nn=42\nb=true\nls=a\nls=b\nln=1\nln=2\nms={a = "x", b = "y"}\nmm={k = [1, 2]}\na=anything\n' | put var_values
printf 'n=not a number\nb=maybe\nms=[1]\nmm={k = "x"}\n' | put var_values

grep -rhoE "(postgres|postgresql|mysql|maria|mariadb|sqlite|docker|local)(\+[a-z]+)?://[^\" '\`)]*" \
    testdata examples docs README.md dsl/src/url 2>/dev/null | LC_ALL=C sort -u | while IFS= read -r u; do
    printf '%s' "$u" | put dev_url
done
for u in 'postgres://user:p%40ss:w/rd@localhost:5432/db?sslmode=disable&search_path=a,b' \
    'mysql+unix://root:secret@/var/run/mysqld/mysqld.sock?database=app' \
    'postgres://u:pw@/db?host=/var/run/postgresql' 'docker+postgres://_/postgres:15/dev?x=1' \
    'postgres://u:pw@[::1]:5432/db'; do
    printf '%s' "$u" | put dev_url
done
printf 'admin\ns3cr3t/with?odd:chars\nlocalhost:5432/db?sslmode=disable' | put url_mask
printf 'u\nhunter22\nh/db' | put url_mask
printf "app_\nquoted'pass\n" | put url_mask

echo "seed.sh: $n seeds written under $C"
if [ "${1:-}" != "--raw" ]; then
    cd fuzz
    for t in $(ls corpus); do
        cargo +nightly fuzz cmin -s none "$t" "corpus/$t" -- -max_len=65536 >/dev/null 2>&1 ||
            echo "seed.sh: cmin $t failed" >&2
    done
fi
du -sh "$ROOT/$C"
