package dev.peel.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An image index: manifests (usually one per platform) and annotations. */
public record Index(MediaType mediaType, List<Descriptor> manifests, Map<String, String> annotations) {
    public Index {
        manifests = List.copyOf(manifests);
        annotations = java.util.Collections.unmodifiableSortedMap(
                new TreeMap<>(annotations == null ? Map.of() : annotations));
    }

    /** Canonical bytes of this index. */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType.value());
        List<Object> ds = new ArrayList<>();
        for (Descriptor d : manifests) {
            ds.add(d.toJson());
        }
        m.put("manifests", ds);
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return Json.write(m);
    }

    /** Reads an index (OCI or Docker manifest list) from raw bytes. */
    public static Index parse(byte[] raw) {
        Map<String, Object> m = Json.parseObject(raw);
        String mt = Json.str(m, "mediaType");
        List<Descriptor> ds = new ArrayList<>();
        for (Object o : Json.arr(m, "manifests")) {
            ds.add(Descriptor.fromJson(Manifest.asObject(o)));
        }
        return new Index(new MediaType(mt == null ? MediaType.OCI_INDEX.value() : mt), ds,
                Json.strings(m, "annotations"));
    }
}
