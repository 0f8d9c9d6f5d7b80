package dev.peel.cache;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
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
                touch(p);
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
                    touch(p);
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

    /** The folder that holds {@code kind}'s entries; temp files made in it rename atomically into place. */
    public Path dir(String kind) throws IOException {
        if (!kind.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("bad cache kind " + kind);
        }
        return Files.createDirectories(root.resolve(kind).resolve("sha256"));
    }

    /**
     * The file stored under this sha256, verified (streamed through sha256), or empty; a file that does
     * not match its name is deleted. A hit is marked used now, for {@link #prune}.
     */
    public Optional<Path> file(String kind, String hex) {
        Path p = path(kind, hex);
        try {
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            // Hashed on every use (1.5 GB/s): a size-and-mtime memo would miss a change within one clock tick.
            java.security.MessageDigest md = Digest.sha256();
            try (java.io.InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            if (!java.util.HexFormat.of().formatHex(md.digest()).equals(hex)) {
                Files.deleteIfExists(p);
                return Optional.empty();
            }
            touch(p);
            return Optional.of(p);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether an entry is there, unverified: for estimates (progress), never for use. */
    public boolean has(String kind, String hex) {
        return Files.isRegularFile(path(kind, hex));
    }

    /** Moves a file whose sha256 the caller has checked into place (atomically) and returns its path. */
    public Path putFile(String kind, String hex, Path tmp) throws IOException {
        Path p = path(kind, hex);
        Files.createDirectories(p.getParent());
        dev.peel.layout.LayoutWriter.publish(tmp, p);
        return p;
    }

    private static void touch(Path p) {
        try {
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        } catch (IOException e) {
            // A read-only cache still serves; it just cannot record use.
        }
    }

    /** How much one kind of entry takes. */
    public record Usage(String kind, long entries, long bytes) {
    }

    /** Entries and bytes per kind, sorted by kind. */
    public List<Usage> info() throws IOException {
        java.util.TreeMap<String, long[]> m = new java.util.TreeMap<>();
        for (Entry e : entries()) {
            String name = e.path().getFileName().toString();
            if (name.endsWith(".lock")) {
                continue;
            }
            boolean partial = e.path().getParent().getFileName().toString().equals("partial") || name.startsWith(".");
            long[] a = m.computeIfAbsent(e.kind() + (partial ? " (partial)" : ""), k -> new long[2]);
            a[0]++;
            a[1] += e.size();
        }
        List<Usage> out = new java.util.ArrayList<>();
        m.forEach((k, a) -> out.add(new Usage(k, a[0], a[1])));
        return out;
    }

    private record Entry(String kind, Path path, long size, java.time.Instant used) {
    }

    /**
     * Kinds whose entries are folders (an unpacked image, the debug toolbox, a running container's overlay, a spec
     * peel run built):
     * each is one entry, used when its {@code complete} marker (or the folder) was last touched, removed whole.
     */
    private static final java.util.Set<String> TREES = java.util.Set.of("rootfs", "toolbox", "run", "built");

    private List<Entry> entries() throws IOException {
        List<Entry> out = new java.util.ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (java.util.stream.Stream<Path> kinds = Files.list(root)) {
            for (Path k : kinds.sorted().toList()) {
                if (!Files.isDirectory(k, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (TREES.contains(k.getFileName().toString())) {
                    trees(k, out);
                    continue;
                }
                try (java.util.stream.Stream<Path> files = Files.walk(k)) {
                    for (Path f : files.filter(x -> Files.isRegularFile(x, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                        try {
                            var a = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
                            out.add(new Entry(k.getFileName().toString(), f, a.size(), a.lastModifiedTime().toInstant()));
                        } catch (java.nio.file.NoSuchFileException gone) {
                            // Removed by another process meanwhile.
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void trees(Path kind, List<Entry> out) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(kind)) {
            for (Path t : s.sorted().toList()) {
                try {
                    var a = Files.readAttributes(t, java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Path marker = t.resolve("complete");
                    java.time.Instant used = Files.isRegularFile(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            ? Files.getLastModifiedTime(marker).toInstant() : a.lastModifiedTime().toInstant();
                    long[] size = {a.size()};
                    if (a.isDirectory()) {
                        Files.walkFileTree(t, new java.nio.file.SimpleFileVisitor<>() {
                            @Override
                            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes fa) {
                                size[0] += fa.size();
                                return java.nio.file.FileVisitResult.CONTINUE;
                            }

                            @Override
                            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                                return java.nio.file.FileVisitResult.CONTINUE;
                            }
                        });
                    }
                    out.add(new Entry(kind.getFileName().toString(), t, size[0], used));
                } catch (java.nio.file.NoSuchFileException gone) {
                    // Removed meanwhile.
                }
            }
        }
    }

    /** Whether a container's overlay folder is in use: its run holds a lock on {@code lock} in it. */
    private static boolean running(Path state) {
        Path lock = state.resolve("lock");
        if (!Files.isRegularFile(lock, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes an entry: a file, or a folder entry whole (its folders made writable first, links never followed). */
    private static boolean delete(Path p) throws IOException {
        if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Files.deleteIfExists(p);
        }
        // Renamed first, so a half-removed tree is never taken for a complete one.
        Path doomed = p.resolveSibling(".doomed-" + p.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(p, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        dev.peel.io.Trees.delete(doomed);
        return true;
    }

    /** What {@link #prune} removed. */
    public record Pruned(long entries, long bytes) {
    }

    /**
     * Removes entries not used since {@code now - olderThan} (when given), then the least recently used until
     * the cache holds at most {@code maxBytes} (when given). Leftover temp and partial files older than an
     * hour always go. Removing an entry is always safe: a later build fetches or builds it again.
     */
    public Pruned prune(java.time.Duration olderThan, Long maxBytes, java.time.Instant now) throws IOException {
        List<Entry> all = new java.util.ArrayList<>(entries());
        all.sort(java.util.Comparator.comparing(Entry::used).thenComparing(e -> e.path().toString()));
        long total = all.stream().mapToLong(Entry::size).sum();
        long n = 0;
        long bytes = 0;
        for (Entry e : all) {
            if (e.kind().equals("run") && running(e.path())) {
                continue;
            }
            boolean leftover = e.path().getFileName().toString().startsWith(".") || e.path().getParent().getFileName().toString().equals("partial")
                    || e.kind().equals("run");
            boolean old = olderThan != null && e.used().isBefore(now.minus(olderThan));
            boolean over = maxBytes != null && total > maxBytes;
            boolean staleLeftover = leftover && e.used().isBefore(now.minus(java.time.Duration.ofHours(1)));
            if ((leftover && !staleLeftover) || !(old || over || staleLeftover)) {
                continue;
            }
            if (delete(e.path())) {
                n++;
                bytes += e.size();
                total -= e.size();
            }
        }
        return new Pruned(n, bytes);
    }
}
