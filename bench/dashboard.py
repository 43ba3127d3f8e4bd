"""bench/dashboard: the web dashboard of `fleetml serve` on a big store, measured on this machine (issue #14).

The store (made once with fleetml itself, kept in the work directory and reused): one session of 1,000,000
linear devices of 20 rows, then two sessions of 100,000 of the same devices with 12 to 60 rows each: A, where some
devices have too few rows and fail, and B, retrained on A's data with a few hundred devices made worse (noise added to their labels),
some devices lost and some added. The session page measured is A's. --quick: the same shape at a tenth.

1. API: every call the session page makes, and the compare and device pages' calls (reported apart), each timed
   by this client (http.client, one keep-alive connection, request sent to body read): the first call on a fresh
   server (cold), then the median and max of --repeat more (warm). Target: the session page's under 200 ms.
   The same session-page calls on the million-device session are reported too.
2. Browser: headless Chromium loads /#/session/A; the time is the page's own, from navigation start to the moment
   every chart on the page has drawn (window.fleetmlTimings' `ready`, performance.now() inside the page), with
   the page's API calls as the browser timed them (Resource Timing). Cold loads start a new browser with a new
   profile; warm loads reload the page in a browser that has loaded it. Target: under 2 s. A screenshot is kept.
"""
import argparse, csv, http.client, json, os, random, re, select, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
import urllib.parse

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEETML = os.path.join(HERE, "fleetml")
SYNTH = ["--device-column", "device_id", "--features", "feature_1,feature_2,feature_3", "--label", "label"]
ROWS = 20           # rows per device of the big session: tiny devices, so that a million train in a minute or two
AB_ROWS = 60        # rows generated per device for sessions A and B, of which each device keeps 12 to 60 (spread evenly in log)
TARGET_API_MS = 200
TARGET_PAGE_MS = 2000


def say(what):
    print(f"bench/dashboard: {what}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"bench/dashboard: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


# ---------------------------------------------------------------------------------------------------------------- store

def keep(device):
    """How many of its rows a device of sessions A and B keeps: 12 to 60, spread evenly in log over the devices."""
    return int(12 * 5 ** (((device * 2654435761) % 1000) / 1000))


def sessions_of_a_and_b(base, a_path, b_path, devices, worse, seed=42):
    """From the generated CSV `base` (devices 0..devices-1, AB_ROWS rows each) writes A's and B's training data.
    A: each device keeps between 12 and 60 of its rows (so that the scatter of training rows has a spread), and one
    device in 200 keeps 5 (fails: fewer usable rows than --min-rows 10).
    B: A's rows, except `worse` random devices whose labels get noise (sd 3, against the fleet's 0.3), the devices
    whose id ends in 999 lost, and devices/1000 new ones added (a copy of other devices' rows under new ids)."""
    rnd = random.Random(seed)
    made_worse = set(rnd.sample([d for d in range(devices) if d % 200 != 7 and d % 1000 != 999], worse))
    added = {devices + i: i for i in range(devices // 1000)}  # new id -> the device whose rows it copies
    kept = {}
    with open(base, newline="") as f, open(a_path, "w", newline="") as fa, open(b_path, "w", newline="") as fb:
        r = csv.reader(f)
        header = next(r)
        wa, wb = csv.writer(fa), csv.writer(fb)
        wa.writerow(header)
        wb.writerow(header)
        copies = []
        for row in r:
            d = int(row[1])
            kept[d] = kept.get(d, 0) + 1
            if kept[d] > (5 if d % 200 == 7 else keep(d)):
                continue
            wa.writerow(row)
            if d % 1000 == 999:
                continue
            if d in made_worse:
                row = row[:5] + [repr(float(row[5]) + rnd.gauss(0, 3))]
            wb.writerow(row)
            if d < len(added):
                copies.append(row)
        for row in copies:
            wb.writerow([str(10**9 + int(row[0])), str(devices + int(row[1]))] + row[2:])
    return sorted(made_worse)


def make_store(store, tag, big, small, worse):
    """The store and its three sessions (made once: bench-sessions-v2.json in the store says which they are)."""
    marker = os.path.join(store, "bench-sessions-v2.json")  # v2: A and B with 12 to 60 rows a device
    if os.path.exists(marker):
        return json.load(open(marker))
    shutil.rmtree(store, ignore_errors=True)
    big_data, base = f"dash-big-{tag}.parquet", f"dash-small{AB_ROWS}-{tag}.csv"
    a_data, b_data = f"dash-a-{tag}.csv", f"dash-b-{tag}.csv"
    if not os.path.exists(big_data):
        say(f"generating {big:,} devices × {ROWS} rows")
        run([FLEETML, "generate", "--devices", str(big), "--rows-per-device", str(ROWS), "--out", big_data, "--seed", "42"])
    if not os.path.exists(base):
        run([FLEETML, "generate", "--devices", str(small), "--rows-per-device", str(AB_ROWS), "--out", base, "--seed", "42"])
    made_worse = sessions_of_a_and_b(base, a_data, b_data, small, worse)
    sessions = {}
    for key, data, experiment in (("big", big_data, "fleet-1m"), ("a", a_data, "pumps"), ("b", b_data, "pumps")):
        say(f"training session {key} ({data})")
        start = time.monotonic()
        out = run([FLEETML, "train", "--data", data] + SYNTH + ["--algorithm", "linear", "--min-rows", "10", "--store", store,
                                                               "--experiment", experiment])
        sessions[key] = re.search(r"session (\S+)", out).group(1)
        sessions[key + "_seconds"] = round(time.monotonic() - start, 1)
    sessions["made_worse"] = made_worse[:20]
    sessions["n_made_worse"] = len(made_worse)
    with open(marker, "w") as f:
        json.dump(sessions, f)
    return sessions


def check_store(store, s, big, small):
    """The store holds what it should: counted by SQLite itself, and listed by `fleetml sessions`."""
    with sqlite3.connect(f"file:{os.path.join(store, 'fleetml.db')}?mode=ro", uri=True) as db:
        distinct = db.execute("SELECT count(DISTINCT device_id) FROM device_runs").fetchone()[0]
        runs = db.execute("SELECT count(*) FROM device_runs").fetchone()[0]
        per = dict(db.execute("SELECT session_id, count(*) FROM device_runs GROUP BY session_id").fetchall())
        failed = db.execute("SELECT count(*) FROM device_runs WHERE session_id = ? AND status <> 'OK'", (s["a"],)).fetchone()[0]
    listing = run([FLEETML, "sessions", "--store", store])
    if distinct < big or per.get(s["big"]) != big or per.get(s["a"]) != small or s["a"] not in listing or s["b"] not in listing:
        sys.exit(f"bench/dashboard: the store does not hold the sessions it should ({distinct:,} devices, {per}):\n{listing}")
    return dict(distinct=distinct, runs=runs, per=per, failed_a=failed, listing=listing)


# --------------------------------------------------------------------------------------------------------------- server

class Server:
    """`fleetml serve --store DIR --port 0`, as bench/serve starts it; its log beside the store."""
    def __init__(self, store):
        self.log = open(f"{store}-serve.log", "w")  # not a pipe: a full pipe would stop the server
        self.p = subprocess.Popen([FLEETML, "serve", "--port", "0", "--store", store], stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.p.stdout], [], [], 120)
        line = self.p.stdout.readline() if ready else ""
        m = re.search(r"http://([\d.]+):(\d+)", line)
        if not m:
            self.p.kill()
            sys.exit(f"bench/dashboard: the server did not start within 2 minutes ({line.strip()}); see {self.log.name}")
        self.host, self.port = m.group(1), int(m.group(2))
        self.url = f"http://{self.host}:{self.port}"
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def get(self, path):
        """GET path on a keep-alive connection: (ms from sending the request to reading the whole body, status, body)."""
        start = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": "application/json"})
        r = self.conn.getresponse()
        body = r.read()
        return (time.perf_counter() - start) * 1e3, r.status, body

    def stop(self):
        self.conn.close()
        self.p.terminate()
        self.p.wait(60)
        self.log.close()


def calls(s, device_bad, device_ok):
    """The API calls to time, in groups: (group, label, path)."""
    q = urllib.parse.quote
    a, b, big = q(s["a"]), q(s["b"]), q(s["big"])
    page = lambda sid: [
        ("/api/v1/sessions", "/api/v1/sessions"),
        ("/sessions/{id}", f"/api/v1/sessions/{sid}"),
        ("/counts", f"/api/v1/sessions/{sid}/counts"),
        ("/histogram?metric=r2", f"/api/v1/sessions/{sid}/histogram?metric=r2&bins=30"),
        ("/histogram?metric=mse", f"/api/v1/sessions/{sid}/histogram?metric=mse&bins=30"),
        ("/scatter?metric=r2", f"/api/v1/sessions/{sid}/scatter?metric=r2&x_bins=60&y_bins=40"),
        ("/scatter?metric=mse", f"/api/v1/sessions/{sid}/scatter?metric=mse&x_bins=60&y_bins=40"),
        ("/failures", f"/api/v1/sessions/{sid}/failures?top=10&examples=3"),
        ("/devices?sort=mse&page_size=50", f"/api/v1/sessions/{sid}/devices?sort=mse&page_size=50"),
        ("/devices?q=123&sort=r2", f"/api/v1/sessions/{sid}/devices?q=123&sort=r2"),
    ]
    out = [("session", label, path) for label, path in page(a)]
    out += [("compare", "/compare?metric=r2", f"/api/v1/compare?a={a}&b={b}&metric=r2&x_bins=50&y_bins=50"),
            ("compare", "/compare?metric=mse", f"/api/v1/compare?a={a}&b={b}&metric=mse&x_bins=50&y_bins=50"),
            ("compare", "/compare/worse?metric=mse", f"/api/v1/compare/worse?a={a}&b={b}&metric=mse&page_size=50"),
            ("compare", "/compare/worse?metric=r2", f"/api/v1/compare/worse?a={a}&b={b}&metric=r2&page_size=50"),
            ("compare", "/compare/devices?side=added", f"/api/v1/compare/devices?a={a}&b={b}&side=added&page_size=100"),
            ("compare", "/compare/devices?side=lost", f"/api/v1/compare/devices?a={a}&b={b}&side=lost&page_size=100")]
    for d in (device_bad, device_ok):
        e = q(str(d))
        out += [("device", f"/devices/{d}/runs", f"/api/v1/devices/{e}/runs?limit=100"),
                ("device", f"/devices/{d}/model", f"/api/v1/devices/{e}/model"),
                ("device", f"/devices/{d}/model?session=A", f"/api/v1/devices/{e}/model?session={a}"),
                ("device", f"/devices/{d}/aliases", f"/api/v1/devices/{e}/aliases")]
    out += [("big", label, path) for label, path in page(big) if label != "/api/v1/sessions"]
    return out


def time_calls(server, todo, repeat, big_repeat):
    """Each call once (cold: the first of its kind on this server, in the order given), then `repeat` times each
    in turns (warm). Any answer other than 200 stops the benchmark."""
    results = []
    for group, label, path in todo:
        ms, status, body = server.get(path)
        if status != 200:
            sys.exit(f"bench/dashboard: GET {path} answered {status}: {body[:300]!r}")
        results.append(dict(group=group, label=label, path=path, cold=ms, warm=[], bytes=len(body)))
    for i in range(repeat):
        for r in results:
            if r["group"] == "big" and i >= big_repeat:  # reported only, and slow: fewer warm calls
                continue
            ms, status, body = server.get(r["path"])
            if status != 200:
                sys.exit(f"bench/dashboard: GET {r['path']} answered {status}: {body[:300]!r}")
            r["warm"].append(ms)
    return results


# -------------------------------------------------------------------------------------------------------------- browser

# Inside the page, once its scripts have run: the session page's own timing (window.fleetmlTimings, performance.now()
# at the moment every chart had drawn, that is ms from navigation start), whether each chart's canvas has pixels, and
# the browser's timings of the document and of the API calls.
PAGE_STATE = """
const t = (window.fleetmlTimings || []).find((x) => x.page === 'session' && x.ready != null);
const charts = [...document.querySelectorAll('[data-chart]')].map((el) => {
  const c = el.querySelector('canvas');
  let inked = 0;
  if (c && c.width && c.height) {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < px.length; i += 4 * 7) if (px[i]) inked++;
  }
  return { chart: el.dataset.chart, drawn: el.dataset.drawn || null, inked };
});
const nav = performance.getEntriesByType('navigation')[0] || {};
const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/'))
  .map((r) => ({ path: new URL(r.name).pathname + new URL(r.name).search, start: r.startTime, end: r.responseEnd, ms: r.duration }));
const files = performance.getEntriesByType('resource').filter((r) => /\.(js|css)$/.test(new URL(r.name).pathname));
return { hasTimings: Array.isArray(window.fleetmlTimings), ready: t ? t.ready : null, start: t ? t.start : null, charts,
  files: Math.max(0, ...files.map((r) => r.responseEnd)), nfiles: files.length,
  dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, api, now: performance.now(), errors: document.querySelectorAll('.error').length };
"""

# Without window.fleetmlTimings: poll in the page, a frame at a time, until every chart's canvas has pixels; the
# time is performance.now() then (an upper bound when the charts were drawn before the first poll).
POLL_CHARTS = """
const done = arguments[arguments.length - 1];
const inked = (c) => { if (!c || !c.width) return false; const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < px.length; i += 4 * 7) if (px[i]) return true; return false; };
const poll = () => { const els = [...document.querySelectorAll('[data-chart], .chart')];
  if (els.length && els.every((el) => inked(el.querySelector('canvas')))) done(performance.now()); else requestAnimationFrame(poll); };
poll();
"""


def missing_browser():
    need = []
    if not shutil.which("chromium"):
        need.append("chromium")
    if not shutil.which("chromedriver"):
        need.append("chromium-driver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        need.append("python3-selenium")
    return need


class Browser:
    """Headless Chromium (Debian's) driven through chromedriver, a new profile in a new directory."""
    def __init__(self, width=1400, height=1000):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="fleetml-dashboard-profile-")
        o = webdriver.ChromeOptions()
        real = "/usr/lib/chromium/chromium"
        if os.path.exists(real):
            o.binary_location = real
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                    "--disable-extensions", "--disable-background-networking", f"--user-data-dir={self.profile}",
                    f"--window-size={width},{height}"):
            o.add_argument(arg)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
        self.d.set_script_timeout(30)

    def load(self, url, timeout=30):
        """Loads url as a new document; waits for the session page to say its charts have drawn; its state then."""
        self.d.get("about:blank")
        self.d.get(url)
        deadline = time.monotonic() + timeout
        polled = None
        while True:
            st = self.d.execute_script(PAGE_STATE)
            if st["ready"] is not None:
                break
            if not st["hasTimings"]:
                polled = self.d.execute_async_script(POLL_CHARTS)
                st = self.d.execute_script(PAGE_STATE)
                st["ready"] = polled
                break
            if time.monotonic() > deadline:
                sys.exit(f"bench/dashboard: the page did not say it had drawn within {timeout} s: {st}")
            time.sleep(0.02)
        st["polled"] = polled is not None
        try:
            st["console"] = [e for e in self.d.get_log("browser") if e.get("level") == "SEVERE"]
        except Exception:
            st["console"] = []
        return st

    def screenshot(self, path):
        """The whole page (Chromium's own capture beyond the window), as PNG."""
        import base64
        h = self.d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        shot = self.d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                                 "clip": {"x": 0, "y": 0, "width": 1400, "height": min(4000, h), "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def check_drawn(st, url):
    bad = [c for c in st["charts"] if c["drawn"] != "true" or not c["inked"]]
    if not st["charts"] or bad or st["errors"]:
        sys.exit(f"bench/dashboard: {url}: the charts did not all draw or the page shows an error: {json.dumps(st)[:2000]}")


def browser_loads(url, cold, warm, shot):
    """`cold` loads, each in a new browser with a new profile; then `warm` reloads in one browser that has loaded the
    page once before (not counted). Returns (cold states, warm states)."""
    cold_st, warm_st = [], []
    for i in range(cold):
        b = Browser()
        try:
            st = b.load(url)
        finally:
            b.quit()
        check_drawn(st, url)
        cold_st.append(st)
        say(f"browser, cold load {i + 1}: charts drawn at {st['ready']:.0f} ms")
    b = Browser()
    try:
        check_drawn(b.load(url), url)
        for i in range(warm):
            st = b.load(url)
            check_drawn(st, url)
            warm_st.append(st)
            say(f"browser, warm load {i + 1}: charts drawn at {st['ready']:.0f} ms")
        b.screenshot(shot)
    finally:
        b.quit()
    return cold_st, warm_st


# --------------------------------------------------------------------------------------------------------------- report

def med(values):
    return statistics.median(values) if values else float("nan")


def api_table(results, group, flag):
    lines = ["| call | cold ms | warm median ms | warm max ms | bytes |" + (" under 200 ms |" if flag else ""),
             "| --- | --- | --- | --- | --- |" + (" --- |" if flag else "")]
    for r in results:
        if r["group"] != group:
            continue
        worst = max([r["cold"]] + r["warm"])
        mark = lambda v: f"**{v:.1f}**" if v >= TARGET_API_MS else f"{v:.1f}"
        lines.append(f"| `{r['label']}` | {mark(r['cold'])} | {mark(med(r['warm']))} | {mark(max(r['warm']))} | {r['bytes']:,} |"
                     + (f" {'yes' if worst < TARGET_API_MS else '**no**'} |" if flag else ""))
    return lines


def main():
    ap = argparse.ArgumentParser(description="fleetml dashboard benchmark")
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes: a smoke test of the harness")
    ap.add_argument("--out", default=os.path.join(HERE, "bench", "out"), help="work directory")
    ap.add_argument("--repeat", type=int, default=None, help="warm calls of each API call (default 10; --quick 3)")
    ap.add_argument("--loads", type=int, default=None, help="cold and warm page loads each (default 5; --quick 2)")
    a = ap.parse_args()
    need = missing_browser()
    if need:
        sys.exit("bench/dashboard: needs Debian's " + " ".join(need) + " (apt-get install -y " + " ".join(need) + ")")
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)
    q = a.quick
    tag = "quick" if q else "full"
    big, small, worse = (100_000, 10_000, 30) if q else (1_000_000, 100_000, 300)
    loads = a.loads or (2 if q else 5)
    a.repeat = a.repeat or (3 if q else 10)
    big_repeat = min(a.repeat, 1 if q else 3)
    store = f"dashboard-{tag}"
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()[0]

    s = make_store(store, tag, big, small, worse)
    facts = check_store(store, s, big, small)
    say(f"store: {facts['distinct']:,} devices, {facts['runs']:,} device runs; session A {s['a']}, B {s['b']}, big {s['big']}")

    server = Server(store)
    try:
        say("API calls")
        results = time_calls(server, calls(s, s["made_worse"][0], 123), a.repeat, big_repeat)
        page_url = f"{server.url}/#/session/{urllib.parse.quote(s['a'])}"
        _, status, body = server.get("/")
        if status != 200 or b"<html" not in body.lower():
            sys.exit(f"bench/dashboard: the server serves no dashboard at / ({status}); is the dashboard in this build?")
        say(f"browser: {page_url}")
        cold, warm = browser_loads(page_url, loads, loads, os.path.abspath(f"dashboard-{tag}-session.png"))
    finally:
        server.stop()
    say("browser: the first load on a fresh server")
    server = Server(store)
    try:
        first = browser_loads(f"{server.url}/#/session/{urllib.parse.quote(s['a'])}", 1, 0, os.devnull)[0][0]
    finally:
        server.stop()

    session_calls = [r for r in results if r["group"] == "session"]
    worst_api = max(max([r["cold"]] + r["warm"]) for r in session_calls)
    slow = [r for r in results if max([r["cold"]] + r["warm"]) >= TARGET_API_MS]
    ready = lambda sts: [st["ready"] for st in sts]
    polled = any(st["polled"] for st in cold + warm)
    api_in_page = lambda st: max((x["ms"] for x in st["api"]), default=float("nan"))
    ok = lambda c: "met" if c else "**missed**"
    commit = subprocess.run(["git", "-C", HERE, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()[:80]
    lines = [f"# fleetml dashboard ({tag} run), {started}", "",
             f"machine: {os.cpu_count()} cores, load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; commit {commit}; server `fleetml serve --store {store}` (defaults), client on the same machine", "",
             f"store: {facts['distinct']:,} distinct devices, {facts['runs']:,} device runs (SQLite `count(DISTINCT device_id)` "
             f"over device_runs); sessions: {big:,} devices ({s['big']}, trained in {s['big_seconds']} s), "
             f"A {small:,} devices ({s['a']}, {facts['failed_a']:,} not OK, trained in {s['a_seconds']} s), "
             f"B retrained on A's data with {s['n_made_worse']:,} devices made worse, {small // 1000:,} lost, {small // 1000:,} added "
             f"({s['b']}, {s['b_seconds']} s). Linear models; {ROWS} rows a device in the big session, 12 to {AB_ROWS} in A and B.", "",
             f"## Targets", "",
             "| target | figure | |", "| --- | --- | --- |",
             f"| every API call of the session page under {TARGET_API_MS} ms (session A, {small:,} devices) | slowest call "
             f"{worst_api:.1f} ms (cold or warm, of {len(session_calls)} calls × {1 + a.repeat}) | {ok(worst_api < TARGET_API_MS)} |",
             f"| the session page's charts drawn under {TARGET_PAGE_MS / 1000:g} s (headless Chromium, the page's own timing) | "
             f"cold median {med(ready(cold)):.0f} ms, max {max(ready(cold)):.0f} ms; warm median {med(ready(warm)):.0f} ms, max "
             f"{max(ready(warm)):.0f} ms | {ok(max(ready(cold) + ready(warm)) < TARGET_PAGE_MS)} |", "",
             f"## API calls (client-side: request sent to body read, one keep-alive connection; cold = the first call of its kind "
             f"on a fresh server, in the order below; warm = {a.repeat} more of each, in turns)", "",
             f"### The session page (session A, {small:,} devices)", ""]
    lines += api_table(results, "session", True)
    lines += ["", "### Compare A with B (reported)", ""] + api_table(results, "compare", False)
    lines += ["", f"### Device pages (reported; device {s['made_worse'][0]} made worse in B, device 123)", ""] + api_table(results, "device", False)
    lines += ["", f"### The same session-page calls on the {big:,}-device session (reported; warm: {big_repeat} calls each)", ""] + api_table(results, "big", False)
    lines += ["", "Over 200 ms: " + (", ".join(f"`{r['label']}` ({r['group']}, cold {r['cold']:.0f} ms, warm max {max(r['warm']):.0f} ms)"
                                               for r in slow) if slow else "none."), ""]
    lines += [f"## The session page in headless Chromium (`/#/session/A`, window 1400×1000)", "",
              "charts drawn: ms from navigation start to the moment every chart on the page had drawn, "
              + ("polled in the page (an upper bound)" if polled else "the page's own `window.fleetmlTimings` (`ready`, performance.now())")
              + "; DOMContentLoaded the browser's navigation timing; slowest API call as the browser timed it (Resource Timing).", "",
              "| loads | charts drawn, median ms | max ms | each | scripts and style received, median ms | DOMContentLoaded median ms | "
              "first API call sent, median ms | slowest API call in the page, median ms |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, sts in ((f"cold: a new browser, new profile ({len(cold)})", cold), (f"warm: reloads in one browser ({len(warm)})", warm),
                      ("the first load on a fresh server (1)", [first])):
        lines.append(f"| {name} | **{med(ready(sts)):.0f}** | {max(ready(sts)):.0f} | {', '.join(f'{v:.0f}' for v in ready(sts))} | "
                     f"{med([st['files'] for st in sts]):.0f} | {med([st['dcl'] for st in sts]):.0f} | "
                     f"{med([min((x['start'] for x in st['api']), default=float('nan')) for st in sts]):.0f} | "
                     f"{med([api_in_page(st) for st in sts]):.0f} |")
    one = cold[len(cold) // 2]
    lines += ["", "API calls of one cold load, as the browser timed them (start and end ms from navigation start): "
              + "; ".join(f"`{x['path'].split('/api/v1', 1)[-1]}` {x['start']:.0f}–{x['end']:.0f}" for x in one["api"]),
              "", f"charts: {', '.join(c['chart'] for c in one['charts'])}; console errors: "
              f"{sum(len(st['console']) for st in cold + warm + [first])}; screenshot: dashboard-{tag}-session.png"]
    text = "\n".join(lines) + "\n"
    with open(f"dashboard-{tag}.md", "w") as f:
        f.write(text)
    with open(f"dashboard-{tag}.json", "w") as f:
        json.dump(dict(sessions=s, api=results, cold=cold, warm=warm, first=first), f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
