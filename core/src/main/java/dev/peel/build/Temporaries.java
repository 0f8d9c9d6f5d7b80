package dev.peel.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temp files and directories a build made beside its outputs. They are deleted when the build ends, and
 * by a shutdown hook when it is interrupted (Ctrl-C, SIGTERM). Old outputs renamed aside are never
 * registered here: deleting one mid-swap would lose what the user had.
 */
final class Temporaries {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Temporaries::deleteTree), "peel-cleanup"));
    }

    private Temporaries() {
    }

    static Path register(Path p) {
        LIVE.add(p);
        return p;
    }

    /** Forgets a temp that became an output. */
    static void forget(Path p) {
        LIVE.remove(p);
    }

    /** Deletes a registered temp (or any path) and forgets it; best effort. */
    static void delete(Path p) {
        deleteTree(p);
        LIVE.remove(p);
    }

    private static void deleteTree(Path p) {
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: a leftover is harmless and named as peel's.
        }
    }
}
