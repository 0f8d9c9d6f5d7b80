package dev.peel.debian;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A suite's signed Release: its fields, and the SHA256 and size of every index file it lists (the next
 * link of the trust chain).
 */
public record Release(Deb822.Stanza fields, Map<String, FileHash> sha256, Instant date, Instant validUntil,
                      String fileSha256) {
    /** An index file's expected digest (hex) and size. */
    public record FileHash(String sha256, long size) {
    }

    private static final DateTimeFormatter RFC_1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    /**
     * Parses a verified Release text; {@code what} names it in errors, {@code fileSha256} is the digest of
     * the file as fetched (the InRelease a lock records).
     */
    public static Release parse(byte[] text, String what, String fileSha256) throws RepositoryException {
        Deb822.Stanza s;
        try {
            var stanzas = Deb822.parse(text);
            if (stanzas.size() != 1) {
                throw new RepositoryException(what + " should hold one stanza, not " + stanzas.size());
            }
            s = stanzas.get(0);
        } catch (Deb822.ParseException e) {
            throw new RepositoryException(what + " is malformed: " + e.getMessage(), e);
        }
        String list = s.get("SHA256");
        if (list == null) {
            throw new RepositoryException(what + " lists no SHA256 checksums; peel does not trust weaker ones");
        }
        Map<String, FileHash> files = new LinkedHashMap<>();
        for (String line : list.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            String[] p = l.split("\\s+");
            if (p.length != 3 || !p[0].matches("[0-9a-f]{64}")) {
                throw new RepositoryException(what + ": bad SHA256 line '" + l + "'");
            }
            try {
                files.put(p[2], new FileHash(p[0], Long.parseLong(p[1])));
            } catch (NumberFormatException e) {
                throw new RepositoryException(what + ": bad size in '" + l + "'");
            }
        }
        return new Release(s, files, time(s.get("Date"), what), time(s.get("Valid-Until"), what), fileSha256);
    }

    private static Instant time(String v, String what) throws RepositoryException {
        if (v == null) {
            return null;
        }
        try {
            // Debian writes "Sat, 10 May 2025 09:15:34 UTC"; RFC 1123 wants GMT or an offset.
            return ZonedDateTime.parse(v.replace(" UTC", " GMT"), RFC_1123).toInstant();
        } catch (DateTimeParseException e) {
            throw new RepositoryException(what + ": unreadable date '" + v + "'");
        }
    }

    /** Fails if the Release is past its Valid-Until at {@code now}, unless {@code ignoreValidUntil}. */
    public void checkFresh(Instant now, boolean ignoreValidUntil, String what) throws RepositoryException {
        if (!ignoreValidUntil && validUntil != null && now.isAfter(validUntil)) {
            throw new RepositoryException(what + " expired on " + validUntil + " (Valid-Until); the mirror is stale"
                    + " or replayed. For a snapshot, this check can be turned off.");
        }
    }

    public String get(String field) {
        return fields.get(field);
    }

    /** The archs the Release says the suite has ({@code Architectures:}), or null when it does not say (all). */
    public java.util.Set<String> architectures() {
        String v = fields.get("Architectures");
        if (v == null || v.isBlank()) {
            return null;
        }
        return new java.util.LinkedHashSet<>(java.util.Arrays.asList(v.strip().split("\\s+")));
    }
}
