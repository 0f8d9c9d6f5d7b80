package dev.peel.sbom;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The licence of a package from its machine-readable copyright file (DEP-5): the {@code License:} short names of
 * its Files paragraphs as one SPDX expression, Debian's names mapped to SPDX ids; a name with no SPDX id becomes a
 * {@code LicenseRef-}, carrying the text the file gives for it. Anything else is NOASSERTION.
 */
final class Licenses {
    static final String NOASSERTION = "NOASSERTION";

    /** An expression and the texts of the LicenseRefs it names (id → text). */
    record Found(String expression, Map<String, String> refs) {
    }

    private static final Map<String, String> SPDX = new LinkedHashMap<>();
    private static final Map<String, String> EXCEPTIONS = new LinkedHashMap<>();

    static {
        for (String v : List.of("1", "2", "3")) {
            SPDX.put("gpl-" + v, "GPL-" + v + ".0-only");
            SPDX.put("gpl-" + v + "+", "GPL-" + v + ".0-or-later");
            SPDX.put("gpl-" + v + ".0", "GPL-" + v + ".0-only");
            SPDX.put("gpl-" + v + ".0+", "GPL-" + v + ".0-or-later");
        }
        for (String v : List.of("2", "2.1", "3")) {
            String full = v.contains(".") ? v : v + ".0";
            SPDX.put("lgpl-" + v, "LGPL-" + full + "-only");
            SPDX.put("lgpl-" + v + "+", "LGPL-" + full + "-or-later");
            SPDX.put("lgpl-" + full, "LGPL-" + full + "-only");
            SPDX.put("lgpl-" + full + "+", "LGPL-" + full + "-or-later");
        }
        SPDX.put("agpl-3", "AGPL-3.0-only");
        SPDX.put("agpl-3+", "AGPL-3.0-or-later");
        for (String v : List.of("1.1", "1.2", "1.3")) {
            SPDX.put("gfdl-" + v, "GFDL-" + v + "-only");
            SPDX.put("gfdl-" + v + "+", "GFDL-" + v + "-or-later");
            SPDX.put("gfdl-nis-" + v, "GFDL-" + v + "-no-invariants-only");
            SPDX.put("gfdl-nis-" + v + "+", "GFDL-" + v + "-no-invariants-or-later");
        }
        for (String id : List.of("BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause", "0BSD", "MIT", "X11", "ISC", "Zlib", "Apache-1.0",
                "Apache-1.1", "Apache-2.0", "MPL-1.1", "MPL-2.0", "EPL-1.0", "EPL-2.0", "CC0-1.0", "CC-BY-3.0", "CC-BY-4.0",
                "CC-BY-SA-3.0", "CC-BY-SA-4.0", "Artistic-2.0", "PSF-2.0", "Python-2.0", "OpenSSL", "curl", "BSL-1.0", "Unlicense",
                "WTFPL", "Beerware", "ICU", "Unicode-DFS-2016", "Unicode-3.0", "FSFAP", "FSFUL", "FSFULLR", "bzip2-1.0.6",
                "Sleepycat", "NTP", "PostgreSQL", "TCL", "Vim", "OFL-1.1", "OpenLDAP-2.8", "libpng-2.0", "Libpng", "IJG", "MIT-0",
                "BSD-1-Clause", "Ruby", "GPL-2.0-with-classpath-exception", "SGI-B-2.0", "HPND", "Info-ZIP", "W3C",
                "MPL-2.0-no-copyleft-exception", "CDDL-1.0", "CDDL-1.1", "EUPL-1.2", "BSD-2-Clause-Patent", "Spencer-86", "Spencer-94",
                "TCP-wrappers", "X11-distribute-modifications-variant", "Unicode-TOU", "blessing", "MIT-CMU", "ISC-Veillard")) {
            SPDX.put(id.toLowerCase(Locale.ROOT), id);
        }
        SPDX.put("expat", "MIT");
        SPDX.put("apache-2", "Apache-2.0");
        SPDX.put("psf-2", "PSF-2.0");
        SPDX.put("mpl-2", "MPL-2.0");
        SPDX.put("zlib/libpng", "Zlib");
        SPDX.put("cc0", "CC0-1.0");
        for (String id : List.of("GCC-exception-2.0", "GCC-exception-3.1", "Autoconf-exception-2.0", "Autoconf-exception-3.0",
                "Bison-exception-2.2", "Classpath-exception-2.0", "Libtool-exception", "Linux-syscall-note", "LLVM-exception",
                "Font-exception-2.0", "OCaml-LGPL-linking-exception")) {
            EXCEPTIONS.put(id.toLowerCase(Locale.ROOT), id);
        }
    }

    private Licenses() {
    }

    /** The licence a copyright file declares; {@code path} names it in texts made for names the file leaves without one. */
    static Found of(byte[] copyright, String path) {
        return of(copyright, path, new LinkedHashMap<>());
    }

    /** As above, reusing (and adding to) {@code known}: the LicenseRefs of the document so far. */
    static Found of(byte[] copyright, String path, Map<String, String> known) {
        if (copyright == null) {
            return new Found(NOASSERTION, Map.of());
        }
        List<Map<String, String>> paragraphs = paragraphs(new String(copyright, StandardCharsets.UTF_8));
        if (paragraphs.isEmpty() || !paragraphs.get(0).getOrDefault("format", "").contains("copyright-format")) {
            return new Found(NOASSERTION, Map.of());
        }
        Map<String, String> texts = new LinkedHashMap<>();
        for (Map<String, String> p : paragraphs) {
            String lic = p.get("license");
            if (lic == null) {
                continue;
            }
            int nl = lic.indexOf('\n');
            if (nl > 0 && !lic.substring(nl + 1).isBlank()) {
                texts.putIfAbsent(lic.substring(0, nl).strip().toLowerCase(Locale.ROOT), lic.substring(nl + 1));
            }
        }
        Set<String> parts = new LinkedHashSet<>();
        Map<String, String> refs = known;
        for (Map<String, String> p : paragraphs) {
            if (!p.containsKey("files") || !p.containsKey("license")) {
                continue;
            }
            String shortName = p.get("license").split("\n", 2)[0].strip();
            if (shortName.isEmpty()) {
                continue;
            }
            String expr = expression(shortName, texts, refs, path);
            parts.add(parts.isEmpty() || !expr.contains(" ") ? expr : "(" + expr + ")");
        }
        if (parts.isEmpty()) {
            return new Found(NOASSERTION, Map.of());
        }
        List<String> list = new ArrayList<>(parts);
        if (list.size() > 1) {
            list.replaceAll(e -> e.contains(" ") && !e.startsWith("(") ? "(" + e + ")" : e);
        }
        return new Found(String.join(" AND ", list), refs);
    }

    /** One paragraph's short name ("GPL-2+ or Artistic", "LGPL-2.1+ with GCC-exception-3.1") as SPDX. */
    private static String expression(String shortName, Map<String, String> texts, Map<String, String> refs, String path) {
        String s = shortName.replace(",", " and ").replace("(", " ( ").replace(")", " ) ");
        List<String> tokens = new ArrayList<>(List.of(s.trim().split("\\s+")));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.equals("or") || lower.equals("and")) {
                if (out.length() > 0 && !out.toString().endsWith(" AND ") && !out.toString().endsWith(" OR ")) {
                    out.append(' ').append(lower.toUpperCase(Locale.ROOT)).append(' ');
                }
            } else if (t.equals("(") || t.equals(")")) {
                out.append(t);
            } else if (lower.equals("with") && i + 1 < tokens.size()) {
                StringBuilder ex = new StringBuilder(tokens.get(++i));
                while (i + 1 < tokens.size() && !List.of("or", "and", ")").contains(tokens.get(i + 1).toLowerCase(Locale.ROOT))) {
                    ex.append(' ').append(tokens.get(++i));
                }
                String exception = ex.toString().replaceFirst("(?i)\\s+exception$", "");
                String id = EXCEPTIONS.get(exception.toLowerCase(Locale.ROOT));
                if (id == null) {
                    id = EXCEPTIONS.get((exception + "-exception").toLowerCase(Locale.ROOT));
                }
                int start = out.lastIndexOf(" ") + 1;
                String license = out.substring(Math.max(start, out.lastIndexOf("(") + 1));
                if (id != null && !license.startsWith("LicenseRef-")) {
                    out.append(" WITH ").append(id);
                } else {
                    String name = license + " with " + ex;
                    out.setLength(out.length() - license.length());
                    out.append(ref(name, texts.get(name.toLowerCase(Locale.ROOT)), refs, path));
                }
            } else {
                String id = SPDX.get(lower);
                out.append(id != null ? id : ref(t, texts.get(lower), refs, path));
            }
        }
        String e = out.toString().replaceAll("( (AND|OR) )+$", "").replace("( ", "(").replace(" )", ")");
        return e;
    }

    private static String ref(String name, String text, Map<String, String> refs, String path) {
        String id = "LicenseRef-" + name.replaceAll("[^A-Za-z0-9.-]+", "-").replaceAll("^-+|-+$", "");
        if (id.equals("LicenseRef-")) {
            id = "LicenseRef-unnamed";
        }
        for (String known : refs.keySet()) {
            // SPDX ids are compared without case: one id per name, spelled as first seen.
            if (known.equalsIgnoreCase(id)) {
                return known;
            }
        }
        refs.putIfAbsent(id, text != null ? text.strip() : "The licence named '" + name + "' in " + path + ", which gives no text for it.");
        return id;
    }

    /** deb822 paragraphs, field names lower-cased, continuation lines joined with '\n' (a lone "." an empty line). */
    static List<Map<String, String>> paragraphs(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String field = null;
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    out.add(current);
                    current = new LinkedHashMap<>();
                }
                field = null;
            } else if (line.startsWith("#")) {
                continue;
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && field != null) {
                String l = line.strip();
                current.merge(field, l.equals(".") ? "" : l, (a, b) -> a + "\n" + b);
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    field = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    current.put(field, line.substring(colon + 1).strip());
                } else {
                    field = null;
                }
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
