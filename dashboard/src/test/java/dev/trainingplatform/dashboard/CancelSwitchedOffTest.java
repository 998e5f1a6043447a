package dev.trainingplatform.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.testkafka.KafkaBrokerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With DASHBOARD_CANCEL_ENABLED=false the pages hide the button and the endpoint refuses. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@TestProfile(CancelSwitchedOffTest.Off.class)
class CancelSwitchedOffTest {

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dashboard.cancel-enabled", "false");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void cancelIsRefusedAndTheSettingsSaySo() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> cancel = http.send(HttpRequest.newBuilder(root.toURI().resolve("api/jobs/any/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cancel.statusCode()).isEqualTo(403);
        HttpResponse<String> settings = http.send(HttpRequest.newBuilder(root.toURI().resolve("api/settings")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(settings.body()).contains("\"cancelEnabled\":false");
    }
}
