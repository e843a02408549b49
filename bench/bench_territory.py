"""Speed of the territory layer: loading, and drawing home communes.

python bench/bench_territory.py
"""

from __future__ import annotations

import time

import numpy as np

from sim.territory.catchment import Territory


def main() -> None:
    start = time.perf_counter()
    territory = Territory.load()
    load_s = time.perf_counter() - start

    rng = np.random.default_rng(0)
    territory.draw_homes(rng, 10)  # first call builds the cumulative weights
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        territory.draw_homes(rng, 100_000)
        timings.append(time.perf_counter() - start)
    start = time.perf_counter()
    territory.with_authorisation(authorise=["croix_rouge_gers"]).has_authorised_had.sum()
    reauth_s = time.perf_counter() - start

    print(f"load territory (parquet + zones + travel):  {load_s:8.3f} s")
    print(f"draw 100,000 homes, median of 20:           {np.median(timings) * 1e3:8.2f} ms")
    print(f"apply an authorisation change:              {reauth_s * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
