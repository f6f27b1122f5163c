#!/usr/bin/env python3
"""Validate `ktriage export sigma -o DIR` with pySigma.

Usage: scripts/sigma-validate.py DIR

Every *.yml in DIR is parsed with pySigma (SigmaCollection, with errors
collected and reported per file). Each file is then converted: files of
plain rules with the Elasticsearch Lucene backend, files that hold a
correlation (Lucene has no correlations) with the ES|QL backend of the
same package, or its EQL backend for `temporal_ordered` (ES|QL has no
ordered sequences). Exits 1 on any error, 2 on bad usage.

Needs: python3 -m pip install pysigma pysigma-backend-elasticsearch
"""

import pathlib
import sys

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend, LuceneBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule


def main() -> int:
    if len(sys.argv) != 2 or not pathlib.Path(sys.argv[1]).is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.yml"))
    if not files:
        print(f"{sys.argv[1]}: no *.yml files", file=sys.stderr)
        return 1
    errors = 0
    rules = correlations = 0
    for f in files:
        try:
            coll = SigmaCollection.from_yaml(f.read_text(), collect_errors=True)
            errs = list(coll.errors)
            for r in coll:
                errs.extend(getattr(r, "errors", []) or [])
            if errs:
                for e in errs:
                    print(f"{f}: parse: {e}", file=sys.stderr)
                errors += 1
                continue
            corr = [r for r in coll if isinstance(r, SigmaCorrelationRule)]
            has_corr = bool(corr)
            if any(str(r.type).lower().endswith("temporal_ordered") for r in corr):
                backend = EqlBackend()
            elif has_corr:
                backend = ESQLBackend()
            else:
                backend = LuceneBackend()
            queries = backend.convert(coll)
            if not queries:
                print(f"{f}: {type(backend).__name__} produced no query", file=sys.stderr)
                errors += 1
                continue
            if has_corr:
                correlations += 1
            else:
                rules += 1
        except Exception as e:  # pySigma raises many exception types
            print(f"{f}: {type(e).__name__}: {e}", file=sys.stderr)
            errors += 1
    print(
        f"{len(files)} files: {rules} rules converted (Lucene), "
        f"{correlations} correlations converted (ES|QL or EQL), {errors} with errors"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
