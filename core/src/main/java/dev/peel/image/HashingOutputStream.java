package dev.peel.image;

import dev.peel.oci.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/** Passes bytes through while counting them and computing their sha256. */
public final class HashingOutputStream extends FilterOutputStream {
    private final MessageDigest md = Digest.sha256();
    private final LongConsumer progress;
    private long count;

    public HashingOutputStream(OutputStream out) {
        this(out, null);
    }

    /** Also tells {@code progress} the size of every write. */
    public HashingOutputStream(OutputStream out, LongConsumer progress) {
        super(out);
        this.progress = progress;
    }

    @Override
    public void write(int b) throws IOException {
        md.update((byte) b);
        count++;
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        md.update(b, off, len);
        count += len;
        out.write(b, off, len);
        if (progress != null) {
            progress.accept(len);
        }
    }

    public long count() {
        return count;
    }

    /** The digest of everything written; call once, after the last write. */
    public Digest digest() {
        return Digest.fromRaw(md.digest());
    }
}
