package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.layout.Layout;
import dev.peel.oci.ImageConfig;
import dev.peel.spec.SpecParser;
import dev.peel.tar.Compression;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Same spec, same bytes: across directories, times, source metadata that must not matter, and JDKs. */
class ReproducibleBuildTest {
    /** The index digest of {@link GoldenFixture}; change it only with a reason in the commit message. */
    static final String GOLDEN_GZIP = "sha256:c757185566e728385b00a7c79807f0d25b01d32cbdef35dbd68aac95e4a6864f";
    static final String GOLDEN_ZSTD = "sha256:117a63a74e045a42198186865d72ce2aaac9b2973df09ec32a0eb56e7c47e735";

    @TempDir
    Path tmp;

    @Test
    void twoBuildsInDifferentPlacesAndTimesGiveTheGoldenDigest() throws Exception {
        Path a = GoldenFixture.write(tmp.resolve("first"), false);
        Path b = GoldenFixture.write(tmp.resolve("elsewhere/second-checkout"), true);
        String da = GoldenFixture.build(a, tmp.resolve("out-a"), Compression.GZIP);
        Thread.sleep(1100);
        String db = GoldenFixture.build(b, tmp.resolve("other/out-b"), Compression.GZIP);
        assertEquals(da, db);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("out-a/index.json")), Files.readAllBytes(tmp.resolve("other/out-b/index.json")));
        assertEquals(blobs(tmp.resolve("out-a")), blobs(tmp.resolve("other/out-b")));
        assertEquals(GOLDEN_GZIP, da);
        assertEquals(GOLDEN_ZSTD, GoldenFixture.build(a, tmp.resolve("out-z"), Compression.ZSTD));
    }

    @Test
    void everyJdkOnTheMachineGivesTheGoldenDigests() throws Exception {
        Set<Path> javas = new LinkedHashSet<>();
        javas.add(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> s = Files.list(jvms)) {
                for (Path p : s.sorted().toList()) {
                    Path java = p.resolve("bin/java");
                    if (Files.isExecutable(java)) {
                        javas.add(java.toRealPath());
                    }
                }
            }
        }
        List<String> seen = new ArrayList<>();
        for (Path java : javas) {
            Path work = Files.createTempDirectory(tmp, "jdk");
            Tools.Run r = Tools.run(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    GoldenFixture.class.getName(), work.toString()), null, Map.of(), 300).ok();
            assertEquals(List.of(GOLDEN_GZIP, GOLDEN_ZSTD), r.out().lines().toList(), "under " + java);
            seen.add(Tools.run(java.toString(), "-version").err().lines().findFirst().orElse(java.toString()));
        }
        System.out.println("golden digests matched under " + seen.size() + " JDKs: " + seen);
        assertTrue(seen.size() >= 1);
    }

    @Test
    void timestampsComeFromCreatedThenSourceDateEpochThenNineteenSeventy() throws Exception {
        Path spec = tmp.resolve("s.yaml");
        Files.writeString(spec, "files: [{path: /a, content: x}]\n");
        assertEquals("1970-01-01T00:00:00Z", created(spec, OptionalLong.empty()));
        assertEquals("2023-11-14T22:13:20Z", created(spec, OptionalLong.of(1_700_000_000L)));
        Files.writeString(spec, "created: 2024-01-01T00:00:00Z\nfiles: [{path: /a, content: x}]\n");
        assertEquals("2024-01-01T00:00:00Z", created(spec, OptionalLong.of(1_700_000_000L)));
        String listing = Tools.run("sh", "-c", "gzip -dc " + tmp.resolve("out-s/blobs/sha256") + "/* 2>/dev/null | tar --full-time -tvf - ").out();
        assertTrue(listing.contains("2024-01-01 00:00:00 a"), listing);
    }

    private String created(Path spec, OptionalLong sde) throws Exception {
        Path out = tmp.resolve("out-s");
        new Build(SpecParser.parse(spec), new BuildOptions(sde, null, null, null, null)).run(Outputs.layout(out));
        try (Layout l = Layout.open(out)) {
            ImageConfig c = l.image(l.resolve(null)).config();
            return c.created();
        }
    }

    private static List<String> blobs(Path layout) throws Exception {
        try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
