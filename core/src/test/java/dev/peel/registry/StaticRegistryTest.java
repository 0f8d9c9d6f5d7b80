package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StaticRegistryTest {
    @TempDir
    Path tmp;

    /** Builds a files-only image (no packages, no network) into a layout and returns the layout's directory. */
    private Path build(String name, String archs, String content) throws Exception {
        Path spec = tmp.resolve(name + ".yaml");
        Files.writeString(spec, "created: 2024-01-01T00:00:00Z\narchs: [" + archs + "]\n"
                + "files:\n  - {path: /etc/motd, content: \"" + content + "\"}\n");
        Path out = tmp.resolve("layouts").resolve(name);
        new Build(SpecParser.parse(spec), BuildOptions.defaults()).run(Outputs.layout(out));
        return out;
    }

    private static byte[] read(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    private static List<Path> temps(Path dest) throws IOException {
        try (Stream<Path> s = Files.walk(dest)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void writesTheRegistryTreeAClientReads() throws Exception {
        Path src = build("multi", "amd64, arm64", "hello");
        Path dest = tmp.resolve("site");
        try (Layout layout = Layout.open(src)) {
            Descriptor top = layout.resolve(null);
            assertTrue(top.mediaType().isIndex());
            StaticRegistry.Report r = new StaticRegistry(dest).publish(layout, top, "team/app", List.of("latest", "1.0"));
            Path repo = dest.resolve("v2/team/app");

            assertArrayEquals(read(src.resolve("blobs/sha256/" + top.digest().hex())),
                    read(repo.resolve("manifests/" + top.digest())), "the index byte for byte");
            assertArrayEquals(read(repo.resolve("manifests/" + top.digest())), read(repo.resolve("manifests/latest")));
            assertArrayEquals(read(repo.resolve("manifests/" + top.digest())), read(repo.resolve("manifests/1.0")));
            List<Image> images = layout.imagesUnder(top);
            assertEquals(2, images.size());
            for (Image i : images) {
                assertArrayEquals(i.rawManifest(), read(repo.resolve("manifests/" + i.digest())));
                assertArrayEquals(i.rawConfig(), read(repo.resolve("blobs/" + i.manifest().config().digest())));
                for (Layer l : i.layers()) {
                    assertEquals(l.digest(), Digest.of(read(repo.resolve("blobs/" + l.digest()))));
                }
            }
            int blobs;
            try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
                blobs = (int) s.count();
            }
            assertEquals(new StaticRegistry.Report(blobs, 0, 0), r, "one layer shared by both archs, two configs");
            assertEquals(3, blobs);

            assertEquals("{\"name\":\"team/app\",\"tags\":[\"1.0\",\"latest\"]}", Files.readString(repo.resolve("tags/list")));
            assertEquals("{\"repositories\":[\"team/app\"]}", Files.readString(dest.resolve("v2/_catalog")));
            assertEquals("{}", Files.readString(dest.resolve("v2/index.html")));

            StaticObjects objects = StaticObjects.read(dest.resolve("objects.json"));
            assertEquals(new StaticObjects.Entry(MediaType.OCI_INDEX.value(), top.digest(), top.size()),
                    objects.all().get("v2/team/app/manifests/latest"));
            assertEquals(new StaticObjects.Entry(MediaType.OCI_INDEX.value(), top.digest(), top.size()),
                    objects.all().get("v2/team/app/manifests/" + top.digest()));
            Image amd = images.get(0);
            assertEquals(new StaticObjects.Entry(MediaType.OCI_MANIFEST.value(), amd.digest(), amd.rawManifest().length),
                    objects.all().get("v2/team/app/manifests/" + amd.digest()));
            Layer l = amd.layers().get(0);
            assertEquals(new StaticObjects.Entry("application/octet-stream", l.digest(), l.size()),
                    objects.all().get("v2/team/app/blobs/" + l.digest()));
            assertEquals(new StaticObjects.Entry("application/json", null, Files.size(repo.resolve("tags/list"))),
                    objects.all().get("v2/team/app/tags/list"));
            assertEquals(new StaticObjects.Entry("application/json", null, 2), objects.all().get("v2/index.html"));
            assertEquals(3 + 3 + 2 + 3, objects.all().size(), "blobs, manifests, tags, then tags list, catalog, ping");
            assertArrayEquals(objects.toJson(), read(dest.resolve("objects.json")), "written as it reads back");
            String json = Files.readString(dest.resolve("objects.json"));
            assertTrue(json.contains("\"Docker-Content-Digest\": \"" + top.digest() + "\""), json);

            String nginx = Files.readString(dest.resolve("nginx.conf"));
            assertTrue(nginx.contains("location = /v2/team/app/manifests/latest {\n    types { }\n    default_type "
                    + MediaType.OCI_INDEX.value() + ";\n    add_header Docker-Content-Digest " + top.digest() + ";"), nginx);
            assertTrue(nginx.contains("location = /v2/team/app/manifests/" + amd.digest() + " {\n    types { }\n"
                    + "    default_type " + MediaType.OCI_MANIFEST.value() + ";"), nginx);
            assertFalse(nginx.contains("/blobs/sha256:" + l.digest().hex()), "blobs share one location");

            try (Stream<Path> s = Files.walk(repo)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
                }
            }
            assertEquals(List.of(), temps(dest));
        }
    }

    @Test
    void repositoriesShareEachBlobByHardLink() throws Exception {
        Path src = build("multi", "amd64, arm64", "hello");
        Path dest = tmp.resolve("site");
        StaticRegistry reg = new StaticRegistry(dest);
        try (Layout layout = Layout.open(src)) {
            Descriptor top = layout.resolve(null);
            assertEquals(new StaticRegistry.Report(3, 0, 0), reg.publish(layout, top, "first", List.of("v1")));
            assertEquals(new StaticRegistry.Report(0, 3, 0), reg.publish(layout, top, "second/app", List.of("v1")));
            assertEquals(new StaticRegistry.Report(0, 0, 3), reg.publish(layout, top, "second/app", List.of("v1")),
                    "publishing again copies nothing");
            try (Stream<Path> s = Files.list(dest.resolve("v2/first/blobs"))) {
                for (Path a : s.toList()) {
                    Path b = dest.resolve("v2/second/app/blobs").resolve(a.getFileName());
                    assertTrue(Files.isSameFile(a, b), b + " is a link to " + a);
                    assertEquals(2, Files.getAttribute(a, "unix:nlink"));
                }
            }
        }
        assertEquals("{\"repositories\":[\"first\",\"second/app\"]}", Files.readString(dest.resolve("v2/_catalog")));
    }

    @Test
    void tagsAddUpAcrossPublishesAndMoveWhenPublishedAgain() throws Exception {
        Path one = build("one", "amd64", "one");
        Path two = build("two", "amd64", "two");
        Path dest = tmp.resolve("site");
        StaticRegistry reg = new StaticRegistry(dest);
        try (Layout a = Layout.open(one); Layout b = Layout.open(two)) {
            Descriptor da = a.resolve(null);
            Descriptor db = b.resolve(null);
            assertTrue(da.mediaType().isManifest(), "one arch: a manifest at the top");
            reg.publish(a, da, "app", List.of("1"));
            reg.publish(a, da, "other", List.of("x"));
            reg.publish(b, db, "app", List.of("2", "latest"));
            assertEquals(List.of("1", "2", "latest"), reg.objects().tags("app"));
            assertEquals("{\"name\":\"app\",\"tags\":[\"1\",\"2\",\"latest\"]}", Files.readString(dest.resolve("v2/app/tags/list")));

            reg.publish(b, db, "app", List.of("1"));
            assertArrayEquals(read(two.resolve("blobs/sha256/" + db.digest().hex())),
                    read(dest.resolve("v2/app/manifests/1")), "tag 1 moved to the second image");
            assertEquals(db.digest(), reg.objects().all().get("v2/app/manifests/1").digest());
            assertTrue(Files.exists(dest.resolve("v2/app/manifests/" + da.digest())), "the old content stays, by digest");
            assertEquals(List.of("1", "2", "latest"), reg.objects().tags("app"));
            assertEquals(List.of("x"), reg.objects().tags("other"));
            assertEquals(List.of("app", "other"), reg.objects().repositories());
            assertTrue(Files.readString(dest.resolve("nginx.conf")).contains("location = /v2/other/manifests/x {"));

            reg.publish(a, da, "app", List.of());
            assertEquals(List.of("1", "2", "latest"), reg.objects().tags("app"), "by digest only: no tag changes");
        }
    }

    @Test
    void aSourceBlobThatDoesNotMatchItsDigestFailsBeforeAnyTag() throws Exception {
        Path good = build("good", "amd64", "good");
        Path bad = build("bad", "amd64, arm64", "bad");
        Path dest = tmp.resolve("site");
        StaticRegistry reg = new StaticRegistry(dest);
        try (Layout g = Layout.open(good)) {
            reg.publish(g, g.resolve(null), "app", List.of("latest"));
        }
        Map<String, byte[]> before = Map.of("objects.json", read(dest.resolve("objects.json")),
                "nginx.conf", read(dest.resolve("nginx.conf")), "v2/app/tags/list", read(dest.resolve("v2/app/tags/list")),
                "v2/app/manifests/latest", read(dest.resolve("v2/app/manifests/latest")));
        Digest layer;
        try (Layout l = Layout.open(bad)) {
            layer = l.imagesUnder(l.resolve(null)).get(0).layers().get(0).digest();
        }
        // Same size, one bit off: only hashing finds it.
        Path blob = bad.resolve("blobs/sha256/" + layer.hex());
        byte[] bytes = read(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);

        try (Layout l = Layout.open(bad)) {
            Descriptor top = l.resolve(null);
            IOException e = assertThrows(IOException.class, () -> reg.publish(l, top, "app", List.of("latest", "bad")));
            assertTrue(e.getMessage().contains("blob " + layer + " does not match"), e.getMessage());
            assertFalse(Files.exists(dest.resolve("v2/app/manifests/bad")));
            assertFalse(Files.exists(dest.resolve("v2/app/manifests/" + top.digest())), "no index over missing content");
            assertFalse(Files.exists(dest.resolve("v2/app/blobs/" + layer)), "the bad blob is not kept");
        }
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            assertArrayEquals(e.getValue(), read(dest.resolve(e.getKey())), e.getKey() + " is unchanged");
        }
        assertEquals(List.of(), temps(dest));
    }

    @Test
    void concurrentPublishesIntoOneDirectoryTakeTurnsAndAddUp() throws Exception {
        Path src = build("one", "amd64", "one");
        Path dest = tmp.resolve("site");
        List<String> repos = List.of("a", "b", "c", "d");
        try (Layout l = Layout.open(src)) {
            Descriptor top = l.resolve(null);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (String repo : repos) {
                Thread t = new Thread(() -> {
                    try {
                        new StaticRegistry(dest).publish(l, top, repo, List.of("latest"));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(60_000);
                assertFalse(t.isAlive());
            }
            assertEquals(List.of(), failures);
        }
        StaticObjects objects = new StaticRegistry(dest).objects();
        assertEquals(repos, objects.repositories());
        for (String repo : repos) {
            assertEquals(List.of("latest"), objects.tags(repo));
        }
    }

    @Test
    void leftoversOfAKilledPublishAreSweptByTheNext() throws Exception {
        Path src = build("one", "amd64", "one");
        Path dest = tmp.resolve("site");
        try (Layout l = Layout.open(src)) {
            StaticRegistry reg = new StaticRegistry(dest);
            reg.publish(l, l.resolve(null), "app", List.of("latest"));
            Path left = dest.resolve("v2/app/blobs/.peel-1-abc.tmp");
            Files.writeString(left, "half a layer");
            reg.publish(l, l.resolve(null), "app", List.of("again"));
            assertFalse(Files.exists(left));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Team/app", "app/", "/app", "a//b", "-app", "app-", "a_-b", "a...b", "a:b", "",
            "app/tags/list", "app/blobs", "x/manifests/y", "index.html"})
    void badRepositoryNamesAreRefusedBeforeAnythingIsWritten(String name) throws Exception {
        Path src = build("one", "amd64", "one");
        Path dest = tmp.resolve("site");
        try (Layout l = Layout.open(src)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new StaticRegistry(dest).publish(l, l.resolve(null), name, List.of("latest")));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        }
        assertFalse(Files.exists(dest));
    }

    @ParameterizedTest
    @ValueSource(strings = {".hidden", "-x", "a:b", "a/b", "sha256:abc", "", "a b"})
    void badTagsAreRefusedBeforeAnythingIsWritten(String tag) throws Exception {
        Path src = build("one", "amd64", "one");
        Path dest = tmp.resolve("site");
        try (Layout l = Layout.open(src)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new StaticRegistry(dest).publish(l, l.resolve(null), "app", List.of("ok", tag)));
        }
        assertFalse(Files.exists(dest));
    }

    @Test
    void theGrammarsAcceptWhatTheSpecAllows() {
        for (String ok : List.of("app", "a.b", "a_b", "a__b", "a---b", "team/app", "reg/team/app-1.2", "0")) {
            assertTrue(StaticNames.isRepository(ok), ok);
        }
        assertFalse(StaticNames.isRepository("a".repeat(256)));
        for (String ok : List.of("latest", "1.2.3", "_x", "A-b_c.D", "9".repeat(128))) {
            assertTrue(StaticNames.isTag(ok), ok);
        }
        assertFalse(StaticNames.isTag("9".repeat(129)));
    }

    @Test
    void aDirectoryHoldingOtherThingsIsNeverWrittenInto() throws Exception {
        Path src = build("one", "amd64", "one");
        Path dest = tmp.resolve("etc-nginx");
        Files.createDirectories(dest);
        Files.writeString(dest.resolve("nginx.conf"), "user www-data;\n");
        Files.createDirectories(dest.resolve("v2"));
        try (Layout l = Layout.open(src)) {
            IOException e = assertThrows(IOException.class,
                    () -> new StaticRegistry(dest).publish(l, l.resolve(null), "app", List.of("latest")));
            assertTrue(e.getMessage().contains("neither empty nor a static registry"), e.getMessage());
        }
        assertEquals("user www-data;\n", Files.readString(dest.resolve("nginx.conf")));
        try (Stream<Path> s = Files.list(dest)) {
            assertEquals(List.of(dest.resolve("nginx.conf"), dest.resolve("v2")), s.sorted().toList());
        }
    }

    @Test
    void objectsJsonIsCheckedBeforeNginxConfIsMadeFromIt() throws Exception {
        Path f = tmp.resolve("objects.json");
        Files.writeString(f, "{\"objects\":{\"v2/a/manifests/x\":{\"headers\":{\"Content-Type\":\"text/html; x\"},\"size\":1}}}");
        assertThrows(IOException.class, () -> StaticObjects.read(f));
        Files.writeString(f, "{\"objects\":{\"v2/a/manifests/x;}\":{\"headers\":{\"Content-Type\":\"a/b\"},\"size\":1}}}");
        assertThrows(IOException.class, () -> StaticObjects.read(f));
        Files.writeString(f, "{\"objects\":{\"v2/a/manifests/x\":{\"headers\":{\"Content-Type\":\"a/b\"},\"size\":1}}}");
        assertNull(StaticObjects.read(f).all().get("v2/a/manifests/x").digest());
        assertEquals(new String(StaticObjects.read(f).toJson(), StandardCharsets.UTF_8),
                new String(StaticObjects.read(f).toJson(), StandardCharsets.UTF_8));
        assertEquals(new ArrayList<>(List.of()), StaticObjects.read(f).repositories());
    }
}
