package dev.peel.diff;

import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.image.ReadImage;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Json;
import dev.peel.oci.Platform;
import dev.peel.sbom.Sbom;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed from image A to image B, platform by platform: Debian packages (with the changelog entries between
 * two versions when both .debs are in the cache), files no package owns, the run configuration, and layers shared or
 * not — with the bytes a pull of B would fetch where A is already present. Both images are read from their layers
 * (whiteouts applied) through the SBOM's reader; every layer's bytes are checked against its digest.
 */
public final class ImageDiff {
    private ImageDiff() {
    }

    /**
     * One image read once: its manifest digest, config, layers, and its packages and files as its SBOM says;
     * {@code image} reads its layers again, checked against their digests (for the changelogs it may carry).
     */
    public record Side(Digest digest, ImageConfig config, List<LayerRef> layers, Sbom sbom, Image image) {
        public Platform platform() {
            return platformOf(config);
        }
    }

    /** The config's platform; a missing os or architecture is "unknown" (a config without one is still compared). */
    public static Platform platformOf(ImageConfig c) {
        return new Platform(c.os() == null || c.os().isEmpty() ? "unknown" : c.os(),
                c.architecture() == null || c.architecture().isEmpty() ? "unknown" : c.architecture(), c.variant());
    }

    /** A layer by digest and compressed size; {@code index} is its 1-based position in its image. */
    public record LayerRef(Digest digest, long size, int index) {
    }

    /** A package's change; {@code oldVersion} is null when added, {@code newVersion} when removed. */
    public record PackageChange(String name, String arch, Change change, String oldVersion, String newVersion,
                                Changelogs.Changelog changelog) {
        public String key() {
            return name + ":" + arch;
        }
    }

    public enum Change { ADDED, REMOVED, CHANGED;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A file's state: {@code type} file, directory, symlink, hardlink's target type, char, block or fifo; mode as
     * four octal digits; the content's sha256 (a symlink's of its target text); {@code link} a symlink's target.
     */
    public record FileState(String type, String mode, long uid, long gid, long size, String sha256, String link) {
    }

    /** A path outside packages whose state changed; {@code before} is null when added, {@code after} when removed. */
    public record FileChange(String path, Change change, FileState before, FileState after) {
    }

    /** One field of the run configuration, before and after (null: unset). */
    public record ConfigChange(String field, String before, String after) {
    }

    /** Layers shared (in B's order), only in A, only in B, and the bytes of B's layers A does not have. */
    public record Layers(List<LayerRef> shared, List<LayerRef> onlyA, List<LayerRef> onlyB, long fetchBytes) {
    }

    /** A platform's comparison; for a platform only in one image, only {@code status} and that image's digest. */
    public record PlatformDiff(Platform platform, Status status, Digest a, Digest b, List<PackageChange> packages,
                               List<FileChange> files, List<ConfigChange> config, Layers layers) {
        /** Whether anything differs, the manifests' bytes included. */
        public boolean differs() {
            return status != Status.COMPARED || !a.equals(b) || !packages.isEmpty() || !files.isEmpty() || !config.isEmpty()
                    || !layers.onlyA().isEmpty() || !layers.onlyB().isEmpty();
        }

        /**
         * Whether the manifests differ while nothing this diff compares does: media types, annotations, layer order,
         * or config fields it does not list (history, others).
         */
        public boolean manifestsOnly() {
            return status == Status.COMPARED && !a.equals(b) && packages.isEmpty() && files.isEmpty() && config.isEmpty()
                    && layers.onlyA().isEmpty() && layers.onlyB().isEmpty();
        }
    }

    public enum Status { COMPARED, ADDED, REMOVED;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Reads one image for comparison; {@code name} names it in errors and in its SBOM. */
    public static Side read(Image image, String name) throws IOException {
        List<Layer> checked = new ArrayList<>();
        List<LayerRef> refs = new ArrayList<>();
        for (Layer l : image.layers()) {
            checked.add(VerifiedLayer.of(l));
            refs.add(new LayerRef(l.digest(), l.size(), refs.size() + 1));
        }
        Image verified = new ReadImage(image.rawManifest(), image.manifest(), image.rawConfig(), image.config(), checked);
        return new Side(image.digest(), image.config(), refs, Sbom.read(verified, name, null), verified);
    }

    /** Compares the platforms of A and B: those of both, then those only in B (added) and only in A (removed). */
    public static List<PlatformDiff> compare(List<Side> a, List<Side> b, Changelogs changelogs) throws IOException {
        Map<Platform, Side> byA = new TreeMap<>();
        Map<Platform, Side> byB = new TreeMap<>();
        a.forEach(s -> byA.putIfAbsent(s.platform(), s));
        b.forEach(s -> byB.putIfAbsent(s.platform(), s));
        Set<Platform> all = new TreeSet<>(byA.keySet());
        all.addAll(byB.keySet());
        List<PlatformDiff> out = new ArrayList<>();
        for (Platform p : all) {
            Side x = byA.get(p);
            Side y = byB.get(p);
            if (x == null) {
                out.add(new PlatformDiff(p, Status.ADDED, null, y.digest(), List.of(), List.of(), List.of(),
                        new Layers(List.of(), List.of(), y.layers(), fetch(List.of(), y.layers()))));
            } else if (y == null) {
                out.add(new PlatformDiff(p, Status.REMOVED, x.digest(), null, List.of(), List.of(), List.of(),
                        new Layers(List.of(), x.layers(), List.of(), 0)));
            } else {
                out.add(compare(x, y, changelogs));
            }
        }
        return out;
    }

    /** Compares two images of one platform. */
    public static PlatformDiff compare(Side a, Side b, Changelogs changelogs) throws IOException {
        return new PlatformDiff(b.platform(), Status.COMPARED, a.digest(), b.digest(),
                withImageChangelogs(packages(a.sbom(), b.sbom(), changelogs), a, b),
                files(a.sbom(), b.sbom()), config(a.config(), b.config()), layers(a.layers(), b.layers()));
    }

    /**
     * Where the .debs gave no changelog, the one the newer image carries itself, when its newest entry is the newer
     * version (images that keep /usr/share/doc; distroless ones do not).
     */
    static List<PackageChange> withImageChangelogs(List<PackageChange> changes, Side a, Side b) throws IOException {
        Set<String> fromB = new TreeSet<>();
        Set<String> fromA = new TreeSet<>();
        for (PackageChange c : changes) {
            if (c.change() == Change.CHANGED && !c.changelog().available()) {
                (upgrade(c) ? fromB : fromA).add(c.name());
            }
        }
        if (fromA.isEmpty() && fromB.isEmpty()) {
            return changes;
        }
        Map<String, byte[]> inB = fromB.isEmpty() ? Map.of() : Changelogs.inImage(b.image(), fromB);
        Map<String, byte[]> inA = fromA.isEmpty() ? Map.of() : Changelogs.inImage(a.image(), fromA);
        List<PackageChange> out = new ArrayList<>();
        for (PackageChange c : changes) {
            byte[] text = c.change() != Change.CHANGED || c.changelog().available() ? null
                    : (upgrade(c) ? inB : inA).get(c.name());
            Changelogs.Changelog found = text == null ? null : Changelogs.fromImage(text, c.name(),
                    upgrade(c) ? c.oldVersion() : c.newVersion(), upgrade(c) ? c.newVersion() : c.oldVersion());
            out.add(found == null ? c : new PackageChange(c.name(), c.arch(), c.change(), c.oldVersion(), c.newVersion(), found));
        }
        return out;
    }

    private static boolean upgrade(PackageChange c) {
        try {
            return dev.peel.debian.Version.parse(c.newVersion()).compareTo(dev.peel.debian.Version.parse(c.oldVersion())) >= 0;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    static List<PackageChange> packages(Sbom a, Sbom b, Changelogs changelogs) {
        Map<String, Sbom.Package> pa = new TreeMap<>();
        Map<String, Sbom.Package> pb = new TreeMap<>();
        a.packages().forEach(p -> pa.put(p.name() + ":" + p.arch(), p));
        b.packages().forEach(p -> pb.put(p.name() + ":" + p.arch(), p));
        Set<String> keys = new TreeSet<>(pa.keySet());
        keys.addAll(pb.keySet());
        List<PackageChange> out = new ArrayList<>();
        for (String k : keys) {
            Sbom.Package x = pa.get(k);
            Sbom.Package y = pb.get(k);
            if (x == null) {
                out.add(new PackageChange(y.name(), y.arch(), Change.ADDED, null, y.version(), null));
            } else if (y == null) {
                out.add(new PackageChange(x.name(), x.arch(), Change.REMOVED, x.version(), null, null));
            } else if (!x.version().equals(y.version())) {
                out.add(new PackageChange(y.name(), y.arch(), Change.CHANGED, x.version(), y.version(),
                        changelogs.between(y.name(), y.arch(), x.version(), y.version())));
            }
        }
        return out;
    }

    /**
     * Paths no Debian package owns (by its dpkg file lists, or its own layer in peel's images), compared by type,
     * mode, owner, size and content. The dpkg database is left out: its changes are the package changes. A directory
     * is outside packages when no package's file list names it or a file under it, and no package's layer made it.
     */
    static List<FileChange> files(Sbom a, Sbom b) {
        Map<String, FileState> fa = unowned(a);
        Map<String, FileState> fb = unowned(b);
        Map<String, FileState> allA = states(a);
        Map<String, FileState> allB = states(b);
        Set<String> paths = new TreeSet<>(fa.keySet());
        paths.addAll(fb.keySet());
        List<FileChange> out = new ArrayList<>();
        for (String p : paths) {
            FileState x = allA.get(p);
            FileState y = allB.get(p);
            if (Objects.equals(x, y)) {
                continue;
            }
            Change c = x == null ? Change.ADDED : y == null ? Change.REMOVED : Change.CHANGED;
            out.add(new FileChange("/" + p, c, x, y));
        }
        return out;
    }

    private static Map<String, FileState> unowned(Sbom s) {
        Set<String> debs = new HashSet<>();
        s.packages().forEach(p -> debs.add(p.id()));
        Map<String, FileState> out = new TreeMap<>();
        for (Sbom.File f : s.files()) {
            if (!debs.contains(f.ownerId()) && !dpkgDatabase(f.path())) {
                out.put(f.path(), state(f.stat(), f.sha256(), f.link()));
            }
        }
        for (Sbom.Directory d : s.directories()) {
            if (!d.ownedByPackage() && !dpkgDatabase(d.path())) {
                out.put(d.path(), state(d.stat(), null, null));
            }
        }
        return out;
    }

    private static boolean dpkgDatabase(String path) {
        return path.equals("var/lib/dpkg") || path.startsWith("var/lib/dpkg/");
    }

    private static Map<String, FileState> states(Sbom s) {
        Map<String, FileState> out = new TreeMap<>();
        s.files().forEach(f -> out.put(f.path(), state(f.stat(), f.sha256(), f.link())));
        s.directories().forEach(d -> out.put(d.path(), state(d.stat(), null, null)));
        return out;
    }

    private static FileState state(Sbom.Stat st, String sha256, String link) {
        String type = switch (st.type()) {
            case '0' -> "file";
            case '2' -> "symlink";
            case '3' -> "char";
            case '4' -> "block";
            case '5' -> "directory";
            case '6' -> "fifo";
            default -> "type " + st.type();
        };
        return new FileState(type, String.format("%04o", st.mode()), st.uid(), st.gid(), st.size(),
                st.type() == '0' || st.type() == '2' ? sha256 : null, link);
    }

    static List<ConfigChange> config(ImageConfig a, ImageConfig b) {
        List<ConfigChange> out = new ArrayList<>();
        ImageConfig.Container x = a.config() == null ? ImageConfig.Container.empty() : a.config();
        ImageConfig.Container y = b.config() == null ? ImageConfig.Container.empty() : b.config();
        field(out, "entrypoint", list(x.entrypoint()), list(y.entrypoint()));
        field(out, "cmd", list(x.cmd()), list(y.cmd()));
        Map<String, String> ea = env(x.env());
        Map<String, String> eb = env(y.env());
        Set<String> names = new TreeSet<>(ea.keySet());
        names.addAll(eb.keySet());
        for (String n : names) {
            field(out, "env." + n, ea.get(n), eb.get(n));
        }
        field(out, "workdir", blank(x.workingDir()), blank(y.workingDir()));
        field(out, "user", blank(x.user()), blank(y.user()));
        field(out, "ports", set(x.exposedPorts()), set(y.exposedPorts()));
        Set<String> labels = new TreeSet<>(x.labels().keySet());
        labels.addAll(y.labels().keySet());
        for (String l : labels) {
            field(out, "labels." + l, x.labels().get(l), y.labels().get(l));
        }
        field(out, "volumes", set(x.volumes()), set(y.volumes()));
        field(out, "stopsignal", blank(x.stopSignal()), blank(y.stopSignal()));
        field(out, "created", blank(a.created()), blank(b.created()));
        return out;
    }

    private static void field(List<ConfigChange> out, String name, String a, String b) {
        if (!Objects.equals(a, b)) {
            out.add(new ConfigChange(name, a, b));
        }
    }

    private static String list(List<String> l) {
        return l == null ? null : new String(Json.write(l), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String set(Set<String> s) {
        return s.isEmpty() ? null : String.join(" ", s);
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Env as a runtime sees it: the last assignment of a name wins. */
    private static Map<String, String> env(List<String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            out.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return out;
    }

    static Layers layers(List<LayerRef> a, List<LayerRef> b) {
        Set<Digest> inA = new HashSet<>();
        a.forEach(l -> inA.add(l.digest()));
        Set<Digest> inB = new HashSet<>();
        b.forEach(l -> inB.add(l.digest()));
        List<LayerRef> shared = new ArrayList<>();
        List<LayerRef> onlyB = new ArrayList<>();
        for (LayerRef l : b) {
            (inA.contains(l.digest()) ? shared : onlyB).add(l);
        }
        List<LayerRef> onlyA = a.stream().filter(l -> !inB.contains(l.digest())).toList();
        return new Layers(shared, onlyA, onlyB, fetch(a, b));
    }

    /** The bytes of B's layers A does not have, each blob counted once. */
    private static long fetch(List<LayerRef> a, List<LayerRef> b) {
        Set<Digest> have = new HashSet<>();
        a.forEach(l -> have.add(l.digest()));
        long n = 0;
        for (LayerRef l : b) {
            if (have.add(l.digest())) {
                n += l.size();
            }
        }
        return n;
    }

    /** The document {@code peel diff --json} prints (docs/cli.md describes its shape). */
    public static Map<String, Object> toJson(String a, String b, List<PlatformDiff> diffs) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("a", a);
        doc.put("b", b);
        doc.put("differ", diffs.stream().anyMatch(PlatformDiff::differs));
        List<Object> platforms = new ArrayList<>();
        for (PlatformDiff d : diffs) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("platform", d.platform().toString());
            p.put("status", d.status().word());
            p.put("differs", d.differs());
            p.put("a", d.a() == null ? Json.NULL : d.a().toString());
            p.put("b", d.b() == null ? Json.NULL : d.b().toString());
            List<Object> packages = new ArrayList<>();
            for (PackageChange c : d.packages()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("arch", c.arch());
                m.put("change", c.change().word());
                m.put("old", c.oldVersion() == null ? Json.NULL : c.oldVersion());
                m.put("new", c.newVersion() == null ? Json.NULL : c.newVersion());
                if (c.changelog() != null) {
                    Map<String, Object> cl = new LinkedHashMap<>();
                    cl.put("available", c.changelog().available());
                    cl.put("note", c.changelog().note());
                    List<Object> entries = new ArrayList<>();
                    for (Changelogs.Entry e : c.changelog().entries()) {
                        entries.add(Map.of("version", e.version(), "text", e.text()));
                    }
                    cl.put("entries", entries);
                    m.put("changelog", cl);
                }
                packages.add(m);
            }
            p.put("packages", packages);
            List<Object> files = new ArrayList<>();
            for (FileChange f : d.files()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", f.path());
                m.put("change", f.change().word());
                m.put("old", f.before() == null ? Json.NULL : state(f.before()));
                m.put("new", f.after() == null ? Json.NULL : state(f.after()));
                files.add(m);
            }
            p.put("files", files);
            List<Object> config = new ArrayList<>();
            for (ConfigChange c : d.config()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("field", c.field());
                m.put("old", c.before() == null ? Json.NULL : c.before());
                m.put("new", c.after() == null ? Json.NULL : c.after());
                config.add(m);
            }
            p.put("config", config);
            Map<String, Object> layers = new LinkedHashMap<>();
            layers.put("shared", layerList(d.layers().shared()));
            layers.put("onlyA", layerList(d.layers().onlyA()));
            layers.put("onlyB", layerList(d.layers().onlyB()));
            layers.put("fetchBytes", d.layers().fetchBytes());
            p.put("layers", layers);
            platforms.add(p);
        }
        doc.put("platforms", platforms);
        return doc;
    }

    private static Map<String, Object> state(FileState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", s.type());
        m.put("mode", s.mode());
        m.put("uid", s.uid());
        m.put("gid", s.gid());
        m.put("size", s.size());
        m.put("sha256", s.sha256());
        m.put("link", s.link());
        return m;
    }

    private static List<Object> layerList(List<LayerRef> ls) {
        List<Object> out = new ArrayList<>();
        for (LayerRef l : ls) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("digest", l.digest().toString());
            m.put("size", l.size());
            m.put("index", l.index());
            out.add(m);
        }
        return out;
    }
}
