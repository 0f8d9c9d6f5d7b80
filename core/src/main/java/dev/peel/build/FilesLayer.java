package dev.peel.build;

import dev.peel.install.AccountFiles;
import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Content;
import dev.peel.tar.LayerTree;
import dev.peel.tar.TarEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The layer made of the spec's {@code files} and {@code accounts}: the same bytes for every arch. */
final class FilesLayer {
    private FilesLayer() {
    }

    /** The sorted entries, or an empty list when the spec adds no files. */
    static List<TarEntry> entries(Spec spec, long mtime) throws SpecException, BuildException {
        return entries(spec, mtime, Set.of());
    }

    /**
     * As {@link #entries(Spec, long)}; {@code skip} are absolute paths a source tree must not copy (the
     * build's own outputs, when a source folder contains them).
     */
    static List<TarEntry> entries(Spec spec, long mtime, Set<Path> skip) throws SpecException, BuildException {
        return entries(spec, mtime, skip, null);
    }

    /**
     * As {@link #entries(Spec, long, Set)}, on a base image whose tree is {@code onto} (null: none): parent
     * directories the layer adds keep the base's mode and owner, and accounts extend the base's
     * /etc/passwd and /etc/group.
     */
    static List<TarEntry> entries(Spec spec, long mtime, Set<Path> skip, BaseImage.Contents onto)
            throws SpecException, BuildException {
        LayerTree tree = new LayerTree(mtime, onto == null ? p -> null : p -> {
            BaseImage.Contents.Dir d = onto.dirs().get(p);
            return d == null ? null : TarEntry.directory(p, d.mode(), d.uid(), d.gid(), mtime);
        });
        Map<String, Position> positions = new HashMap<>();
        try {
            for (int i = 0; i < spec.files().size(); i++) {
                Spec.FileSpec f = spec.files().get(i);
                String origin = "files[" + i + "] at " + f.at();
                positions.put(origin, f.at());
                for (TarEntry e : entriesOf(f, mtime, skip)) {
                    tree.add(e, origin);
                }
            }
            if (!spec.accounts().isEmpty()) {
                String origin = "accounts at " + spec.accounts().at();
                positions.put(origin, spec.accounts().at());
                List<TarEntry> files = onto == null ? AccountFiles.files(spec.accounts(), mtime)
                        : AccountFiles.files(spec.accounts(), mtime, onto.passwd(), onto.group());
                for (TarEntry e : files) {
                    tree.add(e, origin);
                }
                for (TarEntry e : AccountFiles.homes(spec.accounts(), mtime, onto != null && onto.passwd() != null)) {
                    tree.addDefault(e, origin);
                }
            }
            return tree.isEmpty() ? List.of() : tree.entries();
        } catch (LayerTree.ConflictException e) {
            Position p = positions.getOrDefault(e.secondOrigin(), new Position(spec.displayName(), 0, 0));
            throw new SpecException(p, e.getMessage(), "each path may appear once, or several times with the same content and attributes");
        } catch (IOException | UncheckedIOException e) {
            throw new BuildException("reading sources: " + e.getMessage(), e);
        }
    }

    private static List<TarEntry> entriesOf(Spec.FileSpec f, long mtime, Set<Path> skip) throws SpecException, IOException {
        return switch (f.kind()) {
            case FILE -> {
                Content c = f.content() != null ? Content.ofBytes(f.content()) : Content.ofFile(f.source());
                int mode = f.mode() != null ? f.mode() : f.source() != null && executable(f.source()) ? 0755 : 0644;
                yield List.of(TarEntry.file(f.path(), mode, f.uid(), f.gid(), mtime, c));
            }
            case DIRECTORY -> List.of(TarEntry.directory(f.path(), f.mode() != null ? f.mode() : 0755, f.uid(), f.gid(), mtime));
            case SYMLINK -> List.of(TarEntry.symlink(f.path(), f.target(), f.uid(), f.gid(), mtime));
            case HARDLINK -> List.of(TarEntry.hardlink(f.path(), f.target(), 0644, f.uid(), f.gid(), mtime));
            case TREE -> tree(f, mtime, skip);
        };
    }

    /**
     * A source directory copied as a tree: modes normalized (exec bit kept), symlinks kept as links,
     * hardlinked files kept as hardlinks. One lstat per entry: the walk's own attributes are used.
     */
    private static List<TarEntry> tree(Spec.FileSpec f, long mtime, Set<Path> skip) throws SpecException, IOException {
        List<Map.Entry<Path, BasicFileAttributes>> found = new ArrayList<>();
        try {
            Files.walkFileTree(f.source(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (skip.contains(dir.toAbsolutePath().normalize())) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    found.add(Map.entry(dir, attrs));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!skip.contains(file.toAbsolutePath().normalize())) {
                        found.add(Map.entry(file, attrs));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SpecException(f.at(), "cannot read source directory " + f.source() + ": " + e.getMessage());
        }
        found.sort(Map.Entry.comparingByKey());
        int dirMode = f.dirMode() != null ? f.dirMode() : 0755;
        List<TarEntry> out = new ArrayList<>();
        Map<Object, String> firstPathOfInode = new HashMap<>();
        for (Map.Entry<Path, BasicFileAttributes> e : found) {
            Path p = e.getKey();
            BasicFileAttributes a = e.getValue();
            StringBuilder sb = new StringBuilder(f.path());
            for (Path name : f.source().relativize(p)) {
                String n = name.toString();
                if (n.isEmpty()) {
                    continue;
                }
                if (n.startsWith(".wh.")) {
                    throw new SpecException(f.at(), p + " (in source " + f.source() + ") is named like a whiteout ('.wh.'),"
                            + " which runtimes read as a deletion");
                }
                sb.append('/').append(n);
            }
            String path = sb.toString();
            if (a.isSymbolicLink()) {
                out.add(TarEntry.symlink(path, Files.readSymbolicLink(p).toString(), f.uid(), f.gid(), mtime));
            } else if (a.isDirectory()) {
                out.add(TarEntry.directory(path, dirMode, f.uid(), f.gid(), mtime));
            } else if (a.isRegularFile()) {
                int mode = f.mode() != null ? f.mode() : executable(p, a) ? 0755 : 0644;
                // Hardlinked sources stay hardlinks, as tar keeps them: the content is stored once.
                Object inode = a.fileKey();
                String first = inode == null ? null : firstPathOfInode.putIfAbsent(inode, path);
                if (first != null) {
                    out.add(TarEntry.hardlink(path, first, mode, f.uid(), f.gid(), mtime));
                } else {
                    out.add(TarEntry.file(path, mode, f.uid(), f.gid(), mtime, Content.ofFile(p, a.size())));
                }
            } else {
                throw new SpecException(f.at(), p + " (in source " + f.source()
                        + ") is a socket, device or pipe; only files, directories and symlinks can be copied");
            }
        }
        return out;
    }

    private static boolean executable(Path p, BasicFileAttributes a) throws IOException {
        if (a instanceof PosixFileAttributes posix) {
            return posix.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
        }
        return executable(p);
    }

    private static boolean executable(Path p) throws IOException {
        try {
            return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException e) {
            return Files.isExecutable(p);
        }
    }
}
