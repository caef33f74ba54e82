"""Reads YAML streams with PyYAML (a YAML 1.1 reader, like kubectl's go-yaml v2) and prints
the documents as JSON, so the test can compare every value with what k8gen meant.

Each file is read twice: with the pure-Python loader and with libyaml's (`CSafeLoader`), the C
library go-yaml v2 was ported from; they disagree on some inputs (a tab where a block scalar's
indentation is expected is accepted by the first and rejected by the second). Prints
`[[pure docs, libyaml docs], ...]`, one pair per file; a reader error fails the script."""
import json
import sys

import yaml

if not yaml.__with_libyaml__:
    sys.exit("PyYAML was built without libyaml: yaml.CSafeLoader is missing, so output cannot "
             "be checked the way libyaml/go-yaml read it (install the PyYAML wheel)")

out = []
for path in sys.argv[1:]:
    pair = []
    for loader in (yaml.SafeLoader, yaml.CSafeLoader):
        with open(path, encoding="utf-8") as f:
            try:
                pair.append(list(yaml.load_all(f, Loader=loader)))
            except yaml.YAMLError as e:
                sys.exit(f"{path}: {loader.__name__}: {e}")
    out.append(pair)
json.dump(out, sys.stdout)
