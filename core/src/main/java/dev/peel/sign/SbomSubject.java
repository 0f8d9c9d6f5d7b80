package dev.peel.sign;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which image an SBOM says it describes: the digest in the purl ({@code pkg:oci/NAME@sha256%3AHEX}) of SPDX's
 * described package or CycloneDX's {@code metadata.component}. An SBOM attested to one image but describing
 * another was moved, or made for something else.
 */
public final class SbomSubject {
    private static final Pattern OCI_PURL = Pattern.compile("^pkg:oci/[^@]+@sha256(?:%3A|%3a|:)([0-9a-f]{64})(?:[?#].*)?$");

    private SbomSubject() {
    }

    /** Null when the SBOM describes {@code image}, else what is wrong; null too for predicate types that are not SBOMs. */
    public static String check(String predicateType, byte[] predicate, Digest image) {
        if (!PredicateTypes.SPDX.equals(predicateType) && !PredicateTypes.CYCLONEDX.equals(predicateType)) {
            return null;
        }
        Map<String, Object> doc;
        try {
            doc = Json.parseObject(predicate);
        } catch (IllegalArgumentException e) {
            return "the SBOM is not a JSON object: " + e.getMessage();
        }
        List<String> purls;
        try {
            purls = PredicateTypes.SPDX.equals(predicateType) ? spdx(doc) : cycloneDx(doc);
        } catch (IllegalArgumentException e) {
            return "the SBOM is malformed: " + e.getMessage();
        }
        List<String> digests = new ArrayList<>();
        for (String p : purls) {
            Matcher m = OCI_PURL.matcher(p);
            if (m.matches()) {
                digests.add("sha256:" + m.group(1));
            }
        }
        if (digests.isEmpty()) {
            return "the SBOM names no image digest (no pkg:oci purl on what it describes)";
        }
        if (!digests.contains(image.toString())) {
            return "the SBOM describes " + String.join(", ", digests) + ", not this image";
        }
        return null;
    }

    private static List<String> spdx(Map<String, Object> doc) {
        List<String> described = new ArrayList<>();
        for (Object o : Json.arr(doc, "documentDescribes")) {
            described.add(String.valueOf(o));
        }
        for (Object r : Json.arr(doc, "relationships")) {
            if (r instanceof Map<?, ?> m && "DESCRIBES".equals(m.get("relationshipType"))
                    && "SPDXRef-DOCUMENT".equals(m.get("spdxElementId"))) {
                described.add(String.valueOf(m.get("relatedSpdxElement")));
            }
        }
        List<String> purls = new ArrayList<>();
        for (Object p : Json.arr(doc, "packages")) {
            if (p instanceof Map<?, ?> pkg && described.contains(String.valueOf(pkg.get("SPDXID")))
                    && pkg.get("externalRefs") instanceof List<?> refs) {
                for (Object ref : refs) {
                    if (ref instanceof Map<?, ?> er && "purl".equals(er.get("referenceType"))) {
                        purls.add(String.valueOf(er.get("referenceLocator")));
                    }
                }
            }
        }
        return purls;
    }

    private static List<String> cycloneDx(Map<String, Object> doc) {
        Object c = Json.obj(doc, "metadata").get("component");
        if (c instanceof Map<?, ?> comp && comp.get("purl") instanceof String p) {
            return List.of(p);
        }
        return List.of();
    }
}
