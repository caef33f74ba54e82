#!/usr/bin/env python3
"""Generate N copies of a k8gen spec with different app names, for the benchmark.

    bench/gen-specs.py N OUTDIR [--template specs/task-tracker.toml] [--image IMAGE]

Writes OUTDIR/<name>-000.toml .. OUTDIR/<name>-<N-1>.toml (name = "<name>-NNN" in each;
every other line kept as it is) and copies the template's sidecar folder (`<stem>.files/`,
which holds the sample secret files the spec reads relative to itself) into OUTDIR, so
every generated spec is valid on its own. OUTDIR is emptied first.

--image replaces the `image = "..."` line (used to build a "stale" output tree whose every
file differs from the current one, for the update benchmark case).
"""
import argparse
import pathlib
import re
import shutil
import sys
import tomllib

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("count", type=int)
ap.add_argument("outdir", type=pathlib.Path)
ap.add_argument("--template", type=pathlib.Path,
                default=pathlib.Path(__file__).resolve().parent.parent / "specs" / "task-tracker.toml")
ap.add_argument("--image", help="replace the image reference in every copy")
args = ap.parse_args()

text = args.template.read_text(encoding="utf-8")
spec = tomllib.loads(text)
base = spec["name"]
digits = max(3, len(str(args.count - 1)))

name_re = re.compile(r'^name\s*=\s*"[^"]*"', re.M)
image_re = re.compile(r'^image\s*=\s*"[^"]*"', re.M)
if len(name_re.findall(text)) != 1:
    sys.exit(f"{args.template}: expected exactly one top-level `name = \"...\"` line")
if args.image and len(image_re.findall(text)) != 1:
    sys.exit(f"{args.template}: expected exactly one top-level `image = \"...\"` line")

if args.outdir.exists():
    shutil.rmtree(args.outdir)
args.outdir.mkdir(parents=True)

sidecar = args.template.with_suffix(".files")
if sidecar.is_dir():
    shutil.copytree(sidecar, args.outdir / sidecar.name)

for i in range(args.count):
    name = f"{base}-{i:0{digits}d}"
    out = name_re.sub(f'name = "{name}"', text, count=1)
    if args.image:
        out = image_re.sub(f'image = "{args.image}"', out, count=1)
    parsed = tomllib.loads(out)  # still TOML, and the rename took effect
    assert parsed["name"] == name, (parsed["name"], name)
    (args.outdir / f"{name}.toml").write_text(out, encoding="utf-8")

print(f"{args.count} specs ({base}-{0:0{digits}d} .. {base}-{args.count - 1:0{digits}d}) in {args.outdir}")
