package dev.peel.sbom;

import dev.peel.debian.Deb822;
import dev.peel.debian.Lock;
import dev.peel.debian.Relation;
import dev.peel.debian.Version;
import dev.peel.image.Image;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A software bill of materials of one image, derived from its bytes: the Debian packages its dpkg database lists
 * (distroless' {@code status.d} or Debian's {@code status}), with what the lock knows of their .debs, and every
 * regular file and symlink of its final tree, each attributed to the package that lists it, to the image itself
 * (the spec's files, the dpkg database, files peel generated) or marked as unaccounted; a Java archive no package lists
 * that carries Maven metadata is a package of its own, holding that one file. Written as SPDX 2.3 or
 * CycloneDX 1.6 JSON; the same image gives the same bytes.
 */
public final class Sbom {
    static final String STATUS_DIR = "var/lib/dpkg/status.d/";
    static final String STATUS = "var/lib/dpkg/status";
    static final String INFO = "var/lib/dpkg/info/";
    static final String DOC = "usr/share/doc/";
    /** What peel's own layers say in the config's history (dev.peel.build.Build, dev.peel.install.Installer). */
    static final String SPEC_LAYER = "files and accounts from the spec";
    /** The history of the java section's layers starts so (dev.peel.build.Build): "java: classes", "java: runtime (…)". */
    static final String JAVA_LAYER = "java: ";

    /** The described image: its name (as given, or "image"), manifest digest, config's platform and creation time. */
    public record Subject(String name, Digest digest, Platform platform, String created) {
    }

    /**
     * One installed Debian package.
     *
     * @param version exactly as its control text writes it
     * @param supplier SPDX's {@code Organization: name (email)} or {@code Person: …}, or NOASSERTION
     * @param downloadLocation the .deb's pool URL from the lock, else NOASSERTION
     * @param sha256 the .deb's SHA-256 from the lock, else null
     * @param license an SPDX expression, or NOASSERTION
     * @param copyright the path of the copyright file read for the licence, or null
     * @param copyrightText the copyright file's text when it is not machine-readable (its licence is then NOASSERTION
     *                      and the text is what there is), else null
     * @param dependsOn ids of the installed packages its Pre-Depends and Depends name
     */
    public record Package(String id, String name, String version, String arch, String source, String sourceVersion,
                          String maintainer, String supplier, String downloadLocation, String sha256, String purl,
                          String license, String copyright, String copyrightText, List<String> dependsOn) {
    }

    /**
     * One Java archive of the tree that no Debian package lists, with the coordinates of its
     * {@code META-INF/maven/<groupId>/<artifactId>/pom.properties}.
     *
     * @param path the archive's path in the tree, the one file this package holds
     * @param sha1 of the archive's bytes
     * @param sha256 of the archive's bytes
     * @param metadata the pom.properties entry the coordinates come from
     * @param embedded the purls of the other pom.properties a shaded archive holds, sorted by entry
     */
    public record MavenArtifact(String id, String groupId, String artifactId, String version, String purl, String path,
                                String sha1, String sha256, String metadata, List<String> embedded) {
    }

    /** Who accounts for a file. */
    public enum Owner { PACKAGE, IMAGE, UNACCOUNTED }

    /**
     * One regular file or symlink of the final tree (a symlink's checksums are those of its target text).
     *
     * @param ownerId the id of the package, Maven artifact or image it is attributed to; the image's for unaccounted files
     * @param why how the attribution was made, for the file's comment
     * @param stat its type, mode, owner and size as the tar header that put it there says
     */
    public record File(String id, String path, String sha256, String sha1, String link, Owner owner, String ownerId, String why,
                       Stat stat) {
    }

    /**
     * A tar entry's metadata: {@code type} is the tar type flag ('0' a regular file, '2' a symlink, '3'/'4' devices,
     * '6' a FIFO, '5' a directory; a hard link is given its target's type); {@code size} is a regular file's byte count.
     */
    public record Stat(char type, int mode, long uid, long gid, long size) {
    }

    /**
     * One directory of the final tree, with its tar header's mode and owner; {@code ownedByPackage} when a Debian
     * package's file list names it or a file under it, or a package's own layer (peel's history) put it there.
     */
    public record Directory(String path, Stat stat, boolean ownedByPackage) {
    }

    private final Subject subject;
    private final String imageId = "SPDXRef-Image";
    private final List<Package> packages;
    private final List<MavenArtifact> mavenArtifacts;
    private final List<File> files;
    private final List<Directory> directories;
    private final Map<String, String> licenseRefs;

    private Sbom(Subject subject, List<Package> packages, List<MavenArtifact> mavenArtifacts, List<File> files,
                 List<Directory> directories, Map<String, String> licenseRefs) {
        this.directories = List.copyOf(directories);
        this.subject = subject;
        this.packages = List.copyOf(packages);
        this.mavenArtifacts = List.copyOf(mavenArtifacts);
        this.files = List.copyOf(files);
        this.licenseRefs = Collections.unmodifiableMap(new TreeMap<>(licenseRefs));
    }

    public Subject subject() {
        return subject;
    }

    /** The image's own id (SPDX id, CycloneDX bom-ref of the metadata component). */
    public String imageId() {
        return imageId;
    }

    public List<Package> packages() {
        return packages;
    }

    /** The Java archives that are Maven artifacts, by path. */
    public List<MavenArtifact> mavenArtifacts() {
        return mavenArtifacts;
    }

    public List<File> files() {
        return files;
    }

    /** The directories of the final tree, by path (no SBOM format lists them; {@code peel diff} compares them). */
    public List<Directory> directories() {
        return directories;
    }

    /** The texts of the LicenseRefs the packages' expressions name, by id. */
    public Map<String, String> licenseRefs() {
        return licenseRefs;
    }

    /** The document's bytes in {@code format}. */
    public byte[] write(SbomFormat format) {
        return switch (format) {
            case SPDX -> SpdxWriter.write(this);
            case CYCLONEDX -> CycloneDxWriter.write(this);
        };
    }

    /**
     * Reads an image's SBOM from its layers. {@code name} (nullable) names the image in the document (a reference or
     * a path); {@code lock} (nullable) gives the .debs' pool URLs and SHA-256s.
     */
    public static Sbom read(Image image, String name, Lock lock) throws IOException {
        Tree tree = Tree.read(image, Sbom::kept);
        ImageConfig config = image.config();
        Platform platform = new Platform(config.os() == null || config.os().isEmpty() ? "linux" : config.os(),
                config.architecture() == null || config.architecture().isEmpty() ? "unknown" : config.architecture(), config.variant());
        Subject subject = new Subject(name == null || name.isBlank() ? "image" : name, image.digest(), platform, created(config.created()));
        Map<String, String> os = osRelease(tree);

        // The database: status.d (distroless, peel) and status (Debian), with each package's file lists.
        Map<String, Installed> installed = new TreeMap<>();
        for (Tree.Node n : tree.nodes.subMap(STATUS_DIR, STATUS_DIR + "\uffff").values()) {
            String file = n.path().substring(STATUS_DIR.length());
            if (file.contains("/") || file.endsWith(".md5sums") || n.bytes() == null) {
                continue;
            }
            for (Deb822.Stanza s : stanzas(n.bytes())) {
                Tree.Node sums = tree.nodes.get(STATUS_DIR + file + ".md5sums");
                add(installed, s, sums == null ? List.of() : List.of(sums), List.of());
            }
        }
        Tree.Node status = tree.nodes.get(STATUS);
        if (status != null && status.bytes() != null) {
            for (Deb822.Stanza s : stanzas(status.bytes())) {
                String name0 = s.get("Package");
                String arch = s.get("Architecture");
                List<Tree.Node> sums = new ArrayList<>();
                List<Tree.Node> lists = new ArrayList<>();
                for (String base : List.of(name0 + ":" + arch, name0)) {
                    Tree.Node m = tree.nodes.get(INFO + base + ".md5sums");
                    Tree.Node l = tree.nodes.get(INFO + base + ".list");
                    if (m != null && sums.isEmpty()) {
                        sums.add(m);
                    }
                    if (l != null && lists.isEmpty()) {
                        lists.add(l);
                    }
                }
                add(installed, s, sums, lists);
            }
        }

        // Paths each package lists, with the symlinks among their parent directories resolved (merged /usr).
        Map<String, String> listedBy = new HashMap<>();
        Map<String, Set<String>> dirsOf = new HashMap<>();
        for (Installed p : installed.values()) {
            for (String path : p.paths) {
                String canonical = tree.resolve(path, false);
                if (canonical != null && tree.nodes.containsKey(canonical)) {
                    listedBy.putIfAbsent(canonical, p.key);
                    dirsOf.computeIfAbsent(parent(canonical), d -> new LinkedHashSet<>()).add(p.key);
                }
            }
        }
        List<String> comments = layerComments(config, image.layers().size());

        Map<String, Lock.LockedPackage> locked = locked(lock, platform);
        Map<String, String> refs = new TreeMap<>();
        List<Package> packages = new ArrayList<>();
        Map<String, String> idOf = new HashMap<>();
        installed.values().forEach(p -> idOf.put(p.key, packageId(p.name, p.arch)));
        for (Installed p : installed.values()) {
            packages.add(p.toPackage(tree, os, locked, installed, idOf, refs));
        }

        List<File> files = new ArrayList<>();
        List<MavenArtifact> artifacts = new ArrayList<>();
        for (Tree.Node n : tree.nodes.values()) {
            String comment = n.layer() < comments.size() ? comments.get(n.layer()) : null;
            Owner owner;
            String ownerKey = null;
            String why;
            if (SPEC_LAYER.equals(comment)) {
                owner = Owner.IMAGE;
                why = "from the spec's files and accounts";
            } else if (comment != null && comment.startsWith(JAVA_LAYER)) {
                // The java section's layers: the application's jars and classes, or the runtime jlink linked for it.
                owner = Owner.IMAGE;
                why = "from the spec's java section (" + comment + ")";
            } else if (listedBy.containsKey(n.path())) {
                owner = Owner.PACKAGE;
                ownerKey = listedBy.get(n.path());
                why = "listed by the package's dpkg file list";
            } else if (n.path().startsWith("var/lib/dpkg/")) {
                owner = Owner.IMAGE;
                why = "the dpkg database";
            } else if (comment != null && comment.startsWith("generated ")) {
                owner = Owner.IMAGE;
                why = "made by peel for what install scripts do (" + comment + ")";
            } else if ((ownerKey = layerPackage(comment, n.path(), installed, dirsOf)) != null) {
                owner = Owner.PACKAGE;
                why = "in the package's own layer (dpkg lists no symlinks in md5sums)";
            } else {
                owner = Owner.UNACCOUNTED;
                why = "unaccounted: no package's file list, spec entry or generation of peel accounts for this file";
            }
            String ownerId = owner == Owner.PACKAGE ? idOf.get(ownerKey) : "SPDXRef-Image";
            MavenArtifact a = owner == Owner.PACKAGE || listedBy.containsKey(n.path()) || n.path().startsWith("var/lib/dpkg/")
                    ? null : mavenArtifact(n);
            if (a != null) {
                artifacts.add(a);
                owner = Owner.PACKAGE;
                ownerId = a.id();
                why = "a Java archive with Maven metadata (" + a.metadata() + ")";
            }
            String link = n.kind() == Tree.Kind.SYMLINK ? n.link() : null;
            char type = n.type() == '\0' || n.type() == '7' || n.type() == '1' ? '0' : n.type();
            files.add(new File(fileId(n.path()), n.path(), n.sha256(), n.sha1(), link, owner, ownerId, why,
                    new Stat(type, n.mode() & 07777, n.uid(), n.gid(), n.kind() == Tree.Kind.FILE ? n.size() : 0)));
        }
        Set<String> packageDirs = new java.util.HashSet<>();
        for (Installed p : installed.values()) {
            for (String path : p.paths) {
                String canonical = tree.resolve(path, false);
                if (canonical != null && tree.dirs.containsKey(canonical)) {
                    packageDirs.add(canonical);
                }
            }
        }
        java.util.Collection<String> debIds = idOf.values();
        for (File f : files) {
            if (f.owner() == Owner.PACKAGE && debIds.contains(f.ownerId())) {
                for (String d = parent(f.path()); !d.isEmpty() && packageDirs.add(d); d = parent(d)) {
                    // Each ancestor once: the loop stops at the first already known.
                }
            }
        }
        List<Directory> directories = new ArrayList<>();
        new TreeMap<>(tree.dirs).forEach((path, d) -> {
            String comment = d.layer() < comments.size() ? comments.get(d.layer()) : null;
            boolean packageLayer = comment != null && comment.startsWith("debian package");
            directories.add(new Directory(path, new Stat('5', d.mode() & 07777, d.uid(), d.gid(), 0),
                    packageLayer || packageDirs.contains(path)));
        });
        return new Sbom(subject, packages, artifacts, files, directories, refs);
    }

    /** The Maven artifact a Java archive's metadata names, or null (no metadata, or a shaded jar's name matching none). */
    private static MavenArtifact mavenArtifact(Tree.Node n) {
        if (n.poms() == null || n.poms().isEmpty()) {
            return null;
        }
        MavenMetadata.Pom pom = MavenMetadata.pick(n.poms(), n.path());
        if (pom == null) {
            return null;
        }
        List<String> embedded = MavenMetadata.others(n.poms(), pom).stream()
                .map(p -> Purl.maven(p.groupId(), p.artifactId(), p.version())).toList();
        String id = "SPDXRef-Package-maven-" + idText(pom.artifactId()) + "-" + idText(pom.version()) + "-"
                + Digest.of(n.path().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 8);
        return new MavenArtifact(id, pom.groupId(), pom.artifactId(), pom.version(), Purl.maven(pom.groupId(), pom.artifactId(), pom.version()),
                n.path(), n.sha1(), n.sha256(), pom.entry(), embedded);
    }

    /** Files whose bytes the SBOM reads: the dpkg database, copyright files, os-release. */
    private static boolean kept(String p) {
        return p.equals(STATUS) || p.startsWith(STATUS_DIR)
                || (p.startsWith(INFO) && (p.endsWith(".md5sums") || p.endsWith(".list")))
                || (p.startsWith(DOC) && p.endsWith("/copyright") && p.indexOf('/', DOC.length()) == p.length() - "/copyright".length())
                || p.equals("etc/os-release") || p.equals("usr/lib/os-release");
    }

    /** One package of the database, with the paths its md5sums and list name. */
    private static final class Installed {
        final String key;
        final String name;
        final String arch;
        final Deb822.Stanza stanza;
        final List<String> paths = new ArrayList<>();

        Installed(String name, String arch, Deb822.Stanza stanza) {
            this.key = name + ":" + arch;
            this.name = name;
            this.arch = arch;
            this.stanza = stanza;
        }

        Package toPackage(Tree tree, Map<String, String> os, Map<String, Lock.LockedPackage> locked, Map<String, Installed> all,
                          Map<String, String> idOf, Map<String, String> refs) {
            String version = stanza.get("Version").strip();
            String source = name;
            String sourceVersion = version;
            String src = stanza.get("Source");
            if (src != null && !src.isBlank()) {
                String s = src.strip();
                int paren = s.indexOf('(');
                if (paren > 0 && s.endsWith(")")) {
                    sourceVersion = s.substring(paren + 1, s.length() - 1).strip();
                    s = s.substring(0, paren).strip();
                }
                source = s;
            }
            String maintainer = stanza.get("Maintainer") == null ? null : stanza.get("Maintainer").strip();
            Lock.LockedPackage lp = locked.get(key);
            if (lp == null && "all".equals(arch)) {
                lp = locked.values().stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
            }
            if (lp != null && !sameVersion(lp.version(), version)) {
                lp = null;
            }
            String copyrightPath = null;
            byte[] copyright = null;
            String resolved = tree.resolve(DOC + name + "/copyright", true);
            if (resolved != null && tree.nodes.containsKey(resolved)) {
                copyrightPath = resolved;
                copyright = tree.nodes.get(resolved).bytes();
            }
            Licenses.Found lic = Licenses.of(copyright, "/" + DOC + name + "/copyright", refs);
            String id = os.getOrDefault("ID", "debian").toLowerCase(Locale.ROOT);
            String distro = os.containsKey("VERSION_ID") ? id + "-" + os.get("VERSION_ID") : null;
            String purl = Purl.deb(id.equals("ubuntu") ? "ubuntu" : "debian", name, version, arch, distro, source);
            Set<String> deps = new LinkedHashSet<>();
            List<List<Relation>> groups = new ArrayList<>();
            for (String field : List.of("Pre-Depends", "Depends")) {
                try {
                    groups.addAll(Relation.parseField(stanza.get(field)));
                } catch (IllegalArgumentException e) {
                    // A relation peel cannot parse names no installed package it could point at reliably.
                }
            }
            for (List<Relation> g : groups) {
                String to = installedMember(g, all);
                if (to != null && !to.equals(key)) {
                    deps.add(idOf.get(to));
                }
            }
            List<String> sortedDeps = new ArrayList<>(deps);
            Collections.sort(sortedDeps);
            return new Package(packageId(name, arch), name, version, arch, source, sourceVersion, maintainer,
                    Supplier.of(maintainer), lp == null ? "NOASSERTION" : Lock.poolUrl(lp).toString(), lp == null ? null : lp.sha256(),
                    purl, lic.expression(), copyrightPath,
                    copyright != null && lic.expression().equals(Licenses.NOASSERTION)
                            ? new String(copyright, java.nio.charset.StandardCharsets.UTF_8) : null, sortedDeps);
        }
    }

    private static boolean sameVersion(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return Version.parse(a).compareTo(Version.parse(b)) == 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The installed package a group of alternatives is met by: the first member installed, or one providing it. */
    private static String installedMember(List<Relation> group, Map<String, Installed> all) {
        for (Relation r : group) {
            for (Installed p : all.values()) {
                if (p.name.equals(r.name())) {
                    return p.key;
                }
            }
        }
        for (Relation r : group) {
            for (Installed p : all.values()) {
                String provides = p.stanza.get("Provides");
                if (provides == null) {
                    continue;
                }
                try {
                    for (List<Relation> g : Relation.parseField(provides)) {
                        for (Relation pr : g) {
                            if (pr.name().equals(r.name())) {
                                return p.key;
                            }
                        }
                    }
                } catch (IllegalArgumentException e) {
                    // An unparseable Provides provides nothing here.
                }
            }
        }
        return null;
    }

    private static void add(Map<String, Installed> installed, Deb822.Stanza s, List<Tree.Node> sums, List<Tree.Node> lists) {
        String name = s.get("Package");
        String version = s.get("Version");
        String arch = s.get("Architecture");
        String st = s.get("Status");
        if (name == null || version == null || (st != null && !st.strip().endsWith(" installed"))) {
            return;
        }
        Installed p = new Installed(name.strip(), arch == null ? "all" : arch.strip(), s);
        for (Tree.Node n : sums) {
            if (n.bytes() == null) {
                continue;
            }
            for (String line : new String(n.bytes(), StandardCharsets.UTF_8).split("\n")) {
                int sep = line.indexOf("  ");
                if (sep > 0) {
                    p.paths.add(dev.peel.tar.TarReader.cleanPath(line.substring(sep + 2)));
                }
            }
        }
        for (Tree.Node n : lists) {
            if (n.bytes() == null) {
                continue;
            }
            for (String line : new String(n.bytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.equals("/.")) {
                    p.paths.add(dev.peel.tar.TarReader.cleanPath(line));
                }
            }
        }
        installed.putIfAbsent(p.key, p);
    }

    private static List<Deb822.Stanza> stanzas(byte[] bytes) {
        try {
            return Deb822.parse(bytes);
        } catch (Deb822.ParseException e) {
            return List.of();
        }
    }

    /** The history comment of each layer, in layer order (empty when the history does not pair up with the layers). */
    private static List<String> layerComments(ImageConfig config, int layers) {
        List<String> out = new ArrayList<>();
        if (config.history() != null) {
            for (ImageConfig.History h : config.history()) {
                if (!h.emptyLayer()) {
                    out.add(h.comment());
                }
            }
        }
        return out.size() == layers ? out : List.of();
    }

    /**
     * The package whose layer a file came from, as peel's history names it: "debian package NAME VERSION (ARCH)", or
     * for a group "debian packages of …: a, b" the one member listing another file in the same directory.
     */
    private static String layerPackage(String comment, String path, Map<String, Installed> installed, Map<String, Set<String>> dirsOf) {
        if (comment == null) {
            return null;
        }
        if (comment.startsWith("debian package ")) {
            String[] w = comment.substring("debian package ".length()).split(" ");
            if (w.length == 3 && w[2].startsWith("(") && w[2].endsWith(")")) {
                String key = w[0] + ":" + w[2].substring(1, w[2].length() - 1);
                return installed.containsKey(key) ? key : null;
            }
            return null;
        }
        if (comment.startsWith("debian packages of ") && comment.contains(": ")) {
            Set<String> members = Set.of(comment.substring(comment.indexOf(": ") + 2).split(", "));
            List<String> candidates = new ArrayList<>();
            for (String k : dirsOf.getOrDefault(parent(path), Set.of())) {
                if (members.contains(installed.get(k).name)) {
                    candidates.add(k);
                }
            }
            return candidates.size() == 1 ? candidates.get(0) : null;
        }
        return null;
    }

    private static Map<String, Lock.LockedPackage> locked(Lock lock, Platform platform) {
        Map<String, Lock.LockedPackage> out = new HashMap<>();
        if (lock == null) {
            return out;
        }
        for (Map.Entry<String, List<Lock.LockedPackage>> e : new TreeMap<>(lock.archs()).entrySet()) {
            Platform p = Platform.ofDebianArch(e.getKey()).orElse(null);
            if (p != null && p.os().equals(platform.os()) && p.architecture().equals(platform.architecture())
                    && (p.variant() == null || platform.variant() == null || p.variant().equals(platform.variant()))) {
                for (Lock.LockedPackage lp : e.getValue()) {
                    out.put(lp.name() + ":" + lp.arch(), lp);
                }
            }
        }
        return out;
    }

    private static Map<String, String> osRelease(Tree tree) {
        Tree.Node n = tree.follow("etc/os-release");
        if (n == null || n.bytes() == null) {
            n = tree.nodes.get("usr/lib/os-release");
        }
        Map<String, String> out = new HashMap<>();
        if (n != null && n.bytes() != null) {
            for (String line : new String(n.bytes(), StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    out.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip().replaceAll("^[\"']|[\"']$", ""));
                }
            }
        }
        return out;
    }

    /** RFC 3339 in whole seconds, UTC, as SPDX's {@code created} needs; the epoch when the config has none. */
    private static String created(String created) {
        Instant t = Instant.EPOCH;
        if (created != null && !created.isBlank()) {
            try {
                t = java.time.OffsetDateTime.parse(created).toInstant();
            } catch (DateTimeParseException e) {
                t = Instant.EPOCH;
            }
        }
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? "" : path.substring(0, i);
    }

    static String packageId(String name, String arch) {
        return "SPDXRef-Package-deb-" + idText(name) + "-" + idText(arch);
    }

    /** A file's id: its path in the characters SPDX ids allow, and a short hash of the exact path against collisions. */
    static String fileId(String path) {
        String h = Digest.of(path.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 8);
        String t = idText(path);
        return "SPDXRef-File-" + (t.length() > 100 ? t.substring(t.length() - 100) : t) + "-" + h;
    }

    static String idText(String s) {
        String t = s.replaceAll("[^A-Za-z0-9.]+", "-").replaceAll("^-+|-+$", "");
        return t.isEmpty() ? "x" : t;
    }
}
