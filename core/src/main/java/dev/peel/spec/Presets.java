package dev.peel.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The images peel ships as ordinary specs (distroless's catalog), buildable by name — {@code static},
 * {@code java17-debian12}, {@code base:nonroot} — and usable as a spec's {@code base}. A name without a
 * Debian release is the bookworm one ({@code -debian12}); a {@code :nonroot}, {@code :debug} or
 * {@code :debug-nonroot} suffix lays the variant's spec over the preset.
 */
public final class Presets {
    /** One preset: its full name, the release it is for, and what its first comment line says. */
    public record Preset(String name, String release, String description) {
    }

    static final String ROOT = "/dev/peel/presets/";
    static final List<String> VARIANTS = List.of("nonroot", "debug", "debug-nonroot");

    private Presets() {
    }

    /** Every preset, in the order of the catalog's index. */
    public static List<Preset> all() {
        List<Preset> out = new ArrayList<>();
        for (String line : text("index.txt").orElseThrow().split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] p = l.split("/");
            String name = p[1].replaceFirst("\\.yaml$", "");
            String first = text(l).orElseThrow().lines().findFirst().orElse("");
            out.add(new Preset(name + "-" + p[0], p[0], first.replaceFirst("^#\\s*", "")));
        }
        return out;
    }

    /** The resource path of a preset by the name users write, or empty if there is none. */
    static Optional<String> resource(String name) {
        String base = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
        String full = base.matches(".*-debian[0-9]+") ? base : base + "-debian12";
        String release = full.substring(full.lastIndexOf('-') + 1);
        String preset = full.substring(0, full.lastIndexOf('-'));
        String path = release + "/" + preset + ".yaml";
        return text(path).isPresent() ? Optional.of(path) : Optional.empty();
    }

    /** The YAML of a preset as shipped (its own keys; its base and variant are not applied). */
    public static Optional<String> specText(String name) {
        return resource(name).flatMap(Presets::text);
    }

    /** True if {@code name} names a preset, with or without a variant. */
    public static boolean exists(String name) {
        String variant = name.contains(":") ? name.substring(name.indexOf(':') + 1) : null;
        return resource(name).isPresent() && (variant == null || VARIANTS.contains(variant));
    }

    static Optional<String> text(String path) {
        try (InputStream in = Presets.class.getResourceAsStream(ROOT + path)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The node tree of a preset (with its variant laid over it, and its own {@code base} resolved), ready to
     * be merged under a user's spec or bound on its own.
     */
    static MappingNode load(String name, Position at, int depth) throws SpecException {
        if (depth > 8) {
            throw new SpecException(at, "presets name each other as base too deeply");
        }
        String path = resource(name).orElseThrow(() -> new SpecException(at, "there is no preset '" + name + "'",
                "peel presets lists them: " + String.join(", ", all().stream().map(Preset::name).toList())));
        String variant = name.contains(":") ? name.substring(name.indexOf(':') + 1) : null;
        if (variant != null && !VARIANTS.contains(variant)) {
            throw new SpecException(at, "preset variant ':" + variant + "' does not exist", "use :nonroot, :debug or :debug-nonroot");
        }
        MappingNode node = compose("preset " + path, text(path).orElseThrow());
        return withBase(node, path.substring(0, path.indexOf('/')), variant, depth);
    }

    private static MappingNode compose(String label, String text) throws SpecException {
        Node n = new Yaml(label).compose(text).orElseThrow();
        if (!(n instanceof MappingNode m)) {
            throw new IllegalStateException(label + " is not a mapping");
        }
        return m;
    }

    /**
     * Resolves a {@code base: <preset>} in {@code node} (a preset's, of {@code release}) by merging it below, the
     * variant going down with it: it is laid over the preset at the root of the chain, and every preset above wins
     * over it, as distroless builds {@code java17:debug} on {@code base:debug} (so it keeps java's entrypoint).
     */
    private static MappingNode withBase(MappingNode node, String release, String variant, int depth) throws SpecException {
        Node base = value(node, "base");
        if (base instanceof ScalarNode s && !s.getValue().equals("scratch")) {
            String parent = s.getValue().matches(".*-debian[0-9]+") ? s.getValue() : s.getValue() + "-" + release;
            if (variant != null && parent.contains(":")) {
                throw new IllegalStateException("preset base " + parent + " names a variant of its own");
            }
            return merge(load(variant == null ? parent : parent + ":" + variant, new Yaml("preset").at(s), depth + 1),
                    without(node, "base"));
        }
        if (variant != null) {
            for (String v : variant.split("-")) {
                node = merge(node, compose("preset variant " + v, text("variants/" + v + ".yaml").orElseThrow()));
            }
        }
        return node;
    }

    /** A user's spec (its root mapping) with the preset it names as {@code base} merged below it. */
    static MappingNode resolveBase(MappingNode user, Yaml y) throws SpecException {
        Node base = value(user, "base");
        if (base instanceof ScalarNode s && !s.getValue().equals("scratch") && !SpecParser.isImage(s.getValue())
                && exists(s.getValue())) {
            return merge(load(s.getValue(), y.at(s), 1), without(user, "base"));
        }
        return user;
    }

    static Node value(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static MappingNode without(MappingNode m, String key) {
        List<NodeTuple> out = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key))) {
                out.add(t);
            }
        }
        return new MappingNode(m.getTag(), true, out, m.getFlowStyle(), m.getStartMark(), m.getEndMark());
    }

    /** Lists that add up rather than replace, by their path of keys. */
    private static final List<String> APPENDED = List.of("files", "debian.packages", "debian.exclude",
            "debian.path-exclude", "debian.path-include", "accounts.users", "accounts.groups", "ports");
    /** Mappings merged key by key rather than replaced. */
    private static final List<String> MERGED = List.of("", "debian", "env", "labels", "annotations", "accounts", "generate",
            "layering");

    /**
     * {@code child} laid over {@code parent}: the child's scalars and lists win, except lists that add up
     * (packages, files, users, …; a child item with the same {@code path} or {@code name} replaces the
     * parent's) and mappings merged key by key (env, labels, debian, accounts, …).
     */
    static MappingNode merge(MappingNode parent, MappingNode child) {
        return (MappingNode) merge(parent, child, "");
    }

    private static Node merge(Node parent, Node child, String path) {
        if (parent instanceof MappingNode p && child instanceof MappingNode c && MERGED.contains(path)) {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : p.getValue()) {
                out.put(((ScalarNode) t.getKeyNode()).getValue(), t);
            }
            for (NodeTuple t : c.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    return child;
                }
                String key = k.getValue();
                NodeTuple prior = out.get(key);
                String sub = path.isEmpty() ? key : path + "." + key;
                out.put(key, prior == null ? t : new NodeTuple(t.getKeyNode(), merge(prior.getValueNode(), t.getValueNode(), sub)));
            }
            return new MappingNode(c.getTag(), true, new ArrayList<>(out.values()), c.getFlowStyle(), c.getStartMark(),
                    c.getEndMark());
        }
        if (parent instanceof SequenceNode p && child instanceof SequenceNode c && APPENDED.contains(path)) {
            List<Node> items = new ArrayList<>();
            List<String> childKeys = c.getValue().stream().map(Presets::identity).toList();
            for (Node n : p.getValue()) {
                String id = identity(n);
                if (id == null || !childKeys.contains(id)) {
                    items.add(n);
                }
            }
            items.addAll(c.getValue());
            return new SequenceNode(c.getTag(), true, items, FlowStyle.BLOCK, c.getStartMark(), c.getEndMark());
        }
        return child;
    }

    /** What makes two list items the same item: a file's path, a user's or group's name, a scalar itself. */
    private static String identity(Node n) {
        if (n instanceof ScalarNode s) {
            return s.getValue().replaceFirst("\\s*\\(.*", "");
        }
        if (n instanceof MappingNode m) {
            for (String key : List.of("path", "name")) {
                if (value(m, key) instanceof ScalarNode s) {
                    return key + "=" + s.getValue();
                }
            }
        }
        return null;
    }
}
