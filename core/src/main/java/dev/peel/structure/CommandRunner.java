package dev.peel.structure;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs one command in a container of the image under test, as a command test's setup, command and teardown need it:
 * the image's entrypoint is not used (container-structure-test overrides it), the image's user and working directory
 * are. {@code state} is a fresh folder per command test, shared by its setup, command and teardown, so what setup
 * writes the command sees, and every test starts from the image's own files.
 */
public interface CommandRunner extends AutoCloseable {
    /** What a command printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code argv} (argv[0] looked up on the env's PATH) with exactly {@code env}; an IOException if it cannot run. */
    Result run(List<String> argv, Map<String, String> env, Path state) throws IOException;

    /** Frees what the runner holds for its image (an unpacked root file system, for instance). */
    @Override
    default void close() throws IOException {
    }
}
