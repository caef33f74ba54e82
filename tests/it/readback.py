"""Reads a YAML stream with PyYAML (a YAML 1.1 reader, like kubectl's go-yaml v2) and prints
the documents as one JSON array, so the test can compare every value with what k8gen meant."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as f:
    docs = list(yaml.safe_load_all(f))
json.dump(docs, sys.stdout)
