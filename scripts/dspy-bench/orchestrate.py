"""Runs each method against one `whet serve` on loopback and reports held-out accuracy, LM calls counted at
the server and wall time side by side. A counting proxy sits in front of the server: every request that
reaches the server passes through it, so DSPy's own caching or retries cannot hide or inflate a call.
Standard library only (it runs under the system Python; DSPy runs in its own virtualenv)."""
import argparse
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNING = []  # the phase process in flight, stopped with its whole group if we are interrupted


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = 0
        self.by_path = {}

    def add(self, path):
        with self.lock:
            if path.startswith("/v1/chat/completions") or path.startswith("/v1/completions"):
                self.calls += 1
            self.by_path[path] = self.by_path.get(path, 0) + 1

    def snapshot(self):
        with self.lock:
            return self.calls


def start_proxy(upstream_port, counter):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self, method):
            body = None
            if "Content-Length" in self.headers:
                body = self.rfile.read(int(self.headers["Content-Length"]))
            counter.add(self.path)
            conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=900)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            try:
                conn.request(method, self.path, body=body, headers=headers)
                reply = conn.getresponse()
                data = reply.read()
                self.send_response(reply.status)
                for k, v in reply.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except Exception as error:
                message = json.dumps({"error": {"message": f"proxy: {error}"}}).encode()
                self.send_response(502)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message)
            finally:
                conn.close()

        def do_GET(self):
            self.forward("GET")

        def do_POST(self):
            self.forward("POST")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_ready(url, seconds, process):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"whet serve exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"whet serve not ready at {url} after {seconds} s")


def run_dspy(method, args, base, counter):
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    cache = tempfile.mkdtemp(prefix="dspy-cache-")  # a cold cache: every call of this run reaches the server
    env = dict(os.environ, DSPY_CACHEDIR=cache, LITELLM_LOG="ERROR")
    command = [args.dspy_python, os.path.join(HERE, "dspy_phase.py"), "--method", method, "--base", base,
               "--model-id", args.model_id, "--task", args.task, "--threads", str(args.threads),
               "--seed", str(args.seed), "--out", out]
    before, started = counter.snapshot(), time.time()
    log = open(os.path.join(tempfile.gettempdir(), f"bench-dspy-{method}.log"), "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    RUNNING.append(process)
    try:
        process.wait(timeout=args.max_minutes * 60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    RUNNING.remove(process)  # only once it has ended: an interrupt leaves it for main() to stop
    seconds, calls = time.time() - started, counter.snapshot() - before
    result = {"method": method, "seconds": round(seconds, 1), "calls": calls, "log": log.name}
    if os.path.exists(out) and os.path.getsize(out) > 0:
        result.update(json.load(open(out)))
    elif process.returncode == -signal.SIGKILL:
        result.update(status="timeout", error=f"killed after {args.max_minutes} minutes")
    else:
        tail = open(log.name).read()[-1500:]
        result.update(status="crash", error=f"exit {process.returncode}: {tail}")
    result["calls"], result["seconds"] = calls, round(seconds, 1)
    return result


def run_whet_optimize(args, base, counter):
    """The slot for `whet optimize`, run against the same server and counted by the same proxy."""
    probe = subprocess.run([args.whet, "optimize", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "not landed" in (probe.stdout + probe.stderr).lower():
        return {"method": "whet_optimize", "status": "not available",
                "error": "this whet binary has no optimize command yet"}
    spec = f"{base}#{args.model_id}"
    db = tempfile.mkdtemp(prefix="bench-dspy-whet-") + "/lineage.sqlite"
    command = [args.whet, "optimize", args.task, "--model", spec, "--seed", str(args.seed), "--json", "--db", db,
               "--no-export"]  # a benchmark writes nothing into the checkout's prompts/
    if args.whet_budget_calls:
        command += ["--budget-calls", str(args.whet_budget_calls)]
    before, started = counter.snapshot(), time.time()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.max_minutes * 60)
    except subprocess.TimeoutExpired:
        return {"method": "whet_optimize", "status": "timeout", "calls": counter.snapshot() - before,
                "seconds": round(time.time() - started, 1)}
    result = {"method": "whet_optimize", "calls": counter.snapshot() - before,
              "seconds": round(time.time() - started, 1)}
    if done.returncode != 0:
        result.update(status="crash", error=f"exit {done.returncode}: {done.stderr[-1500:]}")
        return result
    report = json.loads(done.stdout)
    best = report.get("best", {})
    result.update(status="ok", test=best.get("test"), dev=best.get("dev"), seed=report.get("seed"),
                  instruction=best.get("prompt"), operator=best.get("operator"),
                  whet_reported_calls=report.get("calls"))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--whet", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--dspy-python", required=True)
    ap.add_argument("--task", default="tasks/sentiment.yaml")
    ap.add_argument("--methods", default="zero_shot,bfrs,mipro_light,whet_optimize")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=45)
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--model-id", default="smol")
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--whet-budget-calls", type=int, help="whet optimize's --budget-calls (default: the task's budget)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on kill

    server_log = open(os.path.join(tempfile.gettempdir(), "bench-dspy-serve.log"), "w")
    server = subprocess.Popen([args.whet, "serve", "--port", str(args.port), "--model", args.model,
                               "--model-id", args.model_id, "--no-auth",
                               "--db", os.path.join(tempfile.mkdtemp(prefix="bench-dspy-"), "serve.sqlite")],
                              stdout=server_log, stderr=subprocess.STDOUT)
    proxy = None
    try:
        wait_ready(f"http://127.0.0.1:{args.port}/health", 120, server)
        counter = Counter()
        proxy = start_proxy(args.port, counter)
        base = f"http://127.0.0.1:{proxy.server_address[1]}/v1"
        results = []
        for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
            print(f"== {method}", file=sys.stderr, flush=True)
            r = run_whet_optimize(args, base, counter) if method == "whet_optimize" else run_dspy(method, args, base, counter)
            results.append(r)
            print(json.dumps({k: v for k, v in r.items() if k not in ("traceback",)}), file=sys.stderr, flush=True)
        print(f"{'method':<16} {'status':<14} {'test acc':>9} {'95% interval':>14} {'n':>4} {'calls':>7} {'seconds':>8}")
        for r in results:
            t = r.get("test") or {}
            acc = f"{t['mean']:.3f}" if "mean" in t else "-"
            interval = f"[{t['low']:.2f}, {t['high']:.2f}]" if "low" in t else "-"
            print(f"{r['method']:<16} {r.get('status', '?'):<14} {acc:>9} {interval:>14} {t.get('n', '-'):>4} "
                  f"{r.get('calls', '-'):>7} {r.get('seconds', '-'):>8}")
            if r.get("status") not in ("ok",):
                print(f"    {r.get('status')}: {str(r.get('error', ''))[:300]}")
        if args.json_out:
            json.dump(results, open(args.json_out, "w"), indent=1)
    finally:
        for process in list(RUNNING):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proxy:
            proxy.shutdown()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
