"""Redis mirror: throughput of the journal → Redis Streams catch-up, and tick → agent p99 with it off / on.

    python bench/mirror_overhead.py [--records 200000] [--passes 3] [--rounds 3] [--seconds 6] [--control]
                                    [--quick]

Throughput: a journal of `--records` real records (a short engine run's rows, repeated under new
sequence numbers) is mirrored by the sidecar's own path (JournalTail.poll + RedisMirror.send/collect,
batches of 2000) into a redis-server started on a free loopback port, `--passes` times (a new stream each);
records/s = records / wall time, with the CPU time per record of this process and of redis-server (what
bounds the rate on a loaded host).

Latency: the journal bench's probe engine (bench/journal_overhead.py: journal on in both arms) in
rounds of one run without and one with the sidecar process (`python -m shandian.sidecar`, [mirror] to the
same local Redis) following its journal, odd rounds "with" first; the paired on/off p99 and p50 ratios are
printed (median of the rounds), and per "on" run the sidecar's CPU time and how many of the run's journal
records reached the stream.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from journal_overhead import one_run

from shandian.mirror import RedisMirror, journal_identity, stream_key
from shandian.sidecar import find_journal


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """redis-server on a free loopback port, no persistence (the journal is the durable copy)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--dir", str(directory)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def synthetic_journal(source: Path, target: Path, records: int) -> None:
    """Copy `source` (a real journal) to `target` and repeat its rows under new seqs up to `records`."""
    shutil.copy(source, target)
    con = sqlite3.connect(target)
    n = con.execute("SELECT MAX(seq) FROM records").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(records)") if r[1] != "seq"]
    while n < records:
        con.execute(f"INSERT INTO records(seq, {', '.join(cols)}) SELECT seq + ?, {', '.join(cols)} "
                    "FROM records WHERE seq <= ?", (n, min(n, records - n)))
        n = con.execute("SELECT MAX(seq) FROM records").fetchone()[0]
    con.commit()
    con.close()


def redis_cpu_s(url: str) -> float:
    """redis-server's CPU time so far (user + sys, INFO cpu)."""
    info = redis.Redis.from_url(url).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def throughput(journal: Path, url: str, account: str, batch: int = 2000) -> dict[str, float]:
    """Mirror a whole journal file the sidecar's way into a new stream; records/s and CPU µs per record."""
    mirror = RedisMirror(url, account, 20250102)
    reader = mirror.tail(journal, after_seq=mirror.resume_seq())
    redis_cpu0, cpu0, t0 = redis_cpu_s(url), time.process_time(), time.perf_counter()
    n = 0
    while True:  # as the sidecar does: read the next batch while Redis applies the last
        rows = reader.poll(limit=batch)
        n += mirror.collect()
        if rows is None:
            break
        mirror.send(rows)
    dt, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    redis_cpu = redis_cpu_s(url) - redis_cpu0
    mirror.close()
    reader.close()
    return {"records": n, "seconds": round(dt, 3), "records_per_s": round(n / dt),
            "mirror_cpu_us_per_record": round(cpu / n * 1e6, 2),
            "redis_cpu_us_per_record": round(redis_cpu / n * 1e6, 2)}


def provenance(url: str) -> str:
    """Return what the figures were taken on: host, load, versions, commit."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "?"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"host: {os.cpu_count()} x {cpu}, load average {load}; redis-server "
            f"{redis.Redis.from_url(url).info('server')['redis_version']}, SQLite {sqlite3.sqlite_version}, "
            f"Python {sys.version.split()[0]}, commit {commit}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + sys) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mirrored_count(journal_dir: Path, url: str, timeout: float = 5.0) -> tuple[int, int]:
    """Return (records in the round's journal, records in its stream) once the sidecar caught up."""
    path = next(journal_dir.glob("*.journal.sqlite"))
    account, _ = journal_identity(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    journaled = int(con.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0])
    con.close()
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while (mirrored := int(client.xlen(stream_key(account)))) < journaled and time.monotonic() < deadline:
        time.sleep(0.05)
    return journaled, mirrored


def latency_round(work: Path, name: str, url: str, seconds: float, mirror: bool) -> dict[str, Any]:
    """One probe-engine run, with the sidecar following its journal when `mirror`; percentiles and more."""
    gc.collect()  # the last run's engine (and its journal file) must be gone: the sidecar follows the
    if find_journal(os.getpid()) is not None:  # journal its engine pid (this process) holds open
        raise SystemExit(f"a journal is still open before run {name}: {find_journal(os.getpid())}")
    journal_dir = work / name
    side = None
    if mirror:
        cfg = sidecar_config(work, str(journal_dir), url)
        side = subprocess.Popen([sys.executable, "-m", "shandian.sidecar", "--engine-pid", str(os.getpid()),
                                 "--config", str(cfg)], stderr=subprocess.DEVNULL)
    time.sleep(3.0)  # (both arms) the sidecar's start-up is not what is measured: it waits for the journal
    try:
        cpu0 = cpu_seconds(side.pid) if side else 0.0
        run = {"mirror": mirror, **one_run(str(journal_dir), seconds)}
        if side is not None:
            journaled, mirrored = mirrored_count(journal_dir, url)
            run.update(sidecar_cpu_s=round(cpu_seconds(side.pid) - cpu0, 3), journaled=journaled,
                       mirrored=mirrored)
        return run
    finally:
        if side is not None:
            side.terminate()
            side.wait(timeout=10)


def sidecar_config(directory: Path, journal_dir: str, url: str) -> Path:
    """Write the run config the sidecar reads: the bench engine's journal directory and [mirror]."""
    cfg = directory / "mirror-bench.toml"
    cfg.write_text(f'[account]\npreset = "local"\n[front]\nname = "journal-bench"\n'
                   f'[journal]\ndir = "{journal_dir}"\n[mirror]\nredis = "{url}"\n')
    return cfg


def main() -> int:
    """Throughput, then alternating mirror off/on latency rounds."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--passes", type=int, default=3, help="throughput passes (each into a new stream)")
    p.add_argument("--control", action="store_true",
                   help="A/A control: the 'on' arm runs without the sidecar too (the ratios show the noise)")
    p.add_argument("--quick", action="store_true", help="50k records, 1 round of 4 s")
    args = p.parse_args()
    if args.quick:
        args.records, args.rounds, args.seconds = 50_000, 1, 4.0
    with tempfile.TemporaryDirectory(prefix="shandian-mirror-bench-") as d:
        work = Path(d)
        redis, url = start_redis(work)
        try:
            seed_dir = work / "seed"
            one_run(str(seed_dir), 3.0)
            source = next(seed_dir.glob("*.journal.sqlite"))
            big = work / "bench-20250102.journal.sqlite"
            synthetic_journal(source, big, args.records)
            print(provenance(url))
            passes = [throughput(big, url, f"bench{i}") for i in range(args.passes)]
            for tp in passes:
                print(json.dumps({"throughput": True, **tp}))
            rates = sorted(tp["records_per_s"] for tp in passes)
            print(f"mirror throughput ({args.records} records -> local Redis, {args.passes} passes): "
                  f"min {rates[0]} / median {rates[len(rates) // 2]} / max {rates[-1]} records/s")
            cpu = sorted(tp["mirror_cpu_us_per_record"] + tp["redis_cpu_us_per_record"] for tp in passes)
            print(f"CPU per record (mirror process + redis-server), median of the passes: "
                  f"{cpu[len(cpu) // 2]:.2f} µs = {1e6 / cpu[len(cpu) // 2]:.0f} records per CPU-second "
                  f"(the rate's bound when the two processes share one core)")
            runs = []  # (off, on) per round; odd rounds run "on" first, so an order effect cancels out
            for i in range(args.rounds):
                arms = [False, True] if i % 2 == 0 else [True, False]
                pair = {on: latency_round(work, f"{'on' if on else 'off'}{i}", url, args.seconds,
                                          on and not args.control) for on in arms}
                runs += [pair[False], pair[True]]
            for r in runs:
                print(json.dumps(r))
            behind = [i for i, r in enumerate(runs[1::2]) if r.get("mirrored") != r.get("journaled")]
            if args.control:
                print("A/A control: no sidecar in either arm, the ratios below are the host's noise")
            elif not behind:
                print("sidecar: every journal record of the 'on' rounds reached the stream")
            else:
                print(f"WARNING: the sidecar did not mirror all of 'on' round(s) {behind}: not mirror-on")
            for pct in ("p99_us", "p50_us"):
                ratios = sorted(on[pct] / off[pct] for off, on in zip(runs[0::2], runs[1::2], strict=True))
                print(f"tick→agent {pct[:3]} ratio mirror on/off (paired, median): "
                      f"{ratios[len(ratios) // 2]:.3f} (sorted pairs: {[round(x, 2) for x in ratios]})")
        finally:
            redis.kill()
            redis.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
