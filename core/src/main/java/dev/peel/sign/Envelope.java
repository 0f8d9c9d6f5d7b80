package dev.peel.sign;

import dev.peel.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A DSSE envelope: a payload, its type, and signatures over their pre-authentication encoding. This is the layer of a
 * legacy {@code .att} tag as cosign writes it ({@code payloadType}, {@code payload}, {@code signatures[].keyid/sig}).
 */
public record Envelope(String payloadType, byte[] payload, List<Envelope.Signature> signatures) {
    /** The media type of a legacy {@code .att} layer holding an envelope. */
    public static final String MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";

    /**
     * One signature. cosign and sigstore-go leave {@code keyid} empty: a DSSE verifier (go-securesystemslib's) skips a
     * signature whose keyid is set and differs from its key's SSH fingerprint, so a hint there would fail cosign verify.
     */
    public record Signature(String keyid, byte[] sig) {
        public Signature {
            keyid = keyid == null ? "" : keyid;
            sig = sig.clone();
        }

        @Override
        public byte[] sig() {
            return sig.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && s.keyid.equals(keyid) && Arrays.equals(s.sig, sig);
        }

        @Override
        public int hashCode() {
            return 31 * keyid.hashCode() + Arrays.hashCode(sig);
        }

        @Override
        public String toString() {
            return "Signature[keyid=" + keyid + ", " + sig.length + " bytes]";
        }
    }

    public Envelope {
        Objects.requireNonNull(payloadType, "payloadType");
        payload = payload.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && e.payloadType.equals(payloadType) && Arrays.equals(e.payload, payload)
                && e.signatures.equals(signatures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(payloadType, Arrays.hashCode(payload), signatures);
    }

    @Override
    public String toString() {
        return "Envelope[" + payloadType + ", " + payload.length + " bytes, " + signatures.size() + " signature(s)]";
    }

    /** DSSE's PAE: {@code "DSSEv1" SP len(type) SP type SP len(payload) SP payload}, lengths in decimal bytes. */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** An envelope with one signature by {@code s} (keyid empty, as cosign writes it). */
    public static Envelope sign(Signer s, String payloadType, byte[] payload) throws IOException {
        return new Envelope(payloadType, payload, List.of(new Signature("", s.sign(pae(payloadType, payload)))));
    }

    /** The envelope's JSON, base64 (standard, padded) for payload and signatures. */
    public byte[] toJson() {
        return Json.write(toMap(true));
    }

    /** The envelope as a JSON object; {@code emptyKeyid} false leaves out empty keyids as protobuf JSON does. */
    Map<String, Object> toMap(boolean emptyKeyid) {
        Base64.Encoder b64 = Base64.getEncoder();
        List<Object> sigs = new ArrayList<>();
        for (Signature s : signatures) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (emptyKeyid || !s.keyid.isEmpty()) {
                m.put("keyid", s.keyid);
            }
            m.put("sig", b64.encodeToString(s.sig));
            sigs.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("payloadType", payloadType);
        m.put("payload", b64.encodeToString(payload));
        m.put("signatures", sigs);
        return m;
    }

    /** Reads an envelope (DSSE allows standard or URL-safe base64). */
    public static Envelope parse(byte[] json) throws SignatureException {
        try {
            return fromMap(Json.parseObject(json));
        } catch (IllegalArgumentException e) {
            throw new SignatureException("not a DSSE envelope: " + e.getMessage());
        }
    }

    static Envelope fromMap(Map<String, Object> m) throws SignatureException {
        String type = Json.str(m, "payloadType");
        if (type == null) {
            throw new SignatureException("not a DSSE envelope: no payloadType");
        }
        String payload = Json.str(m, "payload");
        if (payload == null) {
            throw new SignatureException("not a DSSE envelope: no payload");
        }
        List<Signature> sigs = new ArrayList<>();
        for (Object o : Json.arr(m, "signatures")) {
            if (!(o instanceof Map<?, ?>)) {
                throw new SignatureException("not a DSSE envelope: a signature is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) o;
            String sig = Json.str(s, "sig");
            if (sig == null || sig.isEmpty()) {
                throw new SignatureException("a DSSE signature has no sig");
            }
            sigs.add(new Signature(Json.str(s, "keyid"), base64(sig, "signatures[].sig")));
        }
        return new Envelope(type, base64(payload, "payload"), sigs);
    }

    /** Whether any of the signatures is this key's over the PAE of the payload. */
    public boolean verifiedBy(PublicKey k) {
        byte[] pae = pae(payloadType, payload);
        for (Signature s : signatures) {
            if (Keys.verify(k, pae, s.sig)) {
                return true;
            }
        }
        return false;
    }

    /** Standard or URL-safe base64, padded or not (what Go's DSSE and protobuf JSON readers take). */
    static byte[] base64(String s, String field) throws SignatureException {
        StringBuilder t = new StringBuilder(s.replace('-', '+').replace('_', '/'));
        while (t.length() % 4 != 0) {
            t.append('=');
        }
        try {
            return Base64.getDecoder().decode(t.toString());
        } catch (IllegalArgumentException e) {
            throw new SignatureException(field + " is not base64");
        }
    }
}
