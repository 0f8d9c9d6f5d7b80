package dev.peel.registry;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which repositories of which registries a blob was last seen in (pushed, found or pulled), kept in peel's cache,
 * so a push to another repository of the same registry can mount the blob instead of uploading it. A hint only:
 * a wrong entry costs a mount that the registry declines.
 */
public final class BlobLocations {
    private static final int KEEP = 8;
    private final Path dir;

    public BlobLocations(Path dir) {
        this.dir = dir;
    }

    /** The hints kept in peel's cache at {@code cacheRoot}. */
    public static BlobLocations inCache(Path cacheRoot) {
        return new BlobLocations(cacheRoot.resolve("registry").resolve("blobs"));
    }

    /** Repositories of {@code host} known to hold the blob, most recent first. */
    public List<String> repositories(String host, Digest d) {
        List<String> out = new ArrayList<>();
        for (String line : read(d)) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.substring(0, sp).equals(host)) {
                out.add(line.substring(sp + 1));
            }
        }
        return out;
    }

    /** Notes that {@code host}'s {@code repo} holds the blob; failures to write are ignored (it is a hint). */
    public void record(String host, String repo, Digest d) {
        String entry = host + " " + repo;
        List<String> lines = new ArrayList<>(read(d));
        if (!lines.isEmpty() && lines.get(0).equals(entry)) {
            return;
        }
        lines.remove(entry);
        lines.add(0, entry);
        while (lines.size() > KEEP) {
            lines.remove(lines.size() - 1);
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".loc-", ".tmp");
            try {
                Files.write(tmp, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
                Files.move(tmp, dir.resolve(d.hex()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // A lost hint costs an upload later, nothing more.
        }
    }

    private List<String> read(Digest d) {
        try {
            return Files.readAllLines(dir.resolve(d.hex()), StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
