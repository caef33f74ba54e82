#!/usr/bin/env python3
"""Generate one large k8gen spec, for the scaling rows of the benchmark and for profiling.

    bench/gen-big.py OUT.toml [--components N] [--refs M] [--bad-env K]

--components N  N extra components (`[components.cNNNNN]`, a Deployment each, with a port)
--refs M        M config keys in the main component, each read by one env var
                (`EM = { config = "KM" }`): M references to resolve
--bad-env K     K env var names Kubernetes rejects (`1BADK`): K errors of one code
"""
import argparse

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("out")
ap.add_argument("--components", type=int, default=0)
ap.add_argument("--refs", type=int, default=0)
ap.add_argument("--bad-env", type=int, default=0)
args = ap.parse_args()

lines = ['name = "big"', 'namespace = "big"', 'image = "big:v1"', "port = 8080"]
if args.refs or args.bad_env:
    lines.append("[env]")
    lines += [f'E{i:06d} = {{ config = "K{i:06d}" }}' for i in range(args.refs)]
    lines += [f'1BAD{i:06d} = "x"' for i in range(args.bad_env)]
if args.refs:
    lines.append("[config]")
    lines += [f'K{i:06d} = "v"' for i in range(args.refs)]
for i in range(args.components):
    lines += [f"[components.c{i:05d}]", 'image = "c:v1"', "port = 8080"]
with open(args.out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
