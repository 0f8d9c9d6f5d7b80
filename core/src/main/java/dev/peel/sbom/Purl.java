package dev.peel.sbom;

import java.nio.charset.StandardCharsets;

/** Package URLs (github.com/package-url/purl-spec) of Debian packages, Maven artifacts and OCI images. */
final class Purl {
    private Purl() {
    }

    /** {@code pkg:deb/<ns>/<name>@<version>?arch=…&distro=…&upstream=…}, qualifiers sorted by key as the spec asks. */
    static String deb(String namespace, String name, String version, String arch, String distro, String source) {
        StringBuilder b = new StringBuilder("pkg:deb/").append(encode(namespace)).append('/').append(encode(name)).append('@')
                .append(encode(version)).append("?arch=").append(encode(arch));
        if (distro != null) {
            b.append("&distro=").append(encode(distro));
        }
        if (source != null) {
            b.append("&upstream=").append(encode(source));
        }
        return b.toString();
    }

    /** {@code pkg:maven/<groupId>/<artifactId>@<version>}: the groupId is the namespace, its dots left as they are. */
    static String maven(String groupId, String artifactId, String version) {
        return "pkg:maven/" + encode(groupId) + "/" + encode(artifactId) + "@" + encode(version);
    }

    /** {@code pkg:oci/<name>@sha256%3A<hex>?arch=…}. */
    static String oci(String name, String digest, String arch) {
        return "pkg:oci/" + encode(name) + "@" + encode(digest).replace(":", "%3A") + "?arch=" + encode(arch);
    }

    /**
     * Percent-encodes all but the characters the spec leaves as they are: ASCII letters, digits, {@code .-_~}, and
     * {@code :}, which the spec does not reserve in these components (an epoch's colon stays, a version's
     * {@code +} becomes {@code %2B}).
     */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
                    || c == '~' || c == ':') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }
}
