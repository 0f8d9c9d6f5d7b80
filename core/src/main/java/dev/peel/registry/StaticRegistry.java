package dev.peel.registry;

import dev.peel.image.HashingOutputStream;
import dev.peel.image.ContentSource;
import dev.peel.layout.LayoutWriter;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A registry made of files: {@code v2/<repo>/blobs/<digest>}, {@code v2/<repo>/manifests/<digest or tag>},
 * {@code v2/<repo>/tags/list}, which any web server or bucket serves read-only to pull clients, plus
 * objects.json (the headers each file needs) and nginx.conf (those headers for nginx).
 *
 * <p>Every file is written aside and renamed into place. A publish writes blobs, then manifests (children
 * before parents), and only then the tags, the tags lists and the catalog, so a client never finds a tag
 * whose content is missing. A blob is stored once: other repositories get hard links to it. Publishes into
 * one directory take turns (a file lock), and each adds to what the earlier ones published.
 */
public final class StaticRegistry {
    static final String LOCK = ".peel.lock";
    private static final String TEMP_PREFIX = ".peel-";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final String JSON = "application/json";
    private static final String OCTETS = "application/octet-stream";
    private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

    /** An image or index to publish and the tags it gets; with no tags it is published by digest only. */
    public record Target(Descriptor top, List<String> tags) {
        public Target {
            tags = List.copyOf(tags);
        }
    }

    /** What a publish did with blobs: copied from the source, hard-linked from another repository, or already there. */
    public record Report(int copied, int linked, int present) {
    }

    private final Path dest;

    /** A static registry in {@code dest}, which is created on the first publish. */
    public StaticRegistry(Path dest) {
        this.dest = dest;
    }

    /** Publishes {@code top} (and everything under it) into {@code repo} under {@code tags}. */
    public Report publish(ContentSource source, Descriptor top, String repo, List<String> tags) throws IOException {
        return publish(source, repo, List.of(new Target(top, tags)));
    }

    /**
     * Publishes several images or indexes into one repository at once: all their content first, then all
     * their tags. A bad repository name or tag is an {@link IllegalArgumentException} before anything is
     * written; content that does not match its digest is an {@link IOException} before any tag moves.
     */
    public Report publish(ContentSource source, String repo, List<Target> targets) throws IOException {
        StaticNames.checkRepository(repo);
        Map<String, Digest> tagged = new LinkedHashMap<>();
        for (Target t : targets) {
            for (String tag : t.tags()) {
                Digest before = tagged.put(StaticNames.checkTag(tag), t.top().digest());
                if (before != null && !before.equals(t.top().digest())) {
                    throw new IllegalArgumentException("tag '" + tag + "' is given to both " + before + " and " + t.top().digest());
                }
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("nothing to publish");
        }
        checkOurs();
        Files.createDirectories(dest);
        // A file lock keeps other processes out; the JVM refuses to take it twice, so threads queue here first.
        synchronized (LOCKS.computeIfAbsent(dest.toAbsolutePath().normalize(), k -> new Object())) {
            try (FileChannel lockFile = FileChannel.open(dest.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                lockFile.lock(); // released when the channel closes
                return new Run(repo, objects()).publish(source, targets);
            }
        }
    }

    /** The objects published so far (empty before the first publish). */
    public StaticObjects objects() throws IOException {
        Path file = dest.resolve(StaticObjects.FILE);
        return Files.isRegularFile(file) ? StaticObjects.read(file) : StaticObjects.empty();
    }

    /**
     * Refuses a directory that holds other things and no objects.json: nginx.conf there may be someone's.
     * objects.json is the first file a publish writes (after the lock), so before it only the lock file and
     * temp files can be ours: another publish may be starting, or one was killed before it got that far.
     */
    private void checkOurs() throws IOException {
        if (!Files.exists(dest) || Files.isRegularFile(dest.resolve(StaticObjects.FILE))) {
            return;
        }
        if (!Files.isDirectory(dest)) {
            throw new IOException(dest + " is not a directory");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dest)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean temp = name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
                if (name.equals(StaticObjects.FILE)) {
                    return; // another publish wrote it since the check above: the directory is a static registry
                }
                if (!(name.equals(LOCK) || temp)) {
                    throw new IOException(dest + " is neither empty nor a static registry (it has " + name
                            + " but no " + StaticObjects.FILE + "); publish to an empty or new directory");
                }
            }
        }
    }

    /** One publish, under the lock: what is already there, and what this publish adds. */
    private final class Run {
        private final String repo;
        private final Path repoDir;
        private final StaticObjects objects;
        private final Set<Digest> done = new HashSet<>();
        private int copied;
        private int linked;
        private int present;

        Run(String repo, StaticObjects objects) {
            this.repo = repo;
            this.repoDir = dest.resolve("v2").resolve(repo);
            this.objects = objects;
        }

        Report publish(ContentSource source, List<Target> targets) throws IOException {
            // Manifests and configs of every target are read and checked before the first write.
            List<List<StaticContent.Item>> contents = new ArrayList<>();
            for (Target t : targets) {
                contents.add(StaticContent.collect(source, t.top()));
            }
            checkOurs();
            if (!Files.isRegularFile(dest.resolve(StaticObjects.FILE))) {
                // Claim the directory first, so a publish that fails half way can be run again.
                write(dest.resolve(StaticObjects.FILE), StaticObjects.empty().toJson());
            }
            for (Path dir : List.of(dest, dest.resolve("v2"), repoDir.resolve("blobs"), repoDir.resolve("manifests"),
                    repoDir.resolve("tags"))) {
                Files.createDirectories(dir);
                sweep(dir);
            }
            Map<Digest, StaticContent.Manifest> manifests = new HashMap<>();
            for (List<StaticContent.Item> items : contents) {
                for (StaticContent.Item item : items) {
                    if (item instanceof StaticContent.Blob b) {
                        blob(b);
                    } else if (item instanceof StaticContent.Manifest m) {
                        manifest(m);
                        manifests.put(m.descriptor().digest(), m);
                    }
                }
            }
            // Content is complete: now the tags, then the listings that name them.
            for (Target t : targets) {
                StaticContent.Manifest m = manifests.get(t.top().digest());
                for (String tag : t.tags()) {
                    Path p = repoDir.resolve("manifests").resolve(tag);
                    write(p, m.raw());
                    objects.put(key(p), new StaticObjects.Entry(m.descriptor().mediaType().value(), m.descriptor().digest(),
                            m.raw().length));
                }
            }
            Map<String, Object> list = new LinkedHashMap<>();
            list.put("name", repo);
            list.put("tags", objects.tags(repo));
            listing(repoDir.resolve("tags").resolve("list"), list);
            // After the tags list: the catalog lists the repositories that have one.
            listing(dest.resolve("v2").resolve("_catalog"), Map.of("repositories", objects.repositories()));
            // What plain file servers answer for /v2/ (the ping); nginx.conf answers it itself.
            listing(dest.resolve("v2").resolve("index.html"), Map.of());
            write(dest.resolve(StaticObjects.FILE), objects.toJson());
            write(dest.resolve(StaticNginx.FILE), StaticNginx.render(objects));
            return new Report(copied, linked, present);
        }

        private void listing(Path p, Map<String, Object> json) throws IOException {
            byte[] bytes = Json.write(json);
            write(p, bytes);
            objects.put(key(p), new StaticObjects.Entry(JSON, null, bytes.length));
        }

        private void blob(StaticContent.Blob b) throws IOException {
            if (!done.add(b.digest())) {
                return;
            }
            Path target = repoDir.resolve("blobs").resolve(b.digest().toString());
            if (Files.isRegularFile(target) && Files.size(target) == b.size()) {
                present++;
            } else {
                Path copy = existingCopy(b);
                if (copy != null && link(copy, target)) {
                    linked++;
                } else {
                    copyVerified(b, target);
                    copied++;
                }
            }
            objects.put(key(target), new StaticObjects.Entry(OCTETS, b.digest(), b.size()));
        }

        /** This blob in another repository, with the right size. */
        private Path existingCopy(StaticContent.Blob b) throws IOException {
            for (String k : objects.blobCopies(b.digest())) {
                Path p = dest.resolve(k);
                if (Files.isRegularFile(p) && Files.size(p) == b.size()) {
                    return p;
                }
            }
            return null;
        }

        private void manifest(StaticContent.Manifest m) throws IOException {
            Descriptor d = m.descriptor();
            if (!done.add(d.digest())) {
                return;
            }
            Path target = repoDir.resolve("manifests").resolve(d.digest().toString());
            if (!(Files.isRegularFile(target) && Files.size(target) == m.raw().length)) {
                write(target, m.raw());
            }
            objects.put(key(target), new StaticObjects.Entry(d.mediaType().value(), d.digest(), m.raw().length));
        }

        private String key(Path p) {
            return dest.relativize(p).toString().replace(java.io.File.separatorChar, '/');
        }
    }

    /**
     * Links {@code existing} at {@code target} (through a temp name, so the target appears whole); false when
     * the file system cannot link (FAT, some network file systems, a link-count limit), and the caller copies.
     */
    private static boolean link(Path existing, Path target) throws IOException {
        Path tmp = tempPath(target.getParent());
        try {
            Files.createLink(tmp, existing);
        } catch (UnsupportedOperationException | FileSystemException e) {
            return false;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams a blob into place, checking its size and digest; a mismatch leaves nothing behind. */
    private static void copyVerified(StaticContent.Blob b, Path target) throws IOException {
        Path tmp = tempPath(target.getParent());
        try {
            HashingOutputStream h;
            try (InputStream in = b.opener().open(); OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW)) {
                h = new HashingOutputStream(out);
                transferAtMost(in, h, b.size() + 1);
            }
            if (h.count() != b.size() || !h.digest().equals(b.digest())) {
                throw new IOException("blob " + b.digest() + " does not match its descriptor (" + h.count()
                        + (h.count() > b.size() ? "+" : "") + " bytes read, " + b.size() + " expected, digest "
                        + (h.count() > b.size() ? "not computed" : h.digest()) + "); nothing was tagged");
            }
            LayoutWriter.publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies until the end or until {@code limit} bytes, so a source that never ends cannot fill the disk. */
    private static void transferAtMost(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = limit;
        int n;
        while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) {
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Writes a small file aside, then renames it into place. */
    private static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = tempPath(target.getParent());
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW);
            LayoutWriter.publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path tempPath(Path dir) throws IOException {
        Files.createDirectories(dir);
        return dir.resolve(TEMP_PREFIX + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + TEMP_SUFFIX);
    }

    /** Removes temp files of publishes that were killed: under the lock, no live publish has any. */
    private static void sweep(Path dir) throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path p : temps) {
                Files.deleteIfExists(p);
            }
        }
    }
}
