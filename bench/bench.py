#!/usr/bin/env python3
"""The project's benchmark: our export against what a user would pick instead, on the bundled
XAPI emulator, every figure from this one run.

Peers, measured in turns (ours, curl, node, python, then again), RUNS times each:
  ours    nodehost exec, Download Chat History with Return All, records to /dev/null
  curl    the floor: curl fetching the very pages ours asked for, over one connection
  node    a Node.js script with fetch, parsing each page and writing JSON Lines
  python  the same with urllib and json
CPU is perf stat's task-clock (user + system, every thread and child), wall is the median of
the runs, peak RSS is GNU time's maximum resident set. Both tools wrap the command, so each
figure includes a millisecond or so of theirs; that is the same for every peer.

Scenarios: an export with and without gzip; many small requests (items each asking $top=1);
an export of a million chats (ours alone); paging at 20 ms of latency per request at
concurrency 1, 2, 4 and 8. Each runs on both shapes of answer: raw UTF-8 (the emulator's
default) and escaped, as a real 3CX's OData writer sends it (every non-ASCII character as
\\uXXXX: the emulator's --escape-non-ascii). A table puts both shapes' ratios side by side,
and perf record profiles ours on the escaped export without compression.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPE = "threecx.downloadChatHistory"
# The two shapes of answer: name, the emulator's flags.
SHAPES = {"raw": [], "escaped": ["--escape-non-ascii"]}


class Emulator:
    def __init__(self, build, work, chats, *extra):
        self.port_file = work / "port"
        self.port_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [str(build / "tests/emulator/xapi-emulator"), "--port", "0", "--port-file", str(self.port_file),
             "--chats", str(chats), "--data-end", "2026-01-01T00:00:00Z", *extra],
            stdout=subprocess.DEVNULL)
        for _ in range(600):
            if self.port_file.exists() and self.port_file.read_text().strip():
                break
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port_file.read_text().strip()}"

    def admin(self, path, body=None):
        request = urllib.request.Request(self.base + path, data=body, method="POST" if body is not None else "GET")
        with urllib.request.urlopen(request) as answer:
            return answer.read().decode()

    def counters(self):
        return json.loads(self.admin("/admin/counters"))

    def token(self):
        form = b"grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
        with urllib.request.urlopen(self.base + "/connect/token", data=form) as answer:
            return json.load(answer)["access_token"]

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait()


def measure(command, work, env=None, stdin=None, stdout=subprocess.DEVNULL):
    """Runs `command` once under perf stat and GNU time: wall s, CPU ms, peak RSS MiB."""
    perf_out, rss_out = work / "perf.csv", work / "rss.txt"
    wrapped = ["perf", "stat", "-x,", "-e", "task-clock", "-o", str(perf_out), "--",
               "/usr/bin/time", "-f", "%M", "-o", str(rss_out), *command]
    started = time.monotonic()
    subprocess.run(wrapped, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, check=True)
    wall = time.monotonic() - started
    cpu = next(float(line.split(",")[0]) for line in perf_out.read_text().splitlines() if "task-clock" in line)
    rss = int(rss_out.read_text().split()[-1]) / 1024
    return {"wall": wall, "cpu": cpu, "rss": rss}


def median(runs, key):
    return statistics.median(r[key] for r in runs)


class Bench:
    def __init__(self, args):
        self.build = Path(args.build).resolve()
        self.runs = args.runs
        self.work = Path(tempfile.mkdtemp(prefix="wfnode-bench-", dir=os.environ.get("TMPDIR")))
        self.nodehost = str(self.build / "nodehost/nodehost")
        self.plugin = str(self.build / "nodes/libthreecx_wfnode.so")
        self.tables = []
        self.side_by_side = {}  # (scenario, shape) -> (ours CPU ms, curl CPU ms or None, MB of JSON)
        self.profile_shape = args.profile
        # Our token cache lives under XDG_CACHE_HOME: a folder of the bench's own.
        self.env = dict(os.environ, XDG_CACHE_HOME=str(self.work / "cache"))

    def write_secret_file(self, name, text):
        path = self.work / name
        path.touch(mode=0o600)
        path.write_text(text)
        return path

    def credentials(self, emulator):
        return self.write_secret_file("credentials.json", json.dumps(
            {"baseUrl": emulator.base, "clientId": "demo-client", "apiKey": "demo-secret"}))

    def ours(self, emulator, params, items=None):
        creds = self.credentials(emulator)
        command = [self.nodehost, "exec", self.plugin, TYPE, "--params", json.dumps(params), "--credentials", f"@{creds}"]
        if items:
            command += ["--input", str(items)]
        return command

    def curl_config(self, emulator, paths, gzip):
        lines = [f'header = "Authorization: Bearer {emulator.token()}"', 'header = "Accept: application/json"', "silent",
                 "fail"]
        if gzip:
            lines += ["compressed", 'header = "Accept-Encoding: gzip"']
        lines += [f'url = "{emulator.base}{p}"' for p in paths]
        return self.write_secret_file("curl.cfg", "\n".join(lines) + "\n")

    def count_lines(self, command, env=None):
        result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        return result.stdout.count(b"\n")

    # --- scenarios -------------------------------------------------------------------------

    def export(self, chats, gzip, shape):
        compression = 'gzip' if gzip else 'no compression'
        label = f"{chats:,} chats, 1,000 per page, {compression}, {shape}"
        print(f"bench: export, {label}", flush=True)
        extra = ([] if gzip else ["--no-compression"]) + SHAPES[shape]
        with Emulator(self.build, self.work, chats, *extra) as emu:
            params = {"clientTimeZone": "Etc/UTC", "options": {"returnAll": True, "pageSize": 1000}}
            before = emu.counters()["requests"]
            got = self.count_lines(self.ours(emu, params), self.env)
            asked = emu.counters()["requests"] - before
            targets = emu.admin("/admin/requests").splitlines()[-asked:]
            paths = [t.split(" ", 1)[1] for t in targets if t.startswith("GET /xapi/v1/ChatHistoryView")]
            page_list = self.work / "pages.txt"
            page_list.write_text("\n".join(paths) + "\n")
            peer_env = dict(self.env, BENCH_CREDENTIALS=str(self.credentials(emu)), BENCH_GZIP="1" if gzip else "0")
            parallel = {"clientTimeZone": "Etc/UTC", "options": {"returnAll": True, "pageSize": 1000, "concurrency": 2}}
            peers = {
                "ours (nodehost exec)": lambda: self.ours(emu, params),
                "ours, concurrency 2": lambda: self.ours(emu, parallel),
                "curl (the floor)": lambda: ["curl", "-K", str(self.curl_config(emu, paths, gzip))],
                "Node.js fetch": lambda: ["node", str(ROOT / "bench/peers/export.mjs"), str(page_list)],
                "Python urllib": lambda: [sys.executable, str(ROOT / "bench/peers/export.py"), str(page_list)],
            }
            counts = {name: self.count_lines(make(), peer_env) for name, make in peers.items()}
            json_bytes = len(subprocess.run(peers["curl (the floor)"](), stdout=subprocess.PIPE, check=True).stdout)
            if not gzip:
                self.page_scan(emu, params, shape)
                if shape == self.profile_shape:
                    self.profile(emu, params, label)
            counts["ours (nodehost exec)"] = got  # the peers fetch ours' pages, so count ours' own output
            results = {name: [] for name in peers}
            for _ in range(self.runs):
                for name, make in peers.items():
                    results[name].append(measure(make(), self.work, env=peer_env))
        floor = results["curl (the floor)"]
        rows = []
        for name, runs in results.items():
            records = "" if name.startswith("curl") else f"{counts[name]:,}"
            rows.append([name, records, f"{median(runs, 'wall'):.3f}", f"{median(runs, 'cpu'):.0f}",
                         f"{median(runs, 'rss'):.1f}", f"{median(runs, 'wall') / median(floor, 'wall'):.2f}x",
                         f"{median(runs, 'cpu') / median(floor, 'cpu'):.2f}x"])
        self.table(f"Export: {label} ({len(paths)} pages, {json_bytes / 1e6:.1f} MB of JSON)",
                   ["peer", "records", "wall s", "CPU ms", "peak RSS MiB", "wall / curl", "CPU / curl"], rows)
        self.side_by_side[(f"export, {chats:,} chats, {compression}", shape)] = (
            median(results["ours (nodehost exec)"], "cpu"), median(floor, "cpu"), json_bytes / 1e6,
            median(results["ours (nodehost exec)"], "rss"))

    def page_scan(self, emulator, params, shape):
        """The page scan alone: RapidJSON against simdjson on the records of this export."""
        records = self.work / "records.jsonl"
        with open(records, "wb") as out:
            subprocess.run(self.ours(emulator, params), env=self.env, stdout=out, check=True)
        result = subprocess.run([str(self.build / "bench/page_scan"), str(records)], stdout=subprocess.PIPE, text=True,
                                check=True)
        self.tables.append(f"### The page scan alone, {shape} (in one process, no network)\n\n" + result.stdout)
        print(self.tables[-1], flush=True)
        records.unlink()

    def profile(self, emulator, params, label):
        """perf record of ours on this export: where its CPU goes, by function."""
        data = self.work / "perf.data"
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4999", "-o", str(data), "--",
                        *self.ours(emulator, params)], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso,symbol",
                                 "--percent-limit", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                check=True).stdout
        rows = []
        for line in report.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0].endswith("%") and not line.startswith("#"):
                where = parts[2].split("] ", 1)[-1].strip()
                rows.append([parts[0], parts[1], where[:90]])
        self.table(f"Profile of ours: export, {label} (perf record, cpu-clock, share of samples)",
                   ["share", "object", "function"], rows)
        data.unlink()

    def small_requests(self, items, shape):
        print(f"bench: {items:,} items each asking $top=1, {shape}", flush=True)
        with Emulator(self.build, self.work, 10_000, "--no-compression", *SHAPES[shape]) as emu:
            item_file = self.work / "items.jsonl"
            item_file.write_text("{}\n" * items)
            params = {"clientTimeZone": "Etc/UTC", "options": {"top": 1}}
            path = "/xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=%27Etc%2FUTC%27)?$top=1"
            ours, floor, seen = [], [], []
            for _ in range(self.runs):
                subprocess.run(["rm", "-rf", str(self.work / "cache")], check=True)  # each run takes its own token
                before = emu.counters()
                ours.append(measure(self.ours(emu, params, item_file), self.work, env=self.env))
                after = emu.counters()
                seen.append((after["requests"] - before["requests"], after["tokenRequests"] - before["tokenRequests"],
                             after["connections"] - before["connections"]))
                floor.append(measure(["curl", "-K", str(self.curl_config(emu, [path] * items, False))], self.work))
        requests, tokens, connections = max(seen)
        self.side_by_side[(f"{items:,} requests of $top=1", shape)] = (median(ours, "cpu"), median(floor, "cpu"), None,
                                                                       median(ours, "rss"))
        self.table(f"{items:,} input items, each one request with $top=1, {shape}",
                   ["peer", "wall s", "CPU ms", "peak RSS MiB", "wall / curl", "requests", "token requests", "new connections"],
                   [["ours (nodehost exec)", f"{median(ours, 'wall'):.3f}", f"{median(ours, 'cpu'):.0f}",
                     f"{median(ours, 'rss'):.1f}", f"{median(ours, 'wall') / median(floor, 'wall'):.2f}x",
                     f"{requests:,}", str(tokens), str(connections)],
                    ["curl (one connection)", f"{median(floor, 'wall'):.3f}", f"{median(floor, 'cpu'):.0f}",
                     f"{median(floor, 'rss'):.1f}", "1.00x", f"{items:,}", "", ""]])

    def million(self, chats, shape):
        print(f"bench: export of {chats:,} chats, ours alone, {shape}", flush=True)
        with Emulator(self.build, self.work, chats, "--no-compression", *SHAPES[shape]) as emu:
            params = {"clientTimeZone": "Etc/UTC", "options": {"returnAll": True, "pageSize": 1000}}
            got = self.count_lines(self.ours(emu, params), self.env)
            runs = [measure(self.ours(emu, params), self.work, env=self.env) for _ in range(max(1, self.runs // 2))]
        self.side_by_side[(f"export, {chats:,} chats, no compression, ours alone", shape)] = (
            median(runs, "cpu"), None, None, median(runs, "rss"))
        self.table(f"Export of {chats:,} chats, ours alone (no compression), {shape}",
                   ["peer", "records", "wall s", "CPU ms", "peak RSS MiB"],
                   [["ours (nodehost exec)", f"{got:,}", f"{median(runs, 'wall'):.3f}", f"{median(runs, 'cpu'):.0f}",
                     f"{median(runs, 'rss'):.1f}"]])

    def latency(self, chats, latency_ms, shape):
        print(f"bench: {latency_ms} ms per request, concurrency 1 2 4 8, {shape}", flush=True)
        rows, outputs = [], {}
        with Emulator(self.build, self.work, chats, "--no-compression", "--latency-ms", str(latency_ms),
                      *SHAPES[shape]) as emu:
            for concurrency in (1, 2, 4, 8):
                params = {"clientTimeZone": "Etc/UTC",
                          "options": {"returnAll": True, "pageSize": 1000, "concurrency": concurrency}}
                result = subprocess.run(self.ours(emu, params), env=self.env, stdout=subprocess.PIPE, check=True)
                outputs[concurrency] = result.stdout
                runs = [measure(self.ours(emu, params), self.work, env=self.env) for _ in range(self.runs)]
                records = result.stdout.count(b"\n")
                rows.append([str(concurrency), f"{records:,}", f"{median(runs, 'wall'):.3f}",
                             f"{median(runs, 'cpu'):.0f}", f"{median(runs, 'rss'):.1f}"])
        base = float(rows[0][2])
        for row in rows:
            row.append(f"{base / float(row[2]):.2f}x")
            row.append("yes" if outputs[int(row[0])] == outputs[1] else "NO")
        for row in rows:
            self.side_by_side[(f"Return All of {chats:,} chats at {latency_ms} ms, concurrency {row[0]}", shape)] = (
                float(row[3]), None, None, float(row[4]))
        self.table(f"Return All of {chats:,} chats at {latency_ms} ms per request, {shape}",
                   ["concurrency", "records", "wall s", "CPU ms", "peak RSS MiB", "speed-up", "same records, same order"],
                   rows)

    # --- output ----------------------------------------------------------------------------

    def both_shapes(self):
        """Every scenario's CPU on both shapes, and ratios against curl's on the same pages."""
        def cells(key):
            if key not in self.side_by_side:
                return ["", "", "", ""]
            ours, curl, mb, rss = self.side_by_side[key]
            return [f"{ours:.0f}", "" if curl is None else f"{curl:.0f}", "" if curl is None else f"{ours / curl:.2f}x",
                    f"{rss:.1f}"]
        scenarios = list(dict.fromkeys(scenario for scenario, _ in self.side_by_side))
        rows = [[scenario, *cells((scenario, "raw")), *cells((scenario, "escaped"))] for scenario in scenarios]
        text_rows = self.tables
        self.tables = []
        self.table("Both shapes side by side (CPU ms; ratio against curl on the same pages, same run)",
                   ["scenario", "raw: ours", "raw: curl", "raw: ratio", "raw: RSS MiB", "escaped: ours", "escaped: curl",
                    "escaped: ratio", "escaped: RSS MiB"], rows)
        self.tables = self.tables + text_rows

    def table(self, title, header, rows):
        text = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        text += ["| " + " | ".join(row) + " |" for row in rows]
        self.tables.append("\n".join(text) + "\n")
        print(self.tables[-1], flush=True)

    def report(self, path):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), platform.processor())
        head = [f"Run of {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node()}: {cpu}, {os.cpu_count()} cores, "
                f"Linux {platform.release()}; {self.runs} runs each, medians.",
                "", "Versions: " + "; ".join(self.versions()), ""]
        path.write_text("\n".join(head) + "\n" + "\n".join(self.tables))
        print(f"bench: tables written to {path}")

    def versions(self):
        def first_line(command):
            try:
                out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
                return out.splitlines()[0].strip()
            except OSError:
                return "absent"
        return [first_line(["curl", "--version"]).split(" (")[0], "node " + first_line(["node", "--version"]),
                "Python " + platform.python_version()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build/release"), help="a build folder with the programs")
    parser.add_argument("--runs", type=int, default=5, help="runs of each peer in each scenario")
    parser.add_argument("--chats", type=int, default=200_000, help="chats in the export scenarios")
    parser.add_argument("--million", type=int, default=1_000_000, help="chats in the large export")
    parser.add_argument("--items", type=int, default=2_000, help="items in the small-requests scenario")
    parser.add_argument("--only", choices=["export", "small", "million", "latency"], action="append",
                        help="run only these scenarios (repeatable)")
    parser.add_argument("--shape", choices=list(SHAPES), action="append",
                        help="answers raw (UTF-8) or escaped (as OData's writer sends them); default both")
    parser.add_argument("--profile", choices=list(SHAPES) + ["none"], default="escaped",
                        help="the shape whose export without compression perf record profiles")
    parser.add_argument("--out", default=str(ROOT / "build/bench/results.md"), help="where the tables go")
    args = parser.parse_args()
    bench = Bench(args)
    only = set(args.only or ["export", "small", "million", "latency"])
    for shape in args.shape or list(SHAPES):
        if "export" in only:
            bench.export(args.chats, gzip=False, shape=shape)
            bench.export(args.chats, gzip=True, shape=shape)
        if "small" in only:
            bench.small_requests(args.items, shape)
        if "million" in only:
            bench.million(args.million, shape)
        if "latency" in only:
            bench.latency(50_000, 20, shape)
    bench.both_shapes()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bench.report(out)


if __name__ == "__main__":
    main()
