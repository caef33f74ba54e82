#!/usr/bin/env bash
# GitOps trees (issue 9): 1000 apps x 3 environments rendered to a tree, next to `cp -r` of the
# same tree (the I/O limit), an unchanged re-render, `--check`, the stdout render, and a sample
# of `kubectl kustomize` / `helm template` per app and environment when they are installed.
#
#   bench/gitops.sh                 # N=1000 apps, best of RUNS=3 -> figures on stdout
#   N=200 RUNS=1 bench/gitops.sh    # smaller
#
# Needs: cargo, python3 >= 3.11. Optional: kubectl (PATH or ../shared/peers/bin), helm
# (../shared/peers/bin) and ../shared/peers/helm-chart/task-tracker. Everything generated goes
# to bench/tmp/gitops/ (git-ignored). Wall-clock times of whole commands (date +%s%N), best of
# RUNS; the peers are timed on SAMPLE apps and scaled to N (they start one process per app).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"
N="${N:-1000}"
RUNS="${RUNS:-3}"
SAMPLE="${SAMPLE:-20}"
W=bench/tmp/gitops
PEERS="${PEERS:-$ROOT/../shared/peers}"

# The binary we ship (dist/build.sh: static on Linux); the plain release build (what
# `cargo install` gives) is timed for one app too.
K8GEN="$(bash dist/build.sh 2>/dev/null | tail -n 1)"
K8GEN="$(cd "$(dirname "$K8GEN")" && pwd)/$(basename "$K8GEN")"
cargo build --release --locked --quiet
K8GEN_RELEASE="${CARGO_TARGET_DIR:-$ROOT/target}/release/k8gen"
case "$K8GEN_RELEASE" in /*) ;; *) K8GEN_RELEASE="$ROOT/$K8GEN_RELEASE" ;; esac

# Nothing is deleted before or while timing: freeing tens of thousands of inodes makes
# ext4 create files several times slower for minutes after (see "fresh" below). The previous
# run's folder goes into the trash (a rename); the trash is deleted at the end, in the
# background, and a run waits until 6 min after that (up to WAIT_IDLE_S, default 420 s).
export TRASH="$ROOT/bench/tmp/gitops-trash"
mkdir -p "$(dirname "$W")"
if [ -e "$W" ]; then bash "$HERE/mv-aside.sh" "$W"; fi
deadline=$(( $(date +%s) + ${WAIT_IDLE_S:-420} ))
while [ -e "$TRASH.deleting" ] || { [ -f "$TRASH.deleted" ] && [ "$(date +%s)" -lt $(( $(cat "$TRASH.deleted") + 360 )) ]; }; do
  [ "$(date +%s)" -ge "$deadline" ] && { echo "gitops.sh: timing without waiting longer for the previous clean-up" >&2; break; }
  echo "gitops.sh: waiting until 6 min after the previous run's trash was deleted" >&2; sleep 15
done
mkdir -p "$W"
python3 bench/gen-specs.py "$N" "$W/apps" >/dev/null
cat >"$W/apps/k8gen.toml" <<'EOF'
[environments.dev]
namespace = "{app}-dev"
[environments.staging]
namespace = "{app}-staging"
[environments.prod]
namespace = "{app}"
# The generated specs read SAMPLE secret files: a benchmark tree may hold them plain.
[defaults]
secrets_mode = "plain"
[secrets]
allow_plain = true
EOF

now() { date +%s%N; }
# Preparing "fresh" runs moves the old tree into a trash folder instead of deleting it: freeing
# 21000 inodes just before a timed run makes ext4's inode allocator crawl (recently_deleted
# in a profile: 9 s instead of 1 s for the same render), for k8gen and cp alike. The trash is
# deleted at the end.
aside() { bash "$HERE/mv-aside.sh" "$1"; sync; }
# best NAME PREPARE COMMAND...: runs PREPARE (untimed) then COMMAND, RUNS times; prints ms.
best() {
  local prep="$1"; shift
  local b=""
  for _ in $(seq "$RUNS"); do
    eval "$prep"
    local t0 t1
    t0=$(now); "$@" >/dev/null; t1=$(now)
    local ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  echo "$b"
}

cd "$W"
stdout_ms=$(best ":" "$K8GEN" render apps --all-envs)
fresh_ms=$(best "aside deploy" "$K8GEN" render apps --all-envs -o deploy)
files=$(find deploy -type f | wc -l)
cp_ms=$(best "aside copy" cp -r deploy copy)
unchanged_ms=$(best ":" "$K8GEN" render apps --all-envs -o deploy)
check_ms=$(best ":" "$K8GEN" render apps --all-envs -o deploy --check)
"$K8GEN" render apps --all-envs -o deploy --check  # exit 0: the tree is current
# One app: `perf stat -r 200` (a bash timer's ms are too coarse), best of RUNS, both builds.
one_app() {
  local b=""
  for _ in $(seq "$RUNS"); do
    local s
    s=$(perf stat -r 200 -x, -e task-clock "$1" render apps/task-tracker-000.toml --env prod 2>&1 >/dev/null \
      | awk -F, '/task-clock/ {print $1}')
    local e
    e=$(python3 - "$1" <<'PYEOF'
import os, sys, time
b = sys.argv[1]; args = [b, "render", "apps/task-tracker-000.toml", "--env", "prod"]
t = time.perf_counter_ns()
for _ in range(200):
    pid = os.posix_spawn(b, args, os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
    os.waitpid(pid, 0)
print(f"{(time.perf_counter_ns() - t) / 200 / 1e6:.2f}")
PYEOF
)
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$e" "${b%% *}"; then
      b="$e ms elapsed, $(printf '%.2f' "$s") ms CPU"
    fi
  done
  echo "$b"
}
if command -v perf >/dev/null; then
  one_dist=$(one_app "$K8GEN")
  one_release=$(one_app "$K8GEN_RELEASE")
  one_true=$(one_app /bin/true)
else
  one_dist="- (needs perf)"; one_release="-"; one_true="-"
fi

# kubectl and helm: K8GEN_KUBECTL / K8GEN_HELM (as the tests take them), else the peers'
# bin/, else .ci/peers/bin (what .ci/run installs). /usr/bin/kubectl may be a cloud SDK shim.
KUBECTL="${K8GEN_KUBECTL:-}"
HELM="${K8GEN_HELM:-}"
for bin in "$PEERS/bin" "$ROOT/.ci/peers/bin"; do
  if [ -z "$KUBECTL" ] && [ -x "$bin/kubectl" ]; then KUBECTL="$bin/kubectl"; fi
  if [ -z "$HELM" ] && [ -x "$bin/helm" ]; then HELM="$bin/helm"; fi
done
CHART="$PEERS/helm-chart/task-tracker"

# The peers build the same apps the way their users would: Kustomize as a base (the app's
# objects, as k8gen renders them without an environment) plus one overlay per environment
# (namespace, a replicas patch); Helm as the peers' chart with a values file per
# environment. Timed on SAMPLE apps x 3 environments, one process per app and environment
# (as a CI job or Argo CD runs them), scaled to N.
kustomize_ms="-"
if [ -n "$KUBECTL" ]; then
  for app in $(ls apps | grep '\.toml$' | grep -v k8gen.toml | head -n "$SAMPLE"); do
    stem="${app%.toml}"
    k="kustomize/$stem"
    mkdir -p "$k/base"
    "$K8GEN" render "apps/$app" -o "$k/base" --allow-plain-secrets >/dev/null
    rm -f "$k/base/namespace-"*.yaml "$k/base/.k8gen-owned.json"
    (cd "$k/base" && ls *.yaml | grep -v kustomization.yaml | sed 's/^/- /' \
      | { echo "resources:"; cat; } > kustomization.yaml)
    for env in dev staging prod; do
      mkdir -p "$k/overlays/$env"
      ns="$stem-$env"; [ "$env" = prod ] && ns="$stem"
      cat >"$k/overlays/$env/kustomization.yaml" <<KEOF
resources:
- ../../base
namespace: $ns
patches:
- target: {kind: Deployment, name: $stem}
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 2
KEOF
    done
  done
  t0=$(now)
  for k in kustomize/*; do
    for env in dev staging prod; do "$KUBECTL" kustomize "$k/overlays/$env" >/dev/null; done
  done
  t1=$(now)
  kustomize_ms=$(( (t1 - t0) / 1000000 * N / SAMPLE ))
fi
helm_ms="-"
if [ -n "$HELM" ] && [ -d "$CHART" ]; then
  mkdir -p values
  for env in dev staging prod; do
    printf 'replicaCount: 2\nconfig:\n  APP_ENV: %s\n  LOG_LEVEL: info\n' "$env" > "values/$env.yaml"
  done
  t0=$(now)
  for i in $(seq "$SAMPLE"); do
    for env in dev staging prod; do
      "$HELM" template "app-$i" "$CHART" --namespace "app-$i-$env" -f "values/$env.yaml" >/dev/null
    done
  done
  t1=$(now)
  helm_ms=$(( (t1 - t0) / 1000000 * N / SAMPLE ))
fi

ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('-' if '-' in (a,b) or float(b)==0 else f'{float(a)/float(b):.2f}')" "$1" "$2"; }
cat <<EOF
GitOps tree bench: $N apps x 3 environments, $files files; $(nproc) cores; load $(cut -d' ' -f1 /proc/loadavg)
k8gen $(git -C "$ROOT" rev-parse --short HEAD); best of $RUNS; peers: $SAMPLE apps x 3 envs scaled to $N

| case                                   | ms     | ratio                          |
|----------------------------------------|--------|--------------------------------|
| render to stdout (all envs)            | $stdout_ms | 1 |
| fresh tree (-o, folder absent)         | $fresh_ms | $(ratio "$fresh_ms" "$cp_ms") x cp -r |
| cp -r of the same tree                 | $cp_ms | 1 |
| unchanged re-render (-o, writes nothing) | $unchanged_ms | $(ratio "$unchanged_ms" "$stdout_ms") x stdout |
| --check                                | $check_ms | $(ratio "$check_ms" "$stdout_ms") x stdout |
| one app, one env, to stdout (dist/build.sh) | $one_dist | |
| the same, \`cargo build --release\`      | $one_release | |
| /bin/true, timed the same way          | $one_true | |
| kubectl kustomize, base + 3 overlays   | $kustomize_ms | $(ratio "$kustomize_ms" "$stdout_ms") x k8gen stdout |
| helm template, values per env          | $helm_ms | $(ratio "$helm_ms" "$stdout_ms") x k8gen stdout |
EOF
# The clean-up, in the background; its end time makes the next run wait (see above).
touch "$TRASH.deleting"
setsid nohup bash -c 'rm -rf "$1" && date +%s > "$1.deleted"; rm -f "$1.deleting"' _ "$TRASH" \
  >/dev/null 2>&1 < /dev/null &
