package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Index;
import dev.peel.oci.Json;
import dev.peel.oci.Manifest;
import dev.peel.oci.MediaType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Timeout;

/**
 * Every parser of what a registry sends, against any input: it gives a value or an
 * {@link IllegalArgumentException} (which the client turns into a {@link RegistryException}), never another
 * exception, never a hang. A plain {@code mvn test} runs each target over its seeds in
 * {@code RegistryParsersFuzzTestInputs/<method>/} (and an empty input); {@code bench/fuzz-registry-parsers.sh}
 * fuzzes them. Each target takes raw bytes so that seeds are the real header or document, readable as they are.
 */
class RegistryParsersFuzzTest {
    /** Fixed, so that an HTTP date in Retry-After gives the same answer on every run. */
    private static final long NOW = 1_767_225_600_000L;
    private static final URI UPLOAD = URI.create("https://registry.example/v2/a/b/blobs/uploads/");
    /** Challenge.parse's limit: a longer header is refused before parsing. */
    private static final int MAX_CHALLENGE_HEADER = 16 * 1024;
    private static final String TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static volatile Registry registry;

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"Bearer", "Basic", "realm=", "service=", "scope=", "\"", "\\\"", ",", "="})
    void challenge(byte[] input) {
        String header = utf8(input);
        List<Challenge> parsed;
        try {
            parsed = Challenge.parse(header);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertFalse(parsed.isEmpty());
        for (Challenge c : parsed) {
            assertFalse(c.scheme().isEmpty());
            assertEquals(c.scheme().toLowerCase(Locale.ROOT), c.scheme());
            c.params().keySet().forEach(k -> assertEquals(k.toLowerCase(Locale.ROOT), k));
        }
        // What was read, written out again in the canonical form, reads the same.
        String again = render(parsed, false);
        if (again.length() <= MAX_CHALLENGE_HEADER) {
            assertEquals(parsed, Challenge.parse(again));
        }
    }

    /** Well-formed headers made from the input: the parameters come back exactly, commas and quotes included. */
    @FuzzTest
    @Timeout(10)
    void challengeRoundTrip(FuzzedDataProvider data) {
        List<Challenge> made = new ArrayList<>();
        int challenges = data.consumeInt(1, 3);
        for (int n = 0; n < challenges; n++) {
            String scheme = token(data, 1, 12);
            Map<String, String> params = new LinkedHashMap<>();
            int count = data.consumeInt(0, 5);
            for (int k = 0; k < count; k++) {
                String name = token(data, 1, 10);
                String value = data.consumeString(40).replaceAll("[\\x00-\\x08\\x0a-\\x1f\\x7f]", " ");
                if (!params.containsKey(name.toLowerCase(Locale.ROOT))) {
                    params.put(name.toLowerCase(Locale.ROOT), value);
                }
            }
            made.add(new Challenge(scheme, params));
        }
        String header = render(made, data.consumeBoolean());
        assertEquals(made, Challenge.parse(header), header);
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"/", ":", "@", "@sha256:", "docker.io/", "localhost:5000/", "library/", "index.docker.io/"})
    void reference(byte[] input) {
        Reference r;
        try {
            r = Reference.parse(utf8(input));
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(r, Reference.parse(r.toString()));
        assertNotNull(r.apiHost());
        assertNotNull(r.identifier());
    }

    /** The Link header of a tag list page, and the URL the client would then ask: a URL or a RegistryException. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"<", ">", ";", "rel=\"next\"", "rel=next", "/v2/", "?last=", "&n=", "https://"})
    void nextLink(byte[] input) throws RegistryException {
        String header = utf8(input);
        String next = Repository.nextLink(header);
        if (next == null) {
            return;
        }
        assertTrue(header.contains("<" + next + ">"), next);
        URI u;
        try {
            u = registry().resolve(next);
        } catch (RegistryException e) {
            return;
        }
        assertEquals("registry.example", u.getRawAuthority());
        assertEquals("https", u.getScheme());
    }

    /** Retry-After is read outside any error handling: it must not throw at all. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"Thu, ", " GMT", " Jan ", "2026", "00:00:00"})
    void retryAfter(byte[] input) {
        Long millis = Registry.retryAfterMillis(utf8(input), NOW);
        assertTrue(millis == null || millis >= 0 && millis <= 999_999_999_000L, String.valueOf(millis));
    }

    /** The error body is only a hint in another error's message: never throws, short, no control characters. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"{\"errors\":[", "\"code\":", "\"message\":", "\"detail\":", "]}"})
    void errorText(byte[] input) {
        String text = Registry.errorText(input);
        assertNotNull(text);
        assertTrue(text.length() <= 201, text);
        assertFalse(text.chars().anyMatch(c -> c < 0x20 || c == 0x7f), text);
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"{", "}", "[", "]", "\"", ":", ",", "true", "false", "null", "\\u", "\\ud800", "e+", ".", "-"})
    void json(byte[] input) {
        Object v;
        try {
            v = Json.parse(input);
        } catch (IllegalArgumentException e) {
            return;
        }
        byte[] canonical = Json.write(v);
        assertEquals(v, Json.parse(canonical));
        assertArrayEquals(canonical, Json.write(Json.parse(canonical)));
        assertEquals(v, Json.parse(Json.writePretty(v)));
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"mediaType\":", "\"config\":", "\"layers\":", "\"digest\":", "\"size\":", "\"annotations\":",
            "\"sha256:", "\"platform\":", "\"os\":", "\"architecture\":", "\"variant\":"})
    void manifest(byte[] input) {
        Manifest m;
        try {
            m = Manifest.parse(input);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(m, Manifest.parse(m.toJson()));
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"mediaType\":", "\"manifests\":", "\"digest\":", "\"size\":", "\"annotations\":",
            "\"sha256:", "\"platform\":", "\"os\":", "\"architecture\":", "\"variant\":"})
    void index(byte[] input) {
        Index i;
        try {
            i = Index.parse(input);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(i, Index.parse(i.toJson()));
    }

    /** A config is normalised when written (empty User dropped, …): writing is a fixed point after one round. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"config\":", "\"rootfs\":", "\"diff_ids\":", "\"history\":", "\"Env\":", "\"Cmd\":",
            "\"Entrypoint\":", "\"ExposedPorts\":", "\"Volumes\":", "\"Labels\":", "\"empty_layer\":", "\"sha256:"})
    void imageConfig(byte[] input) {
        ImageConfig c;
        try {
            c = ImageConfig.parse(input);
        } catch (IllegalArgumentException e) {
            return;
        }
        byte[] once = c.toJson();
        assertArrayEquals(once, ImageConfig.parse(once).toJson());
    }

    /**
     * A fetched manifest's type, from the document or the Content-Type header. The input's first line is the
     * header (none when the input has no newline), the rest the document.
     */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({";", "charset=utf-8", "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json", "\"mediaType\":", "\"manifests\"", "\"config\""})
    void manifestMediaType(byte[] input) {
        String all = utf8(input);
        int nl = all.indexOf('\n');
        String contentType = nl < 0 ? null : all.substring(0, nl);
        byte[] body = (nl < 0 ? all : all.substring(nl + 1)).getBytes(StandardCharsets.UTF_8);
        MediaType t;
        try {
            t = Repository.mediaType(body, contentType, "manifest registry.example/a:b");
        } catch (RegistryException e) {
            return;
        }
        assertTrue(t.isIndex() || t.isManifest(), t.value());
    }

    /** An upload's or a redirect's Location, resolved against the request's URL. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"https://", "http://", "/v2/", "?_state=", "&digest=", "%", "#", "[::1]", ":443", "//"})
    void location(byte[] input) {
        String value = utf8(input);
        if (value.isBlank()) {
            return; // the callers refuse an empty Location before resolving it
        }
        URI u;
        try {
            u = Registry.resolveHeaderUrl(UPLOAD, value);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertTrue(u.isAbsolute(), u.toString());
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A session for a non-loopback host: it speaks HTTPS without asking, so resolving URLs needs no network. */
    private static Registry registry() throws RegistryException {
        if (registry == null) {
            registry = new RegistryClient(RegistryClient.Options.defaults()).registry("registry.example");
        }
        return registry;
    }

    private static String token(FuzzedDataProvider data, int min, int max) {
        int n = data.consumeInt(min, max);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(TCHARS.charAt(data.consumeInt(0, TCHARS.length() - 1)));
        }
        return b.toString();
    }

    /** Challenges as a header: quoted values (or, loosely, tokens where they can be), spaces where allowed. */
    private static String render(List<Challenge> challenges, boolean loose) {
        StringBuilder b = new StringBuilder();
        for (Challenge c : challenges) {
            if (b.length() > 0) {
                b.append(loose ? " ,\t, " : ", ");
            }
            b.append(loose ? c.scheme().toUpperCase(Locale.ROOT) : c.scheme());
            boolean first = true;
            for (Map.Entry<String, String> p : new TreeMap<>(c.params()).entrySet()) {
                b.append(first ? " " : loose ? " , " : ",");
                first = false;
                b.append(loose ? p.getKey().toUpperCase(Locale.ROOT) : p.getKey()).append(loose ? " = " : "=");
                String v = p.getValue();
                if (loose && !v.isEmpty() && v.chars().allMatch(ch -> TCHARS.indexOf(ch) >= 0)) {
                    b.append(v);
                } else {
                    b.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                }
            }
        }
        return b.toString();
    }
}
