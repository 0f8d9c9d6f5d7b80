package dev.peel.debian;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each stanza of a Packages file is, with the three fields a universe is built from (Package,
 * Architecture, Provides). A fast byte scan makes it; it is cached by the Packages file's SHA256, so a warm
 * run reads it back instead of scanning, and parses only the stanzas the resolver asks for.
 */
final class StanzaIndex {
    record Entry(String name, String arch, String provides, int start, int end) {
    }

    private StanzaIndex() {
    }

    /** One pass over the bytes: stanza bounds and the three fields, no other allocation. */
    static List<Entry> scan(byte[] t) {
        List<Entry> out = new ArrayList<>(70_000);
        int n = t.length;
        int i = 0;
        int start = -1;
        String name = null;
        String arch = null;
        String provides = null;
        while (i < n) {
            int lineEnd = i;
            while (lineEnd < n && t[lineEnd] != '\n') {
                lineEnd++;
            }
            boolean blank = true;
            for (int k = i; k < lineEnd && blank; k++) {
                blank = t[k] == ' ' || t[k] == '\t' || t[k] == '\r';
            }
            if (blank) {
                if (start >= 0) {
                    out.add(new Entry(name, arch, provides, start, i));
                    start = -1;
                    name = null;
                    arch = null;
                    provides = null;
                }
            } else {
                if (start < 0) {
                    start = i;
                }
                if (starts(t, i, "Package:")) {
                    name = value(t, i + 8, lineEnd);
                } else if (starts(t, i, "Architecture:")) {
                    arch = value(t, i + 13, lineEnd);
                } else if (starts(t, i, "Provides:")) {
                    provides = value(t, i + 9, lineEnd);
                }
            }
            i = lineEnd + 1;
        }
        if (start >= 0) {
            out.add(new Entry(name, arch, provides, start, n));
        }
        return out;
    }

    private static boolean starts(byte[] t, int i, String field) {
        if (i + field.length() > t.length) {
            return false;
        }
        for (int k = 0; k < field.length(); k++) {
            if (t[i + k] != field.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static String value(byte[] t, int from, int to) {
        int e = to > from && t[to - 1] == '\r' ? to - 1 : to;
        while (from < e && (t[from] == ' ' || t[from] == '\t')) {
            from++;
        }
        while (e > from && (t[e - 1] == ' ' || t[e - 1] == '\t')) {
            e--;
        }
        return new String(t, from, e - from, StandardCharsets.UTF_8);
    }

    static byte[] toBytes(List<Entry> entries) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(entries.size() * 40);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeInt(entries.size());
            for (Entry e : entries) {
                writeString(out, e.name());
                writeString(out, e.arch());
                writeString(out, e.provides());
                out.writeInt(e.start());
                out.writeInt(e.end());
            }
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads back what {@link #toBytes} wrote; null if it does not fit a text of {@code textLength} bytes. */
    static List<Entry> fromBytes(byte[] b, int textLength) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
            int count = in.readInt();
            List<Entry> out = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                String name = readString(in, b.length);
                String arch = readString(in, b.length);
                String provides = readString(in, b.length);
                int start = in.readInt();
                int end = in.readInt();
                if (start < 0 || end > textLength || start > end) {
                    return null;
                }
                out.add(new Entry(name.isEmpty() ? null : name, arch.isEmpty() ? null : arch,
                        provides.isEmpty() ? null : provides, start, end));
            }
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    // Length-prefixed UTF-8: some Provides fields (Rust crates) are longer than writeUTF allows.
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("bad string length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
