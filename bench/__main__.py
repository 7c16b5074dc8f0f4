"""Run every benchmark module's `run(quick)` and write bench/results/latest.json."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import traceback
from pathlib import Path

from bench.common import write_results

SKIPPED = {"common", "__main__"}
RUN_DEFINED = re.compile(r"^def run\(", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, no goal asserted")
    parser.add_argument("only", nargs="*", help="run only these modules (e.g. deliberation_fanout)")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(here)])
        if not info.ispkg and info.name not in SKIPPED and not info.name.startswith("_")
    )
    failed = []
    for name in names:
        if args.only and name not in args.only:
            continue
        # Helper modules (settings, URL confs, ASGI apps) are never imported here: only
        # modules that define a top-level run() are benchmarks.
        if not RUN_DEFINED.search((here / f"{name}.py").read_text()):
            continue
        print(f"== bench.{name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            module.run(quick=args.quick)
        except Exception as error:
            traceback.print_exc()
            # The cause's last line, repeated at the end where a shortened log still shows it.
            lines = str(error).strip().splitlines() or [type(error).__name__]
            failed.append(f"{name} ({lines[-1][:300]})")
    path = write_results()
    print(f"Results written to {path}")
    if failed:
        print("Failed: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
