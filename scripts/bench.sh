#!/usr/bin/env bash
# Reproduces the performance figures quoted in closing notes, on generated data.
#
#   scripts/bench.sh [ROWS]        (default 1,000,000 recipients)
#   scripts/bench.sh preview [ROWS]  only the preview benchmark (1 below)
#   scripts/bench.sh send [N]      only the send benchmark (3 below), N recipients (20,000)
#   scripts/bench.sh send-memory   peak RSS of sending 100,000 and 1,000,000 (slow)
#   scripts/bench.sh serve [CLIENTS]  2,000 one-click POSTs from CLIENTS (32) concurrent clients
#                                  while a send of 5,000 runs on the same store (target: all 200,
#                                  p99 < 1 s, every opt-out recorded, nothing sent after its POST)
#   scripts/bench.sh ingest [N]    ingest N Postfix-style DSNs from one mbox (default 20,000)
#                                  (target: 100,000 under 100 MB peak RSS, no slower than before)
#   scripts/bounce-agreement.sh DIR  agreement with Sisimai on a corpus of real bounces
#
# 1. preview: ROWS recipient rows against ROWS consent records and 0.3×ROWS
#    suppression entries; prints wall time and peak RSS of each step.
# 2. compose: render + build + DKIM-sign throughput of 5 KB messages on one
#    core, RSA-2048 and Ed25519, next to bare signing (cargo bench --bench compose).
# 3. send: 20,000 recipients (or N), DKIM RSA-2048, no rate limit, a pool of
#    two relays ([[smtp]], 2 connections each), each Postfix's smtp-sink, on
#    127.0.0.1:2525 and :2527 (installed with apt-get if missing), next to bare
#    RSA-2048 signing on every core in the same run. Targets: at least half
#    the bare signing rate; 1,000,000 in under 10 minutes under 150 MB.
# Needs the Rust toolchain, awk and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
  send|send-memory|ingest|serve|preview) mode=$1; shift ;;
esac
rows=${1:-1000000}
suppressed=$((rows * 3 / 10))
work=target/bench
mkdir -p "$work"

echo "== building (release)"
cargo build --release --quiet
# HIKYAKU_BENCH_BIN runs another build (say, the last release) on the same data.
bin=${HIKYAKU_BENCH_BIN:-$PWD/target/release/hikyaku}

timed() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@"
}

# Postfix's smtp-sink, a fast SMTP server that accepts everything.
ensure_smtp_sink() {
  if ! command -v smtp-sink >/dev/null; then
    echo "   installing postfix for smtp-sink"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
  fi
}

# The send benchmark: ROWS recipients of a notice campaign through smtp-sink.
send_bench() {
  local count=$1 key=$2 label=$3
  ensure_smtp_sink
  pkill -f "smtp-sink.*252[57]" 2>/dev/null || true
  smtp-sink -u postfix 127.0.0.1:2525 1000 &
  local sink=$!
  smtp-sink -u postfix 127.0.0.1:2527 1000 &
  local sink2=$!
  trap 'kill $sink $sink2 2>/dev/null' RETURN
  awk -v n="$count" 'BEGIN { print "email,name"; for (i = 0; i < n; i++) printf "user%d@domain%d.example.jp,山田 太郎 %d\n", i, i % 500, i }' > "$work/send.csv"
  cp tests/fixtures/keys/$key "$work/send-key.pem"
  local paragraph="いつもお世話になっております。年末年始の営業日と新製品のご案内をお届けします。"
  { echo "{{ name }}様"; for i in 1 2 3 4 5 6 7; do echo "$paragraph"; done; } > "$work/send.txt"
  { echo "<p>{{ name }}様</p>"; for i in 1 2 3 4 5 6 7; do echo "<p>$paragraph</p>"; done; } > "$work/send.html"
  cat > "$work/send.toml" <<TOML
id = "bench-send"
kind = "notice"
list = "newsletter"
store = "send.db"
[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市中村区名駅1-1-1"
contact = "052-000-0000"
[message]
subject = "{{ name }}様 12月のお知らせ"
text = "send.txt"
html = "send.html"
[recipients]
path = "send.csv"
[unsubscribe]
url = "https://example.co.jp/unsubscribe"
[dkim]
domain = "example.co.jp"
selector = "bench"
private_key = "send-key.pem"
[[smtp]]
name = "sink-a"
host = "127.0.0.1"
port = 2525
security = "none"
connections = 2
[[smtp]]
name = "sink-b"
host = "127.0.0.1"
port = 2527
security = "none"
connections = 2
[approval]
required = false
TOML
  rm -f "$work"/send.db* "$work"/send.bench-send.*
  env -u HIKYAKU_STORE /usr/bin/time -f "$label: %e s wall for both passes, %M KB peak RSS" \
    "$bin" send "$work/send.toml" --yes
}

# Ingest: N messages composed by a dry run (their tokens recorded in the
# store), then one Postfix-style DSN per message returning its headers, all
# in one mbox; read twice (the second time everything is already known).
ingest_bench() {
  local count=$1
  awk -v n="$count" 'BEGIN { print "email,name"; for (i = 0; i < n; i++) printf "user%d@domain%d.example.jp,User %d\n", i, i % 500, i }' > "$work/ingest.csv"
  printf '{{ name }}様\nbody\n' > "$work/ingest.txt"
  cat > "$work/ingest.toml" <<'TOML'
id = "bench-ingest"
kind = "notice"
list = "newsletter"
store = "ingest.db"
[sender]
from = "ASUE株式会社 <news@example.co.jp>"
return_path = "bounces@example.co.jp"
[message]
subject = "{{ name }}様"
text = "ingest.txt"
[recipients]
path = "ingest.csv"
[unsubscribe]
url = "https://example.co.jp/unsubscribe"
TOML
  rm -rf "$work"/ingest.db* "$work/ingest-out"
  env -u HIKYAKU_STORE "$bin" --quiet send "$work/ingest.toml" --dry-run --out "$work/ingest-out"
  find "$work/ingest-out" -name '*.eml' -print0 | xargs -0 awk '
    function finish() {
      printf "From MAILER-DAEMON Sun Nov 22 10:00:00 2026\n"
      printf "From: MAILER-DAEMON@mx.example.jp\nTo: bounces@example.co.jp\nSubject: Undelivered Mail Returned to Sender\n"
      printf "Message-Id: <dsn.%s>\nMIME-Version: 1.0\n", id
      printf "Content-Type: multipart/report; report-type=delivery-status; boundary=\"=_bench-dsn_=\"\n\n"
      printf "--=_bench-dsn_=\nContent-Type: text/plain\n\nUser unknown.\n\n--=_bench-dsn_=\nContent-Type: message/delivery-status\n\n"
      printf "Reporting-MTA: dns; mx.example.jp\n\nFinal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.1.1\n", to
      printf "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--=_bench-dsn_=\nContent-Type: text/rfc822-headers\n\n%s\n--=_bench-dsn_=--\n\n", hdr
    }
    # xargs may split the files over several awk runs: nothing here may
    # depend on a count, so each DSN is named after its original Message-ID.
    FNR == 1 { if (n++) finish(); inhdr = 1; hdr = ""; to = ""; id = "" }
    { sub(/\r$/, "") }
    inhdr && $0 == "" { inhdr = 0 }
    inhdr { hdr = hdr $0 "\n"; if ($0 ~ /^To:/) to = substr($0, 5); if ($0 ~ /^Message-ID:/) { id = substr($0, 13); gsub(/[<> ]/, "", id) } }
    END { if (n) finish() }' > "$work/ingest.mbox"
  ls -lh "$work/ingest.mbox" | awk '{print "   " $5 "  " $9}'
  timed "ingest $count DSNs (mbox)" env -u HIKYAKU_STORE "$bin" --store "$work/ingest.db" ingest "$work/ingest.mbox" --format json > "$work/ingest.out"
  echo "   $(grep -c '"suppressed"' "$work/ingest.out") suppressed"
  timed "ingest again (all known)" env -u HIKYAKU_STORE "$bin" --store "$work/ingest.db" ingest "$work/ingest.mbox" --format json > "$work/ingest.out"
  echo "   $(grep -c 'already ingested' "$work/ingest.out") already ingested"
}

# The endpoint under load beside a send on the same store.
serve_bench() {
  local clients=$1
  ensure_smtp_sink
  pkill -f "smtp-sink.*2526" 2>/dev/null || true
  smtp-sink -u postfix 127.0.0.1:2526 1000 &
  local sink=$!
  local server=""
  trap 'kill $sink $server 2>/dev/null' RETURN
  awk 'BEGIN { print "email,name"; for (i = 0; i < 5000; i++) printf "user%d@domain%d.example.jp,User %d\n", i, i % 50, i }' > "$work/serve.csv"
  printf '{{ name }}様\nbody\n' > "$work/serve.txt"
  cat > "$work/serve.toml" <<'TOML'
id = "bench-serve"
kind = "notice"
list = "newsletter"
store = "serve.db"
[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
[message]
subject = "{{ name }}様"
text = "serve.txt"
[recipients]
path = "serve.csv"
[unsubscribe]
url = "https://example.co.jp/unsubscribe"
[smtp]
host = "127.0.0.1"
port = 2526
security = "none"
connections = 4
[limits]
rate = "500/s"
[approval]
required = false
TOML
  rm -rf "$work"/serve.db* "$work"/serve-out "$work"/serve.bench-serve.*
  # A dry run records every recipient's token; 2,000 of them unsubscribe.
  env -u HIKYAKU_STORE "$bin" --quiet send "$work/serve.toml" --dry-run --out "$work/serve-out" >/dev/null
  # Every other recipient, so the POSTs interleave with the send's order.
  find "$work/serve-out" -name '*.eml' | sort | sed -n '1~2p' | sed -n '1,2000p' | xargs awk '
    FNR == 1 && NR > 1 { print to, token }
    { sub(/\r$/, "") }
    /^To:/ { to = $NF; gsub(/[<>]/, "", to) }
    /^List-Unsubscribe:/ { match($0, /unsubscribe\/[A-Za-z0-9_-]+/); token = substr($0, RSTART + 12, RLENGTH - 12) }
    END { print to, token }' > "$work/serve.tokens"
  env -u HIKYAKU_STORE "$bin" --store "$work/serve.db" serve --listen 127.0.0.1:0 > "$work/serve.out" &
  server=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.out" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  env -u HIKYAKU_STORE "$bin" --quiet send "$work/serve.toml" --yes > "$work/serve-send.out" 2>&1 &
  local send=$!
  # The POSTs start once the send is transmitting (500 of 5,000 sent).
  for _ in $(seq 600); do
    local sent
    sent=$(env -u HIKYAKU_STORE "$bin" --store "$work/serve.db" status "$work/serve.toml" --format json 2>/dev/null \
      | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')
    [ "${sent:-0}" -ge 500 ] && break
    sleep 0.05
  done
  cargo bench --quiet --bench serve_load -- "$port" "$work/serve.tokens" "$clients" "$work/serve.answers"
  wait $send || true
  local recorded
  recorded=$(env -u HIKYAKU_STORE "$bin" --store "$work/serve.db" suppress export | grep -c ',newsletter,unsubscribe,one-click,' || true)
  echo "   opt-outs recorded: $recorded of $(wc -l < "$work/serve.tokens")"
  # A message may leave only if its transaction began before the POST was
  # answered: compare each unsubscribed recipient's journal time (seconds).
  env -u HIKYAKU_STORE "$bin" --store "$work/serve.db" report "$work/serve.toml" --format csv > "$work/serve.report"
  TZ=UTC awk -F'[ ,]' 'FNR == NR { answered[$1] = $2; next }
    ($1 in answered) && $2 == "sent" {
      t = $NF; gsub(/[-:TZ]/, " ", t); sent = mktime(t)
      if (sent > answered[$1] + 1) late++ }
    ($1 in answered) && $2 == "sent" { checked++ }
    END { printf "   sent after their POST was answered: %d (of %d unsubscribed recipients the send reached first)\n", late + 0, checked + 0 }' "$work/serve.answers" "$work/serve.report"
}

if [ "$mode" = serve ]; then
  serve_bench "${1:-32}"
  exit 0
fi

if [ "$mode" = ingest ]; then
  ingest_bench "${1:-20000}"
  exit 0
fi
if [ "$mode" = send ]; then
  count=${1:-20000}
  send_bench "$count" rsa2048.pem "send $count (RSA-2048, 2 relays × 2 connections)"
  [ -n "${BENCH_ED25519:-}" ] && send_bench "$count" ed25519.pem "send $count (Ed25519, 2 relays × 2 connections)"
  cargo bench --quiet --bench compose -- --sign-threads 3000 2>/dev/null | grep -v '^$'
  exit 0
fi
if [ "$mode" = send-memory ]; then
  send_bench 100000 ed25519.pem "send 100,000 (Ed25519)"
  send_bench 1000000 ed25519.pem "send 1,000,000 (Ed25519)"
  exit 0
fi

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
timed "preview with the approver's report" "$bin" preview "$work/bench.toml" --report "$work/report.html" >/dev/null
[ "$mode" = preview ] && exit 0

echo "== compose (target: render+build under 25 % of the signing time)"
cargo bench --quiet --bench compose 2>/dev/null | grep -v '^$'

echo "== send (target: >= 50 % of the bare signing rate on every core, <= 150 MB peak RSS)"
send_bench 20000 rsa2048.pem "send 20,000 (RSA-2048, 2 relays × 2 connections)"
cargo bench --quiet --bench compose -- --sign-threads 3000 2>/dev/null | grep -v '^$'
