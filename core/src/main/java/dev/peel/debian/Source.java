package dev.peel.debian;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * An apt repository to read: its URL, suites and components, the keyring that signs it (null: Debian's
 * bundled keys), whether it may be unsigned ({@code insecure}, loudly warned about), and whether it is a
 * frozen snapshot (its Releases are past Valid-Until by design, so that check is off).
 */
public record Source(URI url, List<String> suites, List<String> components, Path keyring, boolean insecure,
                     boolean snapshot) {
    public Source {
        url = Mirrors.withSlash(url);
        suites = List.copyOf(suites);
        components = List.copyOf(components);
    }

    public Source(URI url, List<String> suites, List<String> components, Path keyring, boolean insecure) {
        this(url, suites, components, keyring, insecure, false);
    }

    /** Debian's usual three: the suite and its -updates from the archive, -security from its sibling. */
    public static List<Source> defaults(URI archive, URI security, String suite) {
        return List.of(new Source(archive, List.of(suite, suite + "-updates"), List.of("main"), null, false),
                new Source(security, List.of(suite + "-security"), List.of("main"), null, false));
    }

    /**
     * The same three from a snapshot service (laid out as Debian's: {@code archive/debian/<time>/} and
     * {@code archive/debian-security/<time>/}) at {@code time}, e.g. {@code 20250520T000000Z}.
     */
    public static List<Source> snapshot(URI service, String time, String suite) {
        URI root = Mirrors.withSlash(service);
        return List.of(new Source(root.resolve("archive/debian/" + time + "/"), List.of(suite, suite + "-updates"),
                        List.of("main"), null, false, true),
                new Source(root.resolve("archive/debian-security/" + time + "/"), List.of(suite + "-security"),
                        List.of("main"), null, false, true));
    }
}
