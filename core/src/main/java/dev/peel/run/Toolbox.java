package dev.peel.run;

import dev.peel.build.Resolution;
import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Lock;
import dev.peel.install.Downloads;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecParser;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The debugging toolbox {@code peel debug} mounts beside an image: Debian's busybox-static for the image's
 * arch and suite, resolved and fetched through peel's own chain of trust (signed Release, Packages, .deb
 * SHA-256) and cache, its {@code busybox} binary kept in the cache under {@code toolbox/<.deb sha256>/bin}.
 */
public final class Toolbox {
    public static final String PACKAGE = "busybox-static";
    /** Where the toolbox appears in the container: outside the image's own tree, on PATH first. */
    public static final String MOUNT = "/.peel";

    private Toolbox() {
    }

    /** The image's Debian suite, from its /etc/os-release (VERSION_CODENAME), or null. */
    public static String suite(Path root) throws IOException {
        for (String f : List.of("/etc/os-release", "/usr/lib/os-release")) {
            Path p = Unpacker.inside(root, f);
            if (p != null && Files.isRegularFile(p) && Files.size(p) < 65536) {
                Matcher m = Pattern.compile("(?m)^VERSION_CODENAME=\"?([a-z0-9-]+)\"?\\s*$")
                        .matcher(Files.readString(p, StandardCharsets.UTF_8));
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    /**
     * The folder to mount at {@link #MOUNT}: {@code bin/busybox} of busybox-static for {@code arch} (Debian's name)
     * in {@code suite}, from the cache or fetched now.
     */
    public static Path of(Cache cache, String suite, String arch, Map<String, String> env, Path etcApt,
                          Consumer<String> warnings) throws Exception {
        if (!suite.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("'" + suite + "' is not a Debian suite name");
        }
        Path yaml = Files.createTempFile("peel-toolbox-", ".yaml");
        Lock lock;
        try {
            Files.writeString(yaml, "debian:\n  suite: " + suite + "\n  packages: [" + PACKAGE + "]\n  resolve: explicit\n");
            Spec spec = SpecParser.parse(yaml, "the toolbox (" + PACKAGE + " from " + suite + ")");
            lock = Resolution.locked(spec, List.of(arch), env, etcApt, warnings, Instant.now(), cache);
        } finally {
            Files.deleteIfExists(yaml);
        }
        Lock.LockedPackage p = lock.archs().get(arch).stream().filter(x -> x.name().equals(PACKAGE)).findFirst()
                .orElseThrow(() -> new IOException(PACKAGE + " is not in " + suite + " for " + arch));
        Path base = Files.createDirectories(cache.root().resolve("toolbox"));
        Path dir = base.resolve(p.sha256());
        Path busybox = dir.resolve("bin").resolve("busybox");
        if (Files.isRegularFile(busybox)) {
            return dir;
        }
        Path deb;
        try (Downloads d = new Downloads(cache, n -> { })) {
            deb = d.fetch(p).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        Path tmp = Files.createTempDirectory(base, ".toolbox-");
        try {
            Path bin = Files.createDirectories(tmp.resolve("bin"));
            boolean found = false;
            String what = PACKAGE + " " + p.version() + " (" + arch + ")";
            try (InputStream data = DebArchive.open(deb, what).data(); TarReader r = new TarReader(data)) {
                for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                    if (h.isRegular() && (h.path().equals("bin/busybox") || h.path().equals("usr/bin/busybox"))) {
                        try (OutputStream out = Files.newOutputStream(bin.resolve("busybox")); InputStream in = r.data()) {
                            in.transferTo(out);
                        }
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                throw new IOException(what + " has no bin/busybox");
            }
            Files.setPosixFilePermissions(bin.resolve("busybox"), Unpacker.permissions(0755));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                dev.peel.io.Trees.delete(tmp);
            }
        } catch (IOException | RuntimeException e) {
            dev.peel.io.Trees.delete(tmp);
            throw e;
        }
        return dir;
    }
}
