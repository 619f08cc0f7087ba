#!/usr/bin/env python3
"""Writes a labelled corpus of synthetic service telemetry in NAB's layout (data/, labels/windows.json).

Hourly series of 350-1,250 samples with a daily cycle, as the held-out cloud-service corpus has them:
request counts with Poisson noise, counts with overdispersed (negative binomial) noise, and latencies
with log-normal noise. Each carries 3-10 incidents of 1-3 samples, 40-140 hours apart: four in five
go to 1.5-12 times the previous week's clean maximum, one in five drops to a 4th-20th of the value.
Windows are NAB's size (a tenth of the file shared among its incidents) centred on each incident.

    scripts/synthetic_telemetry.py OUT [--seed N] [--series N]

The corpus checks mechanisms (later incidents page, clean stretches stay quiet); settings are
chosen on the labelled corpora of real data, never on this one.
"""
import argparse
import datetime as dt
import json
import os

import numpy as np


def series(rng, index):
    length = int(rng.integers(350, 1251))
    hours = np.arange(length)
    level = 10 ** rng.uniform(1, 3)
    phase = rng.uniform(0, 24)
    mean = level * (1 + rng.uniform(0.2, 0.7) * np.sin(2 * np.pi * (hours + phase) / 24))
    kind = index % 3
    if kind == 0:
        clean = rng.poisson(mean).astype(float)
    elif kind == 1:
        shape = 5.0
        clean = rng.negative_binomial(shape, shape / (shape + mean)).astype(float)
    else:
        clean = mean * np.exp(0.15 * rng.standard_normal(length))
    values = clean.copy()
    starts = []
    wanted = int(rng.integers(3, 11))
    start = int(rng.integers(30, 150))
    while len(starts) < wanted and start < length - 5:
        starts.append(start)
        start += int(rng.integers(40, 140))
    for start in starts:
        week_maximum = clean[max(0, start - 168):start].max()
        samples = int(rng.integers(1, 4))
        factor = rng.uniform(1.5, 12) if rng.random() < 0.8 else 1 / rng.uniform(4, 20)
        if factor > 1:
            values[start:start + samples] = week_maximum * factor
        else:
            values[start:start + samples] = clean[start:start + samples] * factor
    first = dt.datetime(2026, 1, 1) + dt.timedelta(hours=int(rng.integers(0, 24)))
    times = [first + dt.timedelta(hours=int(h)) for h in hours]
    return times, values, starts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--series", type=int, default=48)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    os.makedirs(os.path.join(args.out, "data", "telemetry"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "labels"), exist_ok=True)
    stamp = "%Y-%m-%d %H:%M:%S"
    labels = {}
    for index in range(args.series):
        times, values, starts = series(rng, index)
        name = f"telemetry/telemetry_{index:02d}.csv"
        with open(os.path.join(args.out, "data", name), "w") as file:
            file.write("timestamp,value\n")
            for time, value in zip(times, values):
                file.write(f"{time.strftime(stamp)},{value:.3f}\n")
        half = max(2, int(0.1 * len(values) / len(starts) / 2))
        labels[name] = [
            [times[max(0, s - half)].strftime(stamp) + ".000000",
             times[min(len(values) - 1, s + half)].strftime(stamp) + ".000000"]
            for s in starts
        ]
    with open(os.path.join(args.out, "labels", "windows.json"), "w") as file:
        json.dump(labels, file, indent=1)
    print(f"{sum(len(w) for w in labels.values())} windows in {len(labels)} series under {args.out}")


if __name__ == "__main__":
    main()
