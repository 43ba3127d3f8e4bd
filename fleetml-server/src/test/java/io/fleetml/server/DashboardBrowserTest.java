package io.fleetml.server;

import io.fleetml.store.SessionRecord;
import io.fleetml.store.SessionStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven through its chromedriver) against a server
 * over a store trained through the engine ({@link DashboardStore}). Each page loads without a console error and draws
 * its charts (pixels on the canvas); the device table sorts, pages and searches; the comparison ranks the devices
 * made worse on purpose; an alias moves only with the token. Screenshots go to {@code target/dashboard-screenshots};
 * with {@code -Dfleetml.dashboard.docs=true} the session page's also replaces {@code docs/dashboard.png}.
 */
@Tag("slow")
class DashboardBrowserTest {
    static final String TOKEN = "dashboard-test-token";
    static final Path SHOTS = Path.of("target", "dashboard-screenshots");
    static final int BAR_R = 0x4a, BAR_G = 0x78, BAR_B = 0xb5;
    static final HttpClient CLIENT = HttpClient.newHttpClient();
    @TempDir
    static Path dir;
    static DashboardStore data;
    static SessionRecord interrupted;
    static FleetServer server;
    static Http http;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws IOException {
        data = new DashboardStore(dir);
        interrupted = data.interrupted("dashboard-crash", 20, 5);
        server = FleetServer.start(data.store, ServerConfig.local().withToken(TOKEN, false));
        http = new Http(server.url());
        browser = chromium();
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (data != null) {
            data.store.close();
        }
    }

    static ChromeDriver chromium() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768",
                "--force-device-scale-factor=1", "--hide-scrollbars", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, o);
        // a 1366×768 viewport, the laptop screen the dashboard is made for, whatever the window's own frame takes
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1366, 768));
        long inner = ((Number) driver.executeScript("return window.innerHeight")).longValue();
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1366, (int) (768 + 768 - inner)));
        return driver;
    }

    @BeforeEach
    void clean() {
        browser.get(server.url() + "/#/sessions");
        awaitReady();
        js("sessionStorage.clear()");
        consoleErrors(e -> true); // what earlier tests left in the log
    }

    // ---------------------------------------------------------------- helpers

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** Opens the dashboard at {@code hash} and waits until the page says it has drawn. */
    static void open(String hash) {
        String url = server.url() + "/" + hash;
        if (url.equals(browser.getCurrentUrl())) {
            browser.navigate().refresh(); // the same hash again: no hashchange, so load it afresh
        } else {
            browser.get(url);
        }
        awaitReady();
    }

    static void awaitReady() {
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d ->
                Boolean.TRUE.equals(js("return !!location.hash && document.body.dataset.ready === location.hash")));
    }

    static void await(String what, java.util.function.BooleanSupplier condition) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + " at " + browser.getCurrentUrl() + "\n"
                    + browser.findElement(By.id("view")).getText(), e);
        }
    }

    /** The browser log's errors since the last call, but those {@code expected} accepts. */
    static List<String> consoleErrors(Predicate<String> expected) {
        List<String> out = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !expected.test(e.getMessage())) {
                out.add(e.getMessage());
            }
        }
        return out;
    }

    static void assertNoConsoleErrors() {
        assertEquals(List.of(), consoleErrors(m -> false), "console errors at " + browser.getCurrentUrl());
    }

    static void screenshot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** Pixels of the chart's canvas near the colour (r, g, b): what ECharts drew of the bars, points or lines. */
    static long painted(String chartId, int r, int g, int b) {
        Object n = js("const c = document.querySelector('#' + arguments[0] + ' canvas'); if (!c) return -1;"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                + "for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 40 && Math.abs(d[i] - arguments[1]) < 40"
                + " && Math.abs(d[i + 1] - arguments[2]) < 40 && Math.abs(d[i + 2] - arguments[3]) < 40) n++; return n;", chartId, r, g, b);
        return ((Number) n).longValue();
    }

    static void assertDrawn(String chartId) {
        WebElement el = browser.findElement(By.id(chartId));
        assertEquals("true", el.getDomAttribute("data-drawn"), chartId + " says it has drawn");
        long bars = painted(chartId, BAR_R, BAR_G, BAR_B);
        assertTrue(bars > 50, chartId + " has " + bars + " pixels in the data colour");
    }

    static List<String> column(String tableId, int index) {
        List<String> out = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#" + tableId + " tbody tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            if (cells.size() > index) {
                out.add(cells.get(index).getText());
            }
        }
        return out;
    }

    static List<String> devicesShown(String tableId) {
        List<String> out = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#" + tableId + " tbody tr[data-device]"))) {
            out.add(row.getDomAttribute("data-device"));
        }
        return out;
    }

    static double number(String cell) {
        return Double.parseDouble(cell.replace(",", "").replace("×", "").strip());
    }

    static String query(String hashOrUrl, String name) {
        String q = hashOrUrl.contains("?") ? hashOrUrl.substring(hashOrUrl.indexOf('?') + 1) : "";
        for (String kv : q.split("&")) {
            if (kv.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(kv.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static HttpResponse<byte[]> raw(String url, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The README's picture: the session page at 1366 wide, down to its scatter, to target and, with
     * {@code -Dfleetml.dashboard.docs=true}, to docs/dashboard.png.
     */
    static void readmeScreenshot() throws IOException {
        org.openqa.selenium.Dimension was = browser.manage().window().getSize();
        long chrome = was.getHeight() - ((Number) js("return window.innerHeight")).longValue();
        long bottom = ((Number) js("const r = document.getElementById('chart-scatter').getBoundingClientRect();"
                + "return Math.ceil(r.bottom + window.scrollY + 40)")).longValue();
        try {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1366, (int) (Math.min(bottom, 1400) + chrome)));
            js("window.scrollTo(0, 0)");
            await("the charts to fit the window", () -> Boolean.TRUE.equals(js("return window.innerWidth === 1366")));
            byte[] png = browser.getScreenshotAs(OutputType.BYTES);
            Files.write(SHOTS.resolve("dashboard.png"), png);
            assertTrue(png.length < 200_000, "the README's screenshot is small: " + png.length + " bytes");
            if (Boolean.getBoolean("fleetml.dashboard.docs")) {
                Files.write(Path.of("..", "docs", "dashboard.png"), png);
            }
        } finally {
            browser.manage().window().setSize(was);
        }
    }

    // ---------------------------------------------------------------- serving

    @Test
    void pagesAndChartLibraryComeFromTheJarWithAPolicyAndGzip() throws Exception {
        HttpResponse<byte[]> index = raw(server.url() + "/");
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), index.headers().toString());
        String csp = index.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp);
        String html = new String(index.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(html.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "no inline script: " + html);
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing from the internet");

        HttpResponse<byte[]> app = raw(server.url() + "/app.js");
        assertEquals(200, app.statusCode());
        assertTrue(app.headers().firstValue("Content-Type").orElse("").contains("javascript"), app.headers().toString());

        String lib = server.url() + "/webjars/echarts/5.3.1/dist/echarts.esm.min.js";
        HttpResponse<byte[]> gz = raw(lib, "Accept-Encoding", "gzip");
        assertEquals(200, gz.statusCode());
        assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""), gz.headers().toString());
        assertTrue(gz.body().length < 500_000, "gzipped: " + gz.body().length + " bytes");
        HttpResponse<byte[]> plain = raw(lib);
        assertTrue(plain.body().length > 900_000, "the library itself: " + plain.body().length);

        assertEquals(404, raw(server.url() + "/no-such-page.js").statusCode());
        assertEquals("NOT_FOUND", http.get("/api/v1/no-such-route").errorCode(), "the API's unknown routes still answer JSON");
    }

    @Test
    void whenReadsNeedTheTokenThePageAsksForItAndTheFilesStillLoad() throws Exception {
        try (FleetServer guarded = FleetServer.start(data.store, ServerConfig.local().withToken(TOKEN, true))) {
            for (String path : List.of("/", "/app.js", "/style.css", "/pages/session.js", "/webjars/echarts/5.3.1/dist/echarts.esm.min.js")) {
                assertEquals(200, raw(guarded.url() + path).statusCode(), path + " needs no token");
            }
            assertEquals(401, raw(guarded.url() + "/api/v1/sessions").statusCode());

            browser.get(guarded.url() + "/#/sessions");
            awaitReady();
            WebElement banner = browser.findElement(By.id("banner"));
            assertTrue(banner.isDisplayed());
            assertTrue(banner.getText().contains("needs a token"), banner.getText());
            assertTrue(browser.findElement(By.cssSelector("#sessions .error")).getText().contains("401"));
            assertEquals(List.of(), consoleErrors(m -> m.contains("/api/v1/sessions") && m.contains("401")));

            browser.findElement(By.id("token-input")).sendKeys(TOKEN);
            browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
            await("the sessions with the token", () -> browser.findElements(By.cssSelector("#sessions tr[data-session]")).size() >= 3);
            awaitReady();
            assertFalse(banner.isDisplayed());
            assertEquals(TOKEN, js("return sessionStorage.getItem('fleetml.token')"));
            assertNoConsoleErrors();
            js("sessionStorage.clear()");
        }
    }

    // ---------------------------------------------------------------- pages

    @Test
    void sessionsListMarksTheInterruptedAndPicksTwoToCompare() throws IOException {
        open("#/sessions");
        for (SessionRecord s : List.of(data.a, data.b, data.stack, interrupted)) {
            assertEquals(1, browser.findElements(By.cssSelector("#sessions tr[data-session='" + s.id() + "']")).size(), s.id());
        }
        WebElement crashed = browser.findElement(By.cssSelector("#sessions tr[data-session='" + interrupted.id() + "']"));
        assertEquals("INTERRUPTED", crashed.getDomAttribute("data-status"));
        assertTrue(crashed.getText().contains("INTERRUPTED"), crashed.getText());
        WebElement b = browser.findElement(By.cssSelector("#sessions tr[data-session='" + data.b.id() + "']"));
        assertTrue(b.getText().contains("dashboard") && b.getText().contains("linear") && b.getText().contains("FINISHED"), b.getText());
        screenshot("sessions");
        assertNoConsoleErrors();

        browser.findElement(By.cssSelector("input[data-session='" + data.a.id() + "']")).click();
        browser.findElement(By.cssSelector("input[data-session='" + data.b.id() + "']")).click();
        WebElement compare = browser.findElement(By.id("compare-picked"));
        compare.click();
        awaitReady();
        String url = browser.getCurrentUrl();
        assertTrue(url.contains("#/compare"), url);
        assertEquals(data.a.id(), query(url, "a"));
        assertEquals(data.b.id(), query(url, "b"));
        assertNoConsoleErrors();
    }

    @Test
    void aRunningSessionShowsItsProgressAndUpdatesLive() throws IOException {
        SessionRecord live = data.running("dashboard-live", 30);
        try {
            data.record(live, 0, 10);
            open("#/sessions");
            By progress = By.cssSelector("[data-progress='" + live.id() + "']");
            assertEquals("10 / 30", browser.findElement(progress).getText());
            data.record(live, 10, 25);
            await("the progress to update", () -> browser.findElement(progress).getText().equals("25 / 30"));
            screenshot("sessions-running");
            assertNoConsoleErrors();
        } finally {
            data.store.tracking().finishSession(live.id(), SessionStatus.FAILED, null, 30, "stopped by the test");
        }
    }

    @Test
    void sessionPageDrawsItsHistogramsScatterAndFleetModels() throws IOException {
        open("#/session/" + data.stack.id());
        assertDrawn("chart-hist-r2");
        assertDrawn("chart-hist-mse");
        assertDrawn("chart-scatter");
        assertTrue(painted("chart-scatter", 0xc0, 0x39, 0x2b) > 20, "the worst devices are drawn as points");
        assertDrawn("chart-chosen");
        WebElement counts = browser.findElement(By.id("status-counts"));
        assertTrue(counts.getText().contains("FAILED " + DashboardStore.FAILING.size()), counts.getText());
        assertTrue(counts.getText().contains("SKIPPED 1"), counts.getText());
        List<String> models = column("fleet-test-mse", 0);
        assertTrue(models.contains("stack") || models.stream().anyMatch(m -> m.contains("stack")), models.toString());
        Number timing = (Number) js("const t = window.fleetmlTimings.filter(x => x.page === 'session').pop(); return t.ready - t.start");
        assertTrue(timing.doubleValue() > 0 && timing.doubleValue() < 10_000, "drawn in " + timing + " ms");
        screenshot("session");
        readmeScreenshot();
        assertNoConsoleErrors();

        // a tooltip (ECharts styles it from script, which the page's policy must allow) shows a bin's count
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(browser.findElement(By.id("chart-hist-mse")), -200, 40).perform();
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(browser.findElement(By.id("chart-hist-r2")), 0, 0).perform();
        await("a tooltip", () -> Boolean.TRUE.equals(js("return [...document.querySelectorAll('#chart-hist-r2 div')]"
                + ".some(d => d.textContent.includes('devices') && getComputedStyle(d).display !== 'none')")));
        assertNoConsoleErrors();

        // a worst device's point opens its page
        js("location.hash = arguments[0]", "#/session/" + data.b.id() + "?metric=mse");
        awaitReady();
        assertDrawn("chart-scatter");
        assertNoConsoleErrors();
    }

    @Test
    void theDeviceTableSortsPagesAndSearches() throws IOException {
        String base = "#/session/" + data.b.id() + "?tab=devices";
        open(base);
        List<String> first = devicesShown("devices");
        assertEquals(25, first.size());
        assertEquals(DashboardStore.NOISY, new HashSet<>(first.subList(0, 2)), "worst MSE first: " + first);
        assertTrue(browser.findElement(By.cssSelector("[data-pager=page]")).getText().startsWith("page 1 of 3"));

        browser.findElement(By.cssSelector("#devices th a[data-sort=r2]")).click();
        awaitReady();
        assertEquals("r2", query(browser.getCurrentUrl(), "sort"));
        List<Double> r2 = column("devices", 7).stream().filter(c -> !c.equals("—")).map(DashboardBrowserTest::number).toList();
        assertTrue(r2.size() >= 20, r2.toString());
        for (int i = 1; i < r2.size(); i++) {
            assertTrue(r2.get(i - 1) <= r2.get(i), "R² worst (lowest) first: " + r2);
        }
        assertTrue(DashboardStore.NOISY.containsAll(devicesShown("devices").subList(0, 2)), devicesShown("devices").toString());
        browser.findElement(By.cssSelector("#devices th a[data-sort=r2]")).click(); // again: the other way
        awaitReady();
        assertEquals("true", query(browser.getCurrentUrl(), "reverse"));
        List<Double> best = column("devices", 7).stream().filter(c -> !c.equals("—")).map(DashboardBrowserTest::number).toList();
        for (int i = 1; i < best.size(); i++) {
            assertTrue(best.get(i - 1) >= best.get(i), "R² best first: " + best);
        }
        assertTrue(best.get(0) > r2.get(r2.size() - 1), "the best come first now: " + best);

        browser.findElement(By.cssSelector("#devices th a[data-sort=device]")).click();
        awaitReady();
        List<String> byId = devicesShown("devices");
        assertEquals(byId.stream().sorted().toList(), byId, "by id");
        browser.findElement(By.cssSelector("[data-pager=next]")).click();
        awaitReady();
        assertEquals("2", query(browser.getCurrentUrl(), "page"));
        List<String> second = devicesShown("devices");
        assertEquals(25, second.size());
        assertTrue(second.get(0).compareTo(byId.get(byId.size() - 1)) > 0, "page 2 goes on from page 1: " + second);
        assertTrue(browser.findElement(By.cssSelector("[data-pager=page]")).getText().startsWith("page 2 of 3"));

        // a shared link to page 3 opens page 3 in a fresh page
        String third = browser.getCurrentUrl().replace("page=2", "page=3");
        browser.navigate().to("about:blank");
        browser.get(third);
        awaitReady();
        List<String> last = devicesShown("devices");
        assertEquals(66 - 50, last.size(), last.toString());
        assertTrue(last.get(0).compareTo(second.get(second.size() - 1)) > 0);
        assertEquals(0, browser.findElements(By.cssSelector("[data-pager=next]")).size(), "no page after the last");
        screenshot("session-devices");

        WebElement search = browser.findElement(By.id("device-search"));
        search.clear();
        search.sendKeys("new");
        browser.findElement(By.cssSelector("#device-search-form button[type=submit]")).click();
        awaitReady();
        assertEquals("new", query(browser.getCurrentUrl(), "q"));
        assertEquals(new HashSet<>(DashboardStore.ADDED), new HashSet<>(devicesShown("devices")));
        assertTrue(browser.findElement(By.cssSelector("[data-pager=page]")).getText().contains("(2 devices)"));

        open(base + "&q=" + java.net.URLEncoder.encode("onerror", java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(List.of(DashboardStore.HOSTILE), devicesShown("devices"));
        assertTrue(browser.findElement(By.id("devices")).getText().contains(DashboardStore.HOSTILE), "the id shows as text");
        assertNull(js("return window.pwned"));
        assertEquals(0L, ((Number) js("return document.querySelectorAll('#view img').length")).longValue());
        assertNoConsoleErrors();
    }

    @Test
    void failureReasonsAreGroupedWithExampleDevices() throws IOException {
        open("#/session/" + data.a.id() + "?tab=failures");
        WebElement failures = browser.findElement(By.id("failures"));
        WebElement tooFew = failures.findElements(By.cssSelector("tbody tr")).stream()
                .filter(r -> r.getText().contains("too few rows")).findFirst().orElseThrow(() -> new AssertionError(failures.getText()));
        assertEquals(String.valueOf(DashboardStore.FAILING.size()), tooFew.findElements(By.tagName("td")).get(2).getText());
        List<WebElement> examples = tooFew.findElements(By.cssSelector(".examples a"));
        assertFalse(examples.isEmpty());
        assertTrue(DashboardStore.FAILING.contains(examples.get(0).getText()), examples.get(0).getText());
        assertTrue(failures.getText().contains("SKIPPED"), failures.getText());
        screenshot("session-failures");
        examples.get(0).click();
        awaitReady();
        assertTrue(browser.getCurrentUrl().contains("#/device/dev-tiny-"), browser.getCurrentUrl());
        assertNoConsoleErrors();
    }

    @Test
    void devicePageShowsItsHistoryModelAndAliases() throws IOException {
        String device = "dev-007";
        open("#/device/" + device);
        assertEquals(device, browser.findElement(By.id("device-id")).getText());
        assertDrawn("chart-history");
        List<String> sessions = new ArrayList<>();
        browser.findElements(By.cssSelector("#runs tbody tr td:first-child a")).forEach(a -> sessions.add(a.getText()));
        assertEquals(Set.of(data.a.id(), data.b.id(), data.stack.id()), new HashSet<>(sessions));
        String modelText = browser.findElement(By.cssSelector(".page-device")).getText();
        assertTrue(modelText.contains("linear") && modelText.contains("x1, x2"), modelText);
        Http.Answer model = http.get("/api/v1/devices/" + device + "/model");
        assertEquals(200, model.status(), model.toString());
        if (model.json().hasNonNull("importances") && model.json().get("importances").size() > 0) {
            assertDrawn("chart-importances");
        }
        List<String> aliases = column("aliases", 1);
        assertTrue(aliases.containsAll(List.of("champion", "challenger")), aliases.toString());
        screenshot("device");
        assertNoConsoleErrors();

        open("#/device/" + java.net.URLEncoder.encode(DashboardStore.HOSTILE, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        assertEquals(DashboardStore.HOSTILE, browser.findElement(By.id("device-id")).getText());
        assertNull(js("return window.pwned"));
        assertEquals(0L, ((Number) js("return document.querySelectorAll('#view img').length")).longValue());
        assertNoConsoleErrors();
    }

    @Test
    void compareRanksTheDevicesMadeWorseAndListsAddedAndLost() throws IOException {
        open("#/compare?a=" + data.a.id() + "&b=" + data.b.id() + "&metric=mse");
        assertDrawn("chart-compare");
        List<String> worse = devicesShown("compare-worse");
        assertTrue(worse.size() >= 2, worse.toString());
        assertEquals(DashboardStore.NOISY, new HashSet<>(worse.subList(0, 2)), "the devices made worse on purpose lead: " + worse);
        List<Double> change = column("compare-worse", 3).stream().map(DashboardBrowserTest::number).toList();
        assertTrue(change.get(0) > 100, "MSE grew a hundredfold or more: " + change);
        WebElement counts = browser.findElement(By.id("compare-counts"));
        assertTrue(counts.getText().contains("in B only: 2") && counts.getText().contains("in A only: 1"), counts.getText());
        List<String> added = new ArrayList<>();
        browser.findElements(By.cssSelector("#compare-added a")).forEach(a -> added.add(a.getText()));
        assertEquals(new HashSet<>(DashboardStore.ADDED), new HashSet<>(added));
        assertEquals(DashboardStore.LOST, browser.findElement(By.cssSelector("#compare-lost a")).getText());
        screenshot("compare");
        assertNoConsoleErrors();

        browser.findElement(By.cssSelector("#compare-worse tbody tr a")).click();
        awaitReady();
        assertTrue(browser.getCurrentUrl().contains("#/device/dev-0"), browser.getCurrentUrl());
        assertNoConsoleErrors();
    }

    @Test
    void movingAnAliasNeedsTheToken() throws IOException {
        assertEquals(1, http.get("/api/v1/models/pumps").json().get("aliases").get("champion").asInt());
        open("#/registry");
        WebElement versions = browser.findElement(By.cssSelector("[data-versions=pumps]"));
        assertEquals(3, versions.findElements(By.cssSelector("tbody tr")).size(), versions.getText());
        assertTrue(versions.getText().contains("after the noisy week"), versions.getText());
        screenshot("registry");
        assertNoConsoleErrors();

        move("champion", "2");
        WebElement result = awaitOutcome();
        assertEquals("refused", result.getDomAttribute("data-outcome"));
        assertTrue(result.getText().contains("Refused (401)"), result.getText());
        assertEquals(1, http.get("/api/v1/models/pumps").json().get("aliases").get("champion").asInt(), "the alias did not move");
        screenshot("registry-refused");
        assertEquals(List.of(), consoleErrors(m -> m.contains("/aliases/champion") && m.contains("401")));

        browser.findElement(By.id("token-input")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        awaitReady();
        try {
            move("champion", "2");
            WebElement moved = awaitOutcome();
            assertEquals("moved", moved.getDomAttribute("data-outcome"), moved.getText());
            assertEquals(2, http.get("/api/v1/models/pumps").json().get("aliases").get("champion").asInt(), "the alias moved");
            assertTrue(browser.findElement(By.cssSelector("[data-aliases=pumps] [data-alias=champion]")).getText().contains("v2"));
            assertNoConsoleErrors();
        } finally {
            Http.Answer back = http.withToken(TOKEN).put("/api/v1/models/pumps/aliases/champion", "{\"version\": 1}");
            assertEquals(200, back.status(), back.toString());
        }
    }

    private static void move(String alias, String version) {
        WebElement form = browser.findElement(By.cssSelector("form[data-move=pumps]"));
        WebElement input = form.findElement(By.name("alias"));
        input.clear();
        input.sendKeys(alias);
        new Select(form.findElement(By.name("version"))).selectByValue(version);
        form.findElement(By.cssSelector("button[type=submit]")).click();
    }

    private static WebElement awaitOutcome() {
        await("the alias move's outcome", () -> !browser.findElements(By.cssSelector("form[data-move=pumps] .move-result[data-outcome]")).isEmpty());
        return browser.findElement(By.cssSelector("form[data-move=pumps] .move-result[data-outcome]"));
    }
}
