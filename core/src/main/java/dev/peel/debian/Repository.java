package dev.peel.debian;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * One suite of an apt repository, read along the trust chain: InRelease verified against the keyring,
 * then every index file checked against the SHA256 and size the signed Release lists. Nothing unverified
 * is returned.
 */
public final class Repository {
    private final URI base;
    private final String suite;
    private final Keyring keys;
    private final Fetcher fetcher;
    private final dev.peel.cache.Cache cache;

    public Repository(URI base, String suite, Keyring keys, Fetcher fetcher) {
        this(base, suite, keys, fetcher, null);
    }

    /** With a cache, decompressed indexes are kept by the SHA256 the signed Release gives for them. */
    public Repository(URI base, String suite, Keyring keys, Fetcher fetcher, dev.peel.cache.Cache cache) {
        this.base = Mirrors.withSlash(base);
        this.suite = suite;
        this.keys = keys;
        this.fetcher = fetcher;
        this.cache = cache;
    }

    public URI base() {
        return base;
    }

    public String suite() {
        return suite;
    }

    /** The suite's Release, verified; {@code now} is checked against Valid-Until unless told not to. */
    public Release release(Instant now, boolean ignoreValidUntil) throws RepositoryException {
        URI uri = base.resolve("dists/" + suite + "/InRelease");
        byte[] raw;
        try {
            raw = fetcher.get(uri);
        } catch (Fetcher.NotFound e) {
            throw new RepositoryException(uri + " does not exist: is '" + suite + "' a suite of " + base + "?", e);
        } catch (IOException e) {
            throw new RepositoryException("cannot fetch " + uri + ": " + e.getMessage(), e);
        }
        ClearSigned.Verified v = ClearSigned.verify(raw, keys, uri.toString());
        Release r = Release.parse(v.text(), uri.toString(), dev.peel.oci.Digest.of(raw).hex());
        r.checkFresh(now, ignoreValidUntil, uri.toString());
        return r;
    }

    /**
     * The suite's Release without checking any signature, for sources the spec marks {@code insecure}.
     * Index files are still checked against it (integrity, not authenticity).
     */
    public Release unverifiedRelease(java.util.function.Consumer<String> warnings) throws RepositoryException {
        URI uri = base.resolve("dists/" + suite + "/Release");
        warnings.accept("WARNING: " + base + " " + suite + " is marked insecure: its packages are NOT verified"
                + " against any signature");
        try {
            byte[] raw = fetcher.get(uri);
            return Release.parse(raw, uri.toString(), dev.peel.oci.Digest.of(raw).hex());
        } catch (IOException e) {
            throw new RepositoryException("cannot fetch " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * The Packages index of a component and architecture ({@code binary-all} too), uncompressed, after
     * checking the compressed file's SHA256 and size against the Release. Tries .xz, then .gz, then the
     * plain file, as listed.
     */
    public byte[] packages(Release release, String component, String arch) throws RepositoryException {
        String dir = component + "/binary-" + arch + "/";
        // The Release lists the uncompressed index's hash too (even where only .xz is served): a cached
        // copy that matches it is as trusted as a fresh download, and needs neither download nor unxz.
        Release.FileHash plain = release.sha256().get(dir + "Packages");
        if (cache != null && plain != null) {
            java.util.Optional<byte[]> hit = cache.get("packages", plain.sha256());
            if (hit.isPresent() && hit.get().length == plain.size()) {
                return hit.get();
            }
        }
        for (String name : List.of("Packages.xz", "Packages.gz", "Packages")) {
            Release.FileHash expected = release.sha256().get(dir + name);
            if (expected == null) {
                continue;
            }
            // With Acquire-By-Hash, fetch the file by its signed hash: that path never changes, so a mirror
            // updating between our InRelease and this request cannot hand us a newer index (as apt does).
            boolean byHash = "yes".equalsIgnoreCase(release.get("Acquire-By-Hash"));
            URI named = base.resolve("dists/" + suite + "/" + dir + name);
            URI uri = byHash ? base.resolve("dists/" + suite + "/" + dir + "by-hash/SHA256/" + expected.sha256()) : named;
            byte[] raw;
            try {
                try {
                    raw = fetcher.get(uri);
                } catch (Fetcher.NotFound e) {
                    if (!byHash) {
                        throw e;
                    }
                    // A mirror without that by-hash file: the named file, still checked against the hash.
                    uri = named;
                    raw = fetcher.get(uri);
                }
            } catch (IOException e) {
                throw new RepositoryException("cannot fetch " + uri + ": " + e.getMessage(), e);
            }
            String actual = dev.peel.oci.Digest.of(raw).hex();
            if (raw.length != expected.size() || !actual.equals(expected.sha256())) {
                throw new RepositoryException(uri + " does not match the Release that lists it (sha256 " + actual + ", "
                        + raw.length + " bytes; expected " + expected.sha256() + ", " + expected.size() + " bytes): the mirror is"
                        + " out of sync or the file was tampered with. Try again later, use another mirror (PEEL_DEBIAN_MIRROR),"
                        + " or leave out " + arch + " (--arch)");
            }
            try (InputStream in = decompress(name, raw)) {
                byte[] text = in.readAllBytes();
                if (plain != null) {
                    String h = dev.peel.oci.Digest.of(text).hex();
                    if (text.length != plain.size() || !h.equals(plain.sha256())) {
                        throw new RepositoryException(uri + " decompresses to bytes the signed Release does not list");
                    }
                    if (cache != null) {
                        cache.put("packages", h, text);
                    }
                }
                return text;
            } catch (IOException e) {
                throw new RepositoryException(uri + " matches its checksum but cannot be decompressed: " + e.getMessage(), e);
            }
        }
        throw new RepositoryException("the Release of " + suite + " at " + base + " lists no Packages index for "
                + component + "/" + arch);
    }

    private static InputStream decompress(String name, byte[] raw) throws IOException {
        InputStream in = new ByteArrayInputStream(raw);
        if (name.endsWith(".xz")) {
            return Xz.decompress(in);
        }
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(in);
        }
        return in;
    }
}
