package dev.peel.sbom;

import dev.peel.oci.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CycloneDX 1.6 JSON with the SPDX document's content: the image as metadata.component (a container), each package
 * (Debian's, then Maven artifacts) a library holding its files as nested file components, the image's own and unaccounted files at the top level,
 * Depends as dependencies. bom-refs are the SPDX ids.
 */
final class CycloneDxWriter {
    private CycloneDxWriter() {
    }

    static byte[] write(Sbom s) {
        Sbom.Subject img = s.subject();
        Map<String, Object> bom = new LinkedHashMap<>();
        bom.put("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
        bom.put("bomFormat", "CycloneDX");
        bom.put("specVersion", "1.6");
        bom.put("serialNumber", ImageIds.serial(img));
        bom.put("version", 1);
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("type", "container");
        image.put("bom-ref", s.imageId());
        image.put("name", img.name());
        image.put("version", img.digest().toString());
        image.put("hashes", List.of(hash("SHA-256", img.digest().hex())));
        image.put("purl", ImageIds.purl(img));
        image.put("properties", List.of(prop("peel:platform", img.platform().toString())));
        bom.put("metadata", Map.of("timestamp", img.created(),
                "tools", Map.of("components", List.of(Map.of("type", "application", "name", "peel"))),
                "component", image));

        Map<String, List<Object>> filesOf = new HashMap<>();
        List<Object> top = new ArrayList<>();
        for (Sbom.File f : s.files()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("type", "file");
            c.put("bom-ref", f.id());
            c.put("name", "/" + f.path());
            c.put("hashes", List.of(hash("SHA-1", f.sha1()), hash("SHA-256", f.sha256())));
            List<Object> props = new ArrayList<>();
            if (f.link() != null) {
                props.add(prop("peel:symlink-target", f.link()));
            }
            props.add(prop("peel:attribution", f.why()));
            if (f.owner() == Sbom.Owner.UNACCOUNTED) {
                props.add(prop("peel:unaccounted", "true"));
            }
            c.put("properties", props);
            if (f.owner() == Sbom.Owner.PACKAGE) {
                filesOf.computeIfAbsent(f.ownerId(), k -> new ArrayList<>()).add(c);
            } else {
                top.add(c);
            }
        }
        List<Object> components = new ArrayList<>();
        List<Object> dependencies = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (Sbom.Package p : s.packages()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("type", "library");
            c.put("bom-ref", p.id());
            c.put("name", p.name());
            c.put("version", p.version());
            if (p.maintainer() != null) {
                Map<String, Object> supplier = new LinkedHashMap<>();
                supplier.put("name", Supplier.name(p.maintainer()));
                String email = Supplier.email(p.maintainer());
                if (email != null) {
                    supplier.put("contact", List.of(Map.of("email", email)));
                }
                c.put("supplier", supplier);
            }
            if (p.sha256() != null) {
                c.put("hashes", List.of(hash("SHA-256", p.sha256())));
            }
            if (!p.license().equals(Licenses.NOASSERTION)) {
                if (p.license().startsWith("LicenseRef-") && !p.license().contains(" ")) {
                    c.put("licenses", List.of(Map.of("license", Map.of("name", p.license(),
                            "text", Map.of("content", s.licenseRefs().get(p.license()))))));
                } else {
                    c.put("licenses", List.of(Map.of("expression", p.license())));
                }
            }
            if (p.copyrightText() != null) {
                c.put("copyright", p.copyrightText());
            }
            c.put("purl", p.purl());
            if (!p.downloadLocation().equals("NOASSERTION")) {
                c.put("externalReferences", List.of(Map.of("type", "distribution", "url", p.downloadLocation())));
            }
            List<Object> props = new ArrayList<>();
            props.add(prop("peel:arch", p.arch()));
            props.add(prop("peel:source", p.source()));
            props.add(prop("peel:source-version", p.sourceVersion()));
            if (p.copyright() != null) {
                props.add(prop("peel:copyright-file", "/" + p.copyright()));
            }
            c.put("properties", props);
            List<Object> files = filesOf.get(p.id());
            if (files != null) {
                c.put("components", files);
            }
            components.add(c);
            all.add(p.id());
            dependencies.add(Map.of("ref", p.id(), "dependsOn", p.dependsOn()));
        }
        for (Sbom.MavenArtifact a : s.mavenArtifacts()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("type", "library");
            c.put("bom-ref", a.id());
            c.put("group", a.groupId());
            c.put("name", a.artifactId());
            c.put("version", a.version());
            c.put("hashes", List.of(hash("SHA-1", a.sha1()), hash("SHA-256", a.sha256())));
            c.put("purl", a.purl());
            List<Object> props = new ArrayList<>();
            props.add(prop("peel:file", "/" + a.path()));
            props.add(prop("peel:maven-metadata", a.metadata()));
            for (String e : a.embedded()) {
                props.add(prop("peel:maven-embedded", e));
            }
            c.put("properties", props);
            List<Object> files = filesOf.get(a.id());
            if (files != null) {
                c.put("components", files);
            }
            components.add(c);
            all.add(a.id());
            dependencies.add(Map.of("ref", a.id(), "dependsOn", List.of()));
        }
        components.addAll(top);
        bom.put("components", components);
        dependencies.add(0, Map.of("ref", s.imageId(), "dependsOn", all));
        bom.put("dependencies", dependencies);
        if (!s.licenseRefs().isEmpty()) {
            List<Object> texts = new ArrayList<>();
            s.licenseRefs().forEach((id, text) -> texts.add(prop("peel:license-text:" + id, text)));
            bom.put("properties", texts);
        }
        return Json.writePretty(bom);
    }

    private static Map<String, Object> hash(String alg, String hex) {
        return Map.of("alg", alg, "content", hex);
    }

    private static Map<String, Object> prop(String name, String value) {
        return Map.of("name", name, "value", value);
    }
}
