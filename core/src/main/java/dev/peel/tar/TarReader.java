package dev.peel.tar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads tar archives as written by peel, GNU tar, dpkg-deb and Go: ustar, PAX ({@code x}, {@code g}) and
 * GNU long names; numbers in octal or base-256. Call {@link #next()}, then read the entry's data from
 * {@link #data()} (or don't: the rest is skipped).
 */
public final class TarReader implements AutoCloseable {
    /** A tar entry name as a path: without a leading "./" or "/" and without a trailing "/"; "" for the root. */
    public static String cleanPath(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.equals(".") ? "" : n;
    }

    /** One header, with PAX and GNU extensions applied; {@code offset} is where its data starts. */
    public record Header(String name, char type, int mode, long uid, long gid, String uname, String gname,
                         long size, long mtime, String linkName, int devMajor, int devMinor, long offset) {
        /** The name without a leading "./" or "/" and without a trailing "/"; "" for the root. */
        public String path() {
            return cleanPath(name);
        }

        public boolean isDirectory() {
            return type == '5';
        }

        public boolean isRegular() {
            return type == '0' || type == '\0' || type == '7';
        }
    }

    private final InputStream in;
    private final byte[] block = new byte[512];
    private final Map<String, String> global = new HashMap<>();
    private long position;
    private long remaining;
    private long padding;
    private boolean eof;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. */
    public Header next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        if (eof) {
            return null;
        }
        Map<String, String> pax = new HashMap<>(global);
        String longName = null;
        String longLink = null;
        while (true) {
            if (!readBlock()) {
                eof = true;
                return null;
            }
            if (isZero(block)) {
                eof = true;
                return null;
            }
            verifyChecksum();
            char type = (char) block[156];
            long size = number(124, 12);
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                if (size > 16 * 1024 * 1024) {
                    throw new IOException("tar extension header too large: " + size);
                }
                byte[] data = readFully((int) size);
                skip(pad(size));
                if (type == 'x') {
                    parsePax(data, pax);
                } else if (type == 'g') {
                    parsePax(data, global);
                    parsePax(data, pax);
                } else if (type == 'L') {
                    longName = cString(data, 0, data.length);
                } else if (type == 'K') {
                    longLink = cString(data, 0, data.length);
                }
                continue;
            }
            String name = cString(block, 0, 100);
            String magic = cString(block, 257, 6);
            if (magic.equals("ustar")) {
                String prefix = cString(block, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            if (longName != null) {
                name = longName;
            }
            String link = longLink != null ? longLink : cString(block, 157, 100);
            name = pax.getOrDefault("path", name);
            link = pax.getOrDefault("linkpath", link);
            long uid = pax.containsKey("uid") ? paxNumber(pax, "uid") : number(108, 8);
            long gid = pax.containsKey("gid") ? paxNumber(pax, "gid") : number(116, 8);
            if (pax.containsKey("size")) {
                size = paxNumber(pax, "size");
            }
            long mtime = pax.containsKey("mtime") ? paxNumber(pax, "mtime") : number(136, 12);
            String uname = pax.getOrDefault("uname", cString(block, 265, 32));
            String gname = pax.getOrDefault("gname", cString(block, 297, 32));
            int mode = (int) (number(100, 8) & 07777);
            int major = (int) number(329, 8);
            int minor = (int) number(337, 8);
            if ("123456".indexOf(type) >= 0) {
                // Only regular files carry data; readers ignore a size on links, directories and devices.
                size = 0;
            }
            remaining = size;
            padding = pad(size);
            return new Header(name, type, mode, uid, gid, uname, gname, size, mtime, link, major, minor, position);
        }
    }

    /** The current entry's data as the content of an entry to write elsewhere; readable once, before {@link #next}. */
    public Content current() {
        long size = remaining;
        return new Content() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open() {
                return data();
            }
        };
    }

    /** The current entry's data; reading past it returns -1; closing it does nothing. */
    public InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar truncated inside an entry");
                }
                remaining -= n;
                position += n;
                return n;
            }
        };
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private static long pad(long size) {
        long r = size % 512;
        return r == 0 ? 0 : 512 - r;
    }

    private boolean readBlock() throws IOException {
        int off = 0;
        while (off < 512) {
            int n = in.read(block, off, 512 - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("tar truncated inside a header");
            }
            off += n;
        }
        position += 512;
        return true;
    }

    private byte[] readFully(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException("tar truncated");
            }
            off += r;
        }
        position += n;
        return b;
    }

    private void skip(long n) throws IOException {
        byte[] buf = null;
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (buf == null) {
                    buf = new byte[8192];
                }
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    throw new EOFException("tar truncated");
                }
                s = r;
            }
            n -= s;
            position += s;
        }
    }

    private void verifyChecksum() throws IOException {
        long stored = number(148, 8);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : block[i] & 0xff;
        }
        if (sum != stored) {
            throw new IOException("tar header checksum mismatch at offset " + (position - 512));
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private long number(int off, int len) throws IOException {
        if ((block[off] & 0x80) != 0) {
            long v = block[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (block[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            byte c = block[i];
            if (c == 0 || c == ' ') {
                if (any) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                throw new IOException("bad octal number in tar header at offset " + (position - 512 + off));
            }
            v = (v << 3) | (c - '0');
            any = true;
        }
        return v;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** A PAX number; fractional mtimes keep their whole seconds. */
    private static long paxNumber(Map<String, String> pax, String key) throws IOException {
        String v = pax.get(key);
        int dot = v.indexOf('.');
        String whole = dot >= 0 ? v.substring(0, dot) : v;
        try {
            long n = Long.parseLong(whole);
            if (n < 0 && !key.equals("mtime")) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("bad PAX " + key + " '" + v + "'");
        }
    }

    private static void parsePax(byte[] data, Map<String, String> out) throws IOException {
        int i = 0;
        while (i < data.length) {
            int sp = i;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("bad PAX record length");
            }
            if (sp >= data.length || len < sp - i + 3 || i + len > data.length || data[i + len - 1] != '\n') {
                throw new IOException("bad PAX record");
            }
            String rec = new String(data, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq > 0) {
                out.put(rec.substring(0, eq), rec.substring(eq + 1));
            }
            i += len;
        }
    }
}
