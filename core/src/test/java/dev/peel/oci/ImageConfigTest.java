package dev.peel.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageConfigTest {
    @Test
    void membersPeelDoesNotModelAreWrittenBackAsRead() {
        String raw = "{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/app\"],\"Healthcheck\":{\"Interval\":30000000000,"
                + "\"Test\":[\"CMD\",\"/app\",\"health\"]},\"OnBuild\":null,\"Shell\":[\"/bin/sh\",\"-c\"]},\"created\":\"1970-01-01T00:00:00Z\","
                + "\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"}}";
        ImageConfig c = ImageConfig.parse(raw.getBytes(StandardCharsets.UTF_8));
        assertEquals(java.util.Set.of("Healthcheck", "OnBuild", "Shell"), c.config().others().keySet());
        String back = new String(c.toJson(), StandardCharsets.UTF_8);
        assertTrue(back.contains("\"Healthcheck\":{\"Interval\":30000000000,\"Test\":[\"CMD\",\"/app\",\"health\"]}")
                && back.contains("\"OnBuild\":null") && back.contains("\"Shell\":[\"/bin/sh\",\"-c\"]"), back);
        assertEquals(c.config(), ImageConfig.parse(c.toJson()).config());
    }
}
