#!/usr/bin/env bash
# Reproduces the performance figures quoted in closing notes, on generated data.
#
#   scripts/bench.sh [ROWS]        (default 1,000,000 recipients)
#
# 1. preview: ROWS recipient rows against ROWS consent records and 0.3×ROWS
#    suppression entries; prints wall time and peak RSS of each step.
# 2. compose: render + build + DKIM-sign throughput of 5 KB messages on one
#    core, RSA-2048 and Ed25519, next to bare signing (cargo bench --bench compose).
# Needs the Rust toolchain, awk and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-1000000}
suppressed=$((rows * 3 / 10))
work=target/bench
mkdir -p "$work"

echo "== building (release)"
cargo build --release --quiet
bin=$PWD/target/release/hikyaku

timed() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@"
}

echo "== generating $rows recipients, $rows consents, $suppressed suppressions"
# Recipients: 1 % invalid, 1 % duplicates (differing in case), Japanese columns.
awk -v n="$rows" 'BEGIN {
  print "email,name,company,city";
  for (i = 0; i < n; i++) {
    if (i % 100 == 7)       e = "broken-address-" i;
    else if (i % 100 == 8)  e = "USER" (i - 2) "@DOMAIN" ((i - 2) % 500) ".EXAMPLE.JP";
    else                    e = "user" i "@domain" (i % 500) ".example.jp";
    printf "%s,山田 太郎 %d,\"株式会社サンプル, 第%d営業部\",名古屋市\n", e, i, i % 40;
  }
}' > "$work/recipients.csv"
# Consent for 95 % of the recipients (one list each), in one file.
awk -v n="$rows" 'BEGIN {
  print "email,list,basis,obtained_at,method,evidence";
  for (i = 0; i < n; i++) {
    if (i % 20 == 3) j = n + i; else j = i;
    printf "user%d@domain%d.example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,form log %d\n", j, j % 500, j;
  }
}' > "$work/consent.csv"
# Suppressions: every third recipient up to the count, half global, half for the list.
awk -v n="$suppressed" 'BEGIN {
  print "email,list,reason";
  for (k = 0; k < n; k++) {
    i = k * 3 + 1;
    printf "user%d@domain%d.example.jp,%s,unsubscribe\n", i, i % 500, (k % 2 ? "newsletter" : "");
  }
}' > "$work/suppress.csv"
printf 'body\n' > "$work/body.txt"
cat > "$work/bench.toml" <<'TOML'
id = "bench"
kind = "advertisement"
list = "newsletter"
store = "bench.db"

[sender]
from = "Bench <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市"
contact = "052-000-0000"

[message]
subject = "{{ name }}様"
text = "body.txt"

[recipients]
path = "recipients.csv"

[unsubscribe]
url = "https://example.co.jp/unsubscribe"
TOML
ls -lh "$work"/*.csv | awk '{print "   " $5 "  " $9}'

rm -f "$work"/bench.db*
export HIKYAKU_STORE=$work/bench.db
echo "== store"
timed "consent import ($rows rows)" "$bin" --quiet consent import "$work/consent.csv"
timed "suppress import ($suppressed rows)" "$bin" --quiet suppress import "$work/suppress.csv"
unset HIKYAKU_STORE

echo "== preview (target: <= 10 s wall, <= 300 MB peak RSS at 1,000,000 rows)"
timed "preview ($rows rows)" "$bin" preview "$work/bench.toml" --format json
timed "preview again, warm cache" "$bin" preview "$work/bench.toml" --format json

echo "== compose (target: render+build under 25 % of the signing time)"
cargo bench --quiet --bench compose 2>/dev/null | grep -v '^$'
