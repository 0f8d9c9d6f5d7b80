package dev.peel.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesKeysSortedWithoutWhitespace() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zeta", 1);
        m.put("alpha", List.of("x", true, Json.NULL));
        m.put("mid", Map.of("b", 2L, "a", "s"));
        m.put("absent", null);
        assertEquals("{\"alpha\":[\"x\",true,null],\"mid\":{\"a\":\"s\",\"b\":2},\"zeta\":1}",
                new String(Json.write(m), StandardCharsets.UTF_8));
    }

    @Test
    void escapesOnlyWhatJsonRequires() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001é<>&\"", new String(Json.write("a\"b\\c\n\u0001é<>&"), StandardCharsets.UTF_8));
    }

    @Test
    void parsesWhatItWritesBackToTheSameBytes() {
        byte[] doc = "{\"a\":[1,-2,{\"b\":\"é\\n\"}],\"c\":false,\"d\":null}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(doc, Json.write(Json.parse(doc)));
        assertEquals("é\n", ((Map<?, ?>) ((List<?>) Json.parseObject(
                "{\"a\":[{\"b\":\"\\u00e9\\n\"}]}".getBytes(StandardCharsets.UTF_8)).get("a")).get(0)).get("b"));
        Map<String, Object> m = Json.parseObject(" { \"x\" : [ 1 , 2 ] , \"y\" : \"z\" } ".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(1L, 2L), m.get("x"));
        assertEquals("{\"x\":[1,2],\"y\":\"z\"}", new String(Json.write(m), StandardCharsets.UTF_8));
    }

    @Test
    void rejectsMalformedDocumentsWithTheirOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("{\"a\":1,}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("malformed JSON at offset 7: expected a key", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"abc".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(1000).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void manifestRoundTripsThroughItsCanonicalBytes() {
        Descriptor config = Descriptor.of(MediaType.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8));
        Descriptor layer = new Descriptor(MediaType.OCI_LAYER_GZIP, Digest.of(new byte[] {1}), 1);
        Manifest m = new Manifest(MediaType.OCI_MANIFEST, config, List.of(layer), Map.of("k", "v"));
        byte[] raw = m.toJson();
        assertEquals("{\"annotations\":{\"k\":\"v\"},\"config\":{\"digest\":\"" + config.digest()
                + "\",\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2},\"layers\":[{\"digest\":\""
                + layer.digest() + "\",\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":1}],"
                + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"schemaVersion\":2}",
                new String(raw, StandardCharsets.UTF_8));
        assertArrayEquals(raw, Manifest.parse(raw).toJson());
    }

    @Test
    void platformsMapDebianArchitectures() {
        assertEquals("linux/arm64/v8", Platform.ofDebianArch("arm64").orElseThrow().toString());
        assertEquals("linux/arm/v7", Platform.ofDebianArch("armhf").orElseThrow().toString());
        assertEquals("linux/ppc64le", Platform.ofDebianArch("ppc64el").orElseThrow().toString());
        assertEquals("linux/386", Platform.ofDebianArch("i386").orElseThrow().toString());
        assertEquals(true, Platform.ofDebianArch("arm64").orElseThrow().matches(Platform.parse("linux/arm64")));
        assertEquals(false, Platform.ofDebianArch("armhf").orElseThrow().matches(Platform.parse("linux/arm/v6")));
    }
}
