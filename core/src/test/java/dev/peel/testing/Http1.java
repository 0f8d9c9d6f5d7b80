package dev.peel.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Just enough HTTP/1.1 framing (RFC 9112) for a proxy that streams bodies instead of holding them. */
final class Http1 {
    /** Bounds a message head (and a chunked body's trailers) so a broken peer cannot make us buffer without end. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int BUFFER = 64 * 1024;

    /** Fields that describe one connection, not the message: a proxy must not pass them on (RFC 9110 7.6.1). */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade");

    private Http1() {
    }

    /** One header field, spelled as the peer sent it. */
    record Field(String name, String value) {
    }

    /** A request or status line with its header fields in order. */
    static final class Head {
        String startLine;
        final List<Field> fields = new ArrayList<>();

        Head(String startLine) {
            this.startLine = startLine;
        }

        String first(String name) {
            for (Field f : fields) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f.value();
                }
            }
            return null;
        }

        List<String> all(String name) {
            List<String> values = new ArrayList<>();
            for (Field f : fields) {
                if (f.name().equalsIgnoreCase(name)) {
                    values.add(f.value());
                }
            }
            return values;
        }

        /** Whether a comma-separated field such as Connection or Transfer-Encoding lists the token. */
        boolean hasToken(String name, String token) {
            for (String value : all(name)) {
                for (String t : value.split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
            return false;
        }

        void add(String name, String value) {
            fields.add(new Field(name, value));
        }

        void set(String name, String value) {
            remove(name);
            add(name, value);
        }

        void remove(String name) {
            fields.removeIf(f -> f.name().equalsIgnoreCase(name));
        }

        /** Drops the connection-scoped fields, including those the Connection field itself names. */
        void removeHopByHop() {
            List<String> named = new ArrayList<>();
            for (String value : all("Connection")) {
                for (String t : value.split(",")) {
                    named.add(t.trim().toLowerCase(Locale.ROOT));
                }
            }
            fields.removeIf(f -> {
                String n = f.name().toLowerCase(Locale.ROOT);
                return HOP_BY_HOP.contains(n) || named.contains(n);
            });
        }

        void writeTo(OutputStream out) throws IOException {
            StringBuilder sb = new StringBuilder(startLine).append("\r\n");
            for (Field f : fields) {
                sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
            }
            out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** How a body is delimited on the wire. */
    enum Kind { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    record Framing(Kind kind, long length) {
        static final Framing NONE = new Framing(Kind.NONE, 0);
        static final Framing CHUNKED = new Framing(Kind.CHUNKED, -1);
        static final Framing UNTIL_CLOSE = new Framing(Kind.UNTIL_CLOSE, -1);

        static Framing length(long n) {
            return new Framing(Kind.LENGTH, n);
        }
    }

    /**
     * Reads a request or response head; null when the peer closed before sending a byte of it, which is how an
     * idle keep-alive connection ends.
     */
    static Head readHead(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String start = readLine(in, budget);
        // RFC 9112 2.2: a server should ignore empty lines before a request line; a few are enough.
        for (int i = 0; i < 4 && start != null && start.isEmpty(); i++) {
            start = readLine(in, budget);
        }
        if (start == null) {
            return null;
        }
        Head head = new Head(start);
        for (;;) {
            String line = readLine(in, budget);
            if (line == null) {
                throw new EOFException("connection closed inside a message head");
            }
            if (line.isEmpty()) {
                return head;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                // Obsolete line folding and nameless fields are errors in HTTP/1.1; nothing we talk to sends them.
                throw new ProtocolException("malformed header line: " + line);
            }
            head.add(line.substring(0, colon), line.substring(colon + 1).trim());
        }
    }

    /** One line without its CRLF (a bare LF is accepted); null at end of stream before any byte. */
    private static String readLine(InputStream in, int[] budget) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (sb.length() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a line");
            }
            if (--budget[0] < 0) {
                throw new ProtocolException("message head longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                int end = sb.length();
                return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    /** RFC 9112 6.3 for requests: chunked wins over a length; no framing means no body. */
    static Framing requestFraming(Head head) throws ProtocolException {
        if (!head.all("Transfer-Encoding").isEmpty()) {
            if (!lastCodingIsChunked(head)) {
                throw new ProtocolException("a request's transfer coding must end in chunked");
            }
            return Framing.CHUNKED;
        }
        long length = contentLength(head);
        return length < 0 ? Framing.NONE : Framing.length(length);
    }

    /** RFC 9112 6.3 for responses, which unlike requests may run until the connection closes. */
    static Framing responseFraming(String requestMethod, int status, Head head) throws ProtocolException {
        if (!hasBody(requestMethod, status)) {
            return Framing.NONE;
        }
        if (!head.all("Transfer-Encoding").isEmpty()) {
            return lastCodingIsChunked(head) ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        }
        long length = contentLength(head);
        return length < 0 ? Framing.UNTIL_CLOSE : Framing.length(length);
    }

    /** A HEAD response, 1xx, 204 and 304 never carry a body, whatever their Content-Length says. */
    static boolean hasBody(String requestMethod, int status) {
        return !requestMethod.equals("HEAD") && status >= 200 && status != 204 && status != 304;
    }

    private static boolean lastCodingIsChunked(Head head) {
        List<String> values = head.all("Transfer-Encoding");
        String[] codings = values.get(values.size() - 1).split(",");
        return codings[codings.length - 1].trim().equalsIgnoreCase("chunked");
    }

    /** -1 when absent; differing values are an error because each would frame the message differently. */
    private static long contentLength(Head head) throws ProtocolException {
        long length = -1;
        for (String value : head.all("Content-Length")) {
            for (String v : value.split(",")) {
                long n;
                try {
                    n = Long.parseLong(v.trim());
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad Content-Length: " + value);
                }
                if (n < 0 || (length >= 0 && n != length)) {
                    throw new ProtocolException("bad Content-Length: " + value);
                }
                length = n;
            }
        }
        return length;
    }

    /** The payload of a body, framing removed; closing it leaves the connection open. */
    static InputStream bodyIn(InputStream in, Framing framing) {
        return switch (framing.kind()) {
            case NONE -> InputStream.nullInputStream();
            case LENGTH -> new FixedIn(in, framing.length());
            case CHUNKED -> new ChunkedIn(in);
            case UNTIL_CLOSE -> new FixedIn(in, -1);
        };
    }

    /** Writes a payload with the given framing; {@link BodyOut#finish()} ends it without closing the connection. */
    static BodyOut bodyOut(OutputStream out, Framing framing) {
        return framing.kind() == Kind.CHUNKED ? new ChunkedOut(out) : new BodyOut(out);
    }

    /** Copies at most {@code limit} bytes, fewer when the input ends first; returns how many. */
    static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[BUFFER];
        long copied = 0;
        while (copied < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - copied));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            copied += n;
        }
        return copied;
    }

    /** A body of known length (or, with -1, one that runs to the end of the stream). */
    private static final class FixedIn extends InputStream {
        private final InputStream in;
        private final long length;
        private long left;

        FixedIn(InputStream in, long length) {
            this.in = in;
            this.length = length;
            this.left = length < 0 ? Long.MAX_VALUE : length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                if (length < 0) {
                    left = 0;
                    return -1;
                }
                throw new EOFException("body ended after " + (length - left) + " of " + length + " bytes");
            }
            left -= n;
            return n;
        }
    }

    private static final class ChunkedIn extends InputStream {
        private final InputStream in;
        private long left;
        private boolean afterChunk;
        private boolean done;

        ChunkedIn(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0 && !nextChunk()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed inside a chunk");
            }
            left -= n;
            return n;
        }

        /** Reads the next chunk's size line; false after the last chunk and its trailers, which are dropped. */
        private boolean nextChunk() throws IOException {
            int[] budget = {MAX_HEAD_BYTES};
            if (afterChunk && !"".equals(readLine(in, budget))) {
                throw new ProtocolException("chunk data not followed by CRLF");
            }
            String line = readLine(in, budget);
            if (line == null) {
                throw new EOFException("connection closed before the last chunk");
            }
            int semicolon = line.indexOf(';');
            String size = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
            try {
                left = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new ProtocolException("bad chunk size: " + line);
            }
            if (left < 0) {
                throw new ProtocolException("bad chunk size: " + line);
            }
            afterChunk = true;
            if (left > 0) {
                return true;
            }
            for (String trailer = readLine(in, budget); ; trailer = readLine(in, budget)) {
                if (trailer == null) {
                    throw new EOFException("connection closed inside the trailers");
                }
                if (trailer.isEmpty()) {
                    done = true;
                    return false;
                }
            }
        }
    }

    /** Writes a body as it comes; close does not close the connection beneath. */
    static class BodyOut extends OutputStream {
        final OutputStream out;

        BodyOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /** Ends a complete body (a chunked one needs its last chunk). */
        void finish() throws IOException {
        }
    }

    private static final class ChunkedOut extends BodyOut {
        ChunkedOut(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            // An empty chunk would end the body.
            if (len == 0) {
                return;
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write('\r');
            out.write('\n');
        }

        @Override
        void finish() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
