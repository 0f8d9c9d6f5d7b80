package dev.peel.diff;

import dev.peel.image.Layer;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A layer whose bytes are checked against its digest and size as they are read: more bytes than the descriptor says
 * fail at once, a wrong digest or a short blob when the stream ends or is closed (what is left is read then).
 * Layout layers are not checked by their reader; a registry's are, and pass through untouched.
 */
record VerifiedLayer(Layer layer) implements Layer {
    static Layer of(Layer l) {
        return l.verifiesOnRead() ? l : new VerifiedLayer(l);
    }

    @Override
    public Digest digest() {
        return layer.digest();
    }

    @Override
    public Digest diffId() {
        return layer.diffId();
    }

    @Override
    public long size() {
        return layer.size();
    }

    @Override
    public MediaType mediaType() {
        return layer.mediaType();
    }

    @Override
    public boolean verifiesOnRead() {
        return true;
    }

    @Override
    public Layer origin() {
        return layer.origin();
    }

    @Override
    public InputStream open() throws IOException {
        return new Checked(layer.open());
    }

    private final class Checked extends FilterInputStream {
        private final MessageDigest md = Digest.sha256();
        private long count;
        private boolean checked;

        Checked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                check();
                return -1;
            }
            md.update(b, off, n);
            count += n;
            if (count > size()) {
                throw new IOException("layer " + digest() + " has more bytes than its descriptor's " + size());
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 65536)];
            int r = read(buf, 0, (int) Math.min(n, buf.length));
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() throws IOException {
            try {
                if (!checked) {
                    byte[] buf = new byte[65536];
                    while (read(buf, 0, buf.length) >= 0) {
                        // What the reader left (a tar's padding, a gzip trailer) is read for the check.
                    }
                }
            } finally {
                in.close();
            }
        }

        private void check() throws IOException {
            if (checked) {
                return;
            }
            checked = true;
            if (count != size()) {
                throw new IOException("layer " + digest() + " has " + count + " bytes, its descriptor says " + size());
            }
            if (!Digest.fromRaw(md.digest()).equals(digest())) {
                throw new IOException("layer " + digest() + " does not match its digest");
            }
        }
    }
}
