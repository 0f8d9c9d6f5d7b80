package dev.peel.structure;

import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Go's regexp (RE2) syntax, as container-structure-test compiles its regexes, translated to java.util.regex so the
 * same text matches the same strings. What differs is rewritten: {@code $} is the end of the text (Java's also
 * matches before a final newline) unless the m flag is used; {@code .} excludes only {@code \n}; {@code \s} is
 * {@code [\t\n\f\r ]}; {@code \v} is the vertical tab; octal escapes ({@code \101}); a {@code {} that starts no
 * repetition is a literal; in a class, {@code [} and {@code &} are literals, {@code ]} first is a literal, and
 * {@code [:alpha:]} is a POSIX class; {@code \p{Greek}} is a script; {@code (?P<name>…)} is a group; case folding is
 * Unicode's. What Go refuses and Java has no equivalent for is refused: backreferences and the ungreedy flag
 * {@code (?U)}. Java's extras that Go rejects (lookaround, possessive quantifiers) compile here.
 */
final class GoRegex {
    private static final Map<String, String> POSIX = Map.ofEntries(Map.entry("alnum", "Alnum"), Map.entry("alpha", "Alpha"),
            Map.entry("ascii", "ASCII"), Map.entry("blank", "Blank"), Map.entry("cntrl", "Cntrl"), Map.entry("digit", "Digit"),
            Map.entry("graph", "Graph"), Map.entry("lower", "Lower"), Map.entry("print", "Print"), Map.entry("punct", "Punct"),
            Map.entry("space", "Space"), Map.entry("upper", "Upper"), Map.entry("xdigit", "XDigit"));
    private static final Pattern REPEAT = Pattern.compile("\\{[0-9]+(,[0-9]*)?}");
    private static final Pattern MULTILINE_FLAG = Pattern.compile("\\(\\?[imsU]*m[imsU]*(-[imsU]*)?[:)]");
    private static final Pattern UNGREEDY_FLAG = Pattern.compile("\\(\\?[imsU]*(-[imsU]*)?U[imsU]*(-[imsU]*)?[:)]");

    private GoRegex() {
    }

    /** Compiles Go regexp syntax; an IllegalArgumentException says what is wrong with it. */
    static Pattern compile(String re) {
        String java = translate(re);
        try {
            return Pattern.compile(java, Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }

    static String translate(String re) {
        if (UNGREEDY_FLAG.matcher(re).find()) {
            throw new IllegalArgumentException("the ungreedy flag (?U) has no java.util.regex equivalent; write lazy quantifiers (*?, +?)");
        }
        boolean multiline = MULTILINE_FLAG.matcher(re).find();
        StringBuilder out = new StringBuilder(re.length() + 16);
        int i = 0;
        int n = re.length();
        while (i < n) {
            char c = re.charAt(i);
            switch (c) {
                case '\\' -> i = escape(re, i, out, false);
                case '[' -> i = charClass(re, i, out);
                case '$' -> {
                    out.append(multiline ? "$" : "\\z");
                    i++;
                }
                case '{' -> {
                    java.util.regex.Matcher m = REPEAT.matcher(re).region(i, n);
                    if (m.lookingAt()) {
                        out.append(m.group());
                        i = m.end();
                    } else {
                        out.append("\\{");
                        i++;
                    }
                }
                case '}' -> {
                    out.append("\\}");
                    i++;
                }
                case '(' -> {
                    if (re.startsWith("(?P<", i) || re.startsWith("(?<", i) && i + 3 < n && re.charAt(i + 3) != '='
                            && re.charAt(i + 3) != '!') {
                        int close = re.indexOf('>', i);
                        if (close < 0) {
                            throw new IllegalArgumentException("invalid named capture: " + re.substring(i));
                        }
                        out.append('(');
                        i = close + 1;
                    } else {
                        out.append('(');
                        i++;
                    }
                }
                default -> {
                    out.append(c);
                    i++;
                }
            }
        }
        return out.toString();
    }

    /** Translates the escape at {@code i}; returns the index after it. */
    private static int escape(String re, int i, StringBuilder out, boolean inClass) {
        if (i + 1 >= re.length()) {
            throw new IllegalArgumentException("trailing backslash at end of expression");
        }
        char d = re.charAt(i + 1);
        switch (d) {
            case 'Q' -> {
                int end = re.indexOf("\\E", i + 2);
                String literal = end < 0 ? re.substring(i + 2) : re.substring(i + 2, end);
                out.append(Pattern.quote(literal));
                return end < 0 ? re.length() : end + 2;
            }
            case 's' -> {
                out.append(inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
                return i + 2;
            }
            case 'S' -> {
                out.append(inClass ? "\\S" : "[^\\t\\n\\f\\r ]");
                return i + 2;
            }
            case 'v' -> {
                out.append("\\x0B");
                return i + 2;
            }
            case 'C', 'Z' -> throw new IllegalArgumentException("invalid escape sequence: \\" + d);
            case 'p', 'P' -> {
                if (i + 2 < re.length() && re.charAt(i + 2) == '{') {
                    int close = re.indexOf('}', i + 3);
                    if (close < 0) {
                        throw new IllegalArgumentException("invalid character class range: " + re.substring(i));
                    }
                    String name = re.substring(i + 3, close);
                    boolean negate = d == 'P';
                    if (name.startsWith("^")) {
                        negate = !negate;
                        name = name.substring(1);
                    }
                    if (name.equals("Any")) {
                        // Negated, it matches nothing: in a class it adds nothing, alone it is an empty class.
                        out.append(negate ? (inClass ? "" : "[^\\x{0}-\\x{10FFFF}]")
                                : inClass ? "\\x{0}-\\x{10FFFF}" : "[\\x{0}-\\x{10FFFF}]");
                    } else {
                        out.append(negate ? "\\P{Is" : "\\p{Is").append(name).append('}');
                    }
                    return close + 1;
                }
                out.append('\\').append(d);
                return i + 2;
            }
            default -> {
                if (d >= '0' && d <= '7') {
                    int j = i + 1;
                    boolean octal = d == '0' || j + 1 < re.length() && re.charAt(j + 1) >= '0' && re.charAt(j + 1) <= '7';
                    if (!octal) {
                        throw new IllegalArgumentException("backreferences (\\" + d + ") are not supported by Go's regexp");
                    }
                    int end = j;
                    while (end < re.length() && end < j + 3 && re.charAt(end) >= '0' && re.charAt(end) <= '7') {
                        end++;
                    }
                    out.append("\\x{").append(Integer.toHexString(Integer.parseInt(re.substring(j, end), 8))).append('}');
                    return end;
                }
                if (d == '8' || d == '9') {
                    throw new IllegalArgumentException("invalid escape sequence: \\" + d);
                }
                out.append('\\').append(d);
                return i + 2;
            }
        }
    }

    /** Translates the bracket expression at {@code i}; returns the index after its ']'. */
    private static int charClass(String re, int i, StringBuilder out) {
        int n = re.length();
        out.append('[');
        i++;
        if (i < n && re.charAt(i) == '^') {
            out.append('^');
            i++;
        }
        boolean first = true;
        while (i < n) {
            char c = re.charAt(i);
            if (c == ']' && !first) {
                out.append(']');
                return i + 1;
            }
            first = false;
            if (c == '[' && re.startsWith("[:", i)) {
                int close = re.indexOf(":]", i + 2);
                if (close > 0) {
                    String name = re.substring(i + 2, close);
                    boolean negate = name.startsWith("^");
                    String bare = negate ? name.substring(1) : name;
                    if (bare.equals("word")) {
                        out.append(negate ? "\\W" : "\\w");
                    } else if (POSIX.containsKey(bare)) {
                        out.append(negate ? "\\P{" : "\\p{").append(POSIX.get(bare)).append('}');
                    } else {
                        throw new IllegalArgumentException("invalid character class range: [:" + name + ":]");
                    }
                    i = close + 2;
                    continue;
                }
            }
            switch (c) {
                case '\\' -> i = escape(re, i, out, true);
                case '[', '&', ']' -> {
                    out.append('\\').append(c);
                    i++;
                }
                default -> {
                    out.append(c);
                    i++;
                }
            }
        }
        throw new IllegalArgumentException("missing closing ]: " + re.substring(re.lastIndexOf('[')));
    }
}
