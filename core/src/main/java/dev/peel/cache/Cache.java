package dev.peel.cache;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * peel's content-addressed cache: {@code <root>/<kind>/sha256/<hex>} holds bytes whose sha256 is hex.
 * Writes go to a temp file and are renamed into place, so a killed process never leaves a partial entry;
 * every read re-hashes, and an entry that does not match its name is deleted and reported missing.
 * Safe for several processes at once: the same name always means the same bytes.
 */
public final class Cache {
    private final Path root;

    public Cache(Path root) {
        this.root = root;
    }

    /** {@code --cache} if given, else {@code $XDG_CACHE_HOME/peel}, else {@code ~/.cache/peel}. */
    public static Cache at(Path explicit, Map<String, String> env) {
        if (explicit != null) {
            return new Cache(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new Cache(Path.of(xdg, "peel"));
        }
        return new Cache(Path.of(System.getProperty("user.home"), ".cache", "peel"));
    }

    public Path root() {
        return root;
    }

    private Path path(String kind, String hex) {
        if (!hex.matches("[0-9a-f]{64}") || !kind.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("bad cache key " + kind + "/" + hex);
        }
        return root.resolve(kind).resolve("sha256").resolve(hex);
    }

    /** The bytes stored under this sha256, verified, or empty. */
    public Optional<byte[]> get(String kind, String hex) {
        Path p = path(kind, hex);
        try {
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            byte[] b = Files.readAllBytes(p);
            if (Digest.of(b).hex().equals(hex)) {
                return Optional.of(b);
            }
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // An unreadable entry is a missing one; the caller fetches again.
        }
        return Optional.empty();
    }

    /** Stores bytes whose sha256 the caller has checked; best effort (a read-only cache is no error). */
    public void put(String kind, String hex, byte[] bytes) {
        Path p = path(kind, hex);
        try {
            Files.createDirectories(p.getParent());
            Path tmp = Files.createTempFile(p.getParent(), "." + hex.substring(0, 12), ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // The cache only saves time.
        }
    }
}
