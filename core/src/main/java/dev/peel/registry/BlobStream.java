package dev.peel.registry;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A blob read from a registry, checked as it goes: never more bytes than the descriptor's size, and at the end
 * exactly that size with the descriptor's digest. A transfer cut off midway is resumed with a Range request
 * (a bounded number of times); a registry that ignores Range is read again from the start, skipping what was had.
 */
final class BlobStream extends InputStream {
    private static final int MAX_RESUMES = 8;

    private final Repository repo;
    private final Digest digest;
    private final long size;
    private final MessageDigest sha = Digest.sha256();
    private Registry.Response response;
    private InputStream in;
    private long pos;
    private int resumes;
    private boolean verified;

    /** The response body is an {@link IdleStream}: a transfer that stops moving fails its read and is resumed. */
    BlobStream(Repository repo, Digest digest, long size) throws RegistryException {
        this.repo = repo;
        this.digest = digest;
        this.size = size;
        connect();
    }

    private void connect() throws RegistryException {
        response = repo.getBlob(digest, pos);
        in = response.body();
        long skip = 0;
        if (pos > 0 && response.status() != 206) {
            skip = pos;
        } else if (response.status() == 206) {
            String range = response.header("Content-Range").orElse("");
            if (!range.startsWith("bytes " + pos + "-")) {
                response.close();
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "blob " + digest + " of " + repo
                        + ": asked for bytes from " + pos + ", the registry sent '" + range + "'");
            }
        }
        try {
            while (skip > 0) {
                long n = in.skip(skip);
                if (n <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("ended early");
                    }
                    n = 1;
                }
                skip -= n;
            }
        } catch (IOException e) {
            response.close();
            throw new RegistryException(RegistryException.Kind.FAILED, "blob " + digest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, Math.max(1, size - pos + 1)));
            } catch (IOException e) {
                resume(e);
                continue;
            }
            if (n < 0) {
                if (pos < size) {
                    resume(new IOException("the transfer ended after " + pos + " of " + size + " bytes"));
                    continue;
                }
                verify();
                return -1;
            }
            if (pos + n > size) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "blob " + digest + " of " + repo
                        + " is larger than its descriptor's " + size + " bytes; refused");
            }
            sha.update(b, off, n);
            pos += n;
            if (pos == size) {
                verify();
            }
            return n;
        }
    }

    private void resume(IOException cause) throws IOException {
        response.close();
        if (++resumes > MAX_RESUMES) {
            throw new RegistryException(RegistryException.Kind.FAILED, "blob " + digest + " of " + repo + ": "
                    + cause.getMessage() + "; gave up after " + MAX_RESUMES + " resumes", cause);
        }
        repo.registry().notice("blob " + digest.hex().substring(0, 12) + ": " + cause.getMessage() + "; resuming at byte " + pos);
        connect();
    }

    private void verify() throws RegistryException {
        if (verified) {
            return;
        }
        verified = true;
        Digest got = Digest.fromRaw(sha.digest());
        if (!got.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "blob " + digest + " of " + repo
                    + " does not match its digest (got " + got + "); refused");
        }
    }

    @Override
    public void close() {
        response.close();
    }
}
