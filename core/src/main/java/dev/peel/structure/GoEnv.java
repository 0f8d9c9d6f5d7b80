package dev.peel.structure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Environment handling as container-structure-test does it in Go: KEY=VALUE lists and os.Expand's $VAR / ${VAR}. */
final class GoEnv {
    private GoEnv() {
    }

    /** An image config's Env as a map; a later entry replaces an earlier one, an entry without '=' has an empty value. */
    static Map<String, String> toMap(List<String> env) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            m.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return m;
    }

    /**
     * Replaces {@code $NAME} and {@code ${NAME}} with the variable's value (empty when unset), as Go's os.Expand: a
     * name is letters, digits and '_', or one of {@code *#$@!?-} or a digit; a '$' followed by anything else, or at the
     * end, stays; bad syntax ({@code ${}}, an unclosed {@code ${}) is dropped.
     */
    static String expand(String s, Map<String, String> env) {
        StringBuilder buf = null;
        int i = 0;
        for (int j = 0; j < s.length(); j++) {
            if (s.charAt(j) == '$' && j + 1 < s.length()) {
                if (buf == null) {
                    buf = new StringBuilder(s.length() * 2);
                }
                buf.append(s, i, j);
                String rest = s.substring(j + 1);
                String name;
                int w;
                if (rest.charAt(0) == '{') {
                    if (rest.length() > 2 && special(rest.charAt(1)) && rest.charAt(2) == '}') {
                        name = rest.substring(1, 2);
                        w = 3;
                    } else {
                        int close = rest.indexOf('}', 1);
                        if (close == 1) {
                            name = "";
                            w = 2;
                        } else if (close < 0) {
                            name = "";
                            w = 1;
                        } else {
                            name = rest.substring(1, close);
                            w = close + 1;
                        }
                    }
                } else if (special(rest.charAt(0))) {
                    name = rest.substring(0, 1);
                    w = 1;
                } else {
                    int k = 0;
                    while (k < rest.length() && alphaNum(rest.charAt(k))) {
                        k++;
                    }
                    name = rest.substring(0, k);
                    w = k;
                }
                if (name.isEmpty() && w == 0) {
                    buf.append('$');
                } else if (!name.isEmpty()) {
                    buf.append(env.getOrDefault(name, ""));
                }
                j += w;
                i = j + 1;
            }
        }
        if (buf == null) {
            return s;
        }
        return buf.append(s.substring(Math.min(i, s.length()))).toString();
    }

    private static boolean special(char c) {
        return "*#$@!?-".indexOf(c) >= 0 || c >= '0' && c <= '9';
    }

    private static boolean alphaNum(char c) {
        return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
