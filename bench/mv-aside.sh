#!/usr/bin/env bash
# Prepare step of bench/run.sh: move DIR into the run's trash folder ($TRASH, set by run.sh;
# a rename: no inode is freed while the benchmark runs, run.sh deletes the trash afterwards),
# then, if SEED is given, copy SEED to DIR and flush it to disk.
#   bench/mv-aside.sh DIR [SEED]
set -euo pipefail
dir="$1"; seed="${2:-}"
trash="${TRASH:-$(dirname "${BASH_SOURCE[0]}")/tmp/trash}"
mkdir -p "$trash"
if [ -e "$dir" ] || [ -L "$dir" ]; then mv "$dir" "$(mktemp -d "$trash/XXXXXX")/"; fi
if [ -n "$seed" ]; then cp -a "$seed" "$dir"; sync; fi
