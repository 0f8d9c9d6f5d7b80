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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The layer made of the spec's {@code files} and {@code accounts}: the same bytes for every arch. */
final class FilesLayer {
    private FilesLayer() {
    }

    /** The sorted entries, or an empty list when the spec adds no files. */
    static List<TarEntry> entries(Spec spec, long mtime) throws SpecException, BuildException {
        LayerTree tree = new LayerTree(mtime);
        Map<String, Position> positions = new HashMap<>();
        try {
            for (int i = 0; i < spec.files().size(); i++) {
                Spec.FileSpec f = spec.files().get(i);
                String origin = "files[" + i + "] at " + f.at();
                positions.put(origin, f.at());
                for (TarEntry e : entriesOf(f, mtime)) {
                    tree.add(e, origin);
                }
            }
            if (!spec.accounts().isEmpty()) {
                String origin = "accounts at " + spec.accounts().at();
                positions.put(origin, spec.accounts().at());
                for (TarEntry e : AccountFiles.files(spec.accounts(), mtime)) {
                    tree.add(e, origin);
                }
                for (TarEntry e : AccountFiles.homes(spec.accounts(), mtime)) {
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

    private static List<TarEntry> entriesOf(Spec.FileSpec f, long mtime) throws SpecException, IOException {
        return switch (f.kind()) {
            case FILE -> {
                Content c = f.content() != null ? Content.ofBytes(f.content()) : Content.ofFile(f.source());
                int mode = f.mode() != null ? f.mode() : f.source() != null && executable(f.source()) ? 0755 : 0644;
                yield List.of(TarEntry.file(f.path(), mode, f.uid(), f.gid(), mtime, c));
            }
            case DIRECTORY -> List.of(TarEntry.directory(f.path(), f.mode() != null ? f.mode() : 0755, f.uid(), f.gid(), mtime));
            case SYMLINK -> List.of(TarEntry.symlink(f.path(), f.target(), f.uid(), f.gid(), mtime));
            case HARDLINK -> List.of(TarEntry.hardlink(f.path(), f.target(), 0644, f.uid(), f.gid(), mtime));
            case TREE -> tree(f, mtime);
        };
    }

    /** A source directory copied as a tree: modes normalized (exec bit kept), symlinks kept as links. */
    private static List<TarEntry> tree(Spec.FileSpec f, long mtime) throws SpecException, IOException {
        List<TarEntry> out = new ArrayList<>();
        int dirMode = f.dirMode() != null ? f.dirMode() : 0755;
        List<Path> paths;
        try (Stream<Path> s = Files.walk(f.source())) {
            paths = s.sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new SpecException(f.at(), "cannot read source directory " + f.source() + ": " + e.getMessage());
        }
        Map<Object, String> firstPathOfInode = new HashMap<>();
        for (Path p : paths) {
            String rel = f.source().relativize(p).toString().replace('\\', '/');
            String path = rel.isEmpty() ? f.path() : f.path() + "/" + rel;
            if (Files.isSymbolicLink(p)) {
                out.add(TarEntry.symlink(path, Files.readSymbolicLink(p).toString(), f.uid(), f.gid(), mtime));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(TarEntry.directory(path, dirMode, f.uid(), f.gid(), mtime));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isReadable(p)) {
                    throw new SpecException(f.at(), "cannot read " + p + " (from source " + f.source() + ")");
                }
                int mode = f.mode() != null ? f.mode() : executable(p) ? 0755 : 0644;
                // Hardlinked sources stay hardlinks, as tar keeps them: the content is stored once.
                Object inode = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey();
                String first = inode == null || linkCount(p) < 2 ? null : firstPathOfInode.putIfAbsent(inode, path);
                if (first != null) {
                    out.add(TarEntry.hardlink(path, first, mode, f.uid(), f.gid(), mtime));
                } else {
                    out.add(TarEntry.file(path, mode, f.uid(), f.gid(), mtime, Content.ofFile(p)));
                }
            } else {
                throw new SpecException(f.at(), p + " (in source " + f.source()
                        + ") is a socket, device or pipe; only files, directories and symlinks can be copied");
            }
        }
        return out;
    }

    private static int linkCount(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 1;
        }
    }

    private static boolean executable(Path p) throws IOException {
        try {
            return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException e) {
            return Files.isExecutable(p);
        }
    }
}
