package dev.peel.cli;

import dev.peel.build.BuildException;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.oci.Platform;
import dev.peel.spec.SpecException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** How the commands turn a failure into one line on stderr and a documented exit code. */
final class Failures {
    private Failures() {
    }

    /** Prints the failure and returns its exit code. */
    static int report(Exception e, PrintWriter err) {
        if (e instanceof SpecException) {
            err.println("peel: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (e instanceof RepositoryException) {
            err.println("peel: " + e.getMessage());
            return ExitCodes.UNTRUSTED;
        }
        if (e instanceof Resolver.ResolveException) {
            err.println("peel: cannot resolve " + e.getMessage());
            return ExitCodes.FAILED;
        }
        if (e instanceof BuildException) {
            err.println("peel: build failed: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        if (e instanceof dev.peel.registry.RegistryException r) {
            err.println("peel: " + r.getMessage());
            return exitCode(r);
        }
        if (e instanceof Keyfiles.KeyfileException k) {
            err.println("peel: " + k.getMessage());
            return k.exitCode();
        }
        if (e instanceof IOException) {
            err.println("peel: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        throw new IllegalStateException(e);
    }

    /** The exit code of a registry failure. */
    static int exitCode(dev.peel.registry.RegistryException r) {
        return switch (r.kind()) {
            case DENIED -> ExitCodes.DENIED;
            case UNTRUSTED -> ExitCodes.UNTRUSTED;
            case FAILED, NOT_FOUND -> ExitCodes.REGISTRY;
        };
    }

    /** Prints a failure of a command that reads or writes images (prefixed with the command) and returns its exit code. */
    static int reportTransfer(String command, Exception e, PrintWriter err) {
        if (e instanceof Keyfiles.KeyfileException k) {
            err.println("peel " + command + ": " + k.getMessage());
            return k.exitCode();
        }
        if (e instanceof dev.peel.registry.RegistryException r) {
            err.println("peel " + command + ": " + r.getMessage());
            return exitCode(r);
        }
        if (e instanceof IllegalArgumentException) {
            err.println("peel " + command + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (e instanceof java.io.InterruptedIOException) {
            err.println("peel " + command + ": interrupted");
            return ExitCodes.INTERRUPTED;
        }
        err.println("peel " + command + ": " + e.getMessage());
        return ExitCodes.FAILED;
    }

    /** A usage message for the first unknown Debian arch, or null when all are known. */
    static String unknownArch(String command, List<String> archs) {
        for (String a : archs) {
            if (Platform.ofDebianArch(a).isEmpty()) {
                return "peel " + command + ": unknown --arch '" + a + "'; use Debian names: "
                        + String.join(", ", Platform.debianArchs());
            }
        }
        return null;
    }
}
