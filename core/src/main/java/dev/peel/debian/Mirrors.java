package dev.peel.debian;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the Debian archive is, when the spec does not say: {@code PEEL_DEBIAN_MIRROR}, else the Debian
 * archive configured in the host's apt sources (deb822 {@code *.sources} and one-line
 * {@code sources.list}). No host name is built in.
 */
public final class Mirrors {
    /** One {@code deb} source of the host's apt configuration. */
    public record AptSource(URI uri, List<String> suites) {
    }

    private Mirrors() {
    }

    /** The archive to use, or empty when neither the environment nor apt names one. */
    public static Optional<URI> archive(Map<String, String> env, Path aptEtc) {
        String m = env.get("PEEL_DEBIAN_MIRROR");
        if (m != null && !m.isBlank()) {
            return Optional.of(withSlash(URI.create(m.strip())));
        }
        for (AptSource s : aptSources(aptEtc)) {
            if (s.suites().stream().noneMatch(x -> x.endsWith("-security")) && s.uri().getPath().endsWith("/debian/")) {
                return Optional.of(s.uri());
            }
        }
        for (AptSource s : aptSources(aptEtc)) {
            if (s.suites().stream().noneMatch(x -> x.endsWith("-security"))) {
                return Optional.of(s.uri());
            }
        }
        return Optional.empty();
    }

    /**
     * The security archive beside {@code archive}: the host's apt source for a {@code -security} suite
     * when apt uses the same archive, else the {@code debian-security} sibling of the archive's path.
     */
    public static URI security(URI archive, Path aptEtc) {
        for (AptSource s : aptSources(aptEtc)) {
            if (s.suites().stream().anyMatch(x -> x.endsWith("-security"))
                    && s.uri().getHost() != null && s.uri().getHost().equals(archive.getHost())) {
                return s.uri();
            }
        }
        String path = archive.getPath();
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return archive.resolve(trimmed + "-security/");
    }

    /** Every {@code deb} source of the host's apt configuration, in the order apt reads them. */
    public static List<AptSource> aptSources(Path aptEtc) {
        List<AptSource> out = new ArrayList<>();
        Path list = aptEtc.resolve("sources.list");
        try {
            if (Files.isRegularFile(list)) {
                for (String line : Files.readAllLines(list)) {
                    String l = line.replaceFirst("#.*", "").strip();
                    if (!l.startsWith("deb ")) {
                        continue;
                    }
                    String[] w = l.replaceAll("\\[[^]]*]", " ").strip().split("\\s+");
                    if (w.length >= 3) {
                        out.add(new AptSource(withSlash(URI.create(w[1])), List.of(w[2])));
                    }
                }
            }
            Path dir = aptEtc.resolve("sources.list.d");
            if (Files.isDirectory(dir)) {
                List<Path> files = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    ds.forEach(files::add);
                }
                files.sort(null);
                for (Path f : files) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".sources")) {
                        for (Deb822.Stanza s : Deb822.parse(Files.readAllBytes(f))) {
                            String types = s.get("Types");
                            String enabled = s.get("Enabled");
                            if (types == null || !List.of(types.split("\\s+")).contains("deb") || "no".equalsIgnoreCase(enabled)) {
                                continue;
                            }
                            String suites = s.get("Suites");
                            for (String u : s.get("URIs") == null ? new String[0] : s.get("URIs").split("\\s+")) {
                                out.add(new AptSource(withSlash(URI.create(u)),
                                        suites == null ? List.of() : List.of(suites.strip().split("\\s+"))));
                            }
                        }
                    }
                }
            }
        } catch (IOException | Deb822.ParseException | IllegalArgumentException e) {
            // An unreadable apt configuration names no mirror; the caller says what to configure.
        }
        return out;
    }

    static URI withSlash(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? u : URI.create(s + "/");
    }
}
