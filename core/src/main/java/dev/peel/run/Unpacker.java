package dev.peel.run;

import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Unpacks image layers into one folder, applying whiteouts, and treats every layer as hostile: whatever its
 * entries say, nothing is created, changed or read outside that folder.
 *
 * <ul>
 *   <li>Names are split into components; {@code ..} anywhere is refused, a leading {@code /} or {@code ./} is
 *       dropped (the name is inside the root either way).</li>
 *   <li>The parents of every entry are resolved inside the root as {@code chroot} would: a symlink among them
 *       (laid by this layer or an earlier one, {@code etc -> /}) is followed with its target read relative to
 *       the root, {@code ..} stopping there; so {@code etc/passwd} through {@code etc -> /} lands in the root's
 *       {@code passwd}, never the host's. At most 40 links per name, as the kernel.</li>
 *   <li>The last component is never followed: what is there (a symlink, a file, a hardlink) is removed before
 *       the entry is written, files are created with {@code O_EXCL}, so no write goes through an old link or
 *       into an inode another name shares.</li>
 *   <li>Hardlink targets resolve the same way and must be regular files already unpacked.</li>
 *   <li>Whiteouts name a child of a folder inside the root; {@code .wh..}, {@code .wh.} and names above the
 *       root are refused. An opaque whiteout empties its folder of what earlier layers put there.</li>
 *   <li>Device nodes and fifos are not made (the sandbox has its own /dev): each is skipped with a warning.
 *       Setuid and setgid bits are dropped. Folders keep owner rwx while unpacking; their modes are set at the
 *       end by a walk that never follows links.</li>
 *   <li>Limits: total bytes (default: the free space of the folder's file system less 1 GiB, at most
 *       64 GiB), entries (4 million), name length (4,096 bytes), depth (256 components).</li>
 * </ul>
 * Every refusal is a {@link Refused} naming the layer and the entry; the caller removes the folder.
 */
public final class Unpacker {
    /** Changes whenever the tree made for some input changes: part of the unpack cache's key. */
    public static final String VERSION = "peel unpack 1";
    private static final int MAX_LINKS = 40;
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    /** An entry that would leave the root, or break a limit. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    /** How much one image may unpack to. */
    public record Limits(long maxBytes, long maxEntries, int maxNameBytes, int maxDepth) {
        public static Limits forFolder(Path dir) {
            long free;
            try {
                free = Files.getFileStore(dir).getUsableSpace() - (1L << 30);
            } catch (IOException e) {
                free = Long.MAX_VALUE;
            }
            return new Limits(Math.max(0, Math.min(64L << 30, free)), 4_000_000, 4096, 256);
        }
    }

    private final Path root;
    private final Limits limits;
    private final Consumer<String> warn;
    private final Map<String, Integer> dirModes = new HashMap<>();
    /** Host paths (relative to the root) the current layer wrote: an opaque whiteout keeps them. */
    private final Set<String> thisLayer = new HashSet<>();
    /**
     * Parents already resolved (name → host folder), valid until a folder or link is removed or a link made
     * (each clears it): most entries sit in folders earlier entries resolved.
     */
    private final Map<String, Path> resolved = new HashMap<>();
    private long bytes;
    private long entries;
    private String layer = "";

    /** @param root an empty folder, made by the caller */
    public Unpacker(Path root, Limits limits, Consumer<String> warn) {
        this.root = root;
        this.limits = limits;
        this.warn = warn;
    }

    /** Bytes of file content written so far. */
    public long bytes() {
        return bytes;
    }

    /** Unpacks one layer's tar, on what the earlier ones made; {@code what} names the layer in messages. */
    public void layer(InputStream tar, String what) throws IOException {
        this.layer = what;
        thisLayer.clear();
        TarReader r = new TarReader(tar);
        for (TarReader.Header h = r.next(); h != null; h = r.next()) {
            if (++entries > limits.maxEntries()) {
                throw new Refused(what + ": more than " + limits.maxEntries() + " entries in the image");
            }
            entry(h, r);
        }
    }

    /** Sets the folders' modes, walking the tree without following links. */
    public void finish() throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Integer mode = dirModes.get(relative(dir));
                if (mode != null && !dir.equals(root)) {
                    Files.setPosixFilePermissions(dir, permissions(mode | 0700));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private String relative(Path p) {
        return root.relativize(p).toString();
    }

    private void entry(TarReader.Header h, TarReader r) throws IOException {
        String entry = h.name();
        if (entry.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > limits.maxNameBytes()) {
            throw refused(entry, "its name is longer than " + limits.maxNameBytes() + " bytes");
        }
        List<String> parts = components(entry, entry);
        if (parts.isEmpty()) {
            if (h.isDirectory()) {
                return;
            }
            throw refused(entry, "it names the root itself");
        }
        String last = parts.get(parts.size() - 1);
        if (last.startsWith(WHITEOUT)) {
            whiteout(parts, entry);
            return;
        }
        char type = h.type();
        switch (type) {
            case '0', '\0', '7' -> file(parts, entry, h, r);
            case '5' -> directory(parts, entry, h.mode());
            case '2' -> symlink(parts, entry, h.linkName());
            case '1' -> hardlink(parts, entry, h.linkName());
            case '3', '4', '6' -> warn.accept(layer + ": " + entry + ": " + (type == '6' ? "fifo" : "device node")
                    + " not made (the container has its own /dev)");
            default -> throw refused(entry, "tar entry type '" + type + "' is not unpacked");
        }
    }

    private Refused refused(String entry, String why) {
        return new Refused(layer + ": entry " + entry + ": " + why);
    }

    /** A name's components: no empty ones, no {@code .}; {@code ..} is refused. */
    private List<String> components(String name, String entry) throws Refused {
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw refused(entry, "'..' in " + name);
            }
            out.add(c);
        }
        if (out.size() > limits.maxDepth()) {
            throw refused(entry, "more than " + limits.maxDepth() + " levels deep");
        }
        return out;
    }

    /**
     * The host folder that holds the last of {@code parts}, its parents resolved inside the root (symlinks
     * followed as chroot would, never above the root); missing folders are made when {@code create}, else null.
     */
    private Path parent(List<String> parts, String entry, boolean create) throws IOException {
        String key = String.join("/", parts.subList(0, parts.size() - 1));
        Path known = resolved.get(key);
        if (known != null) {
            return known;
        }
        Path p = resolve(parts, entry, create);
        if (p != null) {
            resolved.put(key, p);
        }
        return p;
    }

    private Path resolve(List<String> parts, String entry, boolean create) throws IOException {
        Walk w = walk(root, parts.subList(0, parts.size() - 1), create, true);
        if (w.problem() == null) {
            return w.path();
        }
        if (w.problem().isEmpty()) {
            return null;
        }
        throw refused(entry, w.problem());
    }

    /** Where a walk got: {@code path} when {@code problem} is null; "" when a name was missing; else why it stopped. */
    private record Walk(Path path, String problem) {
    }

    /**
     * Walks {@code names} from {@code root} as inside {@code chroot root}: symlinks followed with their targets read
     * relative to the root, {@code ..} stopping there, at most {@link #MAX_LINKS} links; missing folders made when
     * {@code create}. With {@code dirsOnly} false the last name may be a file.
     */
    private static Walk walk(Path root, List<String> names, boolean create, boolean dirsOnly) throws IOException {
        Deque<String> todo = new ArrayDeque<>(names);
        List<String> at = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!at.isEmpty()) {
                    at.remove(at.size() - 1);
                }
                continue;
            }
            Path p = under(root, at).resolve(c);
            BasicFileAttributes a = attributes(p);
            if (a == null) {
                if (!create) {
                    return new Walk(null, "");
                }
                Files.createDirectory(p);
                Files.setPosixFilePermissions(p, permissions(0755));
                at.add(c);
            } else if (a.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    return new Walk(null, "too many levels of symbolic links");
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    at.clear();
                }
                String[] t = target.split("/");
                for (int i = t.length - 1; i >= 0; i--) {
                    todo.addFirst(t[i]);
                }
                if (todo.size() > 4096) {
                    return new Walk(null, "symbolic links expand its name beyond 4,096 components");
                }
            } else if (a.isDirectory() || (!dirsOnly && todo.isEmpty())) {
                at.add(c);
            } else {
                return new Walk(null, "/" + String.join("/", at) + (at.isEmpty() ? "" : "/") + c + " is not a directory");
            }
        }
        return new Walk(under(root, at), null);
    }

    private static Path under(Path root, List<String> at) {
        Path p = root;
        for (String c : at) {
            p = p.resolve(c);
        }
        return p;
    }

    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Removes whatever is at {@code p} (a link itself, never its target; a folder with all it holds). */
    private void remove(Path p) throws IOException {
        BasicFileAttributes a = attributes(p);
        if (a == null) {
            return;
        }
        if (!a.isRegularFile()) {
            resolved.clear();
        }
        if (a.isDirectory()) {
            dev.peel.io.Trees.delete(p);
        } else {
            Files.delete(p);
        }
    }

    private Path target(List<String> parts, String entry) throws IOException {
        Path dir = parent(parts, entry, true);
        Path p = dir.resolve(parts.get(parts.size() - 1));
        thisLayer.add(relative(p));
        return p;
    }

    private void file(List<String> parts, String entry, TarReader.Header h, TarReader r) throws IOException {
        long size = h.size();
        if (size < 0 || size > limits.maxBytes() - bytes) {
            throw refused(entry, "its " + size + " bytes would take the image past " + limits.maxBytes()
                    + " bytes unpacked");
        }
        Path p = target(parts, entry);
        remove(p);
        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             InputStream in = r.data()) {
            long n = in.transferTo(out);
            if (n != size) {
                throw refused(entry, "truncated: " + n + " of " + size + " bytes");
            }
        }
        bytes += size;
        // Setuid and setgid dropped; owner read kept, so that the cache can always be read.
        Files.setPosixFilePermissions(p, permissions((h.mode() & 0777) | 0400));
        Files.setLastModifiedTime(p, FileTime.fromMillis(Math.max(0, h.mtime()) * 1000));
    }

    private void directory(List<String> parts, String entry, int mode) throws IOException {
        Path p = target(parts, entry);
        BasicFileAttributes a = attributes(p);
        if (a == null || !a.isDirectory()) {
            remove(p);
            Files.createDirectory(p);
            Files.setPosixFilePermissions(p, permissions(0755));
        }
        dirModes.put(relative(p), mode & 01777);
    }

    private void symlink(List<String> parts, String entry, String link) throws IOException {
        if (link == null || link.isEmpty()) {
            throw refused(entry, "a symbolic link to nothing");
        }
        if (link.indexOf('\0') >= 0 || link.length() > 4095) {
            throw refused(entry, "a symbolic link target the kernel would not take");
        }
        Path p = target(parts, entry);
        remove(p);
        resolved.clear();
        Files.createSymbolicLink(p, Path.of(link));
    }

    private void hardlink(List<String> parts, String entry, String link) throws IOException {
        if (link == null || link.isEmpty()) {
            throw refused(entry, "a hard link to nothing");
        }
        List<String> t = components(link, entry);
        if (t.isEmpty()) {
            throw refused(entry, "a hard link to the root");
        }
        Path dir = parent(t, entry, false);
        Path existing = dir == null ? null : dir.resolve(t.get(t.size() - 1));
        BasicFileAttributes a = existing == null ? null : attributes(existing);
        if (a == null || !a.isRegularFile()) {
            throw refused(entry, "a hard link to " + link + ", which is " + (a == null ? "not in the image" : "not a regular file"));
        }
        Path p = target(parts, entry);
        if (p.equals(existing)) {
            return;
        }
        remove(p);
        Files.createLink(p, existing);
    }

    private void whiteout(List<String> parts, String entry) throws IOException {
        String last = parts.get(parts.size() - 1);
        Path dir = parent(parts, entry, false);
        if (last.equals(OPAQUE)) {
            if (dir == null) {
                return;
            }
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(children::add);
            }
            for (Path c : children) {
                if (!thisLayer.contains(relative(c))) {
                    remove(c);
                }
            }
            return;
        }
        String victim = last.substring(WHITEOUT.length());
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.startsWith(WHITEOUT)) {
            throw refused(entry, "a whiteout of '" + victim + "'");
        }
        if (dir != null) {
            remove(dir.resolve(victim));
        }
    }

    /**
     * The host path of {@code path} in an unpacked tree, every symlink on the way (the last too) followed as
     * inside {@code chroot root}; null when it does not resolve (missing, a loop). For reading an image's own
     * files (its /etc/passwd) without ever reading the host's.
     */
    public static Path inside(Path root, String path) throws IOException {
        Walk w = walk(root, List.of(path.split("/")), false, false);
        return w.problem() == null ? w.path() : null;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }
}
