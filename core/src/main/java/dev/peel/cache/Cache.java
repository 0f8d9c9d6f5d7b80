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

    /**
     * Something derived from an input (a parsed index, later a built layer), stored under the input's
     * sha256 with a checksum of its own; empty when absent or damaged (a damaged entry is deleted).
     */
    public Optional<byte[]> getDerived(String kind, String inputHex) {
        Path p = derivedPath(kind, inputHex);
        try {
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            byte[] b = Files.readAllBytes(p);
            if (b.length >= 32) {
                byte[] payload = java.util.Arrays.copyOfRange(b, 32, b.length);
                if (java.util.Arrays.equals(Digest.sha256().digest(payload), java.util.Arrays.copyOf(b, 32))) {
                    return Optional.of(payload);
                }
            }
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // Missing, as far as the caller is concerned.
        }
        return Optional.empty();
    }

    /** Stores a derived entry; best effort. */
    public void putDerived(String kind, String inputHex, byte[] payload) {
        byte[] b = new byte[32 + payload.length];
        System.arraycopy(Digest.sha256().digest(payload), 0, b, 0, 32);
        System.arraycopy(payload, 0, b, 32, payload.length);
        write(derivedPath(kind, inputHex), b);
    }

    private Path derivedPath(String kind, String inputHex) {
        if (!inputHex.matches("[0-9a-f]{64}") || !kind.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("bad cache key " + kind + "/" + inputHex);
        }
        return root.resolve(kind).resolve("by-input").resolve(inputHex);
    }

    /** Stores bytes whose sha256 the caller has checked; best effort (a read-only cache is no error). */
    public void put(String kind, String hex, byte[] bytes) {
        write(path(kind, hex), bytes);
    }

    private static void write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Path tmp = Files.createTempFile(p.getParent(), ".entry", ".tmp");
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
