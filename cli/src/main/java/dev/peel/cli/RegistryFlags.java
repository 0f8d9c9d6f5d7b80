package dev.peel.cli;

import dev.peel.registry.BlobLocations;
import dev.peel.registry.RegistryClient;
import dev.peel.registry.RegistryException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags every command that talks to registries takes. */
final class RegistryFlags {
    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "Allow plain HTTP (after HTTPS is tried) with this registry; loopback hosts always may. Repeatable.")
    List<String> insecure = new ArrayList<>();

    @Option(names = "--ca-file", paramLabel = "PEM", description = "Trust these CA certificates too, besides the JDK's.")
    Path caFile;

    @Option(names = "--retry-budget", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long one request keeps retrying resets, 408, 429 and 5xx before peel gives up (e.g. 90s, 5m; default ${DEFAULT-VALUE}).")
    String retryBudget;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4",
            description = "Blobs transferred at once (default ${DEFAULT-VALUE}).")
    int jobs;

    /** The client these flags describe; notices (retries) go to {@code err} unless quiet. */
    RegistryClient client(Main parent, PrintWriter err) throws RegistryException {
        boolean quiet = parent.quiet;
        Duration budget = parseDuration(retryBudget);
        return new RegistryClient(new RegistryClient.Options(Logins.lookup(parent.env), new HashSet<>(insecure), caFile, budget,
                0, null, quiet ? n -> { } : n -> {
                    synchronized (err) {
                        err.println("peel: " + n);
                        err.flush();
                    }
                }));
    }

    static Duration parseDuration(String s) {
        String t = s.trim();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--retry-budget '" + s + "' is not a duration such as 90s or 5m");
        }
    }

    static BlobLocations locations(Main parent) {
        return BlobLocations.inCache(parent.cache().root());
    }
}
