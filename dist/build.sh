#!/usr/bin/env bash
# Builds the k8gen binary we ship (the Argo CD plugin image, release archives, `bench/`):
# profile `dist` (release with fat LTO and one codegen unit), and on Linux with glibc a static
# executable (no PIE): no dynamic loader, no libgcc_s, no relocations at start. One app
# renders in 1.7 ms instead of 3.0 ms on our 2-core machines (bench/README.md), and the
# binary runs in any Linux image (the plugin sidecar, distroless, scratch).
#
#   dist/build.sh            # -> target/dist/k8gen (honours CARGO_TARGET_DIR)
#
# Elsewhere (macOS, musl hosts) it is the `dist` profile as the platform links it.
# `cargo install --path .` stays the plain release build (dynamic, position-independent).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
host="$(rustc -vV | sed -n 's/^host: //p')"
case "$host" in
  x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu)
    # --target: the flags then apply to k8gen only, not to the proc-macros cargo builds for
    # the host (a static proc-macro cannot exist).
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
      cargo build --locked --profile dist --target "$host" --bin k8gen
    built="$TARGET_DIR/$host/dist/k8gen"
    mkdir -p "$TARGET_DIR/dist"
    cp "$built" "$TARGET_DIR/dist/k8gen.tmp"
    mv "$TARGET_DIR/dist/k8gen.tmp" "$TARGET_DIR/dist/k8gen"
    ;;
  *)
    cargo build --locked --profile dist --bin k8gen
    ;;
esac
echo "$TARGET_DIR/dist/k8gen"
