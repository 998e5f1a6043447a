package dev.trainingplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** The cpu and gpu overlays as `kubectl kustomize` renders them, one JSON tree per document. */
final class RenderedOverlays {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    /** The Maven module a Deployment's application is built in: {@code trainer-service}, {@code dashboard}. */
    static String module(String deployment) {
        return deployment.equals("dashboard") ? deployment : deployment + "-service";
    }
    static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
    private static Map<String, List<JsonNode>> rendered;

    private RenderedOverlays() {}

    /** overlay name to its documents; skips the calling test where kubectl is not installed. */
    static synchronized Map<String, List<JsonNode>> all() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed: the manifests cannot be rendered here");
        if (rendered == null) {
            Map<String, List<JsonNode>> overlays = new HashMap<>();
            for (String overlay : List.of("cpu", "gpu")) {
                Process p = new ProcessBuilder("kubectl", "kustomize", KUBERNETES.resolve("overlays/" + overlay).toString())
                        .redirectErrorStream(true).start();
                String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as("kubectl kustomize " + overlay + ":\n" + yaml).isZero();
                overlays.put(overlay, documents(yaml));
            }
            rendered = overlays;
        }
        return rendered;
    }

    static List<JsonNode> documents(String yaml) throws Exception {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
                    objects.add(doc);
                }
            }
        }
        return objects;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
