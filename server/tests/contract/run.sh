#!/usr/bin/env bash
# The contract test: Schemathesis reads /openapi.json from a real release
# server and calls every documented operation with generated requests, valid
# and invalid, with a Global Admin management key. It fails on any 5xx, any
# status the document does not list, and any answer that does not match its
# documented schema, content type or headers: every check Schemathesis has
# but `use_after_free`, since `DELETE /v1/keys/{id}` revokes and the record
# stays readable (status `revoked`) for the audit trail, as documented.
#
#   server/tests/contract/run.sh EXAMPLES [BINARY]
#
# EXAMPLES is the number of generated requests per operation and phase.
# Prints the operations, the examples sent and the failures.
set -euo pipefail

examples=${1:?examples per operation}
binary=$(realpath "${2:-target/release/keyward}")
here=$(cd "$(dirname "$0")" && pwd)
schemathesis=$(realpath "${SCHEMATHESIS:-.venv/bin/schemathesis}")

work=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

secret() { python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'; }

# A first key from the CLI, as an operator would make one.
"$binary" keys create --data-dir "$work/data" --name contract-bootstrap --scopes '*:*' \
    --roles global_admin --rate-limit unlimited --expires never --json >"$work/bootstrap.json"
bootstrap=$(secret <"$work/bootstrap.json")

KEYWARD_ADDR=127.0.0.1:0 KEYWARD_DATA_DIR="$work/data" KEYWARD_LOG_FORMAT=text \
    "$binary" serve 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -1 | cut -d' ' -f3) || true
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { cat "$work/server.log"; echo "keyward did not start" >&2; exit 1; }

# The key Schemathesis uses lives in an account of its own, so generated
# calls that switch an account's API off or revoke keys in `default` cannot
# lock it out (an account name Schemathesis would have to guess).
curl -fsS -o /dev/null -H "Authorization: Bearer $bootstrap" -H 'Content-Type: application/json' \
    -d '{"name": "contract-checker-7q"}' "$base/v1/accounts"
curl -fsS -H "Authorization: Bearer $bootstrap" -H 'Content-Type: application/json' \
    -d '{"account": "contract-checker-7q", "name": "schemathesis", "scopes": ["*:*"], "roles": ["global_admin"], "rate_limit": "unlimited", "expires": "never"}' \
    "$base/v1/keys" >"$work/key.json"
key=$(secret <"$work/key.json")
# What the calls that change an account or a credential act on (see schemathesis.toml).
curl -fsS -o /dev/null -H "Authorization: Bearer $bootstrap" -H 'Content-Type: application/json' \
    -d '{"name": "contract-target"}' "$base/v1/accounts"
curl -fsS -H "Authorization: Bearer $bootstrap" -H 'Content-Type: application/json' \
    -d '{"account": "contract-target", "name": "target"}' "$base/v1/keys" >"$work/target.json"
export CONTRACT_ACCOUNT=contract-target
CONTRACT_KEY_ID=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <"$work/target.json")
export CONTRACT_KEY_ID

status=0
# From the scratch dir, where Schemathesis keeps its cache.
cd "$work"
"$schemathesis" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks all --exclude-checks use_after_free \
    --max-examples "$examples" \
    --seed "${SCHEMATHESIS_SEED:-20261130}" \
    --workers 2 \
    --report junit --report-junit-path "$work/junit.xml" \
    --no-color >"$work/output.txt" 2>&1 || status=$?

cat "$work/output.txt"
python3 - "$work/junit.xml" "$work/output.txt" "$examples" "$status" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
junit, output, examples, status = sys.argv[1:]
text = open(output, encoding="utf-8").read()
tests = list(ET.parse(junit).getroot().iter("testcase"))
operations = [t for t in tests if t.get("name") != "Stateful tests"]
failed = [t.get("name") for t in tests if t.find("failure") is not None or t.find("error") is not None]
generated = re.search(r"(\d+) generated", text)
unique = re.search(r"(\d+) unique failures", text)
print(f"contract: {len(operations)} operations, up to {examples} examples each, "
      f"{generated.group(1) if generated else '?'} requests generated, "
      f"{unique.group(1) if unique else 0} failures in {len(failed)} tests (schemathesis exit {status})")
for name in failed:
    print(f"  failed: {name}")
EOF
if grep -qiE 'panicked|ERROR' "$work/server.log"; then
    echo "the server logged errors:" >&2
    grep -iE 'panicked|ERROR' "$work/server.log" | head -20 >&2
    status=1
fi
exit "$status"
