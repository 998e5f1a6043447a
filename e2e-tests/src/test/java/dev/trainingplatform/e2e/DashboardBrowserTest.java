package dev.trainingplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's chromium, headless, driven by Selenium through
 * chromium-driver) against the real broker, trainer and evaluator: a job's loss curve gains its points
 * while the job runs, its page ends with the confusion-matrix heat map, and a second job is cancelled
 * with the page's button. Takes the screenshots in docs/ (target/screenshots/).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofMinutes(3);
    static final Path SCREENSHOTS = ServiceProcess.root().resolve("e2e-tests/target/screenshots");
    static final List<ServiceProcess> SERVICES = new ArrayList<>();
    static ContractClient client;
    static WebDriver browser;
    static String dashboard;

    @BeforeAll
    static void startTheStackAndTheBrowser() throws Exception {
        assumeThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("Debian's chromium and chromium-driver are not installed (.ci/run installs them: apt-get install "
                        + "chromium chromium-driver); the dashboard's browser test is skipped")
                .isTrue();
        KafkaBroker broker = KafkaBroker.shared();
        client = new ContractClient(broker.bootstrapServers());
        Path work = Files.createTempDirectory("dashboard-");
        // Enough samples that an epoch with batches of 4 takes seconds: the page has time to show each point.
        Path data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 6000, 100, true);
        Map<String, String> env = ServiceProcess.environment(broker.bootstrapServers(), work, data);
        int port = freePort();
        env.put("DASHBOARD_HTTP_PORT", String.valueOf(port));
        for (String service : List.of("trainer", "evaluator", "dashboard")) {
            SERVICES.add(ServiceProcess.start(service, env, work.resolve("logs")));
        }
        dashboard = "http://127.0.0.1:" + port + "/";
        awaitReady(dashboard + "q/health/ready");

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(),
                options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        ServiceProcess.closeAll(SERVICES);
    }

    @Test
    @Order(1)
    void aJobsPageDrawsEachEpochAsItArrivesAndEndsWithTheHeatMap() throws Exception {
        TrainingJob job = job(5, 4).setLabels(Map.of("team", "vision", "sweep", "none")).build();
        client.submit(job);
        browser.get(dashboard + "job.html?id=" + job.getJobId());
        try {
            // The loss curve's points, read from the chart itself, every 50 ms until the last epoch's.
            List<Integer> seen = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.isEmpty() || seen.get(seen.size() - 1) < 5) {
                assertThat(System.nanoTime()).as("epochs drawn so far: " + seen).isLessThan(deadline);
                int points = ((Number) js("const o = window.dashboardCharts && window.dashboardCharts.loss.getOption();"
                        + " return o && o.series ? o.series[0].data.length : 0;")).intValue();
                if (seen.isEmpty() || points != seen.get(seen.size() - 1)) {
                    seen.add(points);
                }
                Thread.sleep(50);
            }
            // One point per epoch, drawn while the job ran: never fewer than before, and from the first
            // count the page showed (the epochs already published when it opened come together, from the
            // history) every later count, one epoch at a time, at least three of them live.
            assertThat(seen).as("loss points seen as the job ran").isSorted();
            int first = seen.stream().filter(c -> c > 0).findFirst().orElseThrow();
            assertThat(first).as("epochs drawn before the page followed live: " + seen).isLessThanOrEqualTo(2);
            for (int c = first; c <= 5; c++) {
                assertThat(seen).as("loss points seen as the job ran").contains(c);
            }
            assertThat(browser.findElement(By.id("loss")).getAttribute("data-epochs")).isEqualTo("5");
            assertThat(browser.findElements(By.cssSelector("#epochs tbody tr"))).hasSize(5);

            new WebDriverWait(browser, WAIT).until(d -> "100".equals(d.findElement(By.id("confusion"))
                    .getAttribute("data-cells")));
            assertThat(js("return window.dashboardCharts.confusion.getOption().series[0].data.length;"))
                    .isEqualTo(100L);
            assertThat(js("return window.dashboardCharts.confusion.getOption().xAxis[0].data;").toString())
                    .contains("T-shirt/top", "Ankle boot");
            assertThat(browser.findElements(By.cssSelector("#per-class tbody tr"))).hasSize(10);
            new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("state")).getText().equals("SUCCEEDED"));
            assertThat(browser.findElement(By.id("statuses")).getText()).contains("QUEUED", "RUNNING", "SUCCEEDED");
            assertThat(browser.findElement(By.id("cancel")).isDisplayed()).isFalse();
            screenshot("dashboard-job.png");
        } catch (AssertionError e) {
            throw ServiceProcess.withLogs(e, SERVICES);
        }
    }

    @Test
    @Order(2)
    void theCancelButtonCancelsARunningJobAndTheListShowsIt() throws Exception {
        // Batches of one for 10 000 epochs: running until cancelled.
        TrainingJob job = job(10_000, 1).setLabels(Map.of("team", "text")).build();
        client.submit(job);
        browser.get(dashboard + "job.html?id=" + job.getJobId());
        try {
            new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("state")).getText().equals("RUNNING")
                    && d.findElement(By.id("cancel")).isDisplayed());
            browser.findElement(By.id("cancel")).click();
            new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("state")).getText().equals("CANCELLED"));

            browser.get(dashboard + "index.html");
            new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("#jobs tbody tr")).size() >= 2);
            assertThat(row(job.getJobId())).contains("CANCELLED", "team=text");
            // Filtering by label keeps the vision job and hides this one.
            browser.findElement(By.id("label")).sendKeys("team=vision");
            new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("#jobs tbody tr")).size() == 1);
            assertThat(browser.findElement(By.cssSelector("#jobs tbody tr")).getText()).contains("SUCCEEDED", "team=vision");
            browser.findElement(By.id("label")).clear();
            browser.findElement(By.id("label")).sendKeys(" ");
            new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("#jobs tbody tr")).size() >= 2);
            screenshot("dashboard-jobs.png");
        } catch (AssertionError e) {
            throw ServiceProcess.withLogs(e, SERVICES);
        }
    }

    private static String row(String jobId) {
        return browser.findElement(By.cssSelector("#jobs tbody tr[data-job='" + jobId + "']")).getText();
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static void screenshot(String name) throws Exception {
        // The whole page: the window as tall as the document.
        Number height = (Number) js("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, Math.min(4000, height.intValue() + 40)));
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1100));
    }

    private static TrainingJob.Builder job(int epochs, int batchSize) {
        return TrainingJob.newBuilder()
                .setJobId("dashboard-" + UUID.randomUUID())
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(batchSize).setEpochs(epochs).setTestEveryEpoch(true);
    }

    private static void awaitReady(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw ServiceProcess.withLogs(new AssertionError("the dashboard was not ready at " + url), SERVICES);
            }
            Thread.sleep(250);
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
