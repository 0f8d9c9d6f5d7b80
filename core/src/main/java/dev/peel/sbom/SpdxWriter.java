package dev.peel.sbom;

import dev.peel.oci.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SPDX 2.3 JSON: the image DESCRIBED, CONTAINS its packages (Debian's, then Maven artifacts) and files, packages
 * CONTAINS theirs, DEPENDS_ON.
 */
final class SpdxWriter {
    static final String NAMESPACE = "https://peel.dev/spdx/";
    private static final String TOOL = "Tool: peel";
    /** SPDX 2.3's pattern for a download location (a host with a TLD): a mirror at 127.0.0.1 goes in a comment. */
    private static final java.util.regex.Pattern DOWNLOAD = java.util.regex.Pattern.compile("^(NONE|NOASSERTION|(((git|hg|svn|bzr)\\+)?"
            + "([^:/?#]+://)?[a-z0-9]+([\\-\\.]{1}[a-z0-9]+){0,100}\\.[a-z]{2,5}(:[0-9]{1,5})?(\\/.*)?))$");

    private SpdxWriter() {
    }

    static byte[] write(Sbom s) {
        Sbom.Subject img = s.subject();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("spdxVersion", "SPDX-2.3");
        doc.put("dataLicense", "CC0-1.0");
        doc.put("SPDXID", "SPDXRef-DOCUMENT");
        doc.put("name", img.name() + " " + img.platform());
        doc.put("documentNamespace", NAMESPACE + img.digest().algorithm() + "/" + img.digest().hex() + "/"
                + Sbom.idText(img.platform().toString()));
        doc.put("creationInfo", Map.of("created", img.created(), "creators", List.of(TOOL),
                "comment", "Derived from the image's layers: every regular file and symlink of its final tree is listed."));
        doc.put("documentDescribes", List.of(s.imageId()));

        Map<String, List<String>> sha1s = new java.util.HashMap<>();
        for (Sbom.File f : s.files()) {
            sha1s.computeIfAbsent(f.ownerId(), k -> new ArrayList<>()).add(f.sha1());
        }
        List<Object> packages = new ArrayList<>();
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("SPDXID", s.imageId());
        image.put("name", img.name());
        image.put("versionInfo", img.digest().toString());
        image.put("primaryPackagePurpose", "CONTAINER");
        image.put("downloadLocation", "NOASSERTION");
        analyzed(image, sha1s.get(s.imageId()));
        image.put("licenseConcluded", "NOASSERTION");
        image.put("licenseDeclared", "NOASSERTION");
        image.put("copyrightText", "NOASSERTION");
        image.put("checksums", List.of(Map.of("algorithm", "SHA256", "checksumValue", img.digest().hex())));
        image.put("externalRefs", List.of(purlRef(ImageIds.purl(img))));
        image.put("comment", "The image manifest " + img.digest() + " for " + img.platform()
                + "; it also accounts for the spec's files, the dpkg database and the files peel generated.");
        packages.add(image);
        for (Sbom.Package p : s.packages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("SPDXID", p.id());
            m.put("name", p.name());
            m.put("versionInfo", p.version());
            m.put("supplier", p.supplier());
            m.put("originator", p.supplier());
            boolean url = DOWNLOAD.matcher(p.downloadLocation()).matches();
            m.put("downloadLocation", url ? p.downloadLocation() : "NOASSERTION");
            if (!url) {
                m.put("comment", "Downloaded from " + p.downloadLocation());
            }
            analyzed(m, sha1s.get(p.id()));
            if (p.sha256() != null) {
                m.put("checksums", List.of(Map.of("algorithm", "SHA256", "checksumValue", p.sha256())));
            }
            m.put("sourceInfo", "built package from: " + p.source() + " " + p.sourceVersion());
            m.put("licenseConcluded", "NOASSERTION");
            m.put("licenseDeclared", p.license());
            if (p.copyright() != null) {
                m.put("licenseComments", "From the copyright file /" + p.copyright()
                        + (p.license().equals(Licenses.NOASSERTION) ? ", which is not machine-readable (DEP-5)." : "."));
            } else {
                m.put("licenseComments", "The image holds no copyright file for this package.");
            }
            m.put("copyrightText", p.copyrightText() != null ? p.copyrightText() : "NOASSERTION");
            m.put("externalRefs", List.of(purlRef(p.purl())));
            m.put("primaryPackagePurpose", "LIBRARY");
            packages.add(m);
        }
        for (Sbom.MavenArtifact a : s.mavenArtifacts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("SPDXID", a.id());
            m.put("name", a.artifactId());
            m.put("versionInfo", a.version());
            m.put("packageFileName", "./" + a.path());
            m.put("supplier", "NOASSERTION");
            m.put("downloadLocation", "NOASSERTION");
            analyzed(m, sha1s.get(a.id()));
            m.put("checksums", List.of(Map.of("algorithm", "SHA1", "checksumValue", a.sha1()),
                    Map.of("algorithm", "SHA256", "checksumValue", a.sha256())));
            m.put("licenseConcluded", "NOASSERTION");
            m.put("licenseDeclared", "NOASSERTION");
            m.put("copyrightText", "NOASSERTION");
            m.put("comment", mavenComment(a));
            m.put("externalRefs", List.of(purlRef(a.purl())));
            m.put("primaryPackagePurpose", "LIBRARY");
            packages.add(m);
        }
        doc.put("packages", packages);

        List<Object> files = new ArrayList<>();
        List<Map<String, Object>> relationships = new ArrayList<>();
        relationships.add(rel("SPDXRef-DOCUMENT", "DESCRIBES", s.imageId()));
        for (Sbom.Package p : s.packages()) {
            relationships.add(rel(s.imageId(), "CONTAINS", p.id()));
            for (String d : p.dependsOn()) {
                relationships.add(rel(p.id(), "DEPENDS_ON", d));
            }
        }
        for (Sbom.MavenArtifact a : s.mavenArtifacts()) {
            relationships.add(rel(s.imageId(), "CONTAINS", a.id()));
        }
        for (Sbom.File f : s.files()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("SPDXID", f.id());
            m.put("fileName", "./" + f.path());
            m.put("checksums", List.of(Map.of("algorithm", "SHA1", "checksumValue", f.sha1()),
                    Map.of("algorithm", "SHA256", "checksumValue", f.sha256())));
            m.put("licenseConcluded", "NOASSERTION");
            m.put("copyrightText", "NOASSERTION");
            m.put("comment", (f.link() != null ? "symbolic link to " + f.link() + " (checksums of the target text); " : "") + f.why());
            if (f.owner() == Sbom.Owner.UNACCOUNTED) {
                m.put("annotations", List.of(Map.of("annotationDate", img.created(), "annotationType", "REVIEW", "annotator", TOOL,
                        "comment", "unaccounted: /" + f.path())));
            }
            files.add(m);
            relationships.add(rel(f.ownerId(), "CONTAINS", f.id()));
        }
        doc.put("files", files);
        relationships.sort(Comparator.comparing((Map<String, Object> r) -> (String) r.get("spdxElementId"))
                .thenComparing(r -> (String) r.get("relationshipType")).thenComparing(r -> (String) r.get("relatedSpdxElement")));
        doc.put("relationships", relationships);
        if (!s.licenseRefs().isEmpty()) {
            List<Object> refs = new ArrayList<>();
            s.licenseRefs().forEach((id, text) -> refs.add(Map.of("licenseId", id, "name", id.substring("LicenseRef-".length()),
                    "extractedText", text)));
            doc.put("hasExtractedLicensingInfos", refs);
        }
        return Json.writePretty(doc);
    }

    /**
     * Files analysed: the package CONTAINS its files, so SPDX asks for the verification code (the SHA-1 of its files'
     * sorted SHA-1s, spec 2.3 §7.9); a package without files was not analysed.
     */
    private static void analyzed(Map<String, Object> m, List<String> sha1s) {
        if (sha1s == null || sha1s.isEmpty()) {
            m.put("filesAnalyzed", false);
            return;
        }
        List<String> sorted = new ArrayList<>(sha1s);
        java.util.Collections.sort(sorted);
        try {
            byte[] code = java.security.MessageDigest.getInstance("SHA-1").digest(String.join("", sorted)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            m.put("filesAnalyzed", true);
            m.put("packageVerificationCode", Map.of("packageVerificationCodeValue", java.util.HexFormat.of().formatHex(code)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the coordinates come from, and what else a shaded archive says it holds. */
    static String mavenComment(Sbom.MavenArtifact a) {
        String c = "The Java archive /" + a.path() + "; coordinates from its " + a.metadata() + ".";
        if (!a.embedded().isEmpty()) {
            c += " It also holds the Maven metadata of " + String.join(", ", a.embedded()) + " (shaded in; not listed as packages).";
        }
        return c;
    }

    private static Map<String, Object> purlRef(String purl) {
        return Map.of("referenceCategory", "PACKAGE-MANAGER", "referenceType", "purl", "referenceLocator", purl);
    }

    private static Map<String, Object> rel(String from, String type, String to) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spdxElementId", from);
        m.put("relationshipType", type);
        m.put("relatedSpdxElement", to);
        return m;
    }
}
