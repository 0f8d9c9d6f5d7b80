package dev.peel.oci;

import java.util.Map;
import java.util.Optional;

/** An OCI platform: os, architecture and optional variant ({@code linux/arm64/v8}). */
public record Platform(String os, String architecture, String variant) implements Comparable<Platform> {
    /** Debian architecture name to the OCI platform a registry client asks for. */
    private static final Map<String, Platform> DEBIAN = Map.of(
            "amd64", new Platform("linux", "amd64", null),
            "arm64", new Platform("linux", "arm64", "v8"),
            "armhf", new Platform("linux", "arm", "v7"),
            "armel", new Platform("linux", "arm", "v5"),
            "i386", new Platform("linux", "386", null),
            "ppc64el", new Platform("linux", "ppc64le", null),
            "s390x", new Platform("linux", "s390x", null),
            "riscv64", new Platform("linux", "riscv64", null),
            "mips64el", new Platform("linux", "mips64le", null),
            "loong64", new Platform("linux", "loong64", null));

    public Platform {
        if (os == null || os.isEmpty() || architecture == null || architecture.isEmpty()) {
            throw new IllegalArgumentException("platform needs an os and an architecture");
        }
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /** The platform of a Debian architecture name (amd64, arm64, armhf, …), if known. */
    public static Optional<Platform> ofDebianArch(String debianArch) {
        return Optional.ofNullable(DEBIAN.get(debianArch));
    }

    /** The Debian architecture name of this platform (amd64 for linux/amd64, armhf for linux/arm/v7), if known. */
    public Optional<String> debianArch() {
        return DEBIAN.entrySet().stream().filter(e -> e.getValue().equals(this)).map(java.util.Map.Entry::getKey).sorted()
                .findFirst().or(() -> DEBIAN.entrySet().stream().filter(e -> matches(e.getValue())
                        || e.getValue().matches(this)).map(java.util.Map.Entry::getKey).sorted().findFirst());
    }

    /** The Debian architecture names peel knows, sorted. */
    public static java.util.SortedSet<String> debianArchs() {
        return new java.util.TreeSet<>(DEBIAN.keySet());
    }

    /** The Debian name of the JVM's host architecture. */
    public static String hostDebianArch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "armhf";
            case "x86", "i386", "i686" -> "i386";
            case "ppc64le" -> "ppc64el";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> a;
        };
    }

    /** Parses {@code os/arch[/variant]}; an arch alone means linux. */
    public static Platform parse(String s) {
        String[] p = s.split("/", -1);
        if (p.length == 1) {
            return new Platform("linux", p[0], null);
        }
        if (p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("not a platform (os/arch[/variant]): " + s);
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** A platform as users write it on the command line: a Debian arch (arm64) or os/arch[/variant]. */
    public static Platform parseUserInput(String s) {
        return ofDebianArch(s).orElseGet(() -> parse(s));
    }

    /** True if {@code wanted} names this platform; a wanted platform without variant matches any variant. */
    public boolean matches(Platform wanted) {
        return os.equals(wanted.os) && architecture.equals(wanted.architecture)
                && (wanted.variant == null || wanted.variant.equals(variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    @Override
    public int compareTo(Platform o) {
        return toString().compareTo(o.toString());
    }
}
