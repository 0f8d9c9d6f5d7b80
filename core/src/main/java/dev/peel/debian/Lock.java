package dev.peel.debian;

import dev.peel.oci.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A lock: what a spec's Debian packages resolved to, as pure data — per arch, every package's exact
 * version, source package, suite and component, pool path, SHA256 and size; the sources with the digest
 * of the InRelease each was read from; and the request it answers, to tell when it went stale. Building
 * from a lock needs no index: the pool path and hash of every .deb are in it. A spec built on an image
 * also has its base pinned: the reference as written and the digest it named when the lock was made.
 *
 * @param request null when the spec installs no Debian packages (a lock then pins only the base)
 * @param base null when the spec builds on no image
 * @param jdk per arch, the JDK package whose jmods {@code java.runtime: jlink} links (not installed); empty without
 */
public record Lock(Request request, List<LockedSource> sources, Map<String, List<LockedPackage>> archs, LockedBase base,
                   Map<String, LockedPackage> jdk) {
    public static final int VERSION = 1;

    public Lock {
        jdk = jdk == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(jdk));
    }

    public Lock(Request request, List<LockedSource> sources, Map<String, List<LockedPackage>> archs) {
        this(request, sources, archs, null, null);
    }

    public Lock(Request request, List<LockedSource> sources, Map<String, List<LockedPackage>> archs, LockedBase base) {
        this(request, sources, archs, base, null);
    }

    /** The same lock with the JDK of each arch pinned. */
    public Lock withJdk(Map<String, LockedPackage> j) {
        return new Lock(request, sources, archs, base, j);
    }

    /**
     * The image a spec builds on, as locked.
     *
     * @param ref the spec's {@code base:} as written (a change makes the lock stale)
     * @param name the reference fully qualified, with its tag ({@code org.opencontainers.image.base.name}); null
     *             for a layout
     * @param digest what the reference named when locked: an index, or a manifest for a one-platform image
     * @param platforms per Debian arch, the digest of that platform's manifest under {@code digest}
     */
    public record LockedBase(String ref, String name, dev.peel.oci.Digest digest, String mediaType, long size,
                             Map<String, dev.peel.oci.Digest> platforms) {
        public LockedBase {
            platforms = java.util.Collections.unmodifiableMap(new TreeMap<>(platforms));
        }
    }

    /** The same packages with the base pinned. */
    public Lock withBase(LockedBase b) {
        return new Lock(request, sources, archs, b, jdk);
    }

    /** What was asked: the spec's suite, package requests (as written), resolution mode and exclusions. */
    public record Request(String suite, List<String> packages, String resolve, List<String> exclude) {
    }

    /** A suite the lock was resolved from; {@code skippedArchs}: archs its Release does not list, resolved without it. */
    public record LockedSource(String url, String suite, List<String> components, String inReleaseSha256, String date,
                               List<String> skippedArchs) {
        public LockedSource {
            skippedArchs = skippedArchs == null ? List.of() : List.copyOf(new java.util.TreeSet<>(skippedArchs));
        }

        public LockedSource(String url, String suite, List<String> components, String inReleaseSha256, String date) {
            this(url, suite, components, inReleaseSha256, date, List.of());
        }
    }

    public record LockedPackage(String name, String version, String arch, String source, String url, String suite,
                                String component, String filename, String sha256, long size) {
    }

    /** A resolved package as the lock records it. */
    public static LockedPackage locked(Pkg p) {
        String size = p.stanza().get("Size");
        return new LockedPackage(p.name(), p.versionText(), p.arch(), p.source(), p.base() == null ? null : p.base().toString(),
                p.suite(), p.component(), p.stanza().get("Filename"), p.stanza().get("SHA256"),
                size == null ? -1 : Long.parseLong(size.strip()));
    }

    /** The lock of resolution results, one per arch, with the universes they came from. */
    public static Lock of(Request request, Map<String, Universe> universes, Map<String, Resolver.Result> results) {
        Map<String, LockedSource> sources = new LinkedHashMap<>();
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (Map.Entry<String, Universe> ue : universes.entrySet()) {
            for (Universe.Origin o : ue.getValue().origins()) {
                String key = o.base() + " " + o.suite();
                sources.putIfAbsent(key, new LockedSource(o.base().toString(), o.suite(),
                        o.components(), o.inReleaseSha256(), o.date() == null ? null : o.date().toString()));
                List<String> s = skipped.computeIfAbsent(key, k -> new ArrayList<>());
                if (o.skipped()) {
                    s.add(ue.getKey());
                }
            }
        }
        for (Map.Entry<String, LockedSource> e : sources.entrySet()) {
            LockedSource ls = e.getValue();
            e.setValue(new LockedSource(ls.url(), ls.suite(), ls.components(), ls.inReleaseSha256(), ls.date(),
                    skipped.get(e.getKey())));
        }
        Map<String, List<LockedPackage>> archs = new TreeMap<>();
        for (Map.Entry<String, Resolver.Result> e : results.entrySet()) {
            List<LockedPackage> ps = new ArrayList<>();
            for (Pkg p : new TreeMap<>(e.getValue().packages()).values()) {
                ps.add(locked(p));
            }
            archs.put(e.getKey(), ps);
        }
        return new Lock(request, List.copyOf(sources.values()), archs);
    }

    /** The lock file's bytes: pretty, sorted, stable. */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lockVersion", VERSION);
        if (base != null) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("ref", base.ref());
            b.put("name", base.name());
            b.put("digest", base.digest().toString());
            b.put("mediaType", base.mediaType());
            b.put("size", base.size());
            Map<String, Object> ps = new TreeMap<>();
            base.platforms().forEach((arch, d) -> ps.put(arch, d.toString()));
            b.put("platforms", ps);
            m.put("base", b);
        }
        if (request != null) {
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("suite", request.suite());
            req.put("packages", request.packages());
            req.put("resolve", request.resolve());
            req.put("exclude", request.exclude());
            m.put("request", req);
        }
        List<Object> src = new ArrayList<>();
        for (LockedSource s : sources) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("url", s.url());
            o.put("suite", s.suite());
            o.put("components", s.components());
            o.put("inReleaseSha256", s.inReleaseSha256());
            o.put("date", s.date());
            if (!s.skippedArchs().isEmpty()) {
                o.put("skippedArchs", s.skippedArchs());
            }
            src.add(o);
        }
        m.put("sources", src);
        Map<String, Object> archMap = new TreeMap<>();
        archs.forEach((arch, ps) -> {
            List<Object> l = new ArrayList<>();
            for (LockedPackage p : ps) {
                l.add(json(p));
            }
            archMap.put(arch, l);
        });
        m.put("archs", archMap);
        if (!jdk.isEmpty()) {
            Map<String, Object> j = new TreeMap<>();
            jdk.forEach((arch, p) -> j.put(arch, json(p)));
            m.put("jdk", j);
        }
        return Json.writePretty(m);
    }

    private static Map<String, Object> json(LockedPackage p) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", p.name());
        o.put("version", p.version());
        o.put("arch", p.arch());
        o.put("source", p.source());
        o.put("url", p.url());
        o.put("suite", p.suite());
        o.put("component", p.component());
        o.put("filename", p.filename());
        o.put("sha256", p.sha256());
        o.put("size", p.size());
        return o;
    }

    private static LockedPackage parsePackage(Map<String, Object> p) {
        String sha = Json.str(p, "sha256");
        if (sha == null || !sha.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("package " + Json.str(p, "name") + " has no valid sha256");
        }
        return new LockedPackage(Json.str(p, "name"), Json.str(p, "version"), Json.str(p, "arch"), Json.str(p, "source"),
                Json.str(p, "url"), Json.str(p, "suite"), Json.str(p, "component"), Json.str(p, "filename"), sha,
                Json.num(p, "size"));
    }

    /** Reads a lock file; a malformed one is an {@link IllegalArgumentException} saying what is wrong. */
    public static Lock parse(byte[] bytes) {
        Map<String, Object> m = Json.parseObject(bytes);
        Object v = m.get("lockVersion");
        if (!(v instanceof Long l) || l != VERSION) {
            throw new IllegalArgumentException("lockVersion " + v + " is not one this peel reads (" + VERSION + ")");
        }
        Request request = null;
        if (m.get("request") != null) {
            Map<String, Object> req = Json.obj(m, "request");
            request = new Request(Json.str(req, "suite"), strings(Json.arr(req, "packages")), Json.str(req, "resolve"),
                    strings(Json.arr(req, "exclude")));
        }
        LockedBase base = null;
        if (m.get("base") != null) {
            Map<String, Object> b = Json.obj(m, "base");
            String digest = Json.str(b, "digest");
            if (Json.str(b, "ref") == null || digest == null || Json.str(b, "mediaType") == null) {
                throw new IllegalArgumentException("the base has no ref, digest or mediaType");
            }
            Map<String, dev.peel.oci.Digest> platforms = new TreeMap<>();
            for (Map.Entry<String, String> e : Json.strings(b, "platforms").entrySet()) {
                platforms.put(e.getKey(), dev.peel.oci.Digest.parse(e.getValue()));
            }
            base = new LockedBase(Json.str(b, "ref"), Json.str(b, "name"), dev.peel.oci.Digest.parse(digest),
                    Json.str(b, "mediaType"), Json.num(b, "size"), platforms);
        }
        List<LockedSource> sources = new ArrayList<>();
        for (Object o : Json.arr(m, "sources")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) o;
            sources.add(new LockedSource(Json.str(s, "url"), Json.str(s, "suite"), strings(Json.arr(s, "components")),
                    Json.str(s, "inReleaseSha256"), Json.str(s, "date"), strings(Json.arr(s, "skippedArchs"))));
        }
        Map<String, List<LockedPackage>> archs = new TreeMap<>();
        for (Map.Entry<String, Object> e : Json.obj(m, "archs").entrySet()) {
            List<LockedPackage> ps = new ArrayList<>();
            for (Object o : (List<?>) e.getValue()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) o;
                ps.add(parsePackage(p));
            }
            archs.put(e.getKey(), ps);
        }
        Map<String, LockedPackage> jdk = new TreeMap<>();
        if (m.get("jdk") != null) {
            for (Map.Entry<String, Object> e : Json.obj(m, "jdk").entrySet()) {
                if (!(e.getValue() instanceof Map<?, ?>)) {
                    throw new IllegalArgumentException("jdk." + e.getKey() + " is not a package");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) e.getValue();
                jdk.put(e.getKey(), parsePackage(p));
            }
        }
        return new Lock(request, sources, archs, base, jdk);
    }

    /**
     * Why this lock does not answer {@code now} on the base written {@code baseRef} (null: none) for
     * {@code wantedArchs}, or null if it does. {@code now} is null when the spec installs no packages.
     */
    public String staleness(Request now, String baseRef, List<String> wantedArchs) {
        String was = base == null ? null : base.ref();
        if (!java.util.Objects.equals(was, baseRef)) {
            return was == null ? "the spec now builds on " + baseRef : baseRef == null ? "the spec no longer builds on " + was
                    : "the base changed from " + was + " to " + baseRef;
        }
        if (base != null && !base.platforms().keySet().containsAll(wantedArchs)) {
            List<String> missing = new ArrayList<>(wantedArchs);
            missing.removeAll(base.platforms().keySet());
            return "it pins no base image for " + missing;
        }
        if (now == null || request == null) {
            if (now != request) {
                return now == null ? "the spec no longer installs Debian packages" : "the spec now installs Debian packages";
            }
            return null;
        }
        return staleness(now, wantedArchs);
    }

    /** Why this lock does not answer {@code now} for {@code wantedArchs}, or null if it does. */
    public String staleness(Request now, List<String> wantedArchs) {
        if (!request.packages().equals(now.packages())) {
            List<String> added = new ArrayList<>(now.packages());
            added.removeAll(request.packages());
            List<String> removed = new ArrayList<>(request.packages());
            removed.removeAll(now.packages());
            return "the spec's packages changed (added " + added + ", removed " + removed + ")";
        }
        if (!request.resolve().equals(now.resolve())) {
            return "resolve changed from " + request.resolve() + " to " + now.resolve();
        }
        if (!request.exclude().equals(now.exclude())) {
            return "exclude changed from " + request.exclude() + " to " + now.exclude();
        }
        if (!request.suite().equals(now.suite())) {
            return "the suite changed from " + request.suite() + " to " + now.suite();
        }
        if (!archs.keySet().containsAll(wantedArchs)) {
            List<String> missing = new ArrayList<>(wantedArchs);
            missing.removeAll(archs.keySet());
            return "it has no packages for " + missing;
        }
        return null;
    }

    /** Where pool files of a locked package are fetched from. */
    public static URI poolUrl(LockedPackage p) {
        return URI.create(p.url()).resolve(p.filename());
    }

    private static List<String> strings(List<Object> l) {
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            out.add((String) o);
        }
        return out;
    }
}
