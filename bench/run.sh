#!/usr/bin/env bash
# k8gen next to its peers (helm, cdk8s, kcl) in ONE run, on the same machine at the same time.
#
#   bench/run.sh                  # full run (~3-4 min measuring on 2 cores) -> bench/results/latest.md
#   QUICK=1 bench/run.sh          # smoke run, few runs -> bench/tmp/quick.md
#   SKIP_HELM=1 / SKIP_CDK8S=1 / SKIP_KCL=1 bench/run.sh     # leave a peer out
#   SKIP_PEERS_1000=1 bench/run.sh                           # no 1000-instance peer rows
#   INSTALL_PEERS=1 bench/run.sh  # install the peers first if none are found (see below)
#   PEERS=/path/to/peers bench/run.sh                        # use that peers folder
#   WAIT_IDLE_S=0 bench/run.sh    # do not wait for an idle machine (default: up to 120 s)
#   RESULTS_MD=path bench/run.sh  # write the Markdown somewhere else
#
# Needs: cargo, python3 (3.11+, for tomllib), hyperfine and /usr/bin/time
# (`apt-get install -y hyperfine time`; done automatically when run as root).
#
# Peers: the tools installed by ../shared/peers/install-all.sh. PEERS defaults to the first of
# ../shared/peers and target/peers that has bin/helm. With INSTALL_PEERS=1 and none found,
# ../shared/peers is copied to target/peers (git-ignored) and installed there, so the shared
# folder is never written to. The peers folder is only read: every output goes to bench/tmp/.
#
# Every case: hyperfine (-N, no shell; stdout discarded) for min/median/mean, then one extra
# run under /usr/bin/time -v for the peak RSS ("Maximum resident set size"; for the helm loop
# that is the largest single helm process), whose output is kept to count bytes and objects.
# Raw hyperfine JSON and time -v reports go to bench/tmp/raw/ (git-ignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

T_START=$(date +%s)
QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
  R1=5; W1=1; R200=3; R1000=2; RL=1; WL=0; WAIT_DEFAULT=0
  RESULTS_MD="${RESULTS_MD:-bench/tmp/quick.md}"
else
  R1=30; W1=5; R200=10; R1000=8; RL=4; WL=1; WAIT_DEFAULT=120
  RESULTS_MD="${RESULTS_MD:-bench/results/latest.md}"
fi
TMP=bench/tmp
RAW="$TMP/raw"
CASES="$RAW/cases.tsv"
mkdir -p "$TMP" "$(dirname "$RESULTS_MD")"
rm -rf "$RAW"; mkdir -p "$RAW"
: > "$CASES"

say() { printf '\n### %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq hyperfine time >/dev/null
  else
    echo "missing hyperfine or /usr/bin/time: apt-get install -y hyperfine time" >&2; exit 1
  fi
fi

# ---------------------------------------------------------------- k8gen
say "cargo build --release"
cargo build --release --locked
K8GEN="${CARGO_TARGET_DIR:-$ROOT/target}/release/k8gen"
[ -x "$K8GEN" ] || { echo "no $K8GEN after cargo build" >&2; exit 1; }
# hyperfine -N splits commands on spaces: use a path relative to the repo when possible
case "$K8GEN" in "$ROOT"/*) K8GEN="${K8GEN#"$ROOT"/}" ;; esac

# ---------------------------------------------------------------- peers
find_peers() {
  local p
  for p in "$ROOT/../shared/peers" "$ROOT/target/peers"; do
    if [ -x "$p/bin/helm" ]; then (cd "$p" && pwd); return 0; fi
  done
  return 1
}
if [ -z "${PEERS:-}" ]; then
  if ! PEERS="$(find_peers)"; then
    PEERS=""
    if [ "${INSTALL_PEERS:-0}" = 1 ] && [ -d "$ROOT/../shared/peers" ]; then
      say "installing the peers into target/peers (copy of ../shared/peers)"
      rm -rf "$ROOT/target/peers"; mkdir -p "$ROOT/target"
      cp -a "$ROOT/../shared/peers" "$ROOT/target/peers"
      chmod -R u+w "$ROOT/target/peers"
      "$ROOT/target/peers/install-all.sh"
      PEERS="$ROOT/target/peers"
    fi
  fi
fi
have_helm=0; have_cdk8s=0; have_kcl=0
if [ -n "$PEERS" ]; then
  [ "${SKIP_HELM:-0}" != 1 ] && [ -x "$PEERS/bin/helm" ] && have_helm=1
  [ "${SKIP_CDK8S:-0}" != 1 ] && [ -e "$PEERS/cdk8s/node_modules/cdk8s-plus-34/package.json" ] \
    && command -v node >/dev/null && have_cdk8s=1
  [ "${SKIP_KCL:-0}" != 1 ] && [ -x "$PEERS/venv-kcl/bin/python" ] && have_kcl=1
fi
skipped=()
skip_note() { skipped+=("$1: $2"); }
why() { # why NAME SKIPVAR
  if [ "${!2:-0}" = 1 ]; then echo "$2=1"; elif [ -z "$PEERS" ]; then echo "no peers folder (INSTALL_PEERS=1 installs them)"; else echo "not installed in $PEERS"; fi
}
[ $have_helm = 1 ] || skip_note helm "$(why helm SKIP_HELM)"
[ $have_cdk8s = 1 ] || skip_note cdk8s "$(why cdk8s SKIP_CDK8S)"
[ $have_kcl = 1 ] || skip_note kcl "$(why kcl SKIP_KCL)"

# ---------------------------------------------------------------- inputs
# Nothing under bench/tmp is deleted before or between the timed runs: old files are moved
# into a trash folder (bench/tmp/trash-*) that is deleted in the background after the run.
# On ext4 without a journal (as here), creating files shortly (up to 6 min) after thousands
# were deleted is several times slower (the inode allocator skips "recently deleted" inodes,
# kernel function recently_deleted()), which would charge our own clean-up to whichever tool
# writes files next. The row k8gen-dir-1000-after-rm, run last, measures exactly that effect
# (`rm -rf out && k8gen render specs -o out`).
export TRASH="$TMP/trash-$(date +%s)-$$"; mkdir -p "$TRASH"
# a trash folder left by a run that was stopped before deleting it: delete it with ours
for old in "$TMP"/trash-*; do
  [ "$old" = "$TRASH" ] || [ ! -d "$old" ] && continue
  if [ -f "$old.deleting" ] && kill -0 "$(cat "$old.deleting")" 2>/dev/null; then continue; fi
  rm -f "$old.deleting"; mv "$old" "$TRASH/"
done
trash() { local p; for p in "$@"; do if [ -e "$p" ] || [ -L "$p" ]; then mv "$p" "$(mktemp -d "$TRASH/XXXXXX")/"; fi; done; }
# gen N DIR [ARGS]: generated specs, reused while the template and arguments are unchanged
gen() {
  local n="$1" dir="$2"; shift 2
  local stamp; stamp="$(cat bench/gen-specs.py specs/task-tracker.toml specs/task-tracker.files/* | sha256sum | cut -c1-16) $n $*"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then echo "$n specs in $dir (kept)" >&2; return; fi
  trash "$dir"
  python3 bench/gen-specs.py "$n" "$dir" "$@" >&2
  echo "$stamp" > "$dir/.stamp"
}
say "generating specs"
gen 200 "$TMP/specs-200"
gen 1000 "$TMP/specs-1000"
# the same 200 apps one image earlier: rendered once, it is the "stale" tree of the update case
gen 200 "$TMP/specs-200-v0" --image task-tracker:v0
trash "$TMP/stale-200"
"$K8GEN" render "$TMP/specs-200-v0" -o "$TMP/stale-200"

# ---------------------------------------------------------------- machine
# Also waits until 6 min after the previous run deleted its trash (ext4's "recently deleted"
# window is 60 s, or 360 s while the inode table block is not yet written back).
wait_idle() {
  local deadline=$(( $(date +%s) + ${WAIT_IDLE_S:-$WAIT_DEFAULT} ))
  local deleted=0 f busy
  while [ "$(date +%s)" -lt "$deadline" ]; do
    busy=0
    for f in "$TMP"/trash-*.deleting; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && busy=1; done
    [ -f "$TMP/.trash-deleted" ] && deleted="$(cat "$TMP/.trash-deleted")"
    [ $busy = 0 ] && [ "$(date +%s)" -ge $(( deleted + 360 )) ] && break
    echo "waiting until 6 min after the previous run's trash was deleted" >&2; sleep 15
  done
  while awk -v t="${IDLE_LOAD:-0.5}" '{exit !($1 >= t)}' /proc/loadavg && [ "$(date +%s)" -lt "$deadline" ]; do
    echo "waiting for an idle machine: loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2; sleep 15
  done
}
load_before_wait="$(cut -d' ' -f1-3 /proc/loadavg)"
T_WAIT=$(date +%s)
[ "${WAIT_IDLE_S:-$WAIT_DEFAULT}" = 0 ] || wait_idle
T_WAIT=$(( $(date +%s) - T_WAIT ))
ENV="$RAW/env.txt"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "mode: $([ "$QUICK" = 1 ] && echo 'QUICK=1 (smoke run: few runs, do not quote these figures)' || echo full)"
  echo "host: $(uname -srm); nproc=$(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "mem: $(free -m | awk '/Mem:/{printf "%.1f GiB", $2/1024}')"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg) (before waiting for idle: $load_before_wait)"
  echo "k8gen: $("$K8GEN" --version) @ $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+dirty'); $(rustc --version)"
  echo "hyperfine: $(hyperfine --version | cut -d' ' -f2)"
  echo "peers: ${PEERS:-none}"
  if [ $have_helm = 1 ]; then echo "helm: $("$PEERS/bin/helm" version --short)"; fi
  if [ $have_cdk8s = 1 ]; then
    echo "node: $(node --version); $(cd "$PEERS/cdk8s" && node -e 'console.log(["cdk8s","cdk8s-plus-34","constructs"].map(p => p + " " + require("./node_modules/" + p + "/package.json").version).join(", "))')"
  fi
  if [ $have_kcl = 1 ]; then echo "kcl-lib: $("$PEERS/venv-kcl/bin/python" -c 'import importlib.metadata as m; print(m.version("kcl-lib"))')"; fi
} > "$ENV"
cat "$ENV" >&2

# ---------------------------------------------------------------- the cases
# bench NAME INSTANCES RUNS WARMUP OUTPUT PREPARE COMMAND
#   OUTPUT: ">FILE" = the command prints YAML on stdout (kept in FILE for the size count);
#           otherwise the file or folder the command writes itself.
#   PREPARE: run (no shell; hyperfine -N splitting) before every timed run, or "" for none.
bench() {
  local name="$1" inst="$2" runs="$3" warm="$4" outp="$5" prep="$6" cmd="$7"
  say "$name: $cmd"
  local hf=(hyperfine -N --style basic --runs "$runs" --warmup "$warm" --export-json "$RAW/$name.json")
  if [ -n "$prep" ]; then hf+=(--prepare "$prep"); fi
  "${hf[@]}" "$cmd" >&2
  # one more run for the peak RSS, keeping the output
  if [ -n "$prep" ]; then eval "$prep"; fi
  case "$outp" in
    ">"*) outp="${outp#>}"; /usr/bin/time -v -o "$RAW/$name.time" $cmd > "$outp" ;;
    *)    /usr/bin/time -v -o "$RAW/$name.time" $cmd > /dev/null ;;
  esac
  local bytes objs
  if [ -d "$outp" ]; then
    bytes=$(find "$outp" -type f -name '*.yaml' -exec cat {} + | wc -c)
    objs=$(find "$outp" -type f -name '*.yaml' -exec cat {} + | grep -c '^kind:' || true)
  else
    bytes=$(wc -c < "$outp"); objs=$(grep -c '^kind:' "$outp" || true)
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$inst" "$bytes" "$objs" "${prep:--}" "$cmd" >> "$CASES"
  echo "peak RSS $(awk -F': ' '/Maximum resident/{print $2}' "$RAW/$name.time") KiB; $bytes bytes, $objs objects" >&2
}

T="$TMP/out"; trash "$T"; mkdir -p "$T"
# prepare step of the "fresh" cases: move the previous output aside (rename only)
MV="bash bench/mv-aside.sh"
S1=specs/task-tracker.toml

# k8gen. "fresh": the output folder does not exist (the previous one was moved aside);
# "rerun": the same specs into the folder the previous run wrote (nothing changes, nothing is
# rewritten). The "update" case is further down.
bench k8gen-stdout-1      1    "$R1"    "$W1" ">$T/k8gen-stdout-1.yaml" "" "$K8GEN render $S1"
bench k8gen-dir-1         1    "$R1"    "$W1" "$T/k8gen-dir-1" "$MV $T/k8gen-dir-1" "$K8GEN render $S1 -o $T/k8gen-dir-1"
bench k8gen-stdout-200    200  "$R200"  2     ">$T/k8gen-stdout-200.yaml" "" "$K8GEN render $TMP/specs-200"
bench k8gen-dir-200       200  "$R200"  2     "$T/k8gen-dir-200" "$MV $T/k8gen-dir-200" "$K8GEN render $TMP/specs-200 -o $T/k8gen-dir-200"
bench k8gen-dir-200-rerun 200  "$R200"  2     "$T/k8gen-dir-200" "" "$K8GEN render $TMP/specs-200 -o $T/k8gen-dir-200"
bench k8gen-dir-1000      1000 "$R1000" 2     "$T/k8gen-dir-1000" "$MV $T/k8gen-dir-1000" "$K8GEN render $TMP/specs-1000 -o $T/k8gen-dir-1000"
bench k8gen-dir-1000-rerun 1000 "$R1000" 2    "$T/k8gen-dir-1000" "" "$K8GEN render $TMP/specs-1000 -o $T/k8gen-dir-1000"

# sanity: every generated spec rendered (one folder per spec)
n200=$(find "$T/k8gen-dir-200" -mindepth 1 -maxdepth 1 -type d | wc -l)
n1000=$(find "$T/k8gen-dir-1000" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$n200" = 200 ] && [ "$n1000" = 1000 ] || { echo "expected 200 and 1000 output folders, got $n200 and $n1000" >&2; exit 1; }
per_app=$(find "$T/k8gen-dir-1000/task-tracker-000" -type f | wc -l)
check_note="k8gen output: 200 and 1000 folders of $per_app files"
if [ -n "$PEERS" ] && [ -x "$PEERS/venv/bin/kubernetes-validate" ]; then
  "$PEERS/venv/bin/kubernetes-validate" --strict -k 1.33.0 --quiet \
    "$T"/k8gen-dir-1000/task-tracker-000/*.yaml "$T"/k8gen-dir-1000/task-tracker-999/*.yaml >&2
  check_note="$check_note; kubernetes-validate --strict -k 1.33.0 passes on task-tracker-000 and -999"
fi

if [ $have_helm = 1 ]; then
  H="$PEERS/bin/helm"; CH="$PEERS/helm-chart"
  bench helm-template-1      1   "$R1"   "$W1" ">$T/helm-1.yaml" "" "$H template task-tracker $CH/task-tracker --namespace practice"
  bench helm-loop-200-seq    200 "$RL"   "$WL" "$T/helm-seq" "" "env HELM=$H bash $PEERS/bench/helm-loop.sh seq 200 $T/helm-seq"
  bench helm-multi-200-1proc 200 "$R200" 2    ">$T/helm-multi-200.yaml" "" "$H template task-tracker $CH/task-tracker-multi --namespace practice --set count=200"
  [ "${SKIP_PEERS_1000:-0}" = 1 ] || \
  bench helm-multi-1000-1proc 1000 "$R1000" 1 ">$T/helm-multi-1000.yaml" "" "$H template task-tracker $CH/task-tracker-multi --namespace practice --set count=1000"
fi
if [ $have_cdk8s = 1 ]; then
  bench cdk8s-synth-1        1   "$R1"   3    "$T/cdk8s-1" "" "node $PEERS/cdk8s/app.js --quiet --outdir $T/cdk8s-1"
  bench cdk8s-synth-200      200 "$R200" 2    "$T/cdk8s-200" "" "node $PEERS/cdk8s/app.js --quiet --count 200 --outdir $T/cdk8s-200"
  [ "${SKIP_PEERS_1000:-0}" = 1 ] || \
  bench cdk8s-synth-1000     1000 "$R1000" 1  "$T/cdk8s-1000" "" "node $PEERS/cdk8s/app.js --quiet --count 1000 --outdir $T/cdk8s-1000"
fi
if [ $have_kcl = 1 ]; then
  KP="$PEERS/venv-kcl/bin/python $PEERS/kcl/render.py"
  bench kcl-1                1   "$R1"   3    "$T/kcl-1.yaml" "" "$KP -o $T/kcl-1.yaml"
  bench kcl-200              200 "$R200" 2    "$T/kcl-200.yaml" "" "$KP --count 200 -o $T/kcl-200.yaml"
  [ "${SKIP_PEERS_1000:-0}" = 1 ] || \
  bench kcl-1000             1000 "$R1000" 1  "$T/kcl-1000.yaml" "" "$KP --count 1000 -o $T/kcl-1000.yaml"
fi

# k8gen cases that free inodes (see "inputs" above) come last, so they slow down no other row.
# Update: every changed file is replaced by rename, which frees the old inode; over the
# repeated runs these add up, so the later runs of this row are slower (the min is closest
# to a single update on an idle file system).
bench k8gen-dir-200-update 200 "$R1000" 1     "$T/k8gen-dir-200-upd" "bash bench/mv-aside.sh $T/k8gen-dir-200-upd $TMP/stale-200" "$K8GEN render $TMP/specs-200 -o $T/k8gen-dir-200-upd"
diff -r "$T/k8gen-dir-200" "$T/k8gen-dir-200-upd" >/dev/null || { echo "update case left a different tree than a fresh render" >&2; exit 1; }
check_note="$check_note; the update case ends identical to a fresh render"
# Then the common "clean build" `rm -rf out && k8gen render specs -o out` (see above); the rm
# is in the prepare step, untimed
bench k8gen-dir-1000-after-rm 1000 "$(( (R1000 + 1) / 2 ))" 1 "$T/k8gen-dir-1000-rm" "rm -rf $T/k8gen-dir-1000-rm" "$K8GEN render $TMP/specs-1000 -o $T/k8gen-dir-1000-rm"

echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$ENV"
echo "run time: $(( $(date +%s) - T_START )) s in all, of which ${T_WAIT} s waiting (WAIT_IDLE_S=${WAIT_IDLE_S:-$WAIT_DEFAULT})" >> "$ENV"
echo "check: $check_note" >> "$ENV"
for s in "${skipped[@]}"; do echo "skipped: $s" >> "$ENV"; done

# delete the trash in the background (tens of thousands of files take minutes here)
setsid nohup bash -c 'rm -rf "$1" && date +%s > "$2" && rm -f "$1.deleting"' _ "$TRASH" "$TMP/.trash-deleted" \
  > /dev/null 2>&1 < /dev/null &
echo $! > "$TRASH.deleting"
python3 bench/summarize.py "$RAW" --root "$ROOT" --peers "${PEERS:-}" --k8gen "$K8GEN" > "$RESULTS_MD"
echo >&2
cat "$RESULTS_MD"
echo >&2
echo "written: $RESULTS_MD (raw: $RAW)" >&2
