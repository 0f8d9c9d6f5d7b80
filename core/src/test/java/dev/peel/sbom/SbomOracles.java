package dev.peel.sbom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The independent validators: the SPDX project's tools-java Verify and CycloneDX's own JSON schema (strict). */
public final class SbomOracles {
    private SbomOracles() {
    }

    /** The tools-java jar maven-dependency-plugin copies into core/target/oracles before the tests run. */
    static Path spdxTools() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path jar : List.of(d.resolve("target/oracles/spdx-tools-java.jar"), d.resolve("core/target/oracles/spdx-tools-java.jar"))) {
                if (Files.isRegularFile(jar)) {
                    return jar;
                }
            }
        }
        throw new AssertionError("target/oracles/spdx-tools-java.jar is missing: run the tests through mvn (core's pom copies it)");
    }

    /** Fails unless tools-java's Verify accepts the SPDX JSON document with no warnings. */
    public static void assertValidSpdx(byte[] doc, Path dir) throws Exception {
        Path f = Files.createTempFile(Files.createDirectories(dir), "sbom-", ".spdx.json");
        Files.write(f, doc);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Tools.Run r = Tools.run(List.of(java.toString(), "-Dorg.spdx.useJARLicenseInfoOnly=true", "-jar", spdxTools().toString(), "Verify", f.toString(), "JSON"), null,
                Map.of(), 300);
        String out = r.out() + r.err();
        assertEquals(0, r.exit(), out);
        assertTrue(out.contains("This SPDX Document is valid."), out);
    }

    /** Fails unless CycloneDX's strict 1.6 JSON schema accepts the document. */
    public static void assertValidCycloneDx(byte[] doc, Path dir) throws Exception {
        Path f = Files.createTempFile(Files.createDirectories(dir), "sbom-", ".cdx.json");
        Files.write(f, doc);
        String script = """
                const CDX = require('@cyclonedx/cyclonedx-library');
                const fs = require('fs');
                const v = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
                v.validate(fs.readFileSync(process.argv[2], 'utf8')).then(errors => {
                  if (errors === null) { console.log('valid'); } else { console.log(JSON.stringify(errors, null, 1)); process.exit(1); }
                }, e => { console.log('error ' + e); process.exit(2); });
                """;
        Tools.Run r = Tools.node(script, List.of(f.toString()), 120);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("valid", r.out().strip());
    }
}
