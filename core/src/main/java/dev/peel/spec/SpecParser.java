package dev.peel.spec;

import dev.peel.oci.Platform;
import dev.peel.tar.Compression;
import dev.peel.tar.TarPaths;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads and validates a spec file; every problem is a {@link SpecException} with file:line. */
public final class SpecParser {
    private static final Set<String> TOP = Set.of("archs", "base", "created", "compression", "files", "accounts",
            "entrypoint", "cmd", "env", "workdir", "ports", "labels", "annotations", "debian", "layering", "generate", "java",
            "tests");
    private static final Set<String> JAVA_KEYS = Set.of("jar", "classes", "resources", "dependencies",
            "project-dependencies", "main-class", "jvm-flags", "args", "app-root", "layers", "permissions", "runtime", "version",
            "modules");
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");
    private static final Pattern GROUP_GLOB = Pattern.compile("[A-Za-z0-9_.*?-]+");
    private static final Pattern LAYER_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<String> DEBIAN_KEYS = Set.of("suite", "mirror", "snapshot", "sources", "packages", "resolve",
            "exclude", "path-exclude", "path-include");
    private static final Set<String> SOURCE_KEYS = Set.of("url", "suites", "components", "keyring", "insecure");
    private static final Set<String> FILE_KEYS = Set.of("path", "source", "content", "type", "mode", "dir-mode",
            "owner", "target");
    private static final Set<String> ACCOUNT_KEYS = Set.of("groups", "users", "run-as");
    private static final Set<String> GROUP_KEYS = Set.of("name", "gid", "members");
    private static final Set<String> USER_KEYS = Set.of("name", "uid", "gid", "home", "shell", "gecos");
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3,4}");
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}\\$?");
    private static final Pattern PORT = Pattern.compile("([0-9]{1,5})(?:/(tcp|udp|sctp))?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final long MAX_ID = 0x7fffffffL;

    private SpecParser() {
    }

    /** Reads {@code file}; errors name it as {@code displayName} (what the user typed). */
    public static Spec parse(Path file, String displayName) throws SpecException {
        String text = readUtf8(file, displayName, "no such spec file", "spec is not UTF-8 text", "cannot read spec");
        Path dir = file.toAbsolutePath().getParent();
        return new SpecParser.Run(new Yaml(displayName), dir, file, displayName).spec(text);
    }

    /** A file's text, strictly UTF-8; each way it can fail is a {@link SpecException} at {@code displayName}. */
    public static String readUtf8(Path file, String displayName, String missing, String notText, String unreadable)
            throws SpecException {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new SpecException(new Position(displayName, 0, 0), missing);
        } catch (CharacterCodingException e) {
            throw new SpecException(new Position(displayName, 0, 0), notText);
        } catch (IOException e) {
            throw new SpecException(new Position(displayName, 0, 0), unreadable + ": " + e.getMessage());
        }
    }

    public static Spec parse(Path file) throws SpecException {
        return parse(file, file.toString());
    }

    /**
     * A preset by name ({@code static}, {@code java17-debian12:nonroot}) as a spec of its own; its lock is
     * {@code <name>.lock.json} in {@code dir} (':' written as '-').
     */
    public static Spec parsePreset(String name, Path dir) throws SpecException {
        org.snakeyaml.engine.v2.nodes.MappingNode node = Presets.load(name, new Position(name, 0, 0), 0);
        Path file = dir.toAbsolutePath().resolve(name.replace(':', '-') + ".yaml");
        return new SpecParser.Run(new Yaml(name), file.getParent(), file, name).spec(node);
    }

    private static final class Run {
        final Yaml y;
        final Path dir;
        final Path file;
        final String name;
        /** The spec builds on a registry image or layout, whose /etc/passwd may name its run-as user. */
        boolean onImage;
        /** The user's own file (not a preset under it) sets entrypoint / cmd: they win over java's. */
        boolean ownEntrypoint = true;
        boolean ownCmd = true;

        Run(Yaml y, Path dir, Path file, String name) {
            this.y = y;
            this.dir = dir;
            this.file = file;
            this.name = name;
        }

        Spec spec(String text) throws SpecException {
            Optional<Node> root = y.compose(text);
            if (root.isEmpty() || Yaml.isNull(root.get())) {
                throw new SpecException(new Position(name, 1, 1), "the spec is empty",
                        "start with 'entrypoint: [...]' and 'files: [...]'; see examples/hello.yaml");
            }
            Node r = root.get();
            if (r instanceof org.snakeyaml.engine.v2.nodes.MappingNode m) {
                ownEntrypoint = keyNode(m, "entrypoint") != null;
                ownCmd = keyNode(m, "cmd") != null;
                r = Presets.resolveBase(m, y);
            }
            return spec(r);
        }

        Spec spec(Node root) throws SpecException {
            Map<String, Node> top = y.mapping(root, "the spec", TOP);

            Spec.Base base = null;
            if (present(top, "base")) {
                String written = y.string(top.get("base"), "base");
                base = imageBase(written, dir, y.at(top.get("base")));
                if (base == null && !written.equals("scratch")) {
                    throw new SpecException(y.at(top.get("base")), "base '" + written + "' is neither scratch nor a preset,"
                            + " a registry reference or an OCI layout",
                            "use scratch (the empty image), one of: " + String.join(", ",
                                    Presets.all().stream().map(Presets.Preset::name).toList()) + " (peel presets),"
                                    + " a reference with its registry (registry.example/team/app:1, docker://REF) or oci:DIR[:TAG]");
                }
            }
            onImage = base != null;

            List<String> archs = new ArrayList<>();
            if (present(top, "archs")) {
                List<Node> items = y.sequence(top.get("archs"), "archs");
                if (items.isEmpty()) {
                    throw new SpecException(y.at(top.get("archs")), "archs is empty", "leave it out for the host's architecture");
                }
                for (int i = 0; i < items.size(); i++) {
                    String a = y.string(items.get(i), "archs[" + i + "]");
                    if (Platform.ofDebianArch(a).isEmpty()) {
                        throw new SpecException(y.at(items.get(i)), "unknown arch '" + a + "'",
                                "use Debian architecture names: " + String.join(", ", Platform.debianArchs()));
                    }
                    if (archs.contains(a)) {
                        throw new SpecException(y.at(items.get(i)), "arch '" + a + "' is listed twice");
                    }
                    archs.add(a);
                }
            } else if (base == null) {
                String host = Platform.hostDebianArch();
                if (Platform.ofDebianArch(host).isEmpty()) {
                    throw new SpecException(new Position(name, 1, 1), "the host's architecture '" + host
                            + "' has no OCI platform peel knows, and the spec names no archs",
                            "add archs: [...] with Debian architecture names: " + String.join(", ", Platform.debianArchs()));
                }
                archs.add(host);
            }

            Instant created = present(top, "created") ? instant(top.get("created")) : null;

            Compression compression = null;
            if (present(top, "compression")) {
                String c = y.string(top.get("compression"), "compression");
                compression = Compression.parse(c);
                if (compression == null) {
                    throw new SpecException(y.at(top.get("compression")), "unknown compression '" + c + "'",
                            "use gzip (the default, read by every runtime), zstd or none");
                }
            }

            Map<String, Node> accountsNode = present(top, "accounts")
                    ? y.mapping(top.get("accounts"), "accounts", ACCOUNT_KEYS) : Map.of();
            Spec.Accounts accounts = present(top, "accounts") ? accounts(accountsNode, y.at(top.get("accounts")))
                    : Spec.Accounts.none();

            List<Spec.FileSpec> files = new ArrayList<>();
            if (present(top, "files")) {
                List<Node> items = y.sequence(top.get("files"), "files");
                for (int i = 0; i < items.size(); i++) {
                    files.add(file(items.get(i), "files[" + i + "]", accounts));
                }
            }

            List<String> entrypoint = present(top, "entrypoint") ? command(top.get("entrypoint"), "entrypoint") : null;
            List<String> cmd = present(top, "cmd") ? command(top.get("cmd"), "cmd") : null;

            Map<String, String> env = new LinkedHashMap<>();
            if (present(top, "env")) {
                Map<String, Node> m = y.mapping(top.get("env"), "env", null);
                for (Map.Entry<String, Node> e : m.entrySet()) {
                    if (!ENV_NAME.matcher(e.getKey()).matches()) {
                        throw new SpecException(y.at(e.getValue()), "'" + e.getKey() + "' is not a valid environment variable name");
                    }
                    env.put(e.getKey(), y.string(e.getValue(), "env." + e.getKey()));
                }
            }

            String workdir = null;
            if (present(top, "workdir")) {
                workdir = y.string(top.get("workdir"), "workdir");
                if (!workdir.startsWith("/")) {
                    throw new SpecException(y.at(top.get("workdir")), "workdir must be an absolute path, not '" + workdir + "'");
                }
            }

            List<String> ports = new ArrayList<>();
            if (present(top, "ports")) {
                List<Node> items = y.sequence(top.get("ports"), "ports");
                for (int i = 0; i < items.size(); i++) {
                    String p = y.string(items.get(i), "ports[" + i + "]");
                    Matcher m = PORT.matcher(p);
                    if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 65535) {
                        throw new SpecException(y.at(items.get(i)), "'" + p + "' is not a port",
                                "write a port as 8080, 8080/tcp or 53/udp");
                    }
                    ports.add(Integer.parseInt(m.group(1)) + "/" + (m.group(2) == null ? "tcp" : m.group(2)));
                }
            }

            TreeMap<String, String> labels = present(top, "labels")
                    ? new TreeMap<>(y.stringMap(top.get("labels"), "labels")) : new TreeMap<>();
            TreeMap<String, String> annotations = present(top, "annotations")
                    ? new TreeMap<>(y.stringMap(top.get("annotations"), "annotations")) : new TreeMap<>();

            Spec.Debian debian = present(top, "debian") ? debian(top.get("debian")) : null;
            Spec.Generate generate = Spec.Generate.NONE;
            if (present(top, "generate")) {
                Map<String, Node> g = y.mapping(top.get("generate"), "generate",
                        Set.of("ca-bundle", "os-release", "java-cacerts", "alternatives", "ld-cache"));
                boolean ca = flag(g, "ca-bundle");
                boolean cacerts = flag(g, "java-cacerts");
                boolean alternatives = flag(g, "alternatives");
                boolean ldCache = flag(g, "ld-cache");
                String pretty = null;
                if (present(g, "os-release")) {
                    Map<String, Node> o = y.mapping(g.get("os-release"), "generate.os-release", Set.of("pretty-name"));
                    pretty = present(o, "pretty-name") ? y.string(o.get("pretty-name"), "generate.os-release.pretty-name") : null;
                    if (pretty == null || pretty.isBlank() || pretty.contains("\"") || pretty.contains("\n")) {
                        throw new SpecException(y.at(g.get("os-release")), "generate.os-release needs a pretty-name: one line, no quotes",
                                "for example os-release: {pretty-name: Distroless}");
                    }
                }
                if ((ca || pretty != null || cacerts || alternatives || ldCache) && debian == null) {
                    throw new SpecException(y.at(top.get("generate")), "generate makes files from Debian packages, and the spec installs none",
                            "add a debian section with ca-certificates (ca-bundle) or base-files (os-release)");
                }
                generate = new Spec.Generate(ca, pretty, cacerts, alternatives, ldCache);
            }
            Integer budget = null;
            if (present(top, "layering")) {
                Map<String, Node> l = y.mapping(top.get("layering"), "layering", Set.of("budget"));
                if (present(l, "budget")) {
                    budget = (int) y.integer(l.get("budget"), "layering.budget", 1000);
                    if (budget < 1) {
                        throw new SpecException(y.at(l.get("budget")), "layering.budget must be at least 1",
                                "the number of package layers the image may have, e.g. budget: 10");
                    }
                }
            }

            Spec.Java java = null;
            if (present(top, "java")) {
                Node key = keyNode(root, "java");
                java = java(top.get("java"), key != null ? y.at(key) : y.at(top.get("java")), accounts);
                // A preset's entrypoint (java17's java -jar) gives way to the application's; the user's own wins.
                entrypoint = ownEntrypoint ? entrypoint : null;
                cmd = ownCmd ? cmd : null;
            }

            List<Spec.Located> tests = new ArrayList<>();
            if (present(top, "tests")) {
                List<Node> items = y.sequence(top.get("tests"), "tests");
                for (int i = 0; i < items.size(); i++) {
                    tests.add(testFile(items.get(i), "tests[" + i + "]"));
                }
            }

            return new Spec(file, name, List.copyOf(archs), base, created, compression, List.copyOf(files), accounts,
                    entrypoint, cmd, env, workdir, List.copyOf(ports), labels, annotations, debian, budget, generate, java,
                    List.copyOf(tests));
        }

        private static Node keyNode(Node root, String key) {
            if (root instanceof org.snakeyaml.engine.v2.nodes.MappingNode m) {
                for (org.snakeyaml.engine.v2.nodes.NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof org.snakeyaml.engine.v2.nodes.ScalarNode k && k.getValue().equals(key)) {
                        return k;
                    }
                }
            }
            return null;
        }

        private Spec.Java java(Node node, Position at, Spec.Accounts accounts) throws SpecException {
            Map<String, Node> m = y.mapping(node, "java", JAVA_KEYS);
            Spec.Located jar = null;
            if (present(m, "jar")) {
                jar = hostPath(m.get("jar"), "java.jar", false);
                for (String k : List.of("classes", "resources", "dependencies")) {
                    if (m.containsKey(k)) {
                        throw new SpecException(y.at(m.get(k)), "java.jar and java." + k + " exclude each other",
                                "give a jar (a plain jar's Class-Path entries come along; a Spring Boot jar brings its classes and"
                                        + " dependencies in BOOT-INF), or classes, resources and dependencies");
                    }
                }
            }
            List<Spec.Located> classes = folders(m, "classes");
            List<Spec.Located> resources = folders(m, "resources");
            List<Spec.Located> dependencies = jars(m, "dependencies");
            List<Spec.Located> project = jars(m, "project-dependencies");
            if (jar == null && classes.isEmpty() && dependencies.isEmpty() && project.isEmpty()) {
                throw new SpecException(at, "java names no application",
                        "give jar: build/app.jar, or classes: [target/classes] with its dependencies");
            }
            String mainClass = null;
            if (present(m, "main-class")) {
                mainClass = y.string(m.get("main-class"), "java.main-class");
                if (!CLASS_NAME.matcher(mainClass).matches()) {
                    throw new SpecException(y.at(m.get("main-class")), "java.main-class '" + mainClass + "' is not a class name",
                            "write the binary name with dots, such as com.example.Main (a nested class as com.example.Outer$Main)");
                }
            }
            List<String> flags = present(m, "jvm-flags") ? y.stringList(m.get("jvm-flags"), "java.jvm-flags") : List.of();
            List<String> args = present(m, "args") ? y.stringList(m.get("args"), "java.args") : List.of();
            String appRoot = "/app";
            if (present(m, "app-root")) {
                appRoot = "/" + imagePath(y.string(m.get("app-root"), "java.app-root"), m.get("app-root"), "java.app-root");
            }
            List<Spec.LayerGroup> layers = new ArrayList<>();
            if (present(m, "layers")) {
                if (jar != null) {
                    throw new SpecException(y.at(m.get("layers")), "java.layers splits dependencies, and a jar has none listed",
                            "list the dependencies with classes and dependencies to split them; a Spring Boot jar is"
                                    + " split by its own BOOT-INF/layers.idx");
                }
                List<Node> items = y.sequence(m.get("layers"), "java.layers");
                Set<String> names = new HashSet<>();
                for (int i = 0; i < items.size(); i++) {
                    String what = "java.layers[" + i + "]";
                    Map<String, Node> l = y.mapping(items.get(i), what, Set.of("name", "files", "groups"));
                    if (!present(l, "name") || !(present(l, "files") || present(l, "groups"))) {
                        throw new SpecException(y.at(items.get(i)), what + " needs a name and files or groups",
                                "for example {name: in-house, files: [\"acme-*.jar\"]} or {name: in-house, groups: [\"com.acme*\"]}");
                    }
                    String n = y.string(l.get("name"), what + ".name");
                    if (!LAYER_NAME.matcher(n).matches() || !names.add(n)) {
                        throw new SpecException(y.at(l.get("name")), what + ".name '" + n + "' is "
                                + (names.contains(n) ? "given twice" : "not a layer name"),
                                "use distinct lower-case names of letters, digits, '.', '_' and '-'");
                    }
                    List<String> globs = present(l, "files") ? y.stringList(l.get("files"), what + ".files") : List.of();
                    for (String g : globs) {
                        if (g.isEmpty() || g.contains("/")) {
                            throw new SpecException(y.at(l.get("files")), what + ".files: '" + g + "' is not a file-name glob",
                                    "globs match jar file names, such as \"acme-*.jar\"");
                        }
                    }
                    List<String> groups = present(l, "groups") ? y.stringList(l.get("groups"), what + ".groups") : List.of();
                    for (String g : groups) {
                        if (!GROUP_GLOB.matcher(g).matches()) {
                            throw new SpecException(y.at(l.get("groups")), what + ".groups: '" + g + "' is not a groupId glob",
                                    "a Maven groupId where '*' stands for any characters, such as \"com.acme*\"");
                        }
                    }
                    layers.add(new Spec.LayerGroup(n, List.copyOf(globs), List.copyOf(groups), y.at(items.get(i))));
                }
            }
            List<Spec.Permission> permissions = new ArrayList<>();
            if (present(m, "permissions")) {
                List<Node> items = y.sequence(m.get("permissions"), "java.permissions");
                for (int i = 0; i < items.size(); i++) {
                    String what = "java.permissions[" + i + "]";
                    Map<String, Node> p = y.mapping(items.get(i), what, Set.of("path", "mode", "owner"));
                    if (!present(p, "path") || !(present(p, "mode") || present(p, "owner"))) {
                        throw new SpecException(y.at(items.get(i)), what + " needs a path and a mode or an owner",
                                "for example {path: /app/bin/*, mode: \"0755\", owner: \"1000:1000\"}");
                    }
                    String glob = y.string(p.get("path"), what + ".path");
                    if (!glob.startsWith("/") || glob.contains("//") || glob.contains("/../") || glob.endsWith("/..")) {
                        throw new SpecException(y.at(p.get("path")), what + ".path '" + glob + "' is not an absolute image path glob",
                                "for example /app/classes/**.sh ('*' stays in a folder, '**' crosses folders)");
                    }
                    Integer mode = present(p, "mode") ? mode(p.get("mode"), what + ".mode") : null;
                    long[] owner = present(p, "owner") ? owner(p.get("owner"), what, accounts) : null;
                    permissions.add(new Spec.Permission(glob, mode, owner == null ? null : owner[0],
                            owner == null ? null : owner[1], y.at(items.get(i))));
                }
            }
            return new Spec.Java(at, jar, classes, resources, dependencies, project, mainClass, List.copyOf(flags),
                    List.copyOf(args), appRoot, List.copyOf(layers), List.copyOf(permissions), runtime(m, at));
        }

        /** java.runtime (jre | jlink) with java.version and java.modules, which only jlink reads. */
        private Spec.JavaRuntime runtime(Map<String, Node> m, Position javaAt) throws SpecException {
            String kind = present(m, "runtime") ? y.string(m.get("runtime"), "java.runtime") : "jre";
            if (!kind.equals("jre") && !kind.equals("jlink")) {
                throw new SpecException(y.at(m.get("runtime")), "java.runtime '" + kind + "' is neither jre nor jlink",
                        "jre runs the base's /usr/bin/java; jlink links a runtime of the modules the application needs");
            }
            if (kind.equals("jre")) {
                for (String k : List.of("version", "modules")) {
                    if (present(m, k)) {
                        throw new SpecException(y.at(m.get(k)), "java." + k + " is for java.runtime: jlink; with jre the base's"
                                + " Java runs", "add runtime: jlink, or leave java." + k + " out");
                    }
                }
                return Spec.JavaRuntime.JRE;
            }
            Integer version = null;
            if (present(m, "version")) {
                version = (int) y.integer(m.get("version"), "java.version", 1000);
                if (version < 11) {
                    throw new SpecException(y.at(m.get("version")), "java.version " + version + " is not a JDK feature"
                            + " version jlink can link from Debian's packages", "write a feature version such as 17 or 21");
                }
            }
            List<String> modules = new ArrayList<>();
            if (present(m, "modules")) {
                for (String mod : y.stringList(m.get("modules"), "java.modules")) {
                    if (!MODULE_NAME.matcher(mod).matches()) {
                        throw new SpecException(y.at(m.get("modules")), "java.modules: '" + mod + "' is not a module name",
                                "for example jdk.localedata or java.naming");
                    }
                    if (!modules.contains(mod)) {
                        modules.add(mod);
                    }
                }
            }
            return new Spec.JavaRuntime(true, version, List.copyOf(modules), y.at(m.get("runtime")));
        }

        private List<Spec.Located> folders(Map<String, Node> m, String key) throws SpecException {
            List<Spec.Located> out = new ArrayList<>();
            if (present(m, key)) {
                List<Node> items = y.sequence(m.get(key), "java." + key);
                for (int i = 0; i < items.size(); i++) {
                    out.add(hostPath(items.get(i), "java." + key + "[" + i + "]", true));
                }
            }
            return List.copyOf(out);
        }

        /** Jars and globs, in the order written; a glob's files sorted by path; a file named twice kept once. */
        private List<Spec.Located> jars(Map<String, Node> m, String key) throws SpecException {
            Map<Path, Spec.Located> out = new LinkedHashMap<>();
            if (present(m, key)) {
                List<Node> items = y.sequence(m.get(key), "java." + key);
                for (int i = 0; i < items.size(); i++) {
                    String what = "java." + key + "[" + i + "]";
                    String written = y.string(items.get(i), what);
                    if (!isGlob(written)) {
                        Spec.Located l = hostPath(items.get(i), what, false);
                        out.putIfAbsent(l.path(), l);
                        continue;
                    }
                    for (Path p : glob(written, items.get(i), what)) {
                        out.putIfAbsent(p, new Spec.Located(p, y.at(items.get(i))));
                    }
                }
            }
            return List.copyOf(out.values());
        }

        private static boolean isGlob(String s) {
            return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
        }

        /** The regular files a glob matches (its literal leading folders walked), sorted by their path. */
        private List<Path> glob(String written, Node n, String what) throws SpecException {
            String[] parts = written.split("/", -1);
            int first = 0;
            while (!isGlob(parts[first])) {
                first++;
            }
            String fixed = String.join("/", java.util.Arrays.copyOfRange(parts, 0, first));
            String rest = String.join("/", java.util.Arrays.copyOfRange(parts, first, parts.length));
            Path from;
            java.nio.file.PathMatcher matcher;
            try {
                from = (fixed.isEmpty() && written.startsWith("/") ? Path.of("/") : dir.resolve(fixed)).normalize();
                matcher = from.getFileSystem().getPathMatcher("glob:" + rest);
            } catch (IllegalArgumentException e) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not a usable glob: " + e.getMessage());
            }
            List<Path> found = new ArrayList<>();
            if (Files.isDirectory(from)) {
                try (java.util.stream.Stream<Path> s = Files.walk(from, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                    s.filter(p -> Files.isRegularFile(p) && matcher.matches(from.relativize(p))).forEach(found::add);
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw new SpecException(y.at(n), what + " '" + written + "': cannot read " + from + ": " + e.getMessage());
                }
            }
            if (found.isEmpty()) {
                throw new SpecException(y.at(n), what + " '" + written + "' matches no file (looked in " + from + ")",
                        "paths are relative to the spec's folder; build the jars first or fix the glob");
            }
            found.sort(java.util.Comparator.comparing(p -> from.relativize(p).toString()));
            return found;
        }

        /** A host file (or folder) the spec names, relative to its folder, which must exist. */
        private Spec.Located hostPath(Node n, String what, boolean folder) throws SpecException {
            String written = y.string(n, what);
            Path p;
            try {
                p = dir.resolve(written).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not a usable file name: " + e.getReason());
            }
            if (!Files.exists(p)) {
                throw new SpecException(y.at(n), what + " '" + written + "' does not exist (looked for " + p + ")",
                        "paths are relative to the spec's folder; build the application first");
            }
            if (folder ? !Files.isDirectory(p) : !Files.isRegularFile(p)) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not a " + (folder ? "folder" : "file")
                        + " (" + p + ")");
            }
            if (!Files.isReadable(p)) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not readable (" + p + ")");
            }
            return new Spec.Located(p, y.at(n));
        }

        /** A container-structure-test file {@code peel build --test} runs, relative to the spec's folder. */
        private Spec.Located testFile(Node n, String what) throws SpecException {
            String written = y.string(n, what);
            Path p;
            try {
                p = dir.resolve(written).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not a usable file name: " + e.getReason());
            }
            if (!Files.isRegularFile(p)) {
                throw new SpecException(y.at(n), what + " '" + written + "' is not a file (looked for " + p + ")",
                        "paths are relative to the spec's folder; each names a container-structure-test file (schemaVersion: 2.0.0)");
            }
            return new Spec.Located(p, y.at(n));
        }

        private Spec.Debian debian(Node node) throws SpecException {
            Map<String, Node> m = y.mapping(node, "debian", DEBIAN_KEYS);
            String suite = present(m, "suite") ? y.string(m.get("suite"), "debian.suite") : "bookworm";
            if (!suite.matches("[a-z0-9][a-z0-9.+-]*")) {
                throw new SpecException(y.at(m.get("suite")), "debian.suite '" + suite + "' is not a suite name",
                        "write a codename such as bookworm or trixie");
            }
            java.net.URI mirror = present(m, "mirror") ? url(m.get("mirror"), "debian.mirror") : null;
            String snapshot = null;
            if (present(m, "snapshot")) {
                snapshot = y.string(m.get("snapshot"), "debian.snapshot");
                if (!snapshot.matches("\\d{8}T\\d{6}Z")) {
                    throw new SpecException(y.at(m.get("snapshot")), "debian.snapshot '" + snapshot + "' is not a snapshot time",
                            "write it as the snapshot service does, in UTC: 20250520T000000Z (quote it if YAML objects)");
                }
                if (present(m, "mirror") || present(m, "sources")) {
                    throw new SpecException(y.at(m.get("snapshot")), "debian.snapshot excludes debian.mirror and debian.sources",
                            "a snapshot picks the archive itself; the snapshot service comes from PEEL_DEBIAN_SNAPSHOT");
                }
            }
            List<dev.peel.debian.Source> sources = new ArrayList<>();
            if (present(m, "sources")) {
                if (present(m, "mirror")) {
                    throw new SpecException(y.at(m.get("mirror")), "debian.mirror and debian.sources exclude each other",
                            "sources replaces the defaults entirely; give the mirror as a source's url");
                }
                List<Node> items = y.sequence(m.get("sources"), "debian.sources");
                for (int i = 0; i < items.size(); i++) {
                    sources.add(source(items.get(i), "debian.sources[" + i + "]"));
                }
            }
            List<dev.peel.debian.Relation> packages = new ArrayList<>();
            List<Position> positions = new ArrayList<>();
            if (present(m, "packages")) {
                List<Node> items = y.sequence(m.get("packages"), "debian.packages");
                for (int i = 0; i < items.size(); i++) {
                    String p = y.string(items.get(i), "debian.packages[" + i + "]");
                    try {
                        dev.peel.debian.Relation r = dev.peel.debian.Relation.parse(p);
                        if (!r.name().matches("[a-z0-9][a-z0-9+.-]+")) {
                            throw new IllegalArgumentException("'" + r.name() + "' is not a Debian package name");
                        }
                        packages.add(r);
                        positions.add(y.at(items.get(i)));
                    } catch (IllegalArgumentException e) {
                        throw new SpecException(y.at(items.get(i)), "debian.packages[" + i + "]: " + e.getMessage(),
                                "write a package as name or \"name (>= version)\"");
                    }
                }
            }
            boolean transitive = true;
            if (present(m, "resolve")) {
                String r = y.string(m.get("resolve"), "debian.resolve");
                if (!r.equals("transitive") && !r.equals("explicit")) {
                    throw new SpecException(y.at(m.get("resolve")), "debian.resolve '" + r + "' is not a mode",
                            "use transitive (dependencies too, as apt) or explicit (exactly the listed packages)");
                }
                transitive = r.equals("transitive");
            }
            java.util.Set<String> exclude = new java.util.TreeSet<>(present(m, "exclude")
                    ? y.stringList(m.get("exclude"), "debian.exclude") : List.of());
            List<String> pathExclude = globs(m, "path-exclude");
            List<String> pathInclude = globs(m, "path-include");
            return new Spec.Debian(suite, mirror, snapshot, List.copyOf(sources), List.copyOf(packages),
                    List.copyOf(positions), transitive, exclude, pathExclude, pathInclude, y.at(node));
        }

        private boolean flag(Map<String, Node> m, String key) throws SpecException {
            if (!present(m, key)) {
                return false;
            }
            String v = y.string(m.get(key), "generate." + key);
            if (!v.equals("true") && !v.equals("false")) {
                throw new SpecException(y.at(m.get(key)), "generate." + key + " must be true or false, not '" + v + "'");
            }
            return v.equals("true");
        }

        /** dpkg's --path-exclude/--path-include globs: absolute, as dpkg matches them against "/usr/…". */
        private List<String> globs(Map<String, Node> m, String key) throws SpecException {
            if (!present(m, key)) {
                return List.of();
            }
            List<Node> items = y.sequence(m.get(key), "debian." + key);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String g = y.string(items.get(i), "debian." + key + "[" + i + "]");
                if (!g.startsWith("/")) {
                    throw new SpecException(y.at(items.get(i)), "debian." + key + "[" + i + "] '" + g + "' is not an absolute path glob",
                            "write it as dpkg does: /usr/share/doc/*");
                }
                out.add(g);
            }
            return List.copyOf(out);
        }

        private dev.peel.debian.Source source(Node node, String what) throws SpecException {
            Map<String, Node> m = y.mapping(node, what, SOURCE_KEYS);
            if (!present(m, "url")) {
                throw new SpecException(y.at(node), what + " needs a url");
            }
            java.net.URI url = url(m.get("url"), what + ".url");
            if (!present(m, "suites")) {
                throw new SpecException(y.at(node), what + " needs suites", "for example suites: [bookworm]");
            }
            List<String> suites = y.stringList(m.get("suites"), what + ".suites");
            List<String> components = present(m, "components") ? y.stringList(m.get("components"), what + ".components")
                    : List.of("main");
            Path keyring = null;
            if (present(m, "keyring")) {
                String k = y.string(m.get("keyring"), what + ".keyring");
                keyring = dir.resolve(k).normalize();
                if (!Files.isRegularFile(keyring)) {
                    throw new SpecException(y.at(m.get("keyring")), "keyring '" + k + "' does not exist (looked for " + keyring + ")",
                            "keyrings are relative to the spec's folder; armored (.asc) or binary (.gpg)");
                }
            }
            boolean insecure = false;
            if (present(m, "insecure")) {
                String v = y.string(m.get("insecure"), what + ".insecure");
                if (!v.equals("true") && !v.equals("false")) {
                    throw new SpecException(y.at(m.get("insecure")), what + ".insecure must be true or false, not '" + v + "'");
                }
                insecure = v.equals("true");
            }
            return new dev.peel.debian.Source(url, suites, components, keyring, insecure);
        }

        private java.net.URI url(Node n, String what) throws SpecException {
            String u = y.string(n, what);
            try {
                java.net.URI uri = new java.net.URI(u);
                if (!List.of("http", "https", "file").contains(uri.getScheme())) {
                    throw new java.net.URISyntaxException(u, "not http, https or file");
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw new SpecException(y.at(n), what + " '" + u + "' is not an http, https or file URL");
            }
        }

        private boolean present(Map<String, Node> m, String key) {
            return m.containsKey(key) && !Yaml.isNull(m.get(key));
        }

        private List<String> command(Node n, String what) throws SpecException {
            if (!(n instanceof org.snakeyaml.engine.v2.nodes.SequenceNode)) {
                throw new SpecException(y.at(n), what + " must be a list of strings, not " + Yaml.describe(n),
                        "write it as [\"/usr/bin/app\", \"--flag\"] (exec form; no shell runs in a distroless image)");
            }
            return y.stringList(n, what);
        }

        private Instant instant(Node n) throws SpecException {
            String s = y.string(n, "created");
            try {
                Instant t;
                if (s.matches("[0-9]+")) {
                    t = Instant.ofEpochSecond(Long.parseLong(s));
                } else if (s.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
                    t = LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
                } else {
                    t = OffsetDateTime.parse(s.replace(' ', 'T')).toInstant();
                }
                if (t.getNano() != 0 || t.getEpochSecond() < 0 || t.getEpochSecond() > 077777777777L) {
                    throw new SpecException(y.at(n), "created '" + s + "' must be whole seconds between 1970 and 6325");
                }
                return t;
            } catch (java.time.DateTimeException | ArithmeticException | NumberFormatException e) {
                throw new SpecException(y.at(n), "created '" + s + "' is not a timestamp",
                        "write an RFC 3339 time such as 2024-01-01T00:00:00Z");
            }
        }

        private Spec.Accounts accounts(Map<String, Node> m, Position at) throws SpecException {
            List<Spec.Group> groups = new ArrayList<>();
            Map<String, Spec.Group> groupByName = new HashMap<>();
            Map<Long, Spec.Group> groupById = new HashMap<>();
            if (present(m, "groups")) {
                List<Node> items = y.sequence(m.get("groups"), "accounts.groups");
                for (int i = 0; i < items.size(); i++) {
                    String what = "accounts.groups[" + i + "]";
                    Map<String, Node> g = y.mapping(items.get(i), what, GROUP_KEYS);
                    String gname = accountName(g, what, items.get(i));
                    long gid = require(g, "gid", what, items.get(i));
                    List<String> members = present(g, "members") ? y.stringList(g.get("members"), what + ".members") : List.of();
                    Spec.Group group = new Spec.Group(gname, gid, members, y.at(items.get(i)));
                    if (groupByName.containsKey(gname)) {
                        throw new SpecException(y.at(items.get(i)), "group '" + gname + "' is declared twice");
                    }
                    if (groupById.containsKey(gid)) {
                        throw new SpecException(y.at(items.get(i)), "gid " + gid + " is used by groups '"
                                + groupById.get(gid).name() + "' and '" + gname + "'");
                    }
                    groupByName.put(gname, group);
                    groupById.put(gid, group);
                    groups.add(group);
                }
            }
            List<Spec.User> users = new ArrayList<>();
            Map<String, Spec.User> userByName = new HashMap<>();
            Map<Long, Spec.User> userById = new HashMap<>();
            if (present(m, "users")) {
                List<Node> items = y.sequence(m.get("users"), "accounts.users");
                for (int i = 0; i < items.size(); i++) {
                    String what = "accounts.users[" + i + "]";
                    Map<String, Node> u = y.mapping(items.get(i), what, USER_KEYS);
                    String uname = accountName(u, what, items.get(i));
                    long uid = require(u, "uid", what, items.get(i));
                    long gid = present(u, "gid") ? y.integer(u.get("gid"), what + ".gid", MAX_ID) : uid;
                    String home = present(u, "home") ? y.string(u.get("home"), what + ".home")
                            : uid == 0 ? "/root" : "/home/" + uname;
                    if (!home.startsWith("/") || TarPaths.normalize(home) == null || home.contains("..")) {
                        throw new SpecException(y.at(u.get("home")), what + ".home must be an absolute path inside the image, not '" + home + "'");
                    }
                    String shell = present(u, "shell") ? y.string(u.get("shell"), what + ".shell") : "/sbin/nologin";
                    String gecos = present(u, "gecos") ? y.string(u.get("gecos"), what + ".gecos") : uname;
                    for (String field : List.of(home, shell, gecos)) {
                        if (field.contains(":") || field.contains("\n")) {
                            throw new SpecException(y.at(items.get(i)), what + ": '" + field + "' may not contain ':' or a newline");
                        }
                    }
                    if (userByName.containsKey(uname)) {
                        throw new SpecException(y.at(items.get(i)), "user '" + uname + "' is declared twice");
                    }
                    if (userById.containsKey(uid)) {
                        throw new SpecException(y.at(items.get(i)), "uid " + uid + " is used by users '"
                                + userById.get(uid).name() + "' and '" + uname + "'");
                    }
                    Spec.User user = new Spec.User(uname, uid, gid, home, shell, gecos, y.at(items.get(i)));
                    userByName.put(uname, user);
                    userById.put(uid, user);
                    users.add(user);
                }
            }
            // A user whose primary group nobody declared gets a group of its own name, as useradd -U does.
            for (Spec.User u : users) {
                if (!groupById.containsKey(u.gid())) {
                    if (groupByName.containsKey(u.name())) {
                        throw new SpecException(u.at(), "user '" + u.name() + "' has gid " + u.gid()
                                + ", which no group declares, and group '" + u.name() + "' has another gid",
                                "declare a group with gid " + u.gid() + " under accounts.groups");
                    }
                    Spec.Group g = new Spec.Group(u.name(), u.gid(), List.of(), u.at());
                    groups.add(g);
                    groupByName.put(g.name(), g);
                    groupById.put(g.gid(), g);
                }
            }
            for (Spec.Group g : groups) {
                for (String member : g.members()) {
                    // On an image base, a member may be one of the base's own users.
                    if (!userByName.containsKey(member) && !member.equals("root") && !onImage) {
                        throw new SpecException(g.at(), "group '" + g.name() + "' lists member '" + member
                                + "', who is not a declared user");
                    }
                }
            }
            // Every image with accounts has root, as every tool expects.
            boolean rootUserAdded = !userById.containsKey(0L) && !userByName.containsKey("root");
            if (rootUserAdded) {
                users.add(0, new Spec.User("root", 0, 0, "/root", "/sbin/nologin", "root", at));
            }
            boolean rootGroupAdded = !groupById.containsKey(0L) && !groupByName.containsKey("root");
            if (rootGroupAdded) {
                groups.add(0, new Spec.Group("root", 0, List.of(), at));
            }
            String runAs = null;
            if (present(m, "run-as")) {
                Node n = m.get("run-as");
                String r = y.string(n, "accounts.run-as");
                Spec.User named = users.stream().filter(u -> u.name().equals(r)).findFirst().orElse(null);
                if (named != null) {
                    runAs = Long.toString(named.uid());
                } else if (r.matches("[0-9]{1,10}(:[0-9]{1,10})?")
                        && java.util.Arrays.stream(r.split(":")).allMatch(id -> Long.parseLong(id) <= MAX_ID)) {
                    runAs = r;
                } else if (onImage && NAME.matcher(r).matches()) {
                    // Looked up in the base's /etc/passwd when the image is built.
                    runAs = r;
                } else {
                    throw new SpecException(y.at(n), "run-as '" + r + "' is neither a declared user nor a uid[:gid]",
                            "declare it under accounts.users or write a number such as 65532");
                }
            }
            return new Spec.Accounts(List.copyOf(groups), List.copyOf(users), runAs, at, rootUserAdded, rootGroupAdded);
        }

        private String accountName(Map<String, Node> m, String what, Node item) throws SpecException {
            if (!present(m, "name")) {
                throw new SpecException(y.at(item), what + " needs a name");
            }
            String n = y.string(m.get("name"), what + ".name");
            if (!NAME.matcher(n).matches()) {
                throw new SpecException(y.at(m.get("name")), "'" + n + "' is not a valid account name",
                        "use lower-case letters, digits, '_', '-' and '.', starting with a letter, at most 32 characters");
            }
            return n;
        }

        private long require(Map<String, Node> m, String key, String what, Node item) throws SpecException {
            if (!present(m, key)) {
                throw new SpecException(y.at(item), what + " needs a " + key);
            }
            return y.integer(m.get(key), what + "." + key, MAX_ID);
        }

        private Spec.FileSpec file(Node item, String what, Spec.Accounts accounts) throws SpecException {
            Map<String, Node> m = y.mapping(item, what, FILE_KEYS);
            Position at = y.at(item);
            if (!present(m, "path")) {
                throw new SpecException(at, what + " needs a path", "add path: /where/in/the/image");
            }
            String rawPath = y.string(m.get("path"), what + ".path");
            String path = imagePath(rawPath, m.get("path"), what + ".path");

            String type = present(m, "type") ? y.string(m.get("type"), what + ".type") : null;
            Set<String> types = Set.of("file", "directory", "symlink", "hardlink");
            if (type != null && !types.contains(type)) {
                throw new SpecException(y.at(m.get("type")), "unknown type '" + type + "' in " + what,
                        "use one of: directory, file, hardlink, symlink");
            }
            boolean hasSource = present(m, "source");
            boolean hasContent = m.containsKey("content");
            boolean hasTarget = present(m, "target");
            if (type == null) {
                type = hasSource || hasContent ? "file" : hasTarget ? "symlink" : null;
                if (type == null) {
                    throw new SpecException(at, what + " (" + rawPath + ") says nothing to put there",
                            "give a source, content, a symlink target, or type: directory");
                }
            }
            if (hasSource && hasContent) {
                throw new SpecException(y.at(m.get("content")), what + " has both source and content; keep one");
            }
            long[] owner = present(m, "owner") ? owner(m.get("owner"), what, accounts) : new long[] {0, 0};
            Integer mode = present(m, "mode") ? mode(m.get("mode"), what + ".mode") : null;
            Integer dirMode = present(m, "dir-mode") ? mode(m.get("dir-mode"), what + ".dir-mode") : null;

            switch (type) {
                case "file": {
                    disallow(m, what, type, "target");
                    if (hasContent) {
                        disallow(m, what, "file with content", "dir-mode");
                        String c = Yaml.isNull(m.get("content")) ? "" : y.string(m.get("content"), what + ".content");
                        return new Spec.FileSpec(at, Spec.FileSpec.Kind.FILE, path, null,
                                c.getBytes(StandardCharsets.UTF_8), null, mode, null, owner[0], owner[1]);
                    }
                    if (!hasSource) {
                        throw new SpecException(at, what + " (" + rawPath + ") is a file but has no source or content");
                    }
                    String src = y.string(m.get("source"), what + ".source");
                    Path source;
                    try {
                        source = dir.resolve(src).normalize();
                    } catch (java.nio.file.InvalidPathException e) {
                        throw new SpecException(y.at(m.get("source")), "source '" + src + "' is not a usable file name: "
                                + e.getReason(), "if it has non-ASCII characters, run peel under a UTF-8 locale");
                    }
                    if (!Files.exists(source)) {
                        throw new SpecException(y.at(m.get("source")), "source '" + src + "' does not exist (looked for "
                                + source + ")", "sources are relative to the spec's folder");
                    }
                    if (Files.isDirectory(source)) {
                        // A symlink to a folder copies the folder, as cp -r does with a link given by name.
                        try {
                            source = source.toRealPath();
                        } catch (IOException e) {
                            throw new SpecException(y.at(m.get("source")), "cannot read source '" + src + "': " + e.getMessage());
                        }
                        return new Spec.FileSpec(at, Spec.FileSpec.Kind.TREE, path, source, null, null, mode, dirMode,
                                owner[0], owner[1]);
                    }
                    if (!Files.isRegularFile(source)) {
                        throw new SpecException(y.at(m.get("source")), "source '" + src + "' is neither a file nor a directory");
                    }
                    if (!Files.isReadable(source)) {
                        throw new SpecException(y.at(m.get("source")), "source '" + src + "' is not readable");
                    }
                    disallow(m, what, "file", "dir-mode");
                    return new Spec.FileSpec(at, Spec.FileSpec.Kind.FILE, path, source, null, null, mode, null,
                            owner[0], owner[1]);
                }
                case "directory": {
                    disallow(m, what, type, "source", "content", "target", "dir-mode");
                    return new Spec.FileSpec(at, Spec.FileSpec.Kind.DIRECTORY, path, null, null, null, mode, null,
                            owner[0], owner[1]);
                }
                case "symlink": {
                    disallow(m, what, type, "source", "content", "mode", "dir-mode");
                    if (!hasTarget) {
                        throw new SpecException(at, what + " (" + rawPath + ") is a symlink without a target");
                    }
                    String target = y.string(m.get("target"), what + ".target");
                    if (target.isEmpty() || target.indexOf('\0') >= 0) {
                        throw new SpecException(y.at(m.get("target")), "symlink target may not be empty");
                    }
                    return new Spec.FileSpec(at, Spec.FileSpec.Kind.SYMLINK, path, null, null, target, null, null,
                            owner[0], owner[1]);
                }
                default: {
                    disallow(m, what, type, "source", "content", "mode", "dir-mode");
                    if (!hasTarget) {
                        throw new SpecException(at, what + " (" + rawPath + ") is a hardlink without a target");
                    }
                    String t = y.string(m.get("target"), what + ".target");
                    String target = imagePath(t, m.get("target"), what + ".target");
                    return new Spec.FileSpec(at, Spec.FileSpec.Kind.HARDLINK, path, null, null, target, null, null,
                            owner[0], owner[1]);
                }
            }
        }

        private void disallow(Map<String, Node> m, String what, String type, String... keys) throws SpecException {
            for (String k : keys) {
                if (m.containsKey(k)) {
                    throw new SpecException(y.at(m.get(k)), what + ": '" + k + "' does not apply to a " + type);
                }
            }
        }

        private String imagePath(String raw, Node n, String what) throws SpecException {
            if (!raw.startsWith("/")) {
                throw new SpecException(y.at(n), what + " must be an absolute path in the image, not '" + raw + "'",
                        "write /" + raw.replaceFirst("^(\\./)+", ""));
            }
            for (String part : raw.split("/")) {
                if (part.equals("..")) {
                    throw new SpecException(y.at(n), what + " '" + raw + "' uses '..' and could escape the image root");
                }
            }
            if (raw.indexOf('\0') >= 0) {
                throw new SpecException(y.at(n), what + " contains a NUL character");
            }
            for (String part : raw.split("/")) {
                if (part.startsWith(".wh.")) {
                    throw new SpecException(y.at(n), what + " '" + raw + "' is named like a whiteout ('.wh.'),"
                            + " which runtimes read as a deletion");
                }
            }
            String p = TarPaths.normalize(raw);
            if (p == null || p.isEmpty()) {
                throw new SpecException(y.at(n), what + " may not be the root directory itself");
            }
            return p;
        }

        private int mode(Node n, String what) throws SpecException {
            String s = y.string(n, what);
            if (!MODE.matcher(s).matches() || Integer.parseInt(s, 8) > 07777) {
                throw new SpecException(y.at(n), what + " '" + s + "' is not an octal mode",
                        "write modes as quoted octal strings, such as \"0755\" or \"4755\"");
            }
            return Integer.parseInt(s, 8);
        }

        private long[] owner(Node n, String what, Spec.Accounts accounts) throws SpecException {
            String s = y.string(n, what + ".owner");
            String[] parts = s.split(":", -1);
            if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
                throw new SpecException(y.at(n), what + ".owner '" + s + "' is not uid[:gid]",
                        "write owner as \"65532:65532\", \"65532\" or names declared under accounts, such as \"app:app\"");
            }
            Long uid = null;
            Long userGid = null;
            if (parts[0].matches("[0-9]{1,10}")) {
                uid = Long.parseLong(parts[0]);
            } else {
                for (Spec.User u : accounts.users()) {
                    if (u.name().equals(parts[0])) {
                        uid = u.uid();
                        userGid = u.gid();
                    }
                }
                if (uid == null && parts[0].equals("root")) {
                    uid = 0L;
                    userGid = 0L;
                }
            }
            if (uid == null || uid > MAX_ID) {
                throw new SpecException(y.at(n), what + ".owner '" + s + "': '" + parts[0]
                        + "' is neither a uid nor a user declared under accounts.users");
            }
            long gid;
            if (parts.length == 1) {
                gid = userGid != null ? userGid : uid;
            } else if (parts[1].matches("[0-9]{1,10}")) {
                gid = Long.parseLong(parts[1]);
            } else {
                Long g = parts[1].equals("root") ? Long.valueOf(0) : null;
                for (Spec.Group grp : accounts.groups()) {
                    if (grp.name().equals(parts[1])) {
                        g = grp.gid();
                    }
                }
                if (g == null) {
                    throw new SpecException(y.at(n), what + ".owner '" + s + "': '" + parts[1]
                            + "' is neither a gid nor a group declared under accounts.groups");
                }
                gid = g;
            }
            if (gid > MAX_ID) {
                throw new SpecException(y.at(n), what + ".owner '" + s + "': gid out of range");
            }
            return new long[] {uid, gid};
        }
    }

    /**
     * Whether a {@code base:} value names an image rather than a preset: {@code oci:}/{@code oci-archive:},
     * {@code docker://}, or a reference whose first path component is a registry host (it has a '.' or ':' or
     * is localhost, as docker tells registries from Docker Hub names). {@code base:nonroot} stays a preset.
     */
    static boolean isImage(String written) {
        return written.startsWith("oci:") || written.startsWith("oci-archive:") || written.startsWith("docker://")
                || dev.peel.registry.Reference.hasRegistry(written);
    }

    /** The image a {@code base:} value names, relative layout paths resolved against {@code dir}; null for a preset. */
    static Spec.Base imageBase(String written, Path dir, Position at) throws SpecException {
        if (!isImage(written)) {
            return null;
        }
        if (written.startsWith("oci:") || written.startsWith("oci-archive:")) {
            String rest = written.substring(written.indexOf(':') + 1);
            if (rest.isEmpty()) {
                throw new SpecException(at, "base '" + written + "' names no layout", "write oci:DIR or oci:DIR:TAG");
            }
            Path p;
            String tag = null;
            try {
                p = dir.resolve(rest).normalize();
                int colon = rest.lastIndexOf(':');
                // A colon after the last slash separates a tag, unless the whole text is an existing path.
                if (!Files.exists(p) && colon > 0 && rest.indexOf('/', colon) < 0) {
                    tag = rest.substring(colon + 1);
                    p = dir.resolve(rest.substring(0, colon)).normalize();
                }
            } catch (java.nio.file.InvalidPathException e) {
                throw new SpecException(at, "base '" + written + "' is not a usable path: " + e.getReason());
            }
            if (!Files.exists(p)) {
                throw new SpecException(at, "base '" + written + "': there is no OCI layout at " + p,
                        "oci: paths are relative to the spec's folder; write a layout directory or archive (peel build -o, --oci-tar)");
            }
            if (tag != null && tag.isEmpty()) {
                throw new SpecException(at, "base '" + written + "' has an empty tag");
            }
            return new Spec.LayoutBase(written, p, tag, at);
        }
        String ref = written.startsWith("docker://") ? written.substring("docker://".length()) : written;
        try {
            return new Spec.RegistryBase(written, dev.peel.registry.Reference.parse(ref), at);
        } catch (IllegalArgumentException e) {
            throw new SpecException(at, "base '" + written + "' is not an image reference: " + e.getMessage(),
                    "write REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST], such as registry.example/team/base:1");
        }
    }

    /** Keys the top level accepts, for documentation and hints. */
    public static Set<String> topLevelKeys() {
        return new HashSet<>(TOP);
    }
}
