package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.tar.TarReader;
import dev.peel.testing.DebRepo;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apt's behaviour where an archive is irregular, on signed file: repositories made by the test: a suite whose
 * Release does not list an arch is skipped for it with a notice and recorded in the lock; an arch no suite lists is
 * an error naming it; a version with an explicit 0: epoch stays as the index writes it, in the resolve output, the
 * lock and status.d; an arch whose index does not match its Release can be left out on request.
 */
class AptEdgesTest {
    static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");

    @TempDir
    static Path tmp;

    static DebRepo repo;
    static Cache cache;

    @BeforeAll
    static void repository() throws Exception {
        repo = new DebRepo(tmp.resolve("repo"));
        cache = new Cache(tmp.resolve("cache"));
        DebRepo.Deb amd = repo.deb("hello", "1.0-1", "amd64", Map.of(), Map.of("usr/bin/hello", "hello amd64 1.0\n"));
        DebRepo.Deb s390x = repo.deb("hello", "1.0-1", "s390x", Map.of(), Map.of("usr/bin/hello", "hello s390x 1.0\n"));
        DebRepo.Deb zero = repo.deb("zero", "0:2.0-1", "all", Map.of(), Map.of("usr/share/zero/README", "zero\n"));
        repo.suite("stable", List.of("amd64", "s390x"), List.of(amd, s390x, zero));
        DebRepo.Deb fixed = repo.deb("hello", "1.0-1+sec1", "amd64", Map.of(), Map.of("usr/bin/hello", "hello amd64 fixed\n"));
        repo.suite("stable-security", List.of("amd64"), List.of(fixed));
    }

    static Spec spec(String name, List<String> archs, String suites, String packages) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(repo.keyring(), dir.resolve("repo.asc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path f = dir.resolve("image.yaml");
        Files.writeString(f, "archs: [" + String.join(", ", archs) + "]\ndebian:\n  suite: stable\n  sources:\n"
                + "    - {url: \"" + repo.url() + "\", suites: [" + suites + "], keyring: repo.asc}\n"
                + "  packages: [" + packages + "]\n");
        return SpecParser.parse(f);
    }

    static BuildOptions options(List<String> warnings) {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, Map.of(), tmp.resolve("no-apt"), warnings::add, NOW));
    }

    @Test
    void aSuiteWhoseReleaseLacksTheArchIsSkippedWithANoticeAndRecordedInTheLock() throws Exception {
        Spec s = spec("skip", List.of("amd64", "s390x"), "stable, stable-security", "hello");
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Lock lock = Resolution.locked(s, s.archs(), Map.of(), tmp.resolve("no-apt"), warnings::add, NOW, cache);
        assertEquals(1, warnings.stream().filter(w -> w.contains("stable-security") && w.contains("does not support architecture s390x")
                && w.contains("as apt does")).count(), "one notice: " + warnings);
        Lock.LockedSource security = lock.sources().stream().filter(x -> x.suite().equals("stable-security")).findFirst().orElseThrow();
        Lock.LockedSource stable = lock.sources().stream().filter(x -> x.suite().equals("stable")).findFirst().orElseThrow();
        assertEquals(List.of("s390x"), security.skippedArchs());
        assertEquals(List.of(), stable.skippedArchs());
        assertEquals("1.0-1+sec1", lock.archs().get("amd64").get(0).version(), "amd64 from the security suite");
        assertEquals("1.0-1", lock.archs().get("s390x").get(0).version(), "s390x resolved from the suite that has it");
        assertEquals(lock, Lock.parse(lock.toJson()), "the lock file keeps the skip");
        assertTrue(new String(lock.toJson(), StandardCharsets.UTF_8).contains("\"skippedArchs\": [\n        \"s390x\""),
                new String(lock.toJson(), StandardCharsets.UTF_8));

        Build.Result r = new Build(s, options(new ArrayList<>())).run(Outputs.layout(tmp.resolve("skip/out")));
        assertEquals(List.of("amd64", "s390x"), r.images().stream().map(i -> i.config().platform().architecture()).sorted().toList());
        assertEquals("hello s390x 1.0\n", file(image(r, "s390x"), "usr/bin/hello"));
        assertEquals("hello amd64 fixed\n", file(image(r, "amd64"), "usr/bin/hello"));
    }

    @Test
    void anArchThatNoSuiteListsIsASpecErrorNamingIt() throws Exception {
        Spec s = spec("none", List.of("amd64", "arm64"), "stable, stable-security", "hello");
        SpecException e = assertThrows(SpecException.class,
                () -> Resolution.locked(s, s.archs(), Map.of(), tmp.resolve("no-apt"), w -> { }, NOW, cache));
        assertTrue(e.getMessage().contains("no suite of the sources supports architecture arm64")
                && e.getMessage().contains("stable, stable-security"), e.getMessage());
    }

    @Test
    void anExplicitZeroEpochStaysAsTheIndexWritesIt() throws Exception {
        Spec s = spec("epoch", List.of("amd64"), "stable", "zero");
        Map<String, Resolver.Result> resolved = Resolution.resolve(s, s.archs(), Map.of(), tmp.resolve("no-apt"), w -> { }, NOW, cache);
        assertEquals(List.of("zero 0:2.0-1 all"), resolved.get("amd64").lines(), "the resolve output");
        Lock lock = Resolution.lock(s, s.archs(), Map.of(), tmp.resolve("no-apt"), w -> { }, NOW, cache);
        assertEquals("0:2.0-1", lock.archs().get("amd64").get(0).version());
        assertTrue(Files.readString(Resolution.lockPath(s)).contains("\"version\": \"0:2.0-1\""), "the lock file");
        Build.Result r = new Build(s, options(new ArrayList<>())).run(Outputs.layout(tmp.resolve("epoch/out")));
        String status = file(image(r, "amd64"), "var/lib/dpkg/status.d/zero");
        assertTrue(status.contains("\nVersion: 0:2.0-1\n"), status);
    }

    @Test
    void anArchWhoseIndexDoesNotMatchItsReleaseIsLeftOutOnlyWhenAsked() throws Exception {
        DebRepo broken = new DebRepo(tmp.resolve("broken"));
        DebRepo.Deb amd = broken.deb("hello", "1.0-1", "amd64", Map.of(), Map.of("usr/bin/hello", "amd64\n"));
        DebRepo.Deb arm = broken.deb("hello", "1.0-1", "arm64", Map.of(), Map.of("usr/bin/hello", "arm64\n"));
        broken.suite("stable", List.of("amd64", "arm64"), List.of(amd, arm));
        // A mirror out of sync: arm64's index changed after the Release was signed.
        for (String f : List.of("Packages", "Packages.gz")) {
            Files.writeString(tmp.resolve("broken/dists/stable/main/binary-arm64/" + f), "stale\n");
        }
        Path dir = Files.createDirectories(tmp.resolve("partial"));
        Files.copy(broken.keyring(), dir.resolve("repo.asc"));
        Path f = dir.resolve("image.yaml");
        Files.writeString(f, "archs: [amd64, arm64]\ndebian:\n  sources:\n    - {url: \"" + broken.url()
                + "\", suites: [stable], keyring: repo.asc}\n  packages: [hello]\n");
        Spec s = SpecParser.parse(f);
        assertThrows(RepositoryException.class, () -> new Build(s, options(new ArrayList<>())).run(Outputs.layout(dir.resolve("out"))),
                "by default an arch that cannot be verified fails the build");
        assertTrue(!Files.exists(dir.resolve("out")), "nothing written");
        List<String> warnings = new ArrayList<>();
        Build.Result r = new Build(s, options(warnings).withSkipUnavailableArchs(true)).run(Outputs.layout(dir.resolve("out")));
        assertEquals(List.of("amd64"), r.images().stream().map(i -> i.config().platform().architecture()).toList());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("warning: arm64 left out (--skip-unavailable-archs)")
                && w.contains("does not match the Release")), warnings.toString());
    }

    @Test
    void envCanNameAnInstalledPackagesReleaseVersion() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("envversion"));
        Files.copy(repo.keyring(), dir.resolve("repo.asc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path f = dir.resolve("image.yaml");
        String head = "archs: [amd64, s390x]\ndebian:\n  sources:\n    - {url: \"" + repo.url()
                + "\", suites: [stable, stable-security], keyring: repo.asc}\n  packages: [hello, zero]\n";
        Files.writeString(f, head + "env: {HELLO_VERSION: \"${version:hello}\", BOTH: \"hello ${version:hello}, zero ${version:zero}\"}\n");
        Build.Result r = new Build(SpecParser.parse(f), options(new ArrayList<>())).run(Outputs.layout(dir.resolve("out")));
        assertTrue(image(r, "amd64").config().config().env().containsAll(List.of("HELLO_VERSION=1.0", "BOTH=hello 1.0, zero 2.0")),
                image(r, "amd64").config().config().env().toString());
        assertTrue(image(r, "s390x").config().config().env().contains("HELLO_VERSION=1.0"));
        Files.writeString(f, head + "env: {X: \"${version:absent}\"}\n");
        Exception e = assertThrows(Exception.class,
                () -> new Build(SpecParser.parse(f), options(new ArrayList<>())).run(Outputs.layout(dir.resolve("out2"))));
        assertTrue(e.getMessage().contains("env X asks for ${version:absent}, but absent is not among the packages installed for amd64"),
                e.getMessage());
        assertEquals("17.0.18", Build.releaseVersion("17.0.18+8-1~deb12u1"));
        assertEquals("18.20.4", Build.releaseVersion("18.20.4+dfsg-1~deb12u1"));
        assertEquals("3.11.2", Build.releaseVersion("3.11.2-6+deb12u6"));
        assertEquals("1.0", Build.releaseVersion("0:1.0"));
        assertEquals("2.36", Build.releaseVersion("2.36-9+deb12u10"));
    }

    static Image image(Build.Result r, String arch) {
        return r.images().stream().filter(i -> i.config().platform().architecture().equals(arch)).findFirst().orElseThrow();
    }

    /** A file's text from the image's layers (the last layer that has it). */
    static String file(Image image, String path) throws Exception {
        String found = null;
        for (Layer l : image.layers()) {
            try (InputStream in = new GZIPInputStream(l.open()); TarReader t = new TarReader(in)) {
                for (TarReader.Header h = t.next(); h != null; h = t.next()) {
                    if (h.path().equals(path) && h.isRegular()) {
                        found = new String(t.data().readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
        }
        if (found == null) {
            throw new AssertionError(path + " is not in the image");
        }
        return found;
    }
}
