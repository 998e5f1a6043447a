package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFilesTest {

    @TempDir
    Path root;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private Path served;

    @BeforeEach
    void serveGeneratedFiles() throws Exception {
        served = FashionMnistFiles.write(root.resolve("served"), 50, 20, true);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fmnist/", exchange -> {
            requests.incrementAndGet();
            Path f = served.resolve(exchange.getRequestURI().getPath().substring("/fmnist/".length()));
            if (Files.isRegularFile(f)) {
                byte[] body = Files.readAllBytes(f);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/fmnist/";
    }

    private DataFiles files(boolean downloads) {
        return new DataFiles(new DataSources(Map.of(), List.of(root.resolve("data")), root.resolve("cache"), downloads));
    }

    @Test
    void downloadsIntoTheCacheOnceAndReusesItWhileTheChecksumMatches() throws Exception {
        String sha = Sha256.of(Files.readAllBytes(served.resolve("train-labels-idx1-ubyte.gz")));
        DataFiles files = files(true);
        Path first = files.file(baseUrl(), new DataFiles.Checksum(sha, false), "train-labels-idx1-ubyte.gz");
        Path second = files.file(baseUrl(), new DataFiles.Checksum(sha, false), "train-labels-idx1-ubyte.gz");
        assertThat(first).isEqualTo(second).startsWith(root.resolve("cache"));
        assertThat(requests.get()).isEqualTo(1);
        assertThat(IdxFile.read(first).dims()).containsExactly(50);
    }

    @Test
    void checksumOfContentMatchesWhateverTheCompression() throws Exception {
        byte[] content = new java.util.zip.GZIPInputStream(Files.newInputStream(served.resolve("t10k-labels-idx1-ubyte.gz"))).readAllBytes();
        Path file = files(true).file(baseUrl(), new DataFiles.Checksum(Sha256.of(content), true), "t10k-labels-idx1-ubyte.gz");
        assertThat(file).exists();
    }

    @Test
    void aDownloadWithTheWrongChecksumIsRejectedAndNotCached() {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> files(true).file(baseUrl(), new DataFiles.Checksum(wrong, false), "train-labels-idx1-ubyte.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("SHA-256");
        try (var cached = Files.walk(root.resolve("cache"))) {
            assertThat(cached.filter(Files::isRegularFile)).isEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingRemoteFileIsDataNotFound() {
        assertThatThrownBy(() -> files(true).file(baseUrl(), null, "no-such-file.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_NOT_FOUND))
                .hasMessageContaining("404");
    }

    @Test
    void downloadsCanBeSwitchedOff() {
        assertThatThrownBy(() -> files(false).file(baseUrl(), null, "train-labels-idx1-ubyte.gz"))
                .hasMessageContaining("downloads are disabled");
    }

    @Test
    void localLocationsOutsideTheAllowedRootsAreRefused() throws Exception {
        Files.createDirectories(root.resolve("data"));
        String traversal = root.resolve("data").resolve("../served").toString();
        assertThatThrownBy(() -> files(false).file(traversal, null, "train-labels-idx1-ubyte.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JOB))
                .hasMessageContaining("outside the directories");
        assertThatThrownBy(() -> files(false).file("file:///etc", null, "passwd"))
                .hasMessageContaining("outside the directories");
    }

    @Test
    void symbolicLinksOutOfAnAllowedRootAreRefused() throws Exception {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.createSymbolicLink(data.resolve("train-labels-idx1-ubyte.gz"), served.resolve("train-labels-idx1-ubyte.gz"));
        assertThatThrownBy(() -> files(false).file(data.toString(), null, "train-labels-idx1-ubyte.gz"))
                .hasMessageContaining("outside the directories");
    }

    @Test
    void otherSchemesAreRefused() {
        assertThatThrownBy(() -> files(true).file("ftp://example.org/x", null, "a"))
                .hasMessageContaining("scheme 'ftp'");
    }

    @Test
    void fashionMnistLoadsFromALocalDirectoryWithLimits() throws Exception {
        Path data = FashionMnistFiles.write(root.resolve("data/fm"), 30, 12, false);
        DatasetCatalog catalog = new DatasetCatalog(new DataSources(Map.of(), List.of(root.resolve("data")), root.resolve("cache"), false));
        LoadedDataset ds = catalog.load(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(data.toString())
                .setMaxTrainSamples(20).build());
        assertThat(ds.train().size()).isEqualTo(20);
        assertThat(ds.test().size()).isEqualTo(12);
        assertThat(ds.classNames()).hasSize(10).startsWith("T-shirt/top");
        assertThat(ds.train().sampleShape().getShape()).containsExactly(28, 28);
    }

    @Test
    void unknownDatasetNamesTheKnownOnes() {
        DatasetCatalog catalog = new DatasetCatalog(new DataSources(Map.of(), List.of(), root, false));
        assertThatThrownBy(() -> catalog.load(DatasetSpec.newBuilder().setName("mnist-9000").build()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_DATASET))
                .hasMessageContaining("fashion-mnist");
    }
}
