package dev.peel.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        // Bound now, not at exit: in a Maven plugin the class realm may be closed by the time the hook runs, and a
        // class first loaded then is not found.
        java.util.function.Consumer<Path> delete = dev.peel.io.Trees::deleteQuietly;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (LIVE.isEmpty()) {
                return;
            }
            try {
                for (Path p : LIVE) {
                    delete.accept(p);
                }
            } catch (LinkageError e) {
                // Nothing more can be done at exit.
            }
        }, "peel-cleanup"));
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
        dev.peel.io.Trees.deleteQuietly(p);
        LIVE.remove(p);
    }

    /** The prefix of this process's temporaries beside {@code target}: ".NAME.peel-PID-". */
    static String prefix(Path target) {
        return "." + target.getFileName() + ".peel-" + ProcessHandle.current().pid() + "-";
    }

    /**
     * Removes what builds killed outright (SIGKILL, power loss) left beside {@code target}: temporaries whose
     * process is gone. Never a ".peel-old-" copy of a previous output, and never another live build's.
     */
    static void sweep(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        String start = "." + target.getFileName() + ".peel-";
        if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
            return;
        }
        try (java.nio.file.DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(start)) {
                    continue;
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)-.*").matcher(n.substring(start.length()));
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    dev.peel.io.Trees.deleteQuietly(p);
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // Leftovers stay; they are hidden and harmless.
        }
    }
}
