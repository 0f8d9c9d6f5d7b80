package dev.peel.oci;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Canonical JSON: object keys sorted, no insignificant whitespace, minimal escaping, integers only.
 * Values are {@code Map<String,?>}, {@code List<?>}, {@code String}, {@code Long}/{@code Integer},
 * {@code Boolean} and {@link #NULL}; reading also yields {@link BigDecimal} for non-integers.
 */
public final class Json {
    /** JSON null (Java null means "absent" in maps we write). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private Json() {
    }

    /** Canonical UTF-8 bytes of a value. */
    public static byte[] write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The same document for people (lock files that are read in reviews): keys sorted, two-space indent,
     * one member a line, a final newline. Parses back to the same value as {@link #write}.
     */
    public static byte[] writePretty(Object value) {
        StringBuilder sb = new StringBuilder(256);
        pretty(sb, value, "");
        sb.append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void pretty(StringBuilder sb, Object v, String indent) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            TreeMap<String, Object> sorted = new TreeMap<>(Json::compareCodePoints);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() != null) {
                    sorted.put((String) e.getKey(), e.getValue());
                }
            }
            sb.append("{\n");
            int i = 0;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                sb.append(indent).append("  ");
                string(sb, e.getKey());
                sb.append(": ");
                pretty(sb, e.getValue(), indent + "  ");
                sb.append(++i < sorted.size() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        } else if (v instanceof Collection<?> c && !c.isEmpty()) {
            sb.append("[\n");
            int i = 0;
            for (Object o : c) {
                sb.append(indent).append("  ");
                pretty(sb, o, indent + "  ");
                sb.append(++i < c.size() ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        } else {
            write(sb, v);
        }
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null || v == NULL) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Long || v instanceof Integer) {
            sb.append(((Number) v).longValue());
        } else if (v instanceof BigDecimal d) {
            sb.append(d.toString());
        } else if (v instanceof Map<?, ?> m) {
            // Keys in code point order, which is also the order of their UTF-8 bytes.
            TreeMap<String, Object> sorted = new TreeMap<>(Json::compareCodePoints);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() != null) {
                    sorted.put((String) e.getKey(), e.getValue());
                }
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, e.getKey());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c) && !pairedSurrogate(s, i)) {
                        // A lone surrogate (JSON may escape one) has no UTF-8 form: written raw it became '?'.
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Parses UTF-8 JSON bytes; a malformed document is an {@link IllegalArgumentException} with its offset. */
    public static Object parse(byte[] bytes) {
        Parser p = new Parser(new String(bytes, StandardCharsets.UTF_8));
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != p.s.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    /** Parses and requires an object at the top. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(byte[] bytes) {
        Object v = parse(bytes);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("JSON document is not an object");
        }
        return (Map<String, Object>) v;
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 256;
        private static final int MAX_NUMBER = 4096;
        private static final int MAX_DIGITS = 1000;
        private static final int MAX_SCALE = 1_000_000_000;
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed JSON at offset " + i + ": " + what);
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    i++;
                } else {
                    break;
                }
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek('}')) {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        if (!peek('"')) {
                            throw error("expected a key");
                        }
                        String k = string();
                        ws();
                        expect(':');
                        ws();
                        m.put(k, value(depth + 1));
                        ws();
                        if (peek(',')) {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek(']')) {
                        i++;
                        return l;
                    }
                    while (true) {
                        ws();
                        l.add(value(depth + 1));
                        ws();
                        if (peek(',')) {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return NULL;
                default:
                    return number();
            }
        }

        boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        void literal(String word) {
            if (!s.startsWith(word, i)) {
                throw error("expected " + word);
            }
            i += word.length();
        }

        Object number() {
            // RFC 8259's grammar exactly: what BigDecimal would also take ("1.", "+1", ".5", "01") is not JSON,
            // and "1." would come back from write() as an integer, a different value.
            int start = i;
            if (peek('-')) {
                i++;
            }
            if (peek('0')) {
                i++;
            } else if (digits() == 0) {
                throw error("unexpected character");
            }
            boolean integer = true;
            if (peek('.')) {
                i++;
                integer = false;
                if (digits() == 0) {
                    throw error("bad number: no digit after '.'");
                }
            }
            if (peek('e') || peek('E')) {
                i++;
                integer = false;
                if (peek('+') || peek('-')) {
                    i++;
                }
                if (digits() == 0) {
                    throw error("bad number: no digit in the exponent");
                }
            }
            // BigInteger reads digits in quadratic time: a 4 MiB manifest of one number took minutes.
            if (i - start > MAX_NUMBER) {
                throw error("bad number: longer than " + MAX_NUMBER + " characters");
            }
            String n = s.substring(start, i);
            try {
                BigDecimal d = new BigDecimal(n);
                // "1e0" and "1.0e1" are integers too: write() gives them without fraction or exponent, which reads
                // back as a Long.
                if (integer || d.scale() == 0) {
                    return d.longValueExact();
                }
                // Bounded so that write() gives text this parser reads back as the same value.
                if (d.precision() > MAX_DIGITS || Math.abs((long) d.scale()) > MAX_SCALE) {
                    throw error("bad number: more than " + MAX_DIGITS + " digits or an exponent beyond "
                            + MAX_SCALE);
                }
                return d;
            } catch (ArithmeticException | NumberFormatException e) {
                throw error("bad number " + n);
            }
        }

        private static int hex(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
            }
            return -1;
        }

        private int digits() {
            int from = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            return i - from;
        }

        String string() {
            expect('"');
            StringBuilder sb = null;
            int start = i;
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, i) : sb.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.append(s, start, i);
                    i++;
                    if (i >= s.length()) {
                        throw error("unterminated escape");
                    }
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"' -> sb.append('"');
                        case '\\' -> sb.append('\\');
                        case '/' -> sb.append('/');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            if (i + 4 > s.length()) {
                                throw error("short unicode escape");
                            }
                            // Four ASCII hex digits exactly: Integer.parseInt would also take a sign or other
                            // scripts' digits, and read a malformed escape as some other character.
                            int u = 0;
                            for (int k = 0; k < 4; k++) {
                                int h = hex(s.charAt(i + k));
                                if (h < 0) {
                                    throw error("bad unicode escape");
                                }
                                u = u * 16 + h;
                            }
                            sb.append((char) u);
                            i += 4;
                        }
                        default -> throw error("bad escape \\" + e);
                    }
                    start = i;
                } else {
                    i++;
                }
            }
        }
    }

    // Small typed accessors for reading documents others wrote.

    /** The string at {@code key}, or null when absent; a non-string is an error. */
    public static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v == NULL) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("\"" + key + "\" is not a string");
        }
        return s;
    }

    /** The object at {@code key}, or an empty map when absent. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> obj(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v == NULL) {
            return Map.of();
        }
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("\"" + key + "\" is not an object");
        }
        return (Map<String, Object>) v;
    }

    /** The array at {@code key}, or an empty list when absent. */
    @SuppressWarnings("unchecked")
    public static List<Object> arr(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v == NULL) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("\"" + key + "\" is not an array");
        }
        return (List<Object>) v;
    }

    /** The integer at {@code key}; absent is an error. */
    public static long num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("\"" + key + "\" is not an integer");
        }
        return l;
    }

    /** A string-to-string map at {@code key} (annotations, labels), sorted. */
    public static TreeMap<String, String> strings(Map<String, Object> m, String key) {
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : obj(m, key).entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IllegalArgumentException("\"" + key + "\"." + e.getKey() + " is not a string");
            }
            out.put(e.getKey(), s);
        }
        return out;
    }
}
