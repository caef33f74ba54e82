#!/usr/bin/env python3
"""Turn bench/run.sh's raw results into Markdown.

    bench/summarize.py RAW_DIR [--root REPO] [--peers PEERS_DIR] [--k8gen PATH]

RAW_DIR holds cases.tsv (name, instances, output bytes, objects, prepare, command; in run
order), env.txt, and per case <name>.json (hyperfine --export-json) and <name>.time
(/usr/bin/time -v).
"""
import argparse
import json
import pathlib
import statistics

ap = argparse.ArgumentParser()
ap.add_argument("raw", type=pathlib.Path)
ap.add_argument("--root", default="")
ap.add_argument("--peers", default="")
ap.add_argument("--k8gen", default="")
args = ap.parse_args()


def shorten(cmd: str) -> str:
    if args.peers:
        cmd = cmd.replace(args.peers.rstrip("/") + "/", "$PEERS/")
    if args.root:
        cmd = cmd.replace(args.root.rstrip("/") + "/", "")
    return cmd


def ms(s: float) -> str:
    v = s * 1000
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def rss_mib(name: str) -> float | None:
    tf = args.raw / f"{name}.time"
    if not tf.exists():
        return None
    for line in tf.read_text().splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    return None


cases = []
for line in (args.raw / "cases.tsv").read_text().splitlines():
    name, inst, size, objs, prep, cmd = line.split("\t")
    r = json.loads((args.raw / f"{name}.json").read_text())["results"][0]
    cases.append(dict(name=name, inst=int(inst), size=size, objs=objs, prep=prep, cmd=cmd,
                      tool=name.split("-")[0], times=r["times"], min=r["min"],
                      median=r["median"], mean=r["mean"],
                      sd=r["stddev"] if r["stddev"] is not None else 0.0, rss=rss_mib(name)))
by = {c["name"]: c for c in cases}

print("# k8gen and its peers, one run on one machine")
print()
print("Written by `bench/run.sh` (see `bench/README.md`). All rows come from the same run;")
print("compare rows with each other, not with figures from another run or machine.")
print()
print("```")
print((args.raw / "env.txt").read_text().rstrip())
print("```")
print()
print("| case | instances | runs | min ms | median ms | mean ± sd ms | median ms / instance "
      "| peak RSS MiB | output bytes | objects |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in cases:
    rss = f"{c['rss']:.1f}" if c["rss"] is not None else "?"
    print(f"| {c['name']} | {c['inst']} | {len(c['times'])} | {ms(c['min'])} | {ms(c['median'])} | "
          f"{ms(c['mean'])} ± {ms(c['sd'])} | {ms(c['median'] / c['inst'])} | {rss} | "
          f"{c['size']} | {c['objs']} |")

# start-up vs per-instance cost: median(N) - median(1), spread over the N - 1 extra instances
pairs = [
    ("k8gen (folder, fresh)", "k8gen-dir-1", ["k8gen-dir-200", "k8gen-dir-1000"]),
    ("k8gen (stdout)", "k8gen-stdout-1", ["k8gen-stdout-200"]),
    ("helm (one process)", "helm-template-1", ["helm-multi-200-1proc", "helm-multi-1000-1proc"]),
    ("helm (one process per release)", "helm-template-1", ["helm-loop-200-seq"]),
    ("cdk8s", "cdk8s-synth-1", ["cdk8s-synth-200", "cdk8s-synth-1000"]),
    ("kcl", "kcl-1", ["kcl-200", "kcl-1000"]),
]
rows = []
for label, one, many in pairs:
    if one not in by:
        continue
    for m in many:
        if m in by:
            n = by[m]["inst"]
            extra = (by[m]["median"] - by[one]["median"]) / (n - 1)
            rows.append(f"| {label} | {ms(by[one]['median'])} | {m} | {ms(by[m]['median'])} | "
                        f"{extra * 1000:.3f} |")
if rows:
    print()
    print("Start-up and per-instance cost (from the medians above): one instance, then "
          "(median(N) − median(1)) / (N − 1) for each further instance.")
    print()
    print("| tool | 1 instance ms | N-instance case | median ms | ms per extra instance |")
    print("|---|---:|---|---:|---:|")
    for r in rows:
        print(r)

print()
print("Commands (run from the repository root; `$PEERS` = the peers folder; hyperfine `-N`, "
      "stdout discarded; `prepare` runs before every timed run, untimed):")
print()
for c in cases:
    prep = f" — prepare: `{shorten(c['prep'])}`" if c["prep"] != "-" else ""
    print(f"- {c['name']}: `{shorten(c['cmd'])}`{prep}")
