"""Validates TOML files against a JSON Schema the way an editor (taplo) would: prints a JSON
object mapping each file to null (valid) or the first validation error (or a TOML error)."""
import json
import sys
import tomllib

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema)
result = {}
for path in sys.argv[2:]:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        result[path] = f"toml: {e}"
        continue
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    result[path] = None if error is None else f"{list(error.absolute_path)}: {error.message}"
json.dump(result, sys.stdout)
