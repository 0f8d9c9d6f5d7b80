package dev.peel.sbom;

import java.util.Locale;
import java.util.UUID;

/** Names derived from the described image: its purl and the CycloneDX serial number. */
final class ImageIds {
    private ImageIds() {
    }

    /** {@code pkg:oci/<last name segment>@sha256%3A<hex>?arch=…}; the name without tag or digest, lower-cased. */
    static String purl(Sbom.Subject s) {
        String n = s.name();
        int at = n.indexOf('@');
        if (at >= 0) {
            n = n.substring(0, at);
        }
        n = n.replaceAll("/+$", "");
        n = n.substring(n.lastIndexOf('/') + 1);
        int colon = n.indexOf(':');
        if (colon >= 0) {
            n = n.substring(0, colon);
        }
        n = n.toLowerCase(Locale.ROOT);
        if (n.isEmpty()) {
            n = "image";
        }
        return Purl.oci(n, s.digest().toString(), s.platform().architecture());
    }

    /** A name-based UUID of the digest and platform: the same image, the same serial number. */
    static String serial(Sbom.Subject s) {
        return "urn:uuid:" + UUID.nameUUIDFromBytes(("peel sbom " + s.digest() + " " + s.platform())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
