package dev.peel.java;

import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Content;
import dev.peel.tar.LayerTree;
import dev.peel.tar.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.regex.Pattern;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A Java application laid out on a base: its layers (dependencies by kind, resources, classes), the classpath
 * argument file, and the entrypoint that runs it; or a Spring Boot jar exploded in the layers of its own layers.idx. Everything is read and checked when planned, before a build
 * writes anything; the layers' bytes depend only on the files' contents, names and the given mtime.
 */
public final class JavaApp {
    /** One layer of the application, named for the image's history; entries sorted, parents included. */
    public record AppLayer(String name, List<TarEntry> entries) {
    }

    private enum Kind { RELEASE, SNAPSHOT, PROJECT }

    /** A jar that goes under libs/: where it comes from, its name there, and which layer holds it. */
    private record Lib(Path path, Position at, Kind kind, String sha256, String name) {
    }

    private final List<AppLayer> layers;
    private final List<String> classpath;
    private final String mainClass;
    private final List<String> entrypoint;
    private final List<String> args;

    JavaApp(List<AppLayer> layers, List<String> classpath, String mainClass, List<String> entrypoint,
                    List<String> args) {
        this.layers = layers;
        this.classpath = classpath;
        this.mainClass = mainClass;
        this.entrypoint = entrypoint;
        this.args = args;
    }

    /** The application's non-empty layers, bottom to top. */
    public List<AppLayer> layers() {
        return layers;
    }

    /** The classpath as the image's paths, in order. */
    public List<String> classpath() {
        return classpath;
    }

    public String mainClass() {
        return mainClass;
    }

    /**
     * {@code /usr/bin/java <jvm-flags> -cp @<app-root>/classpath <main-class>}; for a Spring Boot jar
     * {@code /usr/bin/java <jvm-flags> -cp <app-root> <Boot's launcher>} (with jlink, the runtime's java).
     */
    public List<String> entrypoint() {
        return entrypoint;
    }

    /** The config's Cmd: java.args (empty when none). */
    public List<String> args() {
        return args;
    }

    /** Reads, checks and lays out the application {@code java} describes; every entry's mtime is {@code mtime}. */
    public static JavaApp plan(Spec.Java java, long mtime) throws SpecException {
        try {
            return new Planner(java, mtime).plan();
        } catch (IOException | UncheckedIOException e) {
            throw new SpecException(java.at(), "java: cannot read the application: " + e.getMessage());
        }
    }

    private static final class Planner {
        final Spec.Java java;
        final long mtime;
        final String root;

        Planner(Spec.Java java, long mtime) {
            this.java = java;
            this.mtime = mtime;
            this.root = java.appRoot().substring(1);
        }

        JavaApp plan() throws SpecException, IOException {
            List<Spec.Located> dependencies = new ArrayList<>(java.dependencies());
            String manifestMain = null;
            if (java.jar() != null) {
                Manifest mf = manifest(java.jar());
                try (org.apache.commons.compress.archivers.zip.ZipFile zip = SpringBootJar.open(java.jar().path())) {
                    if (SpringBootJar.is(zip, mf)) {
                        JavaApp boot = SpringBootJar.plan(java, zip, mf, mtime);
                        return new JavaApp(permitted(boot.layers()), boot.classpath(), boot.mainClass(), boot.entrypoint(),
                                boot.args());
                    }
                }
                if (mf != null) {
                    manifestMain = mf.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
                    dependencies.addAll(classPathOf(java.jar(), mf.getMainAttributes().getValue(Attributes.Name.CLASS_PATH)));
                }
            }
            List<Lib> libs = libs(dependencies);

            String main = java.mainClass();
            if (main == null && manifestMain != null && !manifestMain.isBlank()) {
                main = manifestMain.trim();
            }
            if (main == null) {
                main = scanMain();
            }

            // The classpath (resources, classes or the jar, project dependencies, dependencies) is known before any
            // layer is made: its argfile goes into the release-dependencies layer, which changes exactly when the list
            // of dependencies does — a class change leaves it alone, a dependency upgrade changes only that layer.
            List<String> cp = new ArrayList<>();
            if (!java.resources().isEmpty()) {
                cp.add(java.appRoot() + "/resources");
            }
            if (!java.classes().isEmpty()) {
                cp.add(java.appRoot() + "/classes");
            }
            if (java.jar() != null) {
                cp.add(java.appRoot() + "/" + java.jar().path().getFileName());
            }
            for (Lib l : libs) {
                if (l.kind() == Kind.PROJECT) {
                    cp.add(java.appRoot() + "/libs/" + l.name());
                }
            }
            for (Lib l : libs) {
                if (l.kind() != Kind.PROJECT) {
                    cp.add(java.appRoot() + "/libs/" + l.name());
                }
            }
            TarEntry argfile = TarEntry.file(root + "/classpath", 0644, 0, 0, mtime, Content.ofBytes(
                    (argfileWord(String.join(":", cp)) + "\n").getBytes(StandardCharsets.UTF_8)));
            boolean releaseLayer = false;
            for (Lib l : libs) {
                releaseLayer |= l.kind() == Kind.RELEASE && group(l) < 0;
            }

            List<AppLayer> out = new ArrayList<>();
            String libDir = root + "/libs/";
            layer(out, "dependencies", libs, l -> l.kind() == Kind.RELEASE && group(l) < 0, libDir,
                    releaseLayer ? argfile : null);
            for (int g = 0; g < java.layers().size(); g++) {
                int group = g;
                layer(out, "dependencies: " + java.layers().get(g).name(), libs,
                        l -> l.kind() != Kind.PROJECT && group(l) == group, libDir, null);
            }
            layer(out, "snapshot dependencies", libs, l -> l.kind() == Kind.SNAPSHOT && group(l) < 0, libDir, null);
            layer(out, "project dependencies", libs, l -> l.kind() == Kind.PROJECT, libDir, null);

            if (!java.resources().isEmpty()) {
                LayerTree t = new LayerTree(mtime);
                for (Spec.Located r : java.resources()) {
                    copyTree(t, r, root + "/resources");
                }
                out.add(new AppLayer("resources", entries(t)));
            }
            LayerTree classes = new LayerTree(mtime);
            if (!java.classes().isEmpty()) {
                for (Spec.Located c : java.classes()) {
                    copyTree(classes, c, root + "/classes");
                }
            }
            if (java.jar() != null) {
                String name = java.jar().path().getFileName().toString();
                if (List.of("classpath", "libs", "resources", "classes").contains(name)) {
                    throw new SpecException(java.jar().at(), "java.jar is named '" + name + "', which peel uses under the app root",
                            "rename the jar, for example to app.jar");
                }
                add(classes, TarEntry.file(root + "/" + name, 0644, 0, 0, mtime, Content.ofFile(java.jar().path())),
                        java.jar().at());
            }
            if (!releaseLayer) {
                add(classes, argfile, java.at());
            }
            out.add(new AppLayer(java.jar() != null && java.classes().isEmpty() ? "jar" : "classes", entries(classes)));

            List<String> entrypoint = new ArrayList<>();
            entrypoint.add(java.runtime().jlink() ? Jlink.JAVA : "/usr/bin/java");
            entrypoint.addAll(java.jvmFlags());
            entrypoint.addAll(List.of("-cp", "@" + java.appRoot() + "/classpath", main));
            return new JavaApp(permitted(out), List.copyOf(cp), main, List.copyOf(entrypoint), java.args());
        }

        /** The index of the first java.layers group whose globs match the jar's file name or its groupIds, or -1. */
        int group(Lib l) throws IOException {
            String name = l.path().getFileName().toString();
            for (int g = 0; g < java.layers().size(); g++) {
                Spec.LayerGroup group = java.layers().get(g);
                for (String glob : group.files()) {
                    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                    if (m.matches(Path.of(name))) {
                        return g;
                    }
                }
                if (!group.groups().isEmpty()) {
                    for (String id : groupIds(l.path())) {
                        for (String glob : group.groups()) {
                            if (groupMatches(glob, id)) {
                                return g;
                            }
                        }
                    }
                }
            }
            return -1;
        }

        final Map<Path, List<String>> groupIds = new HashMap<>();

        /** The groupIds of the jar's META-INF/maven/GROUP/ARTIFACT/pom.properties files (a shaded jar has several). */
        List<String> groupIds(Path jar) throws IOException {
            List<String> known = groupIds.get(jar);
            if (known != null) {
                return known;
            }
            TreeSet<String> ids = new TreeSet<>();
            try (ZipFile z = new ZipFile(jar.toFile())) {
                Enumeration<? extends ZipEntry> en = z.entries();
                while (en.hasMoreElements()) {
                    ZipEntry e = en.nextElement();
                    String[] parts = e.getName().split("/");
                    if (parts.length == 5 && parts[0].equals("META-INF") && parts[1].equals("maven")
                            && parts[4].equals("pom.properties") && !e.isDirectory()) {
                        Properties props = new Properties();
                        try (InputStream in = z.getInputStream(e)) {
                            props.load(in);
                        }
                        ids.add(props.getProperty("groupId", parts[2]).trim());
                    }
                }
            }
            List<String> out = List.copyOf(ids);
            groupIds.put(jar, out);
            return out;
        }

        /** Whether a jar belongs to a layer; may read the jar (its groupIds). */
        interface Which {
            boolean test(Lib l) throws IOException;
        }

        void layer(List<AppLayer> out, String name, List<Lib> libs, Which which, String dir,
                   TarEntry extra) throws SpecException, IOException {
            LayerTree t = new LayerTree(mtime);
            if (extra != null) {
                add(t, extra, java.at());
            }
            for (Lib l : libs) {
                if (which.test(l)) {
                    add(t, TarEntry.file(dir + l.name(), 0644, 0, 0, mtime, Content.ofFile(l.path())), l.at());
                }
            }
            if (!t.isEmpty()) {
                out.add(new AppLayer(name, entries(t)));
            }
        }

        /**
         * The jars under libs/, each checked to be a zip: dependencies, then project dependencies; a jar of the same
         * name and content listed twice kept once; names that two different jars share get {@code -<8 hex of sha256>}.
         */
        List<Lib> libs(List<Spec.Located> dependencies) throws SpecException, IOException {
            List<Lib> all = new ArrayList<>();
            Map<String, TreeSet<String>> hashesByName = new LinkedHashMap<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int pass = 0; pass < 2; pass++) {
                for (Spec.Located d : pass == 0 ? dependencies : java.projectDependencies()) {
                    checkZip(d);
                    String name = d.path().getFileName().toString();
                    String sha = sha256(d.path());
                    if (!seen.add(name + "\0" + sha)) {
                        continue;
                    }
                    hashesByName.computeIfAbsent(name, k -> new TreeSet<>()).add(sha);
                    Kind kind = pass == 1 ? Kind.PROJECT : name.contains("-SNAPSHOT") ? Kind.SNAPSHOT : Kind.RELEASE;
                    all.add(new Lib(d.path(), d.at(), kind, sha, name));
                }
            }
            List<Lib> out = new ArrayList<>();
            for (Lib l : all) {
                String name = l.name();
                if (hashesByName.get(name).size() > 1) {
                    int dot = name.lastIndexOf('.');
                    String stem = dot > 0 ? name.substring(0, dot) : name;
                    String ext = dot > 0 ? name.substring(dot) : "";
                    name = stem + "-" + l.sha256().substring(0, 8) + ext;
                }
                out.add(new Lib(l.path(), l.at(), l.kind(), l.sha256(), name));
            }
            return out;
        }

        /** The jars a plain jar's Class-Path names that exist beside it (relative URLs, resolved against its folder). */
        List<Spec.Located> classPathOf(Spec.Located jar, String classPath) throws SpecException {
            List<Spec.Located> out = new ArrayList<>();
            if (classPath == null) {
                return out;
            }
            for (String entry : classPath.trim().split("\\s+")) {
                if (entry.isEmpty() || entry.endsWith("/")) {
                    continue;
                }
                Path p;
                try {
                    p = jar.path().getParent().resolve(URI.create("x/" + entry).getPath().substring(2)).normalize();
                } catch (IllegalArgumentException e) {
                    continue; // a Class-Path the JVM could not read either
                }
                if (Files.isRegularFile(p)) {
                    out.add(new Spec.Located(p, jar.at()));
                }
            }
            return out;
        }

        Manifest manifest(Spec.Located jar) throws SpecException {
            checkZip(jar);
            try (ZipFile z = new ZipFile(jar.path().toFile())) {
                ZipEntry e = z.getEntry("META-INF/MANIFEST.MF");
                if (e == null) {
                    return null;
                }
                try (InputStream in = z.getInputStream(e)) {
                    return new Manifest(in);
                }
            } catch (IOException e) {
                throw new SpecException(jar.at(), "cannot read the manifest of " + jar.path() + ": " + e.getMessage());
            }
        }

        /** A jar must be a readable zip: the JVM skips one that is not, and the app would fail only when run. */
        void checkZip(Spec.Located jar) throws SpecException {
            try (ZipFile z = new ZipFile(jar.path().toFile())) {
                z.size();
            } catch (IOException e) {
                throw new SpecException(jar.at(), jar.path() + " is not a readable jar (zip): " + e.getMessage(),
                        "dependencies must be jars; give folders of classes under java.classes");
            }
        }

        /** The one class with public static void main(String[]) in the classes folders or the jar. */
        String scanMain() throws SpecException, IOException {
            TreeSet<String> found = new TreeSet<>();
            for (Spec.Located c : java.classes()) {
                try (Stream<Path> s = Files.walk(c.path(), FileVisitOption.FOLLOW_LINKS)) {
                    for (Path p : s.filter(p -> p.toString().endsWith(".class") && Files.isRegularFile(p)).toList()) {
                        mainOf(Files.readAllBytes(p), p.toString(), c.at(), found);
                    }
                }
            }
            if (java.jar() != null) {
                try (ZipFile z = new ZipFile(java.jar().path().toFile())) {
                    Enumeration<? extends ZipEntry> en = z.entries();
                    while (en.hasMoreElements()) {
                        ZipEntry e = en.nextElement();
                        if (!e.isDirectory() && e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                            try (InputStream in = z.getInputStream(e)) {
                                mainOf(in.readAllBytes(), java.jar().path() + "!/" + e.getName(), java.jar().at(), found);
                            }
                        }
                    }
                }
            }
            if (found.isEmpty()) {
                throw new SpecException(java.at(), "java: no class has a public static void main(String[]) method"
                        + (java.jar() != null ? ", and the jar's manifest names no Main-Class" : ""),
                        "set java.main-class: com.example.Main (it may be in a dependency)");
            }
            if (found.size() > 1) {
                throw new SpecException(java.at(), "java: several classes have a public static void main(String[]) method: "
                        + String.join(", ", found), "choose one with java.main-class: " + found.first());
            }
            return found.first();
        }

        void mainOf(byte[] bytes, String where, Position at, TreeSet<String> found) throws SpecException {
            String file = where.substring(where.lastIndexOf('/') + 1);
            if (file.equals("module-info.class") || file.equals("package-info.class")) {
                return;
            }
            try {
                ClassFile cf = ClassFile.read(bytes);
                if (cf.hasMain()) {
                    found.add(cf.name());
                }
            } catch (IOException e) {
                throw new SpecException(at, where + " is not a class file: " + e.getMessage());
            }
        }

        /** A folder's tree under {@code to}: directories 0755, files 0644 (whatever the host's), owned by root. */
        void copyTree(LayerTree t, Spec.Located from, String to) throws SpecException, IOException {
            List<Path> paths;
            try (Stream<Path> s = Files.walk(from.path(), FileVisitOption.FOLLOW_LINKS)) {
                paths = s.sorted().toList();
            }
            add(t, TarEntry.directory(to, 0755, 0, 0, mtime), from.at());
            for (Path p : paths) {
                if (p.equals(from.path())) {
                    continue;
                }
                StringBuilder sb = new StringBuilder(to);
                for (Path part : from.path().relativize(p)) {
                    sb.append('/').append(part);
                }
                String path = sb.toString();
                if (Files.isDirectory(p)) {
                    add(t, TarEntry.directory(path, 0755, 0, 0, mtime), from.at());
                } else if (Files.isRegularFile(p)) {
                    add(t, TarEntry.file(path, 0644, 0, 0, mtime, Content.ofFile(p)), from.at());
                } else {
                    throw new SpecException(from.at(), p + " is neither a file nor a folder; only those can be copied");
                }
            }
        }

        /**
         * The layers with java.permissions applied: each item, in order, sets the mode and/or owner of every entry whose
         * absolute image path its glob matches (a later item overrides an earlier one). An item matching nothing is an
         * error, as a misspelt path would otherwise go unnoticed.
         */
        List<AppLayer> permitted(List<AppLayer> layers) throws SpecException {
            if (java.permissions().isEmpty()) {
                return List.copyOf(layers);
            }
            List<PathMatcher> matchers = new ArrayList<>();
            for (Spec.Permission p : java.permissions()) {
                try {
                    matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + p.path()));
                } catch (IllegalArgumentException e) {
                    throw new SpecException(p.at(), "java.permissions: '" + p.path() + "' is not a glob: " + e.getMessage());
                }
            }
            boolean[] used = new boolean[matchers.size()];
            List<AppLayer> out = new ArrayList<>();
            for (AppLayer l : layers) {
                List<TarEntry> entries = new ArrayList<>();
                for (TarEntry e : l.entries()) {
                    Path image = Path.of("/" + e.path());
                    TarEntry x = e;
                    for (int i = 0; i < matchers.size(); i++) {
                        if (!matchers.get(i).matches(image)) {
                            continue;
                        }
                        used[i] = true;
                        Spec.Permission p = java.permissions().get(i);
                        int mode = p.mode() != null && x.type() != TarEntry.Type.SYMLINK ? p.mode() : x.mode();
                        long uid = p.uid() != null ? p.uid() : x.uid();
                        long gid = p.gid() != null ? p.gid() : x.gid();
                        x = new TarEntry(x.path(), x.type(), mode, uid, gid, x.uname(), x.gname(), x.mtime(),
                                x.linkTarget(), x.content(), x.devMajor(), x.devMinor());
                    }
                    entries.add(x);
                }
                out.add(new AppLayer(l.name(), List.copyOf(entries)));
            }
            for (int i = 0; i < used.length; i++) {
                if (!used[i]) {
                    Spec.Permission p = java.permissions().get(i);
                    throw new SpecException(p.at(), "java.permissions: '" + p.path() + "' matches no file or folder of the application",
                            "paths are absolute in the image, such as " + java.appRoot() + "/classes/** or " + java.appRoot() + "/libs/*.jar");
                }
            }
            return List.copyOf(out);
        }


        void add(LayerTree t, TarEntry e, Position at) throws SpecException, IOException {
            try {
                t.add(e, at.toString());
            } catch (LayerTree.ConflictException c) {
                throw new SpecException(at, c.getMessage(), "two folders give the same file different content; keep one");
            } catch (IllegalArgumentException bad) {
                throw new SpecException(at, "cannot put " + e.path() + " in the image: " + bad.getMessage());
            }
        }

        List<TarEntry> entries(LayerTree t) throws SpecException {
            try {
                return t.entries();
            } catch (LayerTree.ConflictException c) {
                throw new SpecException(java.at(), c.getMessage());
            }
        }
    }

    /** Whether a Maven groupId matches a {@code java.layers} groups glob: '*' any characters, '?' one. */
    public static boolean groupMatches(String glob, String groupId) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.matches(re.toString(), groupId);
    }

    /** A word of a JDK argument file: quoted when it holds whitespace, quotes, '#' or backslashes. */
    static String argfileWord(String s) {
        if (!s.isEmpty() && s.chars().noneMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\'' || c == '#' || c == '\\')) {
            return s;
        }
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t") + "\"";
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
