package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LockTest {
    static final Digest INDEX = Digest.parse("sha256:" + "1".repeat(64));
    static final Digest AMD64 = Digest.parse("sha256:" + "2".repeat(64));

    static Lock.LockedBase base(String ref) {
        return new Lock.LockedBase(ref, "registry.example/team/base:1", INDEX, "application/vnd.oci.image.index.v1+json", 321,
                Map.of("amd64", AMD64));
    }

    @Test
    void aBaseOnlyLockReadsBackAsWritten() {
        Lock l = new Lock(null, List.of(), Map.of()).withBase(base("registry.example/team/base:1"));
        byte[] json = l.toJson();
        String text = new String(json, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"digest\": \"" + INDEX + "\"") && !text.contains("\"request\""), text);
        Lock back = Lock.parse(json);
        assertEquals(l, back);
        assertNull(back.request());
        assertEquals(AMD64, back.base().platforms().get("amd64"));
    }

    @Test
    void aLockIsStaleWhenTheBaseOrItsArchsChange() {
        Lock.Request req = new Lock.Request("bookworm", List.of("openssl"), "transitive", List.of());
        Lock l = new Lock(req, List.of(), Map.of("amd64", List.of())).withBase(base("registry.example/team/base:1"));
        assertNull(l.staleness(req, "registry.example/team/base:1", List.of("amd64")));
        assertNull(l.staleness(req, "registry.example/team/base:1", List.of()), "no archs: the locked platforms");
        assertEquals("the base changed from registry.example/team/base:1 to registry.example/team/base:2",
                l.staleness(req, "registry.example/team/base:2", List.of("amd64")));
        assertEquals("the spec no longer builds on registry.example/team/base:1", l.staleness(req, null, List.of("amd64")));
        assertEquals("it pins no base image for [arm64]", l.staleness(req, "registry.example/team/base:1", List.of("arm64")));
        assertEquals("the spec no longer installs Debian packages", l.staleness(null, "registry.example/team/base:1", List.of()));
        assertTrue(l.staleness(new Lock.Request("bookworm", List.of("curl"), "transitive", List.of()),
                "registry.example/team/base:1", List.of("amd64")).startsWith("the spec's packages changed"));
        Lock plain = new Lock(req, List.of(), Map.of("amd64", List.of()));
        assertEquals("the spec now builds on oci:base", plain.staleness(req, "oci:base", List.of("amd64")));
    }
}
