"""`python -m bench`: build the bench data set once, time the scenarios, write the results.

    python -m bench --size 10000                 # SQLite file var/bench-10000.sqlite3
    python -m bench --database-url postgres://…  # a dedicated PostgreSQL database
    python -m bench --scenarios home_hr,people_list_hr --repeat 50
    python -m bench --scenarios verify_signoffs_100k  # on request only: 100,000 sign-offs
    python -m bench --scenarios all                   # every scenario (what `make bench` runs)

BENCH_DATABASE_URL in the environment stands in for --database-url (so `make bench` can use it).
"""

import argparse
import hashlib
import json
import os
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
DEFAULT_OUTPUT = BASE_DIR / "bench" / "results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="staff in the seeded city")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="bench database (default: SQLite file var/bench-<size>.sqlite3)",
    )
    parser.add_argument(
        "--scenarios",
        default="",
        help=(
            "comma-separated scenario names, or `all` (default: all but the on-request ones "
            "such as verify_signoffs_100k; the baseline always runs)"
        ),
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="discarded requests first")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON file")
    parser.add_argument("--rebuild", action="store_true", help="re-seed even if already built")
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error("--size must be at least 1")
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    return args


def sqlite_path(size: int) -> Path:
    return VAR_DIR / f"bench-{size}.sqlite3"


def marker_path(size: int, database_url: str) -> Path:
    if not database_url:
        return VAR_DIR / f"bench-{size}.built"
    # One marker per database; a digest so no password is written to disk.
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return VAR_DIR / f"bench-{size}-{digest}.built"


def configure_django(database_url: str) -> None:
    """Point Django at the bench settings and database; must run before django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    # WhiteNoise notes that STATIC_ROOT is empty: the bench, like the tests, skips collectstatic.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    VAR_DIR.mkdir(exist_ok=True)
    if args.database_url:
        database_url = args.database_url
    else:
        database = sqlite_path(args.size)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{database}"
    configure_django(database_url)

    import django

    django.setup()

    from bench import runner
    from bench.context import BenchmarkError
    from bench.scenarios import REGISTRY, SCENARIOS

    names = [n.strip() for n in args.scenarios.split(",") if n.strip()] or list(SCENARIOS)
    if names == ["all"]:
        names = list(REGISTRY)
    try:
        runner.check_names(names)
        build = runner.build_database(
            size=args.size,
            marker=marker_path(args.size, args.database_url),
            rebuild=args.rebuild,
        )
        results = runner.run_scenarios(
            names=names, size=args.size, repeat=args.repeat, warmup=args.warmup
        )
    except BenchmarkError as error:
        sys.stderr.write(f"bench failed: {error}\n")
        return 1
    document = runner.results_document(
        results=results, size=args.size, seed_seconds=build.seed_seconds
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    sys.stdout.write(runner.format_table(document))
    if build.reused:
        sys.stdout.write("(data set reused; seed_seconds is from its build; --rebuild re-seeds)\n")
    sys.stdout.write(f"Results written to {args.output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
