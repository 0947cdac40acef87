"""Throughput of `load_avuie` on a release-layout AV-UIE v2 folder scaled up from the test fixture.

Writes the fixture once (real media), then repeats its records per task until the split holds N records in
total (every record pointing at real files, ids made unique), and times loading it with media checks on and
off. Last line: "data_loading: <records per second with media checks>".

    python benchmarks/data_loading.py [--records 50000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time


def build(root: str, records: int) -> int:
    from crab_plus.data.fixtures import write_avuie_fixture

    fixture = write_avuie_fixture(root, n=2, splits=("train",))
    per_task = max(records // len(fixture.tasks), 1)
    for key in fixture.tasks:
        base = fixture.records[key]["train"]
        scaled = []
        for i in range(per_task):
            record = dict(base[i % len(base)])
            for field in ("question_id", "id", "uid"):
                if field in record:
                    record[field] = f"{record[field]}-{i}"
            scaled.append(record)
        with open(fixture.file(key, "train"), "w") as handle:
            json.dump(scaled, handle)
    return per_task * len(fixture.tasks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    from crab_plus.data import load_avuie

    with tempfile.TemporaryDirectory(dir=args.workdir) as root:
        total = build(root, args.records)
        rates = {}
        for check in (True, False):
            start = time.perf_counter()
            result = load_avuie(root, "train", check_media=check)
            seconds = time.perf_counter() - start
            assert len(result) == total and result.report.ok, result.report.summary()
            rates[check] = total / seconds
            print(f"{total} records, check_media={check}: {seconds:.2f} s ({rates[check]:.0f} records/s)")
        print(f"data_loading: {rates[True]:.0f}")


if __name__ == "__main__":
    main()
