package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReferenceTest {
    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io, library/busybox, , registry-1.docker.io",
            "busybox:1.36, docker.io, library/busybox, 1.36, registry-1.docker.io",
            "team/app, docker.io, team/app, , registry-1.docker.io",
            "docker.io/busybox, docker.io, library/busybox, , registry-1.docker.io",
            "index.docker.io/library/busybox:1, docker.io, library/busybox, 1, registry-1.docker.io",
            "registry-1.docker.io/team/app:2, docker.io, team/app, 2, registry-1.docker.io",
            "localhost/app, localhost, app, , localhost",
            "localhost:5000/app:v1, localhost:5000, app, v1, localhost:5000",
            "127.0.0.1:5000/a/b/c:t, 127.0.0.1:5000, a/b/c, t, 127.0.0.1:5000",
            "ghcr.io/org/app:latest, ghcr.io, org/app, latest, ghcr.io",
            "Registry/app, Registry, app, , Registry",
            "[::1]:5000/app, [::1]:5000, app, , [::1]:5000",
    })
    void parsesAsDockerDoes(String in, String registry, String repository, String tag, String apiHost) {
        Reference r = Reference.parse(in);
        assertEquals(registry, r.registry());
        assertEquals(repository, r.repository());
        assertEquals(tag, r.tag());
        assertEquals(apiHost, r.apiHost());
        assertEquals(r, Reference.parse(r.toString()), "the printed form parses back to the same reference");
    }

    @Test
    void digestsArePinned() {
        String hex = "a".repeat(64);
        Reference r = Reference.parse("127.0.0.1:5000/app:1@sha256:" + hex);
        assertEquals("1", r.tag());
        assertEquals("sha256:" + hex, r.digest().toString());
        assertEquals("sha256:" + hex, r.identifier(), "the digest wins over the tag");
        assertEquals("latest", Reference.parse("127.0.0.1:5000/app").identifier());
        assertNull(Reference.parse("127.0.0.1:5000/app").tag());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "app/UPPER", "app:", "app@sha512:" + "ab", "app@sha256:xyz", "a//b", "-app", "app:-tag",
            "a/b:ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt", "host:port:tag/app", "app/"})
    void refusesWhatDockerRefuses(String in) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reference.parse(in));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void tellsRegistryReferencesFromPaths() {
        assertTrue(Reference.hasRegistry("127.0.0.1:5000/app"));
        assertTrue(Reference.hasRegistry("localhost/app"));
        assertTrue(Reference.hasRegistry("ghcr.io/a/b"));
        assertFalse(Reference.hasRegistry("out/static"));
        assertFalse(Reference.hasRegistry("static"));
    }
}
