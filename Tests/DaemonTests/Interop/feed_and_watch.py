#!/usr/bin/env python3
"""Drives a running streamlstmd with pyzmq, a ZeroMQ client written by others.

Publishes six series in three formats (Graphite, InfluxDB line protocol,
JSON; per format one series with an injected spike and one clean series),
mixes malformed messages in, and records every alert the daemon publishes.
Writes a JSON report to --report:

    {"sent": {...}, "alerts": [[topic, payload-object], ...], "ready": 200, "metrics": "..."}

With --http, it also reads /readyz, and /metrics once the daemon has counted
every sample it was sent (so the counts in the report are final).

Every wait is bounded: the subscription handshake, the publisher's first
subscriber, and the wait for the alerts to resolve.
"""
import argparse
import json
import math
import random
import sys
import time
import urllib.request

import zmq
from zmq.utils.monitor import recv_monitor_message

FORMATS = ("graphite", "influx", "json")


def series_value(rng, t, spike_at, period=40):
    value = 50 + 10 * math.sin(2 * math.pi * t / period) + rng.gauss(0, 1)
    if spike_at is not None and t == spike_at:
        value += 80
    return value


def payload(fmt, samples):
    """samples: list of (name, timestamp, value)."""
    if fmt == "graphite":
        return "\n".join(f"{name} {value!r} {ts}" for name, ts, value in samples).encode()
    if fmt == "influx":
        return "\n".join(f"{name},host=a value={value!r} {ts * 1_000_000_000}" for name, ts, value in samples).encode()
    return json.dumps([{"series": name, "labels": {"host": "a"}, "ts": ts, "value": value}
                       for name, ts, value in samples]).encode()


MALFORMED = [
    b"garbage without a value",                    # graphite: unparseable
    b"graphite.nan nan 1700000000",                # graphite: non-finite value
    b"m,host=a value=abc 1700000000000000000",     # influx: unparseable field
    b"{not json",                                  # json: unparseable
]


def wait_for_handshake(socket, timeout):
    monitor = socket.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    poller = zmq.Poller()
    poller.register(monitor, zmq.POLLIN)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if poller.poll(100):
            event = recv_monitor_message(monitor)
            if event["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                socket.disable_monitor()
                return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--alerts", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--samples", type=int, default=1100)
    parser.add_argument("--spike-at", type=int, default=800)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--http", help="the daemon's HTTP address, HOST:PORT")
    args = parser.parse_args()

    context = zmq.Context()
    alerts = context.socket(zmq.SUB)
    alerts.setsockopt(zmq.SUBSCRIBE, b"alert.")
    alerts.connect(args.alerts)
    if not wait_for_handshake(alerts, 10):
        sys.exit("no handshake with the alert socket")

    # XPUB tells us when the daemon's subscription has arrived: before that, PUB/SUB drops.
    producer = context.socket(zmq.XPUB)
    producer.setsockopt(zmq.SNDHWM, 0)
    producer.connect(args.input)
    if not producer.poll(10_000, zmq.POLLIN):
        sys.exit("the daemon never subscribed")
    producer.recv()

    rng = random.Random(7)
    start = 1_700_000_000
    sent = {"samples": 0, "malformed": 0, "rejected_late": 0}
    for t in range(args.samples):
        ts = start + 60 * t
        for fmt in FORMATS:
            samples = [(f"{fmt}_spike", ts, series_value(rng, t, args.spike_at)),
                       (f"{fmt}_clean", ts, series_value(rng, t, None))]
            producer.send_multipart([b"metrics", payload(fmt, samples)])
            sent["samples"] += len(samples)
        if t % 100 == 50:
            for bad in MALFORMED:
                producer.send_multipart([b"metrics", bad])
                sent["malformed"] += 1

    # Input the daemon must refuse one by one: a seventh series past a cap of six, a sample
    # older than its series' last one, and last a message over its size limit, for which
    # libzmq drops this connection (it would lose what followed until the reconnect).
    producer.send_multipart([b"metrics", f"one.too.many 1 {start}".encode()])
    producer.send_multipart([b"metrics", f"graphite_clean 50 {start}".encode()])
    sent["rejected_late"] = 2
    producer.send_multipart([b"metrics", b"big.one 1 1700000000\n" * 20_000])

    received = []
    resolved = set()
    deadline = time.monotonic() + args.timeout
    while len(resolved) < len(FORMATS) and time.monotonic() < deadline:
        if alerts.poll(200, zmq.POLLIN):
            topic, body = alerts.recv_multipart()
            alert = json.loads(body)
            received.append([topic.decode(), alert])
            if alert["status"] == "resolved":
                resolved.add(alert["labels"]["series"])

    report = {"sent": sent, "alerts": received}
    if args.http:
        report["ready"] = urllib.request.urlopen(f"http://{args.http}/readyz", timeout=5).status
        # Every sample taken and every bad message refused (each malformed message once).
        wanted_rejections = sent["malformed"] + sent["rejected_late"]
        while time.monotonic() < deadline:
            metrics = urllib.request.urlopen(f"http://{args.http}/metrics", timeout=5).read().decode()
            lines = metrics.splitlines()
            rejected = sum(float(line.rsplit(" ", 1)[1]) for line in lines
                           if line.startswith("streamlstmd_rejected_total{"))
            if (f"streamlstmd_samples_total {sent['samples']}" in lines and rejected == wanted_rejections
                    and "streamlstmd_input_disconnects_total 1" in lines):
                break
            time.sleep(0.05)  # polling for a condition, bounded by the deadline
        report["metrics"] = metrics
    with open(args.report, "w") as out:
        json.dump(report, out)
    producer.close(linger=1000)
    alerts.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
