package dev.peel.tar;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

/** The bytes of a regular file entry: known size, opened on demand, never held whole unless small. */
public interface Content {
    long size();

    InputStream open() throws IOException;

    /** sha256 of the bytes, used to tell identical duplicates from conflicting ones. */
    default byte[] sha256() throws IOException {
        MessageDigest md = dev.peel.oci.Digest.sha256();
        try (InputStream in = open()) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    static Content ofBytes(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new Content() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }

            @Override
            public byte[] sha256() {
                return dev.peel.oci.Digest.sha256().digest(copy);
            }

            @Override
            public String toString() {
                return copy.length + " bytes";
            }
        };
    }

    /** A file whose size is taken now; a file that changes size before it is written is an error then. */
    static Content ofFile(Path file) throws IOException {
        return ofFile(file, Files.size(file));
    }

    /** A file whose size the caller already read (from a directory walk's attributes). */
    static Content ofFile(Path file, long size) {
        return new Content() {
            private byte[] hash;

            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public synchronized byte[] sha256() throws IOException {
                if (hash == null) {
                    hash = Content.super.sha256();
                }
                return hash.clone();
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /** True if both hold the same bytes. */
    static boolean sameBytes(Content a, Content b) throws IOException {
        return a.size() == b.size() && Arrays.equals(a.sha256(), b.sha256());
    }
}
