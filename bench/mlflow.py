"""bench/mlflow: MLflow's runs/search against `fleetml serve`, over the nested runs of one 100,000-device session.

1. First page: 1,000 nested runs (`tags.mlflow.parentRunId = '<session>'`), repeated after a warm-up; target under 200 ms.
2. The same page deep in the session (its last thousand), and ordered by `metrics.mse DESC`, and filtered on a metric.
3. Paging through all of them with next_page_token, 1,000 a page: every run once.
4. One page of 50,000 (MLflow's cap).
Times are wall clock from this client (Python's http.client on the same machine), response read whole and parsed.
The store is bench/serve's (`serve-linear-<tag>` in the work directory), made by the same code when missing.
"""
import argparse, http.client, json, os, statistics, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402  the store and the server, as bench/serve makes them

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def say(what):
    print(f"bench/mlflow: {what}", file=sys.stderr, flush=True)


def search(conn, body):
    start = time.perf_counter()
    conn.request("POST", "/api/2.0/mlflow/runs/search", json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    took = (time.perf_counter() - start) * 1e3
    if r.status != 200:
        sys.exit(f"bench/mlflow: runs/search {body} answered {r.status}: {data[:500]!r}")
    return took, json.loads(data), len(data)


def timed(conn, body, repeats, warmups=20):
    for _ in range(warmups):
        search(conn, body)  # warm-up: the JIT and SQLite's page cache
    times = []
    for _ in range(repeats):
        took, page, size = search(conn, body)
        times.append(took)
    times.sort()
    return dict(median=statistics.median(times), p90=times[int(0.9 * (len(times) - 1))], max=times[-1],
                runs=len(page.get("runs", [])), bytes=size)


def main():
    ap = argparse.ArgumentParser(description="fleetml serve's MLflow API benchmark")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the harness")
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out"), help="work directory")
    ap.add_argument("--repeats", type=int, default=30)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)
    tag = "quick" if a.quick else "full"
    devices = 2_000 if a.quick else 100_000
    store, data = f"serve-linear-{tag}", f"fleet-{tag}.parquet"
    serve.fleet(store, data, devices, 100, "linear", "bench")
    server = serve.Server(store, 512)
    lines = [f"# fleetml serve, MLflow API, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    try:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
        conn.request("GET", "/api/2.0/mlflow/experiments/search")
        experiments = [e["experiment_id"] for e in json.loads(conn.getresponse().read())["experiments"]]
        _, first, _ = search(conn, {"experiment_ids": experiments, "max_results": 1})
        session = first["runs"][0]["info"]["run_id"]
        n = int(next(m["value"] for m in first["runs"][0]["data"]["metrics"] if m["key"] == "devices"))
        say(f"session {session}: {n:,} devices")
        nested = {"experiment_ids": experiments, "filter": f"tags.mlflow.parentRunId = '{session}'", "max_results": 1000}
        results = {}
        results["first page of 1,000"] = timed(conn, nested, a.repeats)
        everything, token, pages, start = set(), None, 0, time.perf_counter()
        while True:
            body = dict(nested, **({"page_token": token} if token else {}))
            _, page, _ = search(conn, body)
            pages += 1
            for r in page.get("runs", []):
                everything.add(r["info"]["run_id"])
            if "next_page_token" not in page:
                break
            token = page["next_page_token"]
        all_seconds = time.perf_counter() - start
        if len(everything) != n:
            sys.exit(f"bench/mlflow: paging found {len(everything):,} distinct runs, not {n:,}")
        deep = dict(nested, **({"page_token": token} if token else {}))  # the token the last page was fetched with
        results["last page (deep offset)"] = timed(conn, deep, a.repeats)
        results["ordered by metrics.mse DESC"] = timed(conn, dict(nested, order_by=["metrics.mse DESC"]), a.repeats)
        results["filtered metrics.r2 < 0.5"] = timed(conn, dict(nested, filter=nested["filter"] + " and metrics.r2 < 0.5"), a.repeats)
        results["one page of 50,000"] = timed(conn, dict(nested, max_results=50_000), max(3, a.repeats // 10), warmups=1)
        lines.append(f"runs/search over the nested runs of session {session} ({n:,} devices), {a.repeats} requests each after 20 warm-ups (1 for the 50,000 page):")
        lines.append("")
        lines.append("| request | runs | median ms | p90 ms | max ms | response bytes |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r in results.items():
            lines.append(f"| {name} | {r['runs']:,} | {r['median']:.1f} | {r['p90']:.1f} | {r['max']:.1f} | {r['bytes']:,} |")
        lines.append("")
        lines.append(f"Paging through all of them, 1,000 a page: {pages} pages, {len(everything):,} distinct runs, {all_seconds:.1f} s.")
    finally:
        server.stop()
    report = "\n".join(lines) + "\n"
    with open(f"mlflow-{tag}.md", "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
