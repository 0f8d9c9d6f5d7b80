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
 * from a lock needs no index: the pool path and hash of every .deb are in it.
 */
public record Lock(Request request, List<LockedSource> sources, Map<String, List<LockedPackage>> archs) {
    public static final int VERSION = 1;

    /** What was asked: the spec's suite, package requests (as written), resolution mode and exclusions. */
    public record Request(String suite, List<String> packages, String resolve, List<String> exclude) {
    }

    public record LockedSource(String url, String suite, List<String> components, String inReleaseSha256, String date) {
    }

    public record LockedPackage(String name, String version, String arch, String source, String url, String suite,
                                String component, String filename, String sha256, long size) {
    }

    /** The lock of resolution results, one per arch, with the universes they came from. */
    public static Lock of(Request request, Map<String, Universe> universes, Map<String, Resolver.Result> results) {
        Map<String, LockedSource> sources = new LinkedHashMap<>();
        for (Universe u : universes.values()) {
            for (Universe.Origin o : u.origins()) {
                sources.putIfAbsent(o.base() + " " + o.suite(), new LockedSource(o.base().toString(), o.suite(),
                        o.components(), o.inReleaseSha256(), o.date() == null ? null : o.date().toString()));
            }
        }
        Map<String, List<LockedPackage>> archs = new TreeMap<>();
        for (Map.Entry<String, Resolver.Result> e : results.entrySet()) {
            List<LockedPackage> ps = new ArrayList<>();
            for (Pkg p : new TreeMap<>(e.getValue().packages()).values()) {
                String size = p.stanza().get("Size");
                ps.add(new LockedPackage(p.name(), p.version().toString(), p.arch(), p.source(),
                        p.base() == null ? null : p.base().toString(), p.suite(), p.component(), p.stanza().get("Filename"),
                        p.stanza().get("SHA256"), size == null ? -1 : Long.parseLong(size.strip())));
            }
            archs.put(e.getKey(), ps);
        }
        return new Lock(request, List.copyOf(sources.values()), archs);
    }

    /** The lock file's bytes: pretty, sorted, stable. */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lockVersion", VERSION);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("suite", request.suite());
        req.put("packages", request.packages());
        req.put("resolve", request.resolve());
        req.put("exclude", request.exclude());
        m.put("request", req);
        List<Object> src = new ArrayList<>();
        for (LockedSource s : sources) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("url", s.url());
            o.put("suite", s.suite());
            o.put("components", s.components());
            o.put("inReleaseSha256", s.inReleaseSha256());
            o.put("date", s.date());
            src.add(o);
        }
        m.put("sources", src);
        Map<String, Object> archMap = new TreeMap<>();
        archs.forEach((arch, ps) -> {
            List<Object> l = new ArrayList<>();
            for (LockedPackage p : ps) {
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
                l.add(o);
            }
            archMap.put(arch, l);
        });
        m.put("archs", archMap);
        return Json.writePretty(m);
    }

    /** Reads a lock file; a malformed one is an {@link IllegalArgumentException} saying what is wrong. */
    public static Lock parse(byte[] bytes) {
        Map<String, Object> m = Json.parseObject(bytes);
        Object v = m.get("lockVersion");
        if (!(v instanceof Long l) || l != VERSION) {
            throw new IllegalArgumentException("lockVersion " + v + " is not one this peel reads (" + VERSION + ")");
        }
        Map<String, Object> req = Json.obj(m, "request");
        Request request = new Request(Json.str(req, "suite"), strings(Json.arr(req, "packages")), Json.str(req, "resolve"),
                strings(Json.arr(req, "exclude")));
        List<LockedSource> sources = new ArrayList<>();
        for (Object o : Json.arr(m, "sources")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) o;
            sources.add(new LockedSource(Json.str(s, "url"), Json.str(s, "suite"), strings(Json.arr(s, "components")),
                    Json.str(s, "inReleaseSha256"), Json.str(s, "date")));
        }
        Map<String, List<LockedPackage>> archs = new TreeMap<>();
        for (Map.Entry<String, Object> e : Json.obj(m, "archs").entrySet()) {
            List<LockedPackage> ps = new ArrayList<>();
            for (Object o : (List<?>) e.getValue()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) o;
                String sha = Json.str(p, "sha256");
                if (sha == null || !sha.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("package " + Json.str(p, "name") + " has no valid sha256");
                }
                ps.add(new LockedPackage(Json.str(p, "name"), Json.str(p, "version"), Json.str(p, "arch"), Json.str(p, "source"),
                        Json.str(p, "url"), Json.str(p, "suite"), Json.str(p, "component"), Json.str(p, "filename"), sha,
                        Json.num(p, "size")));
            }
            archs.put(e.getKey(), ps);
        }
        return new Lock(request, sources, archs);
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
