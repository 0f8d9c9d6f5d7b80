package dev.peel.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tar archives byte-for-byte reproducibly: ustar headers, PAX records only where ustar cannot
 * hold a value (long or non-ASCII names, big sizes or ids), never atime/ctime, two zero blocks at the end.
 * Directories are written with a trailing slash. The caller decides order; see {@link LayerTree}.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final long MAX_OCTAL_7 = 07777777L;

    private final OutputStream out;
    private final byte[] copyBuffer = new byte[128 * 1024];
    private boolean closed;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    public void write(TarEntry e) throws IOException {
        String name = e.type() == TarEntry.Type.DIRECTORY ? e.path() + "/" : e.path();
        String link = e.linkTarget() == null ? "" : e.linkTarget();
        Map<String, String> pax = new TreeMap<>();

        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        String headerName = name;
        String prefix = "";
        if (!isAscii(name)) {
            pax.put("path", name);
            headerName = asciiFallback(name, 100);
        } else if (nameBytes.length > 100) {
            int split = splitPoint(name);
            if (split < 0) {
                pax.put("path", name);
                headerName = asciiFallback(name, 100);
            } else {
                prefix = name.substring(0, split);
                headerName = name.substring(split + 1);
            }
        }
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        String headerLink = link;
        if (!isAscii(link) || linkBytes.length > 100) {
            pax.put("linkpath", link);
            headerLink = asciiFallback(link, 100);
        }
        long size = e.size();
        if (size > MAX_OCTAL_11) {
            pax.put("size", Long.toString(size));
        }
        if (e.uid() > MAX_OCTAL_7) {
            pax.put("uid", Long.toString(e.uid()));
        }
        if (e.gid() > MAX_OCTAL_7) {
            pax.put("gid", Long.toString(e.gid()));
        }
        if (e.mtime() < 0 || e.mtime() > MAX_OCTAL_11) {
            pax.put("mtime", Long.toString(e.mtime()));
        }
        String uname = e.uname();
        String gname = e.gname();
        if (!isAscii(uname) || uname.length() > 32) {
            pax.put("uname", uname);
            uname = "";
        }
        if (!isAscii(gname) || gname.length() > 32) {
            pax.put("gname", gname);
            gname = "";
        }

        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String paxName = asciiFallback("PaxHeaders/" + lastPart(e.path()), 100);
            out.write(header(paxName, "", 'x', 0644, 0, 0, records.length, clampTime(e.mtime()), "", "", "", 0, 0));
            out.write(records);
            pad(records.length);
        }
        out.write(header(headerName, prefix, e.type().flag, e.mode(), Math.min(e.uid(), MAX_OCTAL_7),
                Math.min(e.gid(), MAX_OCTAL_7), size > MAX_OCTAL_11 ? 0 : size, clampTime(e.mtime()), headerLink,
                uname, gname, e.devMajor(), e.devMinor()));
        if (e.type() == TarEntry.Type.FILE) {
            long copied = 0;
            try (InputStream in = e.content().open()) {
                int n;
                while ((n = in.read(copyBuffer)) > 0) {
                    if (copied + n > size) {
                        throw new IOException("file grew while being written: " + e.content());
                    }
                    out.write(copyBuffer, 0, n);
                    copied += n;
                }
            }
            if (copied != size) {
                throw new IOException("file shrank while being written: " + e.content());
            }
            pad(size);
        }
    }

    private static long clampTime(long t) {
        return Math.max(0, Math.min(t, MAX_OCTAL_11));
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    /** The end-of-archive marker; does not close the underlying stream. */
    public void finish() throws IOException {
        if (!closed) {
            out.write(new byte[2 * BLOCK]);
            closed = true;
        }
    }

    @Override
    public void close() throws IOException {
        finish();
        out.flush();
    }

    private static int splitPoint(String name) {
        // ustar: prefix (<=155 bytes) + '/' + name (<=100 bytes), name non-empty.
        int limit = Math.min(name.length() - 1, 155);
        for (int i = limit; i > 0; i--) {
            if (name.charAt(i) == '/' && name.length() - i - 1 <= 100 && name.length() - i - 1 > 0) {
                return i;
            }
        }
        return -1;
    }

    private static String lastPart(String p) {
        int i = p.lastIndexOf('/');
        return i < 0 ? p : p.substring(i + 1);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c == 0) {
                return false;
            }
        }
        return true;
    }

    private static String asciiFallback(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x80 && c != 0 ? c : '_');
        }
        return sb.toString();
    }

    static byte[] paxRecords(Map<String, String> pax) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> kv : pax.entrySet()) {
            String body = " " + kv.getKey() + "=" + kv.getValue() + "\n";
            int bodyLen = body.getBytes(StandardCharsets.UTF_8).length;
            int len = bodyLen + 1;
            while (Integer.toString(len).length() + bodyLen != len) {
                len++;
            }
            sb.append(len).append(body);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] header(String name, String prefix, char type, int mode, long uid, long gid, long size,
                                 long mtime, String link, String uname, String gname, int devMajor, int devMinor) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        put(h, 265, 32, uname);
        put(h, 297, 32, gname);
        octal(h, 329, 8, devMajor);
        octal(h, 337, 8, devMinor);
        put(h, 345, 155, prefix);
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String cs = String.format("%06o", sum);
        put(h, 148, 6, cs);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > len) {
            throw new IllegalStateException("tar field overflow: " + s);
        }
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) {
            throw new IllegalStateException("tar numeric field overflow: " + v);
        }
        String padded = "0".repeat(len - 1 - s.length()) + s;
        put(h, off, len - 1, padded);
        h[off + len - 1] = 0;
    }
}
