package dev.peel.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>}; the only algorithm peel writes or accepts. */
public record Digest(String hex) implements Comparable<Digest> {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a sha256 hex digest: " + hex);
        }
    }

    /** Parses {@code sha256:<hex>}; anything else is an {@link IllegalArgumentException}. */
    public static Digest parse(String s) {
        if (s == null || !s.startsWith("sha256:")) {
            throw new IllegalArgumentException("not a sha256 digest: " + s);
        }
        return new Digest(s.substring("sha256:".length()));
    }

    /** The sha256 of these exact bytes. */
    public static Digest of(byte[] bytes) {
        return fromRaw(sha256().digest(bytes));
    }

    /** Wraps the raw 32 bytes a {@link MessageDigest} returned. */
    public static Digest fromRaw(byte[] raw) {
        return new Digest(HexFormat.of().formatHex(raw));
    }

    /** A fresh SHA-256 {@link MessageDigest} (the JDK's, which is much faster than alternatives). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public String algorithm() {
        return "sha256";
    }

    // equals and hashCode written out: a record's generated ones are bootstrapped through method handles on first
    // use, ≈ 25 ms of every CLI start (docs/benchmarks.md, peel run).
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && hex.equals(d.hex);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return hex.compareTo(o.hex);
    }
}
