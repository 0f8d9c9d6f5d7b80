package dev.peel.cli;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** --digest-file: the digest and a newline, written aside and renamed, so a CI step never reads half a file. */
final class DigestFile {
    private DigestFile() {
    }

    static void write(Path file, Digest digest) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".digest-", ".tmp");
        try {
            Files.writeString(tmp, digest + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
