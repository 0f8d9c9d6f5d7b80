package dev.peel.install;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code update-alternatives --install} calls a maintainer script makes, read without running it: the
 * script's plain assignments ({@code basedir=/usr/lib/jvm/…}, {@code tools='java keytool'}) are expanded,
 * {@code for x in …; do … done} loops unrolled, and every {@code --install LINK NAME PATH PRIORITY} and
 * {@code --slave LINK NAME PATH} whose words all expand is kept. Calls built from command output are skipped.
 */
final class Alternatives {
    /** One link group: {@code link → /etc/alternatives/name → path}, with its priority. */
    record Link(String link, String name, String path, int priority, boolean slave) {
    }

    private static final Pattern ASSIGN = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$");
    private static final Pattern FOR = Pattern.compile("^\\s*for\\s+([A-Za-z_][A-Za-z0-9_]*)\\s+in\\s+(.*?)\\s*;\\s*do\\s*$");
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private Alternatives() {
    }

    static List<Link> fromScript(String script) {
        String joined = script.replace("\\\n", " ");
        Map<String, String> vars = new HashMap<>();
        Deque<String[]> loops = new ArrayDeque<>();
        List<String[]> body = new ArrayList<>();
        List<Link> out = new ArrayList<>();
        for (String raw : joined.split("\n")) {
            String line = raw.replaceFirst("(^|\\s)#.*$", "").strip();
            Matcher f = FOR.matcher(line);
            if (f.matches()) {
                loops.push(new String[] {f.group(1), f.group(2)});
                continue;
            }
            if (line.equals("done") || line.startsWith("done ") || line.startsWith("done;")) {
                if (!loops.isEmpty()) {
                    loops.pop();
                }
                continue;
            }
            Matcher a = ASSIGN.matcher(line);
            if (a.matches() && loops.isEmpty()) {
                String v = unquote(a.group(2).strip());
                if (!v.contains("$(") && !v.contains("`")) {
                    String e = expand(v, vars);
                    if (e != null) {
                        vars.put(a.group(1), e);
                    }
                }
                continue;
            }
            if (line.contains("update-alternatives") && line.contains("--install")) {
                for (Map<String, String> binding : bindings(new ArrayList<>(loops), vars)) {
                    out.addAll(parse(line, binding));
                }
            }
        }
        return out;
    }

    /** Every assignment of the enclosing loops' variables (outermost first), over the script's variables. */
    private static List<Map<String, String>> bindings(List<String[]> loops, Map<String, String> vars) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new HashMap<>(vars));
        for (int i = loops.size() - 1; i >= 0; i--) {
            String[] loop = loops.get(i);
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> b : out) {
                String words = expand(loop[1], b);
                if (words == null) {
                    return List.of();
                }
                for (String w : words.strip().split("\\s+")) {
                    if (!w.isEmpty()) {
                        Map<String, String> m = new HashMap<>(b);
                        m.put(loop[0], unquote(w));
                        next.add(m);
                    }
                }
            }
            out = next;
        }
        return out;
    }

    private static List<Link> parse(String line, Map<String, String> vars) {
        String rest = line.substring(line.indexOf("update-alternatives") + "update-alternatives".length());
        int end = rest.indexOf(';');
        rest = end >= 0 ? rest.substring(0, end) : rest;
        rest = rest.replaceFirst("\\s*(\\|\\||&&|\\)|2>|>).*$", "");
        List<String> words = new ArrayList<>();
        for (String w : rest.strip().split("\\s+")) {
            String unq = unquote(w);
            String e = VAR.matcher(unq).find() ? expand(unq, vars, true) : unq;
            if (e == null) {
                return List.of();
            }
            for (String part : e.strip().split("\\s+")) {
                if (!part.isEmpty()) {
                    words.add(part);
                }
            }
        }
        List<Link> out = new ArrayList<>();
        Link master = null;
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals("--install")) {
                if (i + 4 >= words.size()) {
                    return List.of();
                }
                try {
                    master = new Link(words.get(i + 1), words.get(i + 2), words.get(i + 3), Integer.parseInt(words.get(i + 4)), false);
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    return List.of();
                }
                out.add(master);
                i += 4;
            } else if (words.get(i).equals("--slave") && master != null && i + 3 < words.size()) {
                out.add(new Link(words.get(i + 1), words.get(i + 2), words.get(i + 3), master.priority(), true));
                i += 3;
            }
        }
        return out.stream().allMatch(l -> l.link().startsWith("/") && l.path().startsWith("/")) ? out : List.of();
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static String expand(String s, Map<String, String> vars) {
        return expand(s, vars, false);
    }

    /** Expands $x and ${x}; null if one is unknown (or, with {@code unsetIsEmpty}, unknown ones expand to ""). */
    private static String expand(String s, Map<String, String> vars, boolean unsetIsEmpty) {
        Matcher m = VAR.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String v = vars.get(name);
            if (v == null) {
                if (!unsetIsEmpty) {
                    return null;
                }
                v = "";
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }
}
