package dev.peel.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An image manifest: a config descriptor and the ordered layer descriptors. */
public record Manifest(MediaType mediaType, Descriptor config, List<Descriptor> layers,
                       Map<String, String> annotations) {
    public Manifest {
        layers = List.copyOf(layers);
        annotations = java.util.Collections.unmodifiableSortedMap(
                new TreeMap<>(annotations == null ? Map.of() : annotations));
    }

    /** Canonical bytes of this manifest. */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType.value());
        m.put("config", config.toJson());
        List<Object> ls = new ArrayList<>();
        for (Descriptor d : layers) {
            ls.add(d.toJson());
        }
        m.put("layers", ls);
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return Json.write(m);
    }

    /** Reads a manifest (OCI or Docker schema 2) from raw bytes. */
    public static Manifest parse(byte[] raw) {
        Map<String, Object> m = Json.parseObject(raw);
        String mt = Json.str(m, "mediaType");
        List<Descriptor> layers = new ArrayList<>();
        for (Object o : Json.arr(m, "layers")) {
            layers.add(Descriptor.fromJson(asObject(o)));
        }
        return new Manifest(new MediaType(mt == null ? MediaType.OCI_MANIFEST.value() : mt),
                Descriptor.fromJson(Json.obj(m, "config")), layers, Json.strings(m, "annotations"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return (Map<String, Object>) o;
    }
}
