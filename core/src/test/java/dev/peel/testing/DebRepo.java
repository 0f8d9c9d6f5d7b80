package dev.peel.testing;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A signed Debian repository on disk for tests, made with the real tools: .debs by {@code dpkg-deb --build}, indexes
 * written as the archive writes them (control + Filename, Size, SHA256; gzip), a Release listing its
 * Architectures and every index's SHA256, and InRelease clearsigned by {@code gpg} with a key of its own.
 */
public final class DebRepo {
    /** A built .deb and its control text. */
    public record Deb(String name, String version, String arch, Path file, String control) {
    }

    private final Path root;
    private final Path gnupg;
    private final Path keyring;

    public DebRepo(Path root) throws IOException, InterruptedException {
        this.root = Files.createDirectories(root);
        Tools.require("gpg");
        Tools.require("dpkg-deb");
        gnupg = Files.createDirectories(root.resolve(".gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        gpg("--quick-gen-key", "peel test repository <repo@example.invalid>", "rsa2048", "sign", "never");
        keyring = root.resolve("repo-key.asc");
        Files.writeString(keyring, gpg("--armor", "--export").out());
    }

    public URI url() {
        return root.toUri();
    }

    /** The repository's public key (armored), for a spec's {@code keyring:}. */
    public Path keyring() {
        return keyring;
    }

    private Tools.Run gpg(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gpg", "--homedir", gnupg.toString(), "--batch", "--pinentry-mode",
                "loopback", "--passphrase", ""));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of(), 120).ok();
    }

    /**
     * Builds a .deb into the pool: {@code files} maps paths (relative, e.g. {@code usr/bin/hello}) to contents;
     * {@code fields} are extra control fields (Depends, …) in order.
     */
    public Deb deb(String name, String version, String arch, Map<String, String> fields, Map<String, String> files)
            throws IOException, InterruptedException {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        files.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return debOf(name, version, arch, fields, bytes);
    }

    /** As {@link #deb}, with files of any bytes (a gzipped changelog, a binary); a path ending in '/' is an empty directory. */
    public Deb debOf(String name, String version, String arch, Map<String, String> fields, Map<String, byte[]> files)
            throws IOException, InterruptedException {
        String plain = version.contains(":") ? version.substring(version.indexOf(':') + 1) : version;
        Path build = Files.createTempDirectory(root, "deb-");
        Files.createDirectories(build.resolve("DEBIAN"));
        StringBuilder control = new StringBuilder("Package: " + name + "\nVersion: " + version + "\nArchitecture: " + arch
                + "\nMaintainer: Peel Tests <tests@example.invalid>\n");
        fields.forEach((k, v) -> control.append(k).append(": ").append(v).append('\n'));
        control.append("Description: ").append(name).append(" for peel's tests\n");
        Files.writeString(build.resolve("DEBIAN/control"), control.toString());
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            if (f.getKey().endsWith("/")) {
                Files.createDirectories(build.resolve(f.getKey()));
                continue;
            }
            Path p = build.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        Path pool = Files.createDirectories(root.resolve("pool/main/" + name.charAt(0) + "/" + name));
        Path deb = pool.resolve(name + "_" + plain + "_" + arch + ".deb");
        Tools.run(List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", build.toString(), deb.toString()), null,
                Map.of("SOURCE_DATE_EPOCH", "1700000000"), 120).ok();
        return new Deb(name, version, arch, deb, control.toString());
    }

    /**
     * Writes suite {@code suite} (component main) whose Release lists {@code archs}, with a Packages index per arch
     * holding the debs of that arch and of arch all, then signs it.
     */
    public void suite(String suite, List<String> archs, List<Deb> debs) throws IOException, InterruptedException {
        Path dists = Files.createDirectories(root.resolve("dists/" + suite));
        Map<String, byte[]> indexes = new LinkedHashMap<>();
        for (String arch : archs) {
            StringBuilder packages = new StringBuilder();
            for (Deb d : debs) {
                if (!d.arch().equals(arch) && !d.arch().equals("all")) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(d.file());
                packages.append(d.control().replace("Description:", "Filename: " + root.relativize(d.file())
                        + "\nSize: " + bytes.length + "\nSHA256: " + Digest.of(bytes).hex() + "\nDescription:")).append('\n');
            }
            Path dir = Files.createDirectories(dists.resolve("main/binary-" + arch));
            Files.writeString(dir.resolve("Packages"), packages.toString());
            Tools.run("gzip", "-n", "-9", "-k", "-f", dir.resolve("Packages").toString()).ok();
            for (String f : List.of("Packages", "Packages.gz")) {
                indexes.put("main/binary-" + arch + "/" + f, Files.readAllBytes(dir.resolve(f)));
            }
        }
        StringBuilder release = new StringBuilder("Origin: peel-test\nSuite: " + suite + "\nCodename: " + suite
                + "\nDate: Sat, 10 May 2025 09:15:34 UTC\nArchitectures: " + String.join(" ", archs)
                + "\nComponents: main\nSHA256:\n");
        indexes.forEach((path, b) -> release.append(' ').append(Digest.of(b).hex()).append(' ').append(b.length).append(' ')
                .append(path).append('\n'));
        Path rel = dists.resolve("Release");
        Files.writeString(rel, release.toString(), StandardCharsets.UTF_8);
        Files.deleteIfExists(dists.resolve("InRelease"));
        gpg("--digest-algo", "SHA256", "--clearsign", "-o", dists.resolve("InRelease").toString(), rel.toString());
    }
}
