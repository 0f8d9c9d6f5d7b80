package dev.peel.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed reading of a YAML node tree with positions (the spec's and the structure tests' parsers). Scalars are read as the text written, so
 * {@code mode: 0644} stays "0644" and {@code no} stays "no"; whether a scalar is a number is decided
 * by the field, not by a YAML schema.
 */
public final class Yaml {
    private final String file;

    public Yaml(String file) {
        this.file = file;
    }

    /** The document's root node, or empty for an empty document. */
    public Optional<Node> compose(String text) throws SpecException {
        LoadSettings settings = LoadSettings.builder().setLabel(file).setAllowDuplicateKeys(true)
                .setMaxAliasesForCollections(20).build();
        try {
            return new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            Position p = e.getProblemMark().map(this::at).orElse(new Position(file, 0, 0));
            throw new SpecException(p, "not valid YAML: " + e.getProblem(), "check indentation and quoting near this line");
        } catch (YamlEngineException e) {
            throw new SpecException(new Position(file, 0, 0), "not valid YAML: " + e.getMessage());
        }
    }

    /** Where a mark is: in this file, or in the preset a merged node came from (its label). */
    public Position at(Mark m) {
        String name = m.getName() == null || m.getName().isEmpty() ? file : m.getName();
        return new Position(name, m.getLine() + 1, m.getColumn() + 1);
    }

    public Position at(Node n) {
        return n.getStartMark().map(this::at).orElse(new Position(file, 0, 0));
    }

    public static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL) && s.isPlain();
    }

    /**
     * A mapping's entries by key, in order; unknown keys and duplicates are errors naming the key, with a
     * "did you mean" hint.
     */
    public Map<String, Node> mapping(Node n, String what, Set<String> known) throws SpecException {
        if (!(n instanceof MappingNode m)) {
            throw new SpecException(at(n), what + " must be a mapping (key: value), not " + describe(n));
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new SpecException(at(t.getKeyNode()), "keys in " + what + " must be plain words");
            }
            String key = k.getValue();
            if (known != null && !known.contains(key)) {
                throw new SpecException(at(k), "unknown key '" + key + "' in " + what, hint(key, known));
            }
            if (out.containsKey(key)) {
                throw new SpecException(at(k), "key '" + key + "' is given twice in " + what);
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    /** A mapping with free keys and string values (env, labels, annotations). */
    public Map<String, String> stringMap(Node n, String what) throws SpecException {
        Map<String, Node> m = mapping(n, what, null);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : m.entrySet()) {
            out.put(e.getKey(), string(e.getValue(), what + "." + e.getKey()));
        }
        return out;
    }

    public List<Node> sequence(Node n, String what) throws SpecException {
        if (!(n instanceof SequenceNode s)) {
            throw new SpecException(at(n), what + " must be a list, not " + describe(n),
                    "write a list as [a, b] or as lines starting with '- '");
        }
        return s.getValue();
    }

    public List<String> stringList(Node n, String what) throws SpecException {
        List<String> out = new ArrayList<>();
        List<Node> items = sequence(n, what);
        for (int i = 0; i < items.size(); i++) {
            out.add(string(items.get(i), what + "[" + i + "]"));
        }
        return out;
    }

    public String string(Node n, String what) throws SpecException {
        if (!(n instanceof ScalarNode s) || isNull(n)) {
            throw new SpecException(at(n), what + " must be a string, not " + describe(n));
        }
        return s.getValue();
    }

    public long integer(Node n, String what, long max) throws SpecException {
        String s = string(n, what);
        if (!s.matches("[0-9]{1,10}") || Long.parseLong(s) > max) {
            throw new SpecException(at(n), what + " must be a whole number from 0 to " + max + ", not '" + s + "'");
        }
        return Long.parseLong(s);
    }

    public static String describe(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (isNull(n)) {
            return "empty";
        }
        return "'" + ((ScalarNode) n).getValue() + "'";
    }

    public static String hint(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        String all = "known keys: " + String.join(", ", new java.util.TreeSet<>(known));
        if (best != null && bestDistance <= Math.max(2, key.length() / 3)) {
            return "did you mean '" + best + "'? " + all;
        }
        return all;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
