#!/usr/bin/env bash
# Scaling rows: one large spec, timed with `k8gen check` (everything render checks, no
# writing) and `k8gen render` to stdout, so a quadratic path shows as a growing time per item.
#
#   bench/scale.sh            # -> bench/results/scale.md (and stdout)
#   RUNS=1 bench/scale.sh     # quicker: one timed run per row instead of 3 (min is reported)
#   SKIP_BUILD=1 bench/scale.sh   # time target/release/k8gen as it is
#
# Specs come from bench/gen-big.py into bench/tmp/scale/ (git-ignored). Needs python3 and
# GNU time (/usr/bin/time; `apt-get install -y time`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${RUNS:-3}"
OUT="${RESULTS_MD:-bench/results/scale.md}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked --quiet
BIN=target/release/k8gen
DIR=bench/tmp/scale
mkdir -p "$DIR"

# name | gen-big.py flags | items | what an item is | command
ROWS=(
  "components-1k|--components 1000|1000|component|render"
  "components-10k|--components 10000|10000|component|render"
  "references-10k|--refs 10000|10000|config reference|check"
  "references-40k|--refs 40000|40000|config reference|check"
  "bad-env-100k|--bad-env 100000|100000|error (50 shown)|check"
)

{
  echo "| case | items | command | min s | per item µs | peak RSS MiB |"
  echo "|---|---:|---|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name flags items what cmd <<<"$row"
    spec="$DIR/$name.toml"
    [ -f "$spec" ] || python3 bench/gen-big.py "$spec" $flags
    best=""; rss=0
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$BIN" "$cmd" "$spec" >/dev/null 2>&1 || true
      read -r secs kb < <(tail -n 1 "$DIR/time.txt")
      if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
      [ "$kb" -gt "$rss" ] && rss=$kb
    done
    per=$(awk "BEGIN{printf \"%.1f\", $best * 1e6 / $items}")
    echo "| $name ($what) | $items | \`k8gen $cmd\` | $best | $per | $((rss / 1024)) |"
  done
  echo
  echo "Machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), k8gen $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)."
} | tee "$OUT"
