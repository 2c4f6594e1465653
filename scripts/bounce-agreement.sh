#!/usr/bin/env bash
# How far ingest's classification agrees with Sisimai's on a corpus of real
# bounces: a folder holding the mails and expected.tsv (what Sisimai reports
# for each, one row per recipient).
#
#   scripts/bounce-agreement.sh ../shared/bounces [--mismatches]
#
# Runs `hikyaku ingest --dry-run --format json` over the folder with an empty
# store (so every report is untraced and nothing is written), then prints
# hard-bounce-and-complaint recall, keep rate, reason agreement and the
# weakest families (benches/bounce_agreement.rs says how each is counted).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?usage: scripts/bounce-agreement.sh CORPUS_DIR [--mismatches]}
shift
corpus=$(cd "$corpus" && pwd)
[ -f "$corpus/expected.tsv" ] || { echo "$corpus/expected.tsv: missing" >&2; exit 66; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every folder of the corpus holds mails (Maildir, mbox or .eml files).
sources=()
for folder in "$corpus"/*/; do sources+=("$folder"); done
started=$(date +%s%N)
target/release/hikyaku --quiet --store "$work/agreement.db" ingest --dry-run --format json "${sources[@]}" \
  > "$work/ingest.jsonl"
finished=$(date +%s%N)
echo "ingest: $(wc -l < "$work/ingest.jsonl") findings in $(( (finished - started) / 1000000 )) ms"
cargo bench --quiet --bench bounce_agreement -- "$corpus/expected.tsv" "$work/ingest.jsonl" "$@"
