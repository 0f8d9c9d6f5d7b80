package dev.peel.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One authentication challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters,
 * such as {@code Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"}.
 */
public record Challenge(String scheme, Map<String, String> params) {
    private static final int MAX_HEADER = 16 * 1024;

    public Challenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        params = Collections.unmodifiableMap(new TreeMap<>(params));
    }

    public String param(String name) {
        return params.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Parses a header value into its challenges. Quoted strings may hold commas ({@code scope="a:pull,push"});
     * anything that does not follow the grammar is an {@link IllegalArgumentException} saying where.
     */
    public static List<Challenge> parse(String header) {
        if (header == null) {
            throw new IllegalArgumentException("no WWW-Authenticate header");
        }
        if (header.length() > MAX_HEADER) {
            throw new IllegalArgumentException("WWW-Authenticate header of " + header.length() + " characters");
        }
        Parser p = new Parser(header);
        List<Challenge> out = new ArrayList<>();
        p.skipSpaceAndCommas();
        while (!p.atEnd()) {
            String scheme = p.token();
            if (scheme.isEmpty()) {
                throw p.error("expected an auth scheme");
            }
            Map<String, String> params = new TreeMap<>();
            // Parameters follow until a token that is not followed by '=': the next challenge's scheme.
            while (true) {
                int mark = p.pos;
                p.skipSpaceAndCommas();
                if (p.atEnd()) {
                    break;
                }
                String name = p.token();
                p.skipSpace();
                if (p.peek() != '=') {
                    if (name.isEmpty()) {
                        throw p.error("unexpected '" + p.peek() + "'");
                    }
                    p.pos = mark;
                    break;
                }
                if (name.isEmpty()) {
                    throw p.error("expected a parameter name");
                }
                p.pos++;
                p.skipSpace();
                String value = p.peek() == '"' ? p.quoted() : p.token();
                String key = name.toLowerCase(Locale.ROOT);
                if (params.containsKey(key)) {
                    throw p.error("parameter '" + name + "' given twice");
                }
                params.put(key, value);
                p.skipSpace();
                if (!p.atEnd() && p.peek() != ',') {
                    throw p.error("expected ',' after parameter '" + name + "'");
                }
            }
            out.add(new Challenge(scheme, params));
            p.skipSpaceAndCommas();
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty WWW-Authenticate header");
        }
        return out;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return atEnd() ? 0 : s.charAt(pos);
        }

        void skipSpace() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        void skipSpaceAndCommas() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ',')) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (!atEnd() && isTchar(peek())) {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            pos++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw error("unterminated quoted string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        throw error("unterminated escape");
                    }
                    c = s.charAt(pos++);
                }
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw error("control character in a quoted string");
                }
                b.append(c);
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed WWW-Authenticate header: " + what + " at character " + (pos + 1));
        }

        static boolean isTchar(char c) {
            return c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
        }
    }
}
