package dev.peel.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
    void readsNumbersByJsonsGrammarOnly() {
        for (String bad : List.of("1.", "+1", ".5", "01", "-", "1e", "1e+", "-.5", "1.e5", "0x10", "1-2")) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
        assertEquals(-0L, parse("-0"));
        assertEquals(10L, parse("1.0e1"));
        assertEquals(1L, parse("1e0"));
        assertEquals(new BigDecimal("1.0E+2"), parse("1.0e+2"));
        assertEquals(new BigDecimal("-0.5"), parse("-0.5"));
        assertEquals(Long.MIN_VALUE, parse("-9223372036854775808"));
        assertThrows(IllegalArgumentException.class, () -> parse("9223372036854775808"));
    }

    @Test
    void refusesNumbersTooLongToReadQuickly() {
        // Read whole, a number of 4 million digits (a manifest's limit) kept a core busy for minutes.
        byte[] doc = "7".repeat(4_000_000).getBytes(StandardCharsets.UTF_8);
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IllegalArgumentException.class, () -> Json.parse(doc)));
        assertEquals("malformed JSON at offset 4000000: bad number: longer than 4096 characters", e.getMessage());
    }

    @Test
    void numbersItReadsAreWrittenSoThatTheyReadBackTheSame() {
        for (String n : List.of("1e999999999", "0.0000001", "1.50", "-1E-7", "123.456e78")) {
            Object v = parse(n);
            assertEquals(v, Json.parse(Json.write(v)), n);
        }
        // Its canonical form would be 1.0E+2147483648, an exponent BigDecimal does not read.
        assertThrows(IllegalArgumentException.class, () -> parse("10e2147483647"));
    }

    @Test
    void readsUnicodeEscapesAsFourHexDigitsExactly() {
        assertEquals("\u00e9\u00e9", parse("\"\\u00e9\\u00E9\""));
        for (String bad : List.of("\"\\u+123\"", "\"\\u-123\"", "\"\\u12g4\"", "\"\\u\u0663\u0663\u0663\u0663\"")) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
    }

    @Test
    void writesALoneSurrogateAsAnEscape() {
        Object lone = parse("[\"a\\ud800b\",\"\\udc00\"]");
        assertEquals("[\"a\\ud800b\",\"\\udc00\"]", new String(Json.write(lone), StandardCharsets.UTF_8));
        assertEquals(lone, Json.parse(Json.write(lone)));
        // A pair is one character: written as its UTF-8 bytes.
        assertEquals("\"\ud83d\ude00\"", new String(Json.write(parse("\"\\ud83d\\ude00\"")), StandardCharsets.UTF_8));
    }

    private static Object parse(String s) {
        return Json.parse(s.getBytes(StandardCharsets.UTF_8));
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
