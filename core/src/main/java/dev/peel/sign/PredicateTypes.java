package dev.peel.sign;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/** cosign's short names for predicate types ({@code --type}); anything else must be an absolute URI. */
public final class PredicateTypes {
    public static final String SPDX = "https://spdx.dev/Document";
    public static final String CYCLONEDX = "https://cyclonedx.org/bom";

    private static final Map<String, String> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("spdxjson", SPDX);
        NAMES.put("spdx", SPDX);
        NAMES.put("cyclonedx", CYCLONEDX);
        NAMES.put("slsaprovenance", "https://slsa.dev/provenance/v0.2");
        NAMES.put("slsaprovenance02", "https://slsa.dev/provenance/v0.2");
        NAMES.put("slsaprovenance1", "https://slsa.dev/provenance/v1");
        NAMES.put("link", "https://in-toto.io/Link/v1");
        NAMES.put("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1");
        NAMES.put("openvex", "https://openvex.dev/ns");
        NAMES.put("custom", "https://cosign.sigstore.dev/attestation/v1");
    }

    private PredicateTypes() {
    }

    /** The URI a {@code --type} value names; IllegalArgumentException naming the choices when it is neither. */
    public static String of(String type) {
        String uri = NAMES.get(type);
        if (uri != null) {
            return uri;
        }
        try {
            URI u = new URI(type);
            if (u.isAbsolute() && u.getScheme() != null && !type.contains(" ")) {
                return type;
            }
        } catch (URISyntaxException e) {
            // falls through to the error
        }
        throw new IllegalArgumentException("--type '" + type + "' is neither one of " + String.join(", ", NAMES.keySet())
                + " nor an absolute URI");
    }
}
