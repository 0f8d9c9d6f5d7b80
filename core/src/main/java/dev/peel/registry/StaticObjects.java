package dev.peel.registry;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The objects of a static registry (objects.json): each path under DEST with the Content-Type and
 * Docker-Content-Digest it must be served with, and its size. It is also the registry's memory between
 * publishes: tags lists, the catalog and nginx.conf are made from it.
 */
public final class StaticObjects {
    /** The file name under DEST. */
    public static final String FILE = "objects.json";
    static final String CONTENT_TYPE = "Content-Type";
    static final String DIGEST = "Docker-Content-Digest";
    // What nginx.conf takes verbatim: no spaces, quotes, ';', '{', '$' or other characters nginx reads.
    private static final Pattern PATH = Pattern.compile("v2/[A-Za-z0-9._:/-]+");
    private static final Pattern MEDIA_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*/[A-Za-z0-9][A-Za-z0-9._+-]*");

    /** One object: the headers a server sends with it and its size; {@code digest} is null for JSON listings. */
    public record Entry(String contentType, Digest digest, long size) {
        public Entry {
            if (contentType == null || !MEDIA_TYPE.matcher(contentType).matches()) {
                throw new IllegalArgumentException("not a media type peel serves: " + contentType);
            }
            if (size < 0) {
                throw new IllegalArgumentException("negative size");
            }
        }

        Map<String, Object> toJson() {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put(CONTENT_TYPE, contentType);
            if (digest != null) {
                headers.put(DIGEST, digest.toString());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("headers", headers);
            m.put("size", size);
            return m;
        }
    }

    private final TreeMap<String, Entry> objects;

    private StaticObjects(TreeMap<String, Entry> objects) {
        this.objects = objects;
    }

    /** No objects yet. */
    public static StaticObjects empty() {
        return new StaticObjects(new TreeMap<>());
    }

    /** Reads objects.json; every path and header is checked, since nginx.conf is made from them. */
    public static StaticObjects read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        TreeMap<String, Entry> out = new TreeMap<>();
        try {
            for (Map.Entry<String, Object> e : Json.obj(Json.parseObject(bytes), "objects").entrySet()) {
                checkPath(e.getKey());
                if (!(e.getValue() instanceof Map<?, ?>)) {
                    throw new IllegalArgumentException(e.getKey() + " is not an object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> o = (Map<String, Object>) e.getValue();
                Map<String, String> headers = Json.strings(o, "headers");
                String digest = headers.get(DIGEST);
                out.put(e.getKey(), new Entry(headers.get(CONTENT_TYPE), digest == null ? null : Digest.parse(digest),
                        Json.num(o, "size")));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a static registry's list of objects: " + e.getMessage()
                    + "; move it away or publish to another directory", e);
        }
        return new StaticObjects(out);
    }

    static String checkPath(String path) {
        if (!PATH.matcher(path).matches() || path.contains("//") || path.endsWith("/")) {
            throw new IllegalArgumentException("not a path peel writes: " + path);
        }
        return path;
    }

    /** Deterministic bytes: keys sorted, one member a line. */
    public byte[] toJson() {
        Map<String, Object> m = new TreeMap<>();
        for (Map.Entry<String, Entry> e : objects.entrySet()) {
            m.put(e.getKey(), e.getValue().toJson());
        }
        return Json.writePretty(Map.of("objects", m));
    }

    /** Every object by its path under DEST, sorted. */
    public SortedMap<String, Entry> all() {
        return Collections.unmodifiableSortedMap(objects);
    }

    void put(String path, Entry e) {
        objects.put(checkPath(path), e);
    }

    /** The repositories that have a tags list, sorted. */
    public List<String> repositories() {
        List<String> out = new ArrayList<>();
        for (String p : objects.keySet()) {
            if (p.endsWith("/tags/list")) {
                out.add(p.substring("v2/".length(), p.length() - "/tags/list".length()));
            }
        }
        return out;
    }

    /** The tags of a repository, in the order the distribution spec lists them (lexical). */
    public List<String> tags(String repository) {
        String prefix = "v2/" + repository + "/manifests/";
        TreeSet<String> out = new TreeSet<>();
        for (String p : objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet()) {
            String ref = p.substring(prefix.length());
            // A deeper path belongs to a repository nested under this one (app/manifests/x).
            if (!ref.contains("/") && !ref.startsWith("sha256:")) {
                out.add(ref);
            }
        }
        return List.copyOf(out);
    }

    /** Paths of blobs with this digest, in any repository. */
    List<String> blobCopies(Digest d) {
        String suffix = "/blobs/" + d;
        List<String> out = new ArrayList<>();
        for (String p : objects.keySet()) {
            if (p.endsWith(suffix)) {
                out.add(p);
            }
        }
        return out;
    }
}
