package dev.peel.debian;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * An apt repository to read: its URL, suites and components, the keyring that signs it (null: Debian's
 * bundled keys), and whether it may be unsigned ({@code insecure}, loudly warned about).
 */
public record Source(URI url, List<String> suites, List<String> components, Path keyring, boolean insecure) {
    public Source {
        url = Mirrors.withSlash(url);
        suites = List.copyOf(suites);
        components = List.copyOf(components);
    }

    /** Debian's usual three: the suite and its -updates from the archive, -security from its sibling. */
    public static List<Source> defaults(URI archive, URI security, String suite) {
        return List.of(new Source(archive, List.of(suite, suite + "-updates"), List.of("main"), null, false),
                new Source(security, List.of(suite + "-security"), List.of("main"), null, false));
    }
}
