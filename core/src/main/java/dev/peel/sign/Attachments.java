package dev.peel.sign;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.registry.Pusher;
import dev.peel.registry.RegistryException;
import dev.peel.registry.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Where the signatures and attestations of a manifest live in its repository, in the two forms verifiers read:
 * cosign's tags ({@code sha256-HEX.sig}, {@code sha256-HEX.att}: an image whose layers are the signed payloads)
 * and OCI 1.1 referrers (a manifest whose {@code subject} is the signed one, its layer a sigstore bundle), found
 * through the referrers API or, where the registry has none, the {@code sha256-HEX} fallback tag's index.
 * Everything read is digest-checked by the registry client; what it says is checked by {@link Signing}.
 */
public final class Attachments {
    public static final String SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
    public static final String DSSE = "application/vnd.dsse.envelope.v1+json";
    public static final String BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    /** The layer annotation holding a legacy signature (base64); empty on attestations, whose envelope holds it. */
    public static final String SIGNATURE = "dev.cosignproject.cosign/signature";
    public static final String PREDICATE_TYPE = "predicateType";
    public static final String BUNDLE_CONTENT = "dev.sigstore.bundle.content";
    public static final String BUNDLE_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType";
    public static final String CREATED = "org.opencontainers.image.created";
    /** OCI's empty descriptor: the config of an artifact manifest. */
    static final MediaType EMPTY = new MediaType("application/vnd.oci.empty.v1+json");
    static final byte[] EMPTY_BYTES = "{}".getBytes(StandardCharsets.US_ASCII);
    /** cosign refuses more layers than this on a signature tag; so does peel when reading one. */
    static final int MAX_LAYERS = 1000;
    /** What one tag or referrer may hold in all; each blob is also held to the registry client's 64 MiB. */
    static final long MAX_TOTAL = 256L * 1024 * 1024;

    /** One signed object: a layer of a legacy tag, or the bundle layer of a referrer. */
    public record Item(String mediaType, byte[] content, Map<String, String> annotations) {
        public Item {
            annotations = new TreeMap<>(annotations == null ? Map.of() : annotations);
        }

        public Digest digest() {
            return Digest.of(content);
        }
    }

    /** A referrer as its index lists it. */
    public record Referrer(Descriptor manifest, String artifactType) {
    }

    private final Repository repo;
    private final Pusher pusher;

    public Attachments(Repository repo, Pusher pusher) {
        this.repo = repo;
        this.pusher = pusher;
    }

    public Repository repository() {
        return repo;
    }

    /** The legacy tag for a subject: {@code sha256-HEX.sig} or {@code .att}. */
    public static String tag(Digest subject, String suffix) {
        return subject.algorithm() + "-" + subject.hex() + suffix;
    }

    /** The layers of a legacy tag, in order; empty when the tag does not exist. */
    public List<Item> legacy(Digest subject, String suffix) throws IOException {
        Repository.Fetched f;
        try {
            f = repo.manifest(tag(subject, suffix));
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        return items(f, "tag " + tag(subject, suffix));
    }

    private List<Item> items(Repository.Fetched f, String what) throws IOException {
        if (!f.mediaType().isManifest()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " of " + repo + " is a "
                    + f.mediaType() + ", not a manifest of signatures");
        }
        List<Object> layers;
        try {
            layers = Json.arr(Json.parseObject(f.raw()), "layers");
        } catch (IllegalArgumentException e) {
            throw malformed(what, e);
        }
        if (layers.size() > MAX_LAYERS) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " of " + repo + " has "
                    + layers.size() + " layers; more than " + MAX_LAYERS + " are refused");
        }
        List<Item> out = new ArrayList<>();
        long total = 0;
        for (Object o : layers) {
            Map<String, Object> l = asMap(o, what);
            Digest d;
            long size;
            String mediaType;
            Map<String, String> annotations;
            try {
                d = Digest.parse(Json.str(l, "digest"));
                size = Json.num(l, "size");
                mediaType = Json.str(l, "mediaType");
                annotations = Json.strings(l, "annotations");
            } catch (IllegalArgumentException | NullPointerException e) {
                throw malformed(what, e);
            }
            total += size;
            if (total > MAX_TOTAL) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " of " + repo + " holds more than "
                        + (MAX_TOTAL >> 20) + " MiB; refused");
            }
            out.add(new Item(mediaType, repo.readBlob(d, size), annotations));
        }
        return out;
    }

    /**
     * Appends a layer to a legacy tag unless one already there is a duplicate; returns whether it was added.
     * The tag's image is made anew (config and manifest) from the layers it had and the new one.
     */
    public boolean appendLegacy(Digest subject, String suffix, Item item, Predicate<Item> duplicate) throws IOException {
        List<Item> items = new ArrayList<>(legacy(subject, suffix));
        for (Item i : items) {
            if (duplicate.test(i)) {
                return false;
            }
        }
        items.add(item);
        if (items.size() > MAX_LAYERS) {
            throw new RegistryException(RegistryException.Kind.FAILED, tag(subject, suffix) + " of " + repo
                    + " would have more than " + MAX_LAYERS + " layers");
        }
        List<Object> layers = new ArrayList<>();
        List<Object> diffIds = new ArrayList<>();
        List<Object> history = new ArrayList<>();
        for (Item i : items) {
            pusher.pushBlob(repo, i.content());
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("mediaType", i.mediaType());
            l.put("size", (long) i.content().length);
            l.put("digest", i.digest().toString());
            l.put("annotations", i.annotations());
            layers.add(l);
            diffIds.add(i.digest().toString());
            history.add(Map.of("created", "0001-01-01T00:00:00Z"));
        }
        // The config an empty go-containerregistry image gets with the layers appended, as cosign writes it.
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "");
        config.put("created", "0001-01-01T00:00:00Z");
        config.put("history", history);
        config.put("os", "");
        config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
        config.put("config", Map.of());
        byte[] cfg = Json.write(config);
        pusher.pushBlob(repo, cfg);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2L);
        m.put("mediaType", MediaType.OCI_MANIFEST.value());
        m.put("config", descriptor(MediaType.OCI_CONFIG.value(), cfg, null));
        m.put("layers", layers);
        repo.putManifest(tag(subject, suffix), MediaType.OCI_MANIFEST, Json.write(m));
        return true;
    }

    /**
     * The referrers of a subject: from the registry's referrers API, else from the {@code sha256-HEX} fallback tag
     * (empty when neither has any).
     */
    public List<Referrer> referrers(Digest subject) throws IOException {
        byte[] raw = repo.referrers(subject);
        if (raw == null) {
            raw = fallback(subject);
            if (raw == null) {
                return List.of();
            }
        }
        List<Referrer> out = new ArrayList<>();
        String what = "referrers of " + subject;
        List<Object> manifests;
        try {
            manifests = Json.arr(Json.parseObject(raw), "manifests");
        } catch (IllegalArgumentException e) {
            throw malformed(what, e);
        }
        for (Object o : manifests) {
            Map<String, Object> d = asMap(o, what);
            try {
                String mt = Json.str(d, "mediaType");
                String digest = Json.str(d, "digest");
                if (mt == null || digest == null) {
                    throw new IllegalArgumentException("a descriptor without mediaType or digest");
                }
                out.add(new Referrer(new Descriptor(new MediaType(mt), Digest.parse(digest), Json.num(d, "size"), null,
                        Json.strings(d, "annotations")), Json.str(d, "artifactType")));
            } catch (IllegalArgumentException e) {
                throw malformed(what, e);
            }
            if (out.size() > MAX_LAYERS * 10) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "referrers of " + repo + "@" + subject
                        + ": too many");
            }
        }
        return out;
    }

    private byte[] fallback(Digest subject) throws IOException {
        try {
            Repository.Fetched f = repo.manifest(tag(subject, ""));
            if (!f.mediaType().isIndex()) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "tag " + tag(subject, "") + " of " + repo
                        + " is a " + f.mediaType() + ", not the referrers index");
            }
            return f.raw();
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The layers of a referrer's manifest (its digest checked by the registry client). */
    public List<Item> items(Referrer r) throws IOException {
        return items(repo.manifest(r.manifest().digest().toString()), "referrer " + r.manifest().digest());
    }

    /** The annotations of a referrer's manifest itself. */
    public Map<String, String> annotations(Referrer r) throws IOException {
        try {
            return Json.strings(Json.parseObject(repo.manifest(r.manifest().digest().toString()).raw()), "annotations");
        } catch (IllegalArgumentException e) {
            throw malformed("referrer " + r.manifest().digest(), e);
        }
    }

    private RegistryException malformed(String what, RuntimeException e) {
        return new RegistryException(RegistryException.Kind.UNTRUSTED, what + " of " + repo + " is malformed: "
                + e.getMessage());
    }

    /**
     * Pushes a referrer of {@code subject}: an OCI 1.1 artifact manifest with the empty config, one layer and
     * {@code subject} set. Where the registry does not index it (no {@code OCI-Subject} in its answer), the
     * descriptor is added to the {@code sha256-HEX} fallback tag's index, keeping its artifactType and annotations.
     */
    public Digest putReferrer(Descriptor subject, String artifactType, Item layer, Map<String, String> annotations)
            throws IOException {
        pusher.pushBlob(repo, EMPTY_BYTES);
        pusher.pushBlob(repo, layer.content());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2L);
        m.put("mediaType", MediaType.OCI_MANIFEST.value());
        m.put("artifactType", artifactType);
        m.put("config", descriptor(EMPTY.value(), EMPTY_BYTES, null));
        m.put("layers", List.of(descriptor(layer.mediaType(), layer.content(), layer.annotations())));
        Map<String, Object> subj = new LinkedHashMap<>();
        subj.put("mediaType", subject.mediaType().value());
        subj.put("digest", subject.digest().toString());
        subj.put("size", subject.size());
        m.put("subject", subj);
        m.put("annotations", new TreeMap<>(annotations));
        byte[] raw = Json.write(m);
        Digest d = Digest.of(raw);
        String indexed = repo.putManifest(d.toString(), MediaType.OCI_MANIFEST, raw);
        if (indexed == null || !indexed.equals(subject.digest().toString())) {
            addToFallback(subject.digest(), d, raw.length, artifactType, annotations);
        }
        return d;
    }

    private void addToFallback(Digest subject, Digest manifest, long size, String artifactType,
                               Map<String, String> annotations) throws IOException {
        byte[] raw = fallback(subject);
        Map<String, Object> index;
        List<Object> manifests = new ArrayList<>();
        if (raw == null) {
            index = new LinkedHashMap<>();
            index.put("schemaVersion", 2L);
            index.put("mediaType", MediaType.OCI_INDEX.value());
        } else {
            try {
                index = new LinkedHashMap<>(Json.parseObject(raw));
                manifests.addAll(Json.arr(index, "manifests"));
            } catch (IllegalArgumentException e) {
                throw malformed("tag " + tag(subject, ""), e);
            }
        }
        for (Object o : manifests) {
            if (o instanceof Map<?, ?> d && manifest.toString().equals(d.get("digest"))) {
                return;
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", MediaType.OCI_MANIFEST.value());
        d.put("digest", manifest.toString());
        d.put("size", size);
        d.put("artifactType", artifactType);
        if (!annotations.isEmpty()) {
            d.put("annotations", new TreeMap<>(annotations));
        }
        manifests.add(d);
        index.put("manifests", manifests);
        try {
            repo.putManifest(tag(subject, ""), MediaType.OCI_INDEX, Json.write(index));
        } catch (RegistryException e) {
            if (!e.getMessage().contains("BLOB_UNKNOWN")) {
                throw e;
            }
            // The index lists a referrer deleted since (the registry keeps indexes as they were, but refuses one that
            // names a missing manifest): leave out what is gone and write it again.
            List<Object> present = new ArrayList<>();
            for (Object o : manifests) {
                if (o instanceof Map<?, ?> m && m.get("digest") instanceof String digest
                        && (digest.equals(manifest.toString()) || repo.headManifest(digest) != null)) {
                    present.add(o);
                }
            }
            index.put("manifests", present);
            repo.putManifest(tag(subject, ""), MediaType.OCI_INDEX, Json.write(index));
        }
    }

    private static Map<String, Object> descriptor(String mediaType, byte[] content, Map<String, String> annotations) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", Digest.of(content).toString());
        d.put("size", (long) content.length);
        if (annotations != null && !annotations.isEmpty()) {
            d.put("annotations", new TreeMap<>(annotations));
        }
        return d;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> asMap(Object o, String what) throws RegistryException {
        if (!(o instanceof Map)) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " of " + repo + ": not a descriptor");
        }
        return (Map<String, Object>) o;
    }
}
