package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.debian.Lock;
import dev.peel.oci.Json;
import dev.peel.sbom.SbomOracles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** peel sbom and build --sbom, end to end in-process. */
class SbomCliTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    Result peel(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void buildWritesEachPlatformsSbomsAndSbomPrintsOnePlatform() throws Exception {
        Files.writeString(tmp.resolve("hello"), "#!/bin/true\n");
        Path spec = tmp.resolve("app.yaml");
        Files.writeString(spec, "archs: [amd64, arm64]\ncreated: 2024-01-01T00:00:00Z\nfiles:\n  - {path: /app/hello, source: hello}\n");
        Result b = peel("build", spec.toString(), "-o", tmp.resolve("out").toString(), "--sbom", "spdx,cyclonedx",
                "--cache", tmp.resolve("cache").toString());
        assertEquals(0, b.exit(), b.err());
        for (String p : List.of("linux-amd64", "linux-arm64-v8")) {
            for (String suffix : List.of(".spdx.json", ".cdx.json")) {
                assertTrue(Files.isRegularFile(tmp.resolve("out." + p + suffix)), p + suffix + " " + b.err());
            }
        }
        byte[] spdx = Files.readAllBytes(tmp.resolve("out.linux-amd64.spdx.json"));
        SbomOracles.assertValidSpdx(spdx, tmp.resolve("v"));
        SbomOracles.assertValidCycloneDx(Files.readAllBytes(tmp.resolve("out.linux-arm64-v8.cdx.json")), tmp.resolve("v"));
        assertTrue(new String(spdx).contains("\"fileName\": \"./app/hello\""));
        assertTrue(new String(spdx).contains("from the spec's files and accounts"));

        Result both = peel("sbom", tmp.resolve("out").toString());
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("linux/amd64") && both.err().contains("linux/arm64/v8"), both.err());

        Result one = peel("sbom", tmp.resolve("out").toString(), "--platform", "arm64", "--format", "cyclonedx");
        assertEquals(0, one.exit(), one.err());
        Map<String, Object> bom = Json.parseObject(one.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("1.6", bom.get("specVersion"));
        Result file = peel("sbom", tmp.resolve("out").toString(), "--platform", "arm64", "--format", "cyclonedx", "-o",
                tmp.resolve("x/arm64.cdx.json").toString());
        assertEquals(0, file.exit(), file.err());
        assertEquals(one.out(), Files.readString(tmp.resolve("x/arm64.cdx.json")));
        try (var listing = Files.list(tmp.resolve("x"))) {
            assertEquals(1, listing.count(), "no temporary left beside it");
        }

        Result bad = peel("sbom", tmp.resolve("out").toString(), "--platform", "amd64", "--format", "swid");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("spdx or cyclonedx"), bad.err());
        Result badBuild = peel("build", spec.toString(), "--push", "localhost:1/x", "--sbom", "spdx");
        assertEquals(2, badBuild.exit());
        assertTrue(badBuild.err().contains("--sbom writes beside"), badBuild.err());
        Result help = peel("sbom", "--help");
        assertTrue(help.out().contains("Exit codes:") && help.out().contains("--format"), help.out());
    }

    @Test
    void aPackageBuildsSbomCarriesTheLocksPoolUrlAndHashAndReadsBackFromTheTar() throws Exception {
        Path spec = tmp.resolve("net.yaml");
        Files.writeString(spec, "archs: [amd64]\ndebian: {packages: [netbase]}\n");
        Result lock = peel("lock", spec.toString(), "--cache", tmp.resolve("cache").toString());
        assertEquals(0, lock.exit(), lock.err());
        Result b = peel("build", spec.toString(), "--oci-tar", tmp.resolve("net.tar").toString(), "--sbom", "spdx",
                "--cache", tmp.resolve("cache").toString());
        assertEquals(0, b.exit(), b.err());
        byte[] spdx = Files.readAllBytes(tmp.resolve("net.tar.linux-amd64.spdx.json"));
        Lock l = Lock.parse(Files.readAllBytes(tmp.resolve("net.lock.json")));
        Lock.LockedPackage netbase = l.archs().get("amd64").get(0);
        String text = new String(spdx);
        assertTrue(text.contains(netbase.sha256()) && text.contains(Lock.poolUrl(netbase).toString().replaceFirst("^.*/pool/", "/pool/")),
                text.substring(0, 3000));
        SbomOracles.assertValidSpdx(spdx, tmp.resolve("v"));
        Result again = peel("sbom", tmp.resolve("net.tar").toString(), "--lock", tmp.resolve("net.lock.json").toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains(netbase.sha256()));
        Result noLock = peel("sbom", tmp.resolve("net.tar").toString());
        assertTrue(noLock.out().contains("\"name\": \"netbase\"") && !noLock.out().contains(netbase.sha256()), "no lock, no .deb hash");
        Result twice = peel("sbom", tmp.resolve("net.tar").toString(), "--lock", tmp.resolve("net.lock.json").toString());
        assertArrayEquals(again.out().getBytes(), twice.out().getBytes());
    }
}
