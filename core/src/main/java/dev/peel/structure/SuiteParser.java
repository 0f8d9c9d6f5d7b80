package dev.peel.structure;

import dev.peel.spec.Position;
import dev.peel.spec.SpecException;
import dev.peel.spec.Yaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a container-structure-test file (schema 2.0.0, YAML or JSON — a {@code .json} file may indent with tabs) into a {@link Suite}. Unknown keys are errors, as
 * container-structure-test's strict unmarshalling makes them; so is everything it would only find when running (a
 * test without a name, a regex that does not compile, an unknown isExecutableBy). Every error names file:line.
 * Booleans are read as YAML 1.1 reads them (container-structure-test's parser): {@code yes}/{@code no},
 * {@code on}/{@code off} too; a number with a leading zero, which YAML 1.1 reads as octal, is refused.
 */
public final class SuiteParser {
    private static final Set<String> TOP = Set.of("schemaVersion", "globalEnvVars", "commandTests", "fileExistenceTests",
            "fileContentTests", "metadataTest", "licenseTests", "containerRunOptions");
    private static final Set<String> ENV_KEYS = Set.of("key", "value", "isRegex");
    private static final Set<String> COMMAND_KEYS = Set.of("name", "setup", "teardown", "envVars", "exitCode", "command",
            "args", "expectedOutput", "excludedOutput", "expectedError", "excludedError");
    private static final Set<String> EXISTENCE_KEYS = Set.of("name", "path", "shouldExist", "permissions", "uid", "gid",
            "isExecutableBy");
    private static final Set<String> CONTENT_KEYS = Set.of("name", "path", "expectedContents", "excludedContents");
    private static final Set<String> METADATA_KEYS = Set.of("envVars", "unboundEnvVars", "labels", "exposedPorts",
            "unexposedPorts", "volumes", "unmountedVolumes", "entrypoint", "cmd", "workdir", "user");
    private static final Set<String> LICENSE_KEYS = Set.of("debian", "files");
    private static final Set<String> TRUE = Set.of("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE");
    private static final Set<String> FALSE = Set.of("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE");
    private static final java.util.regex.Pattern PERMISSIONS = java.util.regex.Pattern.compile("(?:[dalTLDpSugct?]+|-)[r-][w-][x-][r-][w-][x-][r-][w-][x-]");

    private final Yaml y;

    private SuiteParser(String name) {
        this.y = new Yaml(name);
    }

    /** Reads {@code file}; errors name it as {@code displayName}. */
    public static Suite parse(Path file, String displayName) throws SpecException {
        String text = dev.peel.spec.SpecParser.readUtf8(file, displayName, "no such test file",
                "the test file is not UTF-8 text", "cannot read the test file");
        if (file.getFileName() != null && file.getFileName().toString().endsWith(".json")) {
            // JSON may indent with tabs, which YAML refuses; outside strings (JSON strings hold no raw tab) a tab is
            // whitespace like a space, and one for one keeps every line and column.
            text = text.replace('\t', ' ');
        }
        return new SuiteParser(displayName).suite(text, displayName);
    }

    /** Reads a test file's text; errors name it as {@code displayName}. */
    public static Suite parse(String text, String displayName) throws SpecException {
        return new SuiteParser(displayName).suite(text, displayName);
    }

    private Suite suite(String text, String name) throws SpecException {
        Optional<Node> root = y.compose(text);
        if (root.isEmpty() || Yaml.isNull(root.get())) {
            throw new SpecException(new Position(name, 1, 1), "the test file is empty", "start with schemaVersion: 2.0.0");
        }
        Map<String, Node> top = y.mapping(root.get(), "the test file", TOP);
        if (!present(top, "schemaVersion")) {
            throw new SpecException(y.at(root.get()), "the test file has no schemaVersion",
                    "container-structure-test needs schemaVersion: 2.0.0 first");
        }
        String version = y.string(top.get("schemaVersion"), "schemaVersion");
        if (!version.equals("2.0.0")) {
            throw new SpecException(y.at(top.get("schemaVersion")), "schemaVersion '" + version + "' is not supported",
                    "peel reads schema 2.0.0 (command as a string and args as a list)");
        }
        if (present(top, "containerRunOptions")) {
            throw new SpecException(y.at(top.get("containerRunOptions")), "containerRunOptions is not supported by peel test",
                    "it sets docker run flags (user, privileged, mounts); set the user or environment in the image or the test");
        }
        List<Suite.KeyValue> global = keyValues(top.get("globalEnvVars"), "globalEnvVars", false);
        List<Suite.CommandTest> commands = new ArrayList<>();
        List<Node> items = list(top.get("commandTests"), "commandTests");
        for (int i = 0; i < items.size(); i++) {
            commands.add(command(items.get(i), "commandTests[" + i + "]"));
        }
        List<Suite.FileExistenceTest> existence = new ArrayList<>();
        items = list(top.get("fileExistenceTests"), "fileExistenceTests");
        for (int i = 0; i < items.size(); i++) {
            existence.add(existence(items.get(i), "fileExistenceTests[" + i + "]"));
        }
        List<Suite.FileContentTest> contents = new ArrayList<>();
        items = list(top.get("fileContentTests"), "fileContentTests");
        for (int i = 0; i < items.size(); i++) {
            String what = "fileContentTests[" + i + "]";
            Map<String, Node> m = y.mapping(items.get(i), what, CONTENT_KEYS);
            contents.add(new Suite.FileContentTest(name(m, items.get(i), what), path(m, items.get(i), what),
                    regexes(m.get("expectedContents"), what + ".expectedContents"),
                    regexes(m.get("excludedContents"), what + ".excludedContents")));
        }
        Suite.MetadataTest metadata = present(top, "metadataTest") ? metadata(top.get("metadataTest")) : null;
        List<Suite.LicenseTest> licenses = new ArrayList<>();
        items = list(top.get("licenseTests"), "licenseTests");
        for (int i = 0; i < items.size(); i++) {
            String what = "licenseTests[" + i + "]";
            Map<String, Node> m = y.mapping(items.get(i), what, LICENSE_KEYS);
            licenses.add(new Suite.LicenseTest(present(m, "debian") && bool(m.get("debian"), what + ".debian"),
                    strings(m.get("files"), what + ".files")));
        }
        return new Suite(name, global, List.copyOf(commands), List.copyOf(existence), List.copyOf(contents), metadata,
                List.copyOf(licenses));
    }

    private Suite.CommandTest command(Node node, String what) throws SpecException {
        Map<String, Node> m = y.mapping(node, what, COMMAND_KEYS);
        String name = name(m, node, what);
        if (!present(m, "command") || y.string(m.get("command"), what + ".command").isEmpty()) {
            throw new SpecException(y.at(present(m, "command") ? m.get("command") : node), what + " (" + name
                    + ") needs a command", "command is the program (a string), args its arguments: command: ls, args: [-l, /]");
        }
        String command = y.string(m.get("command"), what + ".command");
        List<List<String>> setup = commands(m.get("setup"), what + ".setup");
        List<List<String>> teardown = commands(m.get("teardown"), what + ".teardown");
        List<Suite.KeyValue> env = keyValues(m.get("envVars"), what + ".envVars", true);
        int exit = present(m, "exitCode") ? (int) number(m.get("exitCode"), what + ".exitCode", 255) : 0;
        return new Suite.CommandTest(name, setup, teardown, env, exit, command, strings(m.get("args"), what + ".args"),
                regexes(m.get("expectedOutput"), what + ".expectedOutput"), regexes(m.get("excludedOutput"), what + ".excludedOutput"),
                regexes(m.get("expectedError"), what + ".expectedError"), regexes(m.get("excludedError"), what + ".excludedError"));
    }

    private Suite.FileExistenceTest existence(Node node, String what) throws SpecException {
        Map<String, Node> m = y.mapping(node, what, EXISTENCE_KEYS);
        String name = name(m, node, what);
        String path = path(m, node, what);
        boolean should = !present(m, "shouldExist") || bool(m.get("shouldExist"), what + ".shouldExist");
        String permissions = null;
        if (present(m, "permissions")) {
            permissions = y.string(m.get("permissions"), what + ".permissions");
            if (!PERMISSIONS.matcher(permissions).matches()) {
                throw new SpecException(y.at(m.get("permissions")), what + ".permissions '" + permissions
                        + "' is not a permission string", "write it as ls and Go's FileMode show it: -rw-r--r--, drwxr-xr-x,"
                        + " Lrwxrwxrwx (a symlink), urwxr-xr-x (setuid), dtrwxrwxrwx (sticky)");
            }
        }
        Long uid = present(m, "uid") ? number(m.get("uid"), what + ".uid", 0x7fffffffL) : null;
        Long gid = present(m, "gid") ? number(m.get("gid"), what + ".gid", 0x7fffffffL) : null;
        String by = null;
        if (present(m, "isExecutableBy")) {
            by = y.string(m.get("isExecutableBy"), what + ".isExecutableBy");
            if (!Set.of("owner", "group", "other", "any").contains(by)) {
                throw new SpecException(y.at(m.get("isExecutableBy")), what + ".isExecutableBy '" + by + "' is not a valid option",
                        "use owner, group, other or any");
            }
        }
        return new Suite.FileExistenceTest(name, path, should, permissions, uid, gid, by);
    }

    private Suite.MetadataTest metadata(Node node) throws SpecException {
        Map<String, Node> m = y.mapping(node, "metadataTest", METADATA_KEYS);
        List<Suite.KeyValue> env = keyValues(m.get("envVars"), "metadataTest.envVars", false);
        List<String> unbound = new ArrayList<>();
        for (Suite.KeyValue kv : keyValues(m.get("unboundEnvVars"), "metadataTest.unboundEnvVars", false)) {
            unbound.add(kv.key());
        }
        List<Suite.KeyValue> labels = keyValues(m.get("labels"), "metadataTest.labels", false);
        List<String> exposed = nonEmptyStrings(m.get("exposedPorts"), "metadataTest.exposedPorts");
        List<String> unexposed = strings(m.get("unexposedPorts"), "metadataTest.unexposedPorts");
        List<String> volumes = nonEmptyStrings(m.get("volumes"), "metadataTest.volumes");
        List<String> unmounted = strings(m.get("unmountedVolumes"), "metadataTest.unmountedVolumes");
        List<String> entrypoint = present(m, "entrypoint") ? y.stringList(m.get("entrypoint"), "metadataTest.entrypoint") : null;
        List<String> cmd = present(m, "cmd") ? y.stringList(m.get("cmd"), "metadataTest.cmd") : null;
        String workdir = present(m, "workdir") ? y.string(m.get("workdir"), "metadataTest.workdir") : "";
        String user = present(m, "user") ? y.string(m.get("user"), "metadataTest.user") : "";
        Suite.MetadataTest t = new Suite.MetadataTest(env, List.copyOf(unbound), labels, exposed, unexposed, volumes, unmounted,
                entrypoint == null ? null : List.copyOf(entrypoint), cmd == null ? null : List.copyOf(cmd), workdir, user);
        boolean empty = env.isEmpty() && unbound.isEmpty() && labels.isEmpty() && exposed.isEmpty() && unexposed.isEmpty()
                && volumes.isEmpty() && unmounted.isEmpty() && entrypoint == null && cmd == null && workdir.isEmpty()
                && user.isEmpty();
        return empty ? null : t;
    }

    /** A list of {key, value, isRegex}; {@code valueNeeded}: a command test's envVars need a non-empty value. */
    private List<Suite.KeyValue> keyValues(Node n, String what, boolean valueNeeded) throws SpecException {
        List<Suite.KeyValue> out = new ArrayList<>();
        List<Node> items = list(n, what);
        for (int i = 0; i < items.size(); i++) {
            String item = what + "[" + i + "]";
            Map<String, Node> m = y.mapping(items.get(i), item, ENV_KEYS);
            String key = present(m, "key") ? y.string(m.get("key"), item + ".key") : "";
            if (key.isEmpty()) {
                throw new SpecException(y.at(items.get(i)), item + " needs a key", "write {key: NAME, value: VALUE}");
            }
            String value = present(m, "value") ? y.string(m.get("value"), item + ".value") : "";
            if (valueNeeded && value.isEmpty()) {
                throw new SpecException(y.at(items.get(i)), item + " (" + key + ") needs a non-empty value",
                        "container-structure-test refuses empty keys and values in a command test's envVars");
            }
            boolean isRegex = present(m, "isRegex") && bool(m.get("isRegex"), item + ".isRegex");
            out.add(new Suite.KeyValue(key, value, isRegex ? regex(m.get("value") != null ? m.get("value") : items.get(i), value,
                    item + ".value") : null));
        }
        return List.copyOf(out);
    }

    private List<List<String>> commands(Node n, String what) throws SpecException {
        List<List<String>> out = new ArrayList<>();
        List<Node> items = list(n, what);
        for (int i = 0; i < items.size(); i++) {
            List<String> c = y.stringList(items.get(i), what + "[" + i + "]");
            if (c.isEmpty()) {
                throw new SpecException(y.at(items.get(i)), what + "[" + i + "] is an empty command",
                        "each item is a command with its arguments, such as [touch, /tmp/ready]");
            }
            out.add(List.copyOf(c));
        }
        return List.copyOf(out);
    }

    private List<Suite.Regex> regexes(Node n, String what) throws SpecException {
        List<Suite.Regex> out = new ArrayList<>();
        List<Node> items = list(n, what);
        for (int i = 0; i < items.size(); i++) {
            out.add(regex(items.get(i), y.string(items.get(i), what + "[" + i + "]"), what + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    private Suite.Regex regex(Node at, String source, String what) throws SpecException {
        try {
            return new Suite.Regex(source, GoRegex.compile(source));
        } catch (IllegalArgumentException e) {
            throw new SpecException(y.at(at), what + " '" + source + "' is not a regular expression: " + e.getMessage(),
                    "the syntax is Go's regexp (RE2); escape a literal . * + ? ( ) [ ] { } | ^ $ with a backslash");
        }
    }

    private String name(Map<String, Node> m, Node item, String what) throws SpecException {
        String name = present(m, "name") ? y.string(m.get("name"), what + ".name") : "";
        if (name.isEmpty()) {
            throw new SpecException(y.at(item), what + " has no name", "every test needs a name: name: 'a name'");
        }
        return name;
    }

    private String path(Map<String, Node> m, Node item, String what) throws SpecException {
        String path = present(m, "path") ? y.string(m.get("path"), what + ".path") : "";
        if (path.isEmpty()) {
            throw new SpecException(y.at(item), what + " has no path", "give the path in the image: path: /etc/passwd");
        }
        return path;
    }

    /** An absent or null list is empty, as Go reads it. */
    private List<Node> list(Node n, String what) throws SpecException {
        return n == null || Yaml.isNull(n) ? List.of() : y.sequence(n, what);
    }

    private List<String> strings(Node n, String what) throws SpecException {
        return n == null || Yaml.isNull(n) ? List.of() : List.copyOf(y.stringList(n, what));
    }

    private List<String> nonEmptyStrings(Node n, String what) throws SpecException {
        List<String> out = strings(n, what);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) {
                throw new SpecException(y.at(y.sequence(n, what).get(i)), what + "[" + i + "] is empty");
            }
        }
        return out;
    }

    private boolean bool(Node n, String what) throws SpecException {
        String s = y.string(n, what);
        if (TRUE.contains(s)) {
            return true;
        }
        if (FALSE.contains(s)) {
            return false;
        }
        throw new SpecException(y.at(n), what + " must be true or false, not '" + s + "'");
    }

    private long number(Node n, String what, long max) throws SpecException {
        String s = y.string(n, what);
        if (s.length() > 1 && s.startsWith("0") && s.matches("[0-9]+")) {
            throw new SpecException(y.at(n), what + " '" + s + "' has a leading zero",
                    "YAML 1.1, which container-structure-test reads, takes it as an octal number; write it in decimal");
        }
        return y.integer(n, what, max);
    }

    private static boolean present(Map<String, Node> m, String key) {
        Node n = m.get(key);
        return n != null && !Yaml.isNull(n);
    }
}
