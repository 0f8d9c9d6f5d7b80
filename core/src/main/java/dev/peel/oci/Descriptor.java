package dev.peel.oci;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Points at content: media type, digest, size, and for index entries a platform. */
public record Descriptor(MediaType mediaType, Digest digest, long size, Platform platform,
                         Map<String, String> annotations) {
    public Descriptor {
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        annotations = java.util.Collections.unmodifiableSortedMap(
                annotations == null ? new TreeMap<>() : new TreeMap<>(annotations));
    }

    public Descriptor(MediaType mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null);
    }

    /** A descriptor for exactly these bytes. */
    public static Descriptor of(MediaType mediaType, byte[] bytes) {
        return new Descriptor(mediaType, Digest.of(bytes), bytes.length);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, p, annotations);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, platform, new TreeMap<>(a));
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", mediaType.value());
        m.put("digest", digest.toString());
        m.put("size", size);
        if (platform != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("os", platform.os());
            p.put("architecture", platform.architecture());
            p.put("variant", platform.variant());
            m.put("platform", p);
        }
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return m;
    }

    static Descriptor fromJson(Map<String, Object> m) {
        Platform platform = null;
        Map<String, Object> p = Json.obj(m, "platform");
        if (!p.isEmpty()) {
            platform = new Platform(Json.str(p, "os"), Json.str(p, "architecture"), Json.str(p, "variant"));
        }
        String mt = Json.str(m, "mediaType");
        String digest = Json.str(m, "digest");
        if (mt == null || digest == null) {
            throw new IllegalArgumentException("descriptor without mediaType or digest");
        }
        return new Descriptor(new MediaType(mt), Digest.parse(digest), Json.num(m, "size"), platform,
                Json.strings(m, "annotations"));
    }
}
