package dev.peel.build;

import dev.peel.spec.SpecParser;
import dev.peel.tar.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A fixed spec and its sources, exercising every kind of entry; {@code perturb} changes what must not
 * matter (source mtimes, group/other permission bits, the directory's name). Also a main for other JDKs.
 */
final class GoldenFixture {
    static final String SPEC = """
            archs: [amd64, arm64]
            created: 2024-01-01T00:00:00Z
            files:
              - {path: /usr/local/bin/tool, source: app/tool}
              - {path: /usr/share/app, source: app/share, owner: "app:app"}
              - {path: /data, type: directory, mode: "0700", owner: "65532:65532"}
              - {path: /usr/bin/tool, type: symlink, target: /usr/local/bin/tool}
              - {path: /usr/bin/tool-again, type: hardlink, target: /usr/local/bin/tool}
              - {path: /usr/sbin/suid, content: "not really a binary\\n", mode: "4755"}
              - {path: /tmp, type: directory, mode: "1777"}
              - {path: /etc/caf\u00e9.conf, content: "caf\u00e9=1\\n"}
            accounts:
              groups: [{name: app, gid: 1000}]
              users: [{name: app, uid: 1000, gid: 1000}]
              run-as: app
            entrypoint: [/usr/local/bin/tool]
            cmd: [--port, "8080"]
            env: {LANG: C.UTF-8}
            workdir: /
            ports: [8080/tcp]
            labels: {org.opencontainers.image.title: golden}
            annotations: {org.opencontainers.image.source: "https://example.invalid/golden"}
            """;

    private GoldenFixture() {
    }

    static Path write(Path dir, boolean perturb) throws Exception {
        Files.createDirectories(dir.resolve("app/share/doc/" + "long-directory-name-".repeat(5)));
        Files.writeString(dir.resolve("spec.yaml"), SPEC);
        Files.writeString(dir.resolve("app/tool"), "#!/bin/sh\necho tool\n");
        Files.writeString(dir.resolve("app/share/data.txt"), "data\n".repeat(1000));
        Files.writeString(dir.resolve("app/share/doc/" + "long-directory-name-".repeat(5) + "/README." + "x".repeat(40)), "readme\n");
        Files.createSymbolicLink(dir.resolve("app/share/latest"), Path.of("data.txt"));
        // Over three gzip blocks of compressible bytes, so block boundaries and dictionaries are pinned too.
        byte[] big = new byte[3_500_000];
        long x = 12345;
        for (int i = 0; i < big.length; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            big[i] = (byte) ('a' + ((x >>> 59) & 7) + (i % 64 == 0 ? 10 : 0));
        }
        Files.write(dir.resolve("app/share/big.bin"), big);
        Files.setPosixFilePermissions(dir.resolve("app/tool"), PosixFilePermissions.fromString(perturb ? "rwxrwxr-x" : "rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("app/share/data.txt"), PosixFilePermissions.fromString(perturb ? "rw-rw----" : "rw-r--r--"));
        FileTime t = FileTime.fromMillis(perturb ? 1_000_000_000_000L : 1_700_000_000_000L);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, t);
                }
            }
        }
        return dir.resolve("spec.yaml");
    }

    /** Builds the fixture's spec into a layout and returns the top digest. */
    static String build(Path spec, Path out, Compression c) throws Exception {
        BuildOptions o = new BuildOptions(OptionalLong.empty(), c, null, List.of("latest"), null);
        return new Build(SpecParser.parse(spec), o).run(Outputs.layout(out)).digest().toString();
    }

    /** {@code GoldenFixture WORKDIR}: prints the gzip and zstd digests, one a line. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path spec = write(dir.resolve("src"), false);
        System.out.println(build(spec, dir.resolve("gzip"), Compression.GZIP));
        System.out.println(build(spec, dir.resolve("zstd"), Compression.ZSTD));
    }
}
