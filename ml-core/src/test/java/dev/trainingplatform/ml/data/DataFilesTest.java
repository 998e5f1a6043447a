package dev.trainingplatform.ml.data;

import dev.trainingplatform.ml.checkpoint.Sha256;
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
        server.createContext("/elsewhere/", exchange -> {
            // Same server, another host name: a redirect the download must refuse.
            exchange.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort()
                    + "/fmnist/" + exchange.getRequestURI().getPath().substring("/elsewhere/".length()));
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/secret/", exchange -> {
            // An internal page a job should never get to read back through an error message.
            byte[] body = "root:x:0:0:SECRET-CANARY-7731\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
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

    /** Downloads from this test's own listener: 127.0.0.1 over http, which no default policy allows. */
    private DataFiles files(boolean downloads) {
        return files(new DownloadPolicy(downloads, java.util.Set.of("127.0.0.1"), true, true));
    }

    private DataFiles files(DownloadPolicy policy) {
        return new DataFiles(new DataSources(Map.of(), List.of(root.resolve("data")), root.resolve("cache"), policy));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void byDefaultOnlyTheCanonicalHostsOverHttpsAreFetched() {
        DataFiles defaults = files(DownloadPolicy.canonical(true));
        assertThatThrownBy(() -> defaults.file(baseUrl(), null, "train-labels-idx1-ubyte.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JOB))
                .hasMessageContaining("only https downloads are allowed");
        assertThatThrownBy(() -> defaults.file(baseUrl().replace("http:", "https:"), null, "train-labels-idx1-ubyte.gz"))
                .hasMessageContaining("host '127.0.0.1' is not one this service downloads from");
        assertThat(requests.get()).isZero();
    }

    @Test
    void anAllowedHostResolvingToAPrivateAddressIsRefusedUnlessConfigured() throws Exception {
        DataFiles publicOnly = files(new DownloadPolicy(true, java.util.Set.of("127.0.0.1", "localhost"), true, false));
        assertThatThrownBy(() -> publicOnly.file(baseUrl(), null, "train-labels-idx1-ubyte.gz"))
                .hasMessageContaining("resolves to the non-public address 127.0.0.1");
        assertThatThrownBy(() -> publicOnly.file(baseUrl().replace("127.0.0.1", "localhost"), null, "train-labels-idx1-ubyte.gz"))
                .hasMessageContaining("non-public address");
        assertThat(requests.get()).isZero();
        assertThat(DownloadPolicy.isPublic(java.net.InetAddress.getByName("169.254.169.254"))).isFalse();
        assertThat(DownloadPolicy.isPublic(java.net.InetAddress.getByName("10.1.2.3"))).isFalse();
        assertThat(DownloadPolicy.isPublic(java.net.InetAddress.getByName("100.64.0.1"))).isFalse();
        assertThat(DownloadPolicy.isPublic(java.net.InetAddress.getByName("fd00::1"))).isFalse();
        assertThat(DownloadPolicy.isPublic(java.net.InetAddress.getByName("93.184.216.34"))).isTrue();
    }

    @Test
    void aRedirectToAnotherHostIsRefused() {
        DataFiles both = files(new DownloadPolicy(true, java.util.Set.of("127.0.0.1", "localhost"), true, true));
        assertThatThrownBy(() -> both.file(url("/elsewhere/"), null, "train-labels-idx1-ubyte.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JOB))
                .hasMessageContaining("redirects to another host (localhost)");
        assertThat(requests.get()).isZero();
    }

    @Test
    void fetchedContentIsNeverEchoedInTheError() {
        DatasetCatalog catalog = new DatasetCatalog(new DataSources(Map.of(), List.of(), root.resolve("cache"),
                new DownloadPolicy(true, java.util.Set.of("127.0.0.1"), true, true)));
        assertThatThrownBy(() -> catalog.load(DatasetSpec.newBuilder().setName("forda").setLocation(url("/secret/")).build()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("FordA_TRAIN.tsv line 1").hasMessageNotContaining("SECRET").hasMessageNotContaining("root:x");
        assertThatThrownBy(() -> catalog.load(DatasetSpec.newBuilder().setName("fashion-mnist").setLocation(url("/secret/")).build()))
                .hasMessageContaining("not an unsigned-byte IDX file").hasMessageNotContaining("0x726f6f74");
    }

    @Test
    void aFailedDownloadNamesItsCause() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> files(true).file("http://127.0.0.1:" + closedPort + "/x/", null, "train-labels-idx1-ubyte.gz"))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_NOT_FOUND))
                .hasMessageContaining("connection refused").hasMessageNotContaining("null");
    }

    @Test
    void aGzipBombStopsAtTheFileLimitAndAnIdxHeaderClaimingTooMuchAtItsHeader() throws Exception {
        Path dir = Files.createDirectories(root.resolve("data/bomb"));
        Path bomb = dir.resolve("data_batch_1.bin");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(bomb))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) { // 300 MiB unpacked, a few hundred KiB packed
                out.write(zeros);
            }
        }
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        assertThatThrownBy(() -> DataFiles.readAllBounded(bomb))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("more than 256 MiB (after decompression)");
        Path claims = dir.resolve("train-images-idx3-ubyte.gz");
        try (var out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(Files.newOutputStream(claims)))) {
            out.writeInt(0x00000803);
            out.writeInt(1_000_000);
            out.writeInt(1000);
            out.writeInt(1000);
            out.write(new byte[1 << 20]);
        }
        assertThatThrownBy(() -> IdxFile.read(claims))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                .hasMessageContaining("announces 1000000000000 bytes");
    }

    @Test
    void aFileLargerThanTheLimitIsRefusedAsLimitExceeded() throws Exception {
        Path dir = Files.createDirectories(root.resolve("data/cifar-10-batches-bin"));
        Path huge = dir.resolve("test_batch.bin");
        try (var f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1_840_000_000L); // sparse: takes no disk
        }
        assertThatThrownBy(() -> DataFiles.readAllBounded(huge))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED));
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
