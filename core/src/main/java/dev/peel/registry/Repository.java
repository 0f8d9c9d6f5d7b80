package dev.peel.registry;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One repository of a registry and the distribution-API calls on it: manifests (get, head, put), blobs (head,
 * open, mount, upload), tags. Everything read is checked against its digest before it is returned.
 */
public final class Repository {
    /** Manifests and indexes larger than this are refused, as the distribution spec allows. */
    public static final long MAX_MANIFEST = 4L * 1024 * 1024;
    static final long MAX_CONFIG = 64L * 1024 * 1024;
    static final String ACCEPT = String.join(", ", MediaType.OCI_INDEX.value(), MediaType.OCI_MANIFEST.value(),
            MediaType.DOCKER_MANIFEST_LIST.value(), MediaType.DOCKER_MANIFEST.value());

    /** A manifest or index as the registry sent it, verified: raw bytes, media type, digest. */
    public record Fetched(byte[] raw, MediaType mediaType, Digest digest) {
        public Descriptor descriptor() {
            return new Descriptor(mediaType, digest, raw.length);
        }
    }

    private final Registry registry;
    private final String registryName;
    private final String name;

    Repository(Registry registry, String registryName, String name) {
        this.registry = registry;
        this.registryName = registryName;
        this.name = name;
    }

    public Registry registry() {
        return registry;
    }

    /** The repository's name within its registry. */
    public String name() {
        return name;
    }

    /** {@code registry/name}, as people write it. */
    @Override
    public String toString() {
        return registryName + "/" + name;
    }

    List<String> pull() {
        return List.of("repository:" + name + ":pull");
    }

    List<String> push() {
        return List.of("repository:" + name + ":pull,push");
    }

    private String path(String kind, String ref) {
        return "/v2/" + name + "/" + kind + "/" + ref;
    }

    /** GETs a manifest or index by tag or digest; refuses one over 4 MiB or not matching its digest. */
    public Fetched manifest(String ref) throws RegistryException {
        String what = "manifest " + this + (ref.startsWith("sha256:") ? "@" : ":") + ref;
        try (Registry.Response r = registry.send(new Registry.Call("GET", path("manifests", ref),
                Map.of("Accept", ACCEPT), null, pull(), false, "GET " + what))) {
            if (r.status() == 404) {
                throw new RegistryException(RegistryException.Kind.NOT_FOUND, what + " not found");
            }
            expect(r, 200, "GET " + what);
            long declared = r.header("Content-Length").map(Repository::parseLong).orElse(-1L);
            if (declared > MAX_MANIFEST) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " is " + declared
                        + " bytes; manifests over 4 MiB are refused");
            }
            byte[] raw = r.read(MAX_MANIFEST, what);
            Digest actual = Digest.of(raw);
            if (ref.startsWith("sha256:") && !actual.toString().equals(ref)) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + ": the registry sent content whose digest is "
                        + actual + "; refused");
            }
            String header = r.header("Docker-Content-Digest").orElse(null);
            if (header != null && header.startsWith("sha256:") && !header.equals(actual.toString())) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + ": Docker-Content-Digest says "
                        + header + " but the content's digest is " + actual + "; refused");
            }
            MediaType mt = mediaType(raw, r.header("Content-Type").orElse(null), what);
            return new Fetched(raw, mt, actual);
        }
    }

    /** The media type inside the document, else the Content-Type; both must name a manifest or index. */
    static MediaType mediaType(byte[] raw, String contentType, String what) throws RegistryException {
        Map<String, Object> m;
        try {
            m = Json.parseObject(raw);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " is not valid JSON: " + e.getMessage());
        }
        Object inner = m.get("mediaType");
        String t = inner instanceof String s ? s : contentTypeValue(contentType);
        if (t == null && m.containsKey("manifests")) {
            t = MediaType.OCI_INDEX.value();
        } else if (t == null && m.containsKey("config")) {
            t = MediaType.OCI_MANIFEST.value();
        }
        if (t == null || t.isEmpty()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " has no media type");
        }
        MediaType mt = new MediaType(t);
        if (!mt.isIndex() && !mt.isManifest()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " is a " + t
                    + ", not an image manifest or index peel reads");
        }
        return mt;
    }

    /** The type of a Content-Type header without its parameters, or null when there is none. */
    static String contentTypeValue(String header) {
        if (header == null) {
            return null;
        }
        // Not split(";")[0]: a header of only ';' splits into no element at all.
        int semi = header.indexOf(';');
        String t = (semi < 0 ? header : header.substring(0, semi)).trim();
        return t.isEmpty() ? null : t;
    }

    /** HEADs a manifest: its descriptor, or null when absent. */
    public Descriptor headManifest(String ref) throws RegistryException {
        String what = "manifest " + this + (ref.startsWith("sha256:") ? "@" : ":") + ref;
        try (Registry.Response r = registry.send(new Registry.Call("HEAD", path("manifests", ref),
                Map.of("Accept", ACCEPT), null, pull(), false, "HEAD " + what))) {
            if (r.status() == 404) {
                return null;
            }
            expect(r, 200, "HEAD " + what);
            String d = r.header("Docker-Content-Digest").orElse(null);
            String t = r.header("Content-Type").orElse(null);
            long size = r.header("Content-Length").map(Repository::parseLong).orElse(-1L);
            if (d == null || t == null || size < 0) {
                return manifest(ref).descriptor();
            }
            try {
                return new Descriptor(new MediaType(contentTypeValue(t)), Digest.parse(d), size);
            } catch (IllegalArgumentException e) {
                return manifest(ref).descriptor();
            }
        }
    }

    /**
     * PUTs a manifest or index under a tag or its digest. Returns the {@code OCI-Subject} header's value (a registry
     * with the referrers API names the subject it indexed), or null.
     */
    public String putManifest(String ref, MediaType mediaType, byte[] raw) throws RegistryException {
        Digest d = Digest.of(raw);
        String what = "PUT manifest " + this + (ref.startsWith("sha256:") ? "@" : ":") + ref;
        try (Registry.Response r = registry.send(new Registry.Call("PUT", path("manifests", ref),
                Map.of("Content-Type", mediaType.value()), Registry.Body.of(raw), push(), false, what))) {
            if (r.status() != 201 && r.status() != 200 && r.status() != 202) {
                throw refused(r, what);
            }
            String got = r.header("Docker-Content-Digest").orElse(null);
            if (got != null && got.startsWith("sha256:") && !got.equals(d.toString())) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + ": the registry stored digest "
                        + got + " for content whose digest is " + d);
            }
            return r.header("OCI-Subject").orElse(null);
        }
    }

    /**
     * The referrers of a manifest (OCI distribution 1.1: {@code GET /v2/NAME/referrers/DIGEST}) as the raw image
     * index the registry sent, or null when the registry has no referrers API (404), where clients fall back to
     * the {@code sha256-HEX} tag.
     */
    public byte[] referrers(Digest subject) throws RegistryException {
        String what = "referrers of " + this + "@" + subject;
        try (Registry.Response r = registry.send(new Registry.Call("GET", path("referrers", subject.toString()),
                Map.of("Accept", MediaType.OCI_INDEX.value()), null, pull(), false, "GET " + what))) {
            if (r.status() == 404 || r.status() == 400 || r.status() == 405) {
                return null;
            }
            expect(r, 200, "GET " + what);
            byte[] raw = r.read(MAX_MANIFEST, what);
            try {
                Object m = Json.parseObject(raw).get("manifests");
                if (m != null && !(m instanceof List)) {
                    throw new IllegalArgumentException("manifests is not a list");
                }
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " is not an image index: "
                        + e.getMessage());
            }
            return raw;
        }
    }

    /** Whether the repository has the blob (HEAD), with the size checked. */
    public boolean hasBlob(Digest d, long size) throws RegistryException {
        String what = "HEAD blob " + this + "@" + d;
        try (Registry.Response r = registry.send(new Registry.Call("HEAD", path("blobs", d.toString()), null, null,
                pull(), true, what))) {
            if (r.status() == 404) {
                return false;
            }
            expect(r, 200, what);
            long len = r.header("Content-Length").map(Repository::parseLong).orElse(-1L);
            return len < 0 || len == size;
        }
    }

    /** Opens a blob; the stream checks size and digest as it is read and resumes a dropped transfer. */
    public InputStream openBlob(Digest d, long size) throws RegistryException {
        return new BlobStream(this, d, size);
    }

    /** One GET of a blob from an offset (a Range request when not 0); the caller checks what it reads. */
    Registry.Response getBlob(Digest d, long offset) throws RegistryException {
        String what = "GET blob " + this + "@" + d;
        Map<String, String> h = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        Registry.Response r = registry.send(new Registry.Call("GET", path("blobs", d.toString()), h, null, pull(),
                true, what));
        if (r.status() == 404) {
            r.close();
            throw new RegistryException(RegistryException.Kind.NOT_FOUND, "blob " + d + " not found in " + this);
        }
        if (r.status() != 200 && r.status() != 206) {
            RegistryException e = refused(r, what);
            r.close();
            throw e;
        }
        return r;
    }

    /** Reads a small blob (a config) whole, verified. */
    public byte[] readBlob(Digest d, long size) throws RegistryException {
        if (size > MAX_CONFIG) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "blob " + d + " of " + size
                    + " bytes is too large for a config");
        }
        try (InputStream in = openBlob(d, size)) {
            return in.readAllBytes();
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.FAILED, "reading blob " + d + " of " + this + ": "
                    + e.getMessage(), e);
        }
    }

    /** Every tag, following the API's pagination (bounded). */
    public List<String> tags() throws RegistryException {
        List<String> out = new ArrayList<>();
        java.util.Set<String> visited = new java.util.HashSet<>();
        String next = "/v2/" + name + "/tags/list?n=1000";
        for (int page = 0; next != null; page++) {
            if (page >= 1000 || !visited.add(next) || out.size() > 1_000_000) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "tags of " + this
                        + ": the registry's pages loop or never end; refused");
            }
            String what = "GET tags of " + this;
            try (Registry.Response r = registry.send(new Registry.Call("GET", next, null, null, pull(), false, what))) {
                if (r.status() == 404) {
                    throw new RegistryException(RegistryException.Kind.NOT_FOUND, "repository " + this + " not found");
                }
                expect(r, 200, what);
                byte[] b = r.read(MAX_MANIFEST, "the tag list of " + this);
                String link = nextLink(r.header("Link").orElse(null));
                try {
                    Map<String, Object> m = Json.parseObject(b);
                    for (Object o : Json.arr(m, "tags")) {
                        if (!(o instanceof String s)) {
                            throw new IllegalArgumentException("a tag that is not a string");
                        }
                        out.add(s);
                    }
                } catch (IllegalArgumentException e) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, "the tag list of " + this
                            + " is malformed: " + e.getMessage());
                }
                try {
                    next = link == null ? null : r.uri().resolve(link).toString();
                } catch (IllegalArgumentException e) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, "the tag list of " + this
                            + " links to a malformed URL");
                }
            }
        }
        return out;
    }

    /** The target of {@code Link: <…>; rel="next"}, or null. */
    static String nextLink(String link) {
        if (link == null) {
            return null;
        }
        // RFC 8288: <target>; params, <target>; params — a comma inside <…> belongs to the URL.
        int i = 0;
        while (i < link.length()) {
            int open = link.indexOf('<', i);
            if (open < 0) {
                return null;
            }
            int close = link.indexOf('>', open);
            if (close < 0) {
                return null;
            }
            int end = link.indexOf('<', close);
            String params = link.substring(close + 1, end < 0 ? link.length() : end).replace(" ", "").replace("\"", "");
            for (String p : params.split("[;,]")) {
                if (p.equalsIgnoreCase("rel=next")) {
                    return link.substring(open + 1, close);
                }
            }
            i = close + 1;
        }
        return null;
    }

    // ---- uploads ----

    /** An upload session: its URL and the smallest chunk the registry accepts (0: any). */
    public record Upload(String location, long chunkMin) {
    }

    /** Tries a cross-repository mount: null when the blob is now in this repository, else an upload session. */
    public Upload mountOrStart(Digest d, String from) throws RegistryException {
        List<String> scopes = new ArrayList<>(push());
        String target = "/v2/" + name + "/blobs/uploads/";
        if (from != null) {
            scopes.add("repository:" + from + ":pull");
            target += "?mount=" + enc(d.toString()) + "&from=" + enc(from);
        }
        String what = (from != null ? "mount blob " + d + " from " + from + " into " : "start upload to ") + this;
        try (Registry.Response r = registry.send(new Registry.Call("POST", target, Map.of(), Registry.Body.of(new byte[0]),
                scopes, false, what))) {
            if (r.status() == 201 && from != null) {
                return null;
            }
            if (r.status() != 202) {
                throw refused(r, what);
            }
            return new Upload(location(r, what), chunkMin(r));
        }
    }

    /** The upload session's Location (absolute or relative to the registry). */
    static String location(Registry.Response r, String what) throws RegistryException {
        String l = r.header("Location").orElse(null);
        if (l == null || l.isBlank()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + ": no Location for the upload");
        }
        try {
            return Registry.resolveHeaderUrl(r.uri(), l).toString();
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + ": " + e.getMessage());
        }
    }

    /** The minimum chunk size the registry asks for (OCI-Chunk-Min-Length), or 0. */
    static long chunkMin(Registry.Response r) {
        return r.header("OCI-Chunk-Min-Length").map(Repository::parseLong).orElse(0L);
    }

    static String withDigest(String location, Digest d) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + enc(d.toString());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void expect(Registry.Response r, int status, String what) throws RegistryException {
        if (r.status() != status) {
            throw refused(r, what);
        }
    }

    static RegistryException refused(Registry.Response r, String what) {
        byte[] b;
        try {
            b = r.body().readNBytes(64 * 1024);
        } catch (IOException e) {
            b = new byte[0];
        }
        String text = Registry.errorText(b);
        RegistryException.Kind k = r.status() == 404 ? RegistryException.Kind.NOT_FOUND : RegistryException.Kind.FAILED;
        return new RegistryException(k, what + ": the registry answered " + r.status() + (text.isEmpty() ? "" : " (" + text + ")"));
    }
}
