package dev.peel.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One client connection of a {@link FaultProxy}: its requests one after another (keep-alive), each either answered
 * by a fault or forwarded upstream over a connection of its own. A fresh upstream connection per request costs
 * little on loopback and spares us from telling a stale pooled connection from an injected fault.
 */
final class ProxyConnection implements Runnable {
    /** The first byte of a TLS record carrying a handshake (a ClientHello here). */
    private static final int TLS_HANDSHAKE = 0x16;

    private final FaultProxy proxy;
    private final Socket client;
    private final int id;
    private InputStream in;
    private OutputStream out;

    ProxyConnection(FaultProxy proxy, Socket client, int id) {
        this.proxy = proxy;
        this.client = client;
        this.id = id;
    }

    /** A request being handled: what the exchange log needs, recorded once. */
    private final class Request {
        final Http1.Head head;
        final String method;
        final String target;
        final boolean keepAlive;
        Http1.Framing framing = Http1.Framing.NONE;
        Fault fault;
        boolean recorded;

        Request(Http1.Head head, String method, String target, boolean keepAlive) {
            this.head = head;
            this.method = method;
            this.target = target;
            this.keepAlive = keepAlive;
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** Called before the outcome reaches the client, so a test that saw the outcome also sees the entry. */
        void record(int status) {
            if (!recorded) {
                recorded = true;
                proxy.record(new FaultProxy.Exchange(id, method, target, status,
                        fault == null ? null : fault.describe()));
            }
        }

        InputStream body() {
            return Http1.bodyIn(in, framing);
        }
    }

    @Override
    public void run() {
        try {
            client.setSoTimeout(FaultProxy.IO_TIMEOUT_MILLIS);
            client.setTcpNoDelay(true);
            in = new BufferedInputStream(client.getInputStream(), Http1.BUFFER);
            out = new BufferedOutputStream(client.getOutputStream(), Http1.BUFFER);
            // Ends when the client closes or idles past the timeout, a fault cuts the connection, or close() runs.
            boolean more = true;
            while (more) {
                more = exchange();
            }
        } catch (IOException e) {
            // The client went away, or close() cut the connection: nobody is left to answer.
        } finally {
            proxy.forget(client);
        }
    }

    /** Handles one request; false when the connection must end. */
    private boolean exchange() throws IOException {
        in.mark(1);
        int first = in.read();
        if (first < 0) {
            return false; // the client closed an idle connection
        }
        in.reset();
        if (first == TLS_HANDSHAKE) {
            // skopeo tries TLS first even with tls-verify=false; a plain-HTTP registry answers 400, so it falls back.
            return badRequest("TLS handshake on a plain HTTP port");
        }
        Http1.Head head;
        try {
            head = Http1.readHead(in);
        } catch (ProtocolException e) {
            return badRequest(e.getMessage());
        }
        if (head == null) {
            return false;
        }
        String[] line = head.startLine.split(" ");
        if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
            return badRequest("bad request line");
        }
        boolean keepAlive = line[2].equals("HTTP/1.1") && !head.hasToken("Connection", "close");
        Request r = new Request(head, line[0], line[1], keepAlive);
        try {
            r.framing = Http1.requestFraming(head);
        } catch (ProtocolException e) {
            return badRequest(e.getMessage());
        }
        r.fault = proxy.select(r.method, r.path());
        try {
            return handle(r);
        } finally {
            r.record(0); // no-op unless an I/O error cut the exchange short
        }
    }

    private boolean handle(Request r) throws IOException {
        if (r.fault instanceof Fault.Reset) {
            r.record(0);
            FaultProxy.abort(client);
            return false;
        }
        if (r.fault instanceof Fault.Respond answer) {
            return answer(r, answer.status(), answer.body(), answer.headers());
        }
        if (r.fault instanceof Fault.Stall stall) {
            try {
                if (!proxy.stall(stall.millis())) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return forward(r);
    }

    /** Answers what is not an HTTP/1.x request; it is not logged, as no test asked for it. */
    private boolean badRequest(String why) throws IOException {
        sendResponse("GET", 400, List.of(), why.getBytes(StandardCharsets.UTF_8), false);
        return false;
    }

    /** Answers without the upstream; the body is read first so the next request on the connection parses. */
    private boolean answer(Request r, int status, byte[] body, List<String> headers) throws IOException {
        continueIfExpected(r);
        Http1.copy(r.body(), OutputStream.nullOutputStream(), Long.MAX_VALUE);
        r.record(status);
        return sendResponse(r.method, status, headers, body, r.keepAlive);
    }

    /** What a real gateway says when its upstream fails; not an injected fault, so tests see it as a plain 502. */
    private boolean badGateway(Request r, String why) throws IOException {
        r.record(502);
        return sendResponse(r.method, 502, List.of(), why.getBytes(StandardCharsets.UTF_8), r.keepAlive);
    }

    /** Writes a whole small response; Content-Length is set to the body unless the status forbids a body. */
    private boolean sendResponse(String method, int status, List<String> headers, byte[] body, boolean keepAlive)
            throws IOException {
        Http1.Head h = new Http1.Head("HTTP/1.1 " + status + " " + FaultProxy.reason(status));
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            h.add(headers.get(i), headers.get(i + 1));
        }
        boolean hasBody = Http1.hasBody(method, status);
        if (hasBody) {
            h.remove("Transfer-Encoding");
            h.set("Content-Length", Integer.toString(body.length));
        }
        if (!keepAlive) {
            h.set("Connection", "close");
        }
        h.writeTo(out);
        if (hasBody) {
            out.write(body);
        }
        out.flush();
        return keepAlive;
    }

    /** The proxy answers Expect: 100-continue itself and never forwards it, so the upstream sees a plain request. */
    private void continueIfExpected(Request r) throws IOException {
        if (r.framing.kind() != Http1.Kind.NONE && r.head.hasToken("Expect", "100-continue")) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private boolean forward(Request r) throws IOException {
        continueIfExpected(r);
        Socket up;
        try {
            up = proxy.connectUpstream();
        } catch (IOException e) {
            Http1.copy(r.body(), OutputStream.nullOutputStream(), Long.MAX_VALUE);
            return badGateway(r, "upstream unreachable: " + e);
        }
        try {
            return exchangeWith(up, r);
        } finally {
            proxy.forget(up);
        }
    }

    private boolean exchangeWith(Socket up, Request r) throws IOException {
        OutputStream upOut = new BufferedOutputStream(up.getOutputStream(), Http1.BUFFER);
        upstreamHead(r).writeTo(upOut);
        Http1.BodyOut requestBody = Http1.bodyOut(upOut, r.framing);
        if (r.fault instanceof Fault.DropRequest drop) {
            Http1.copy(r.body(), requestBody, drop.after());
            upOut.flush();
            r.record(0);
            FaultProxy.abort(up);
            FaultProxy.abort(client);
            return false;
        }
        // The whole request goes before the response is read: a server that answers early and stops reading
        // an upload is not modelled.
        Http1.copy(r.body(), requestBody, Long.MAX_VALUE);
        requestBody.finish();
        upOut.flush();

        InputStream upIn = new BufferedInputStream(up.getInputStream(), Http1.BUFFER);
        Http1.Head head = readFinalHead(upIn);
        String[] status = head == null ? null : head.startLine.split(" ", 3);
        if (status == null || status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            return badGateway(r, "upstream sent no valid response");
        }
        int code;
        Http1.Framing upFraming;
        try {
            code = Integer.parseInt(status[1]);
            upFraming = Http1.responseFraming(r.method, code, head);
        } catch (NumberFormatException | ProtocolException e) {
            return badGateway(r, "upstream response unusable: " + e.getMessage());
        }
        FaultProxy.Response response = new FaultProxy.Response(code, status.length > 2 ? status[2] : "", head,
                Http1.bodyIn(upIn, upFraming));
        if (r.fault instanceof Fault.Rewrite rewrite) {
            rewrite.edit().apply(response);
        }
        return relay(r, response, upFraming);
    }

    /** The request as the upstream gets it: same target and Host, minus connection-scoped fields. */
    private static Http1.Head upstreamHead(Request r) {
        Http1.Head h = new Http1.Head(r.method + " " + r.target + " HTTP/1.1");
        h.fields.addAll(r.head.fields);
        h.removeHopByHop();
        h.remove("Expect");
        if (r.framing.kind() == Http1.Kind.CHUNKED) {
            // Both framings at once is how requests get smuggled (RFC 9112 6.3); chunked wins.
            h.remove("Content-Length");
        }
        h.add("Connection", "close");
        return h;
    }

    /** The upstream's final response head; interim 1xx responses (we never forward Expect) are skipped. */
    private static Http1.Head readFinalHead(InputStream upIn) throws IOException {
        for (int i = 0; i < 8; i++) {
            Http1.Head head = Http1.readHead(upIn);
            String[] status = head == null ? null : head.startLine.split(" ", 3);
            if (status == null || status.length < 2 || !status[1].startsWith("1") || status[1].equals("101")) {
                return head;
            }
        }
        throw new ProtocolException("upstream sent too many interim responses");
    }

    private boolean relay(Request r, FaultProxy.Response response, Http1.Framing upFraming) throws IOException {
        Http1.Head h = response.head;
        h.startLine = response.statusLine();
        h.removeHopByHop();
        Http1.Framing framing;
        if (!Http1.hasBody(r.method, response.status())) {
            framing = Http1.Framing.NONE; // HEAD keeps the Content-Length it describes
        } else if (response.replacedLength != null) {
            long n = response.replacedLength;
            framing = n < 0 ? Http1.Framing.CHUNKED : Http1.Framing.length(n);
            h.remove("Content-Length");
            h.remove("Transfer-Encoding");
            h.set(n < 0 ? "Transfer-Encoding" : "Content-Length", n < 0 ? "chunked" : Long.toString(n));
        } else {
            framing = upFraming;
            if (framing.kind() == Http1.Kind.CHUNKED) {
                h.remove("Content-Length");
            }
        }
        long cutAfter = -1;
        if (r.fault instanceof Fault.DropResponse drop) {
            cutAfter = drop.after();
        } else if (r.fault instanceof Fault.Truncate truncate) {
            cutAfter = truncate.after();
        }
        boolean keepAlive = r.keepAlive && framing.kind() != Http1.Kind.UNTIL_CLOSE && cutAfter < 0;
        if (!keepAlive && cutAfter < 0) {
            h.set("Connection", "close");
        }
        r.record(response.status());
        h.writeTo(out);
        Http1.BodyOut body = Http1.bodyOut(out, framing);
        if (cutAfter >= 0) {
            Http1.copy(response.body, body, cutAfter);
            out.flush();
            if (r.fault instanceof Fault.DropResponse) {
                FaultProxy.abort(client);
            } else {
                client.shutdownOutput(); // an orderly end of stream, after exactly the bytes written
            }
            return false;
        }
        Http1.copy(response.body, body, Long.MAX_VALUE);
        body.finish();
        out.flush();
        return keepAlive;
    }
}
