package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Index;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real mirror: bookworm-security's Release no longer lists s390x, so the static preset for s390x is
 * resolved from bookworm and bookworm-updates with apt's note; and the preset's default archs build with
 * --skip-unavailable-archs, leaving out (with a warning) only an arch whose indexes the mirror serves out of sync.
 */
class AptEdgesCliTest {
    @TempDir
    static Path tmp;

    static CliRun.Result peel(String... args) {
        return CliRun.peel(CliRun.env(tmp, "xdg-cache"), args);
    }

    @Test
    void staticBuildsForS390xWithAptsNoteAboutTheSecuritySuite() throws Exception {
        CliRun.Result r = peel("build", "static", "--arch", "s390x", "-o", tmp.resolve("s390x").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("bookworm-security") && r.err().contains("does not support architecture s390x"), r.err());
        assertTrue(r.err().contains("(linux/s390x)"), r.err());
        Path lock = tmp.resolve("lock/static.yaml");
        Files.createDirectories(lock.getParent());
        Files.writeString(lock, "base: static\narchs: [s390x]\n");
        CliRun.Result l = peel("lock", lock.toString());
        assertEquals(0, l.exit(), l.err());
        String json = Files.readString(tmp.resolve("lock/static.lock.json"));
        assertTrue(json.contains("\"skippedArchs\": [\n        \"s390x\"\n      ]"), json);
    }

    @Test
    void theDefaultArchsBuildWhenAnUnavailableArchMayBeLeftOut() throws Exception {
        Path out = tmp.resolve("all");
        CliRun.Result r = peel("build", "static", "--skip-unavailable-archs", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        String top = Index.parse(Files.readAllBytes(out.resolve("index.json"))).manifests().get(0).digest().hex();
        List<String> built = Index.parse(Files.readAllBytes(out.resolve("blobs/sha256/" + top))).manifests().stream()
                .map(d -> d.platform().architecture()).toList();
        for (String arch : List.of("amd64", "arm64", "s390x")) {
            assertTrue(built.contains(arch), arch + " is built: " + built);
        }
        for (String arch : List.of("arm", "ppc64le")) {
            String debian = arch.equals("arm") ? "armhf" : "ppc64el";
            assertTrue(built.contains(arch) || r.err().contains("warning: " + debian + " left out (--skip-unavailable-archs)"),
                    debian + " is built or left out with a warning: " + built + "\n" + r.err());
        }
    }
}
