package dev.peel.sign;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sigstore bundle v0.3 in its JSON form (protobuf JSON names, base64 bytes) for a key signer: the verification
 * material is the key's hint and no transparency-log entry; the content a message signature (an artifact's digest and
 * the signature of the artifact) or a DSSE envelope with exactly one signature.
 */
public final class Bundle {
    /** The media type of the bundle, and of the artifact that carries it as an OCI referrer. */
    public static final String MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

    private final String mediaType;
    private final String keyHint;
    private final Envelope envelope;
    private final Digest messageDigest;
    private final byte[] signature;

    private Bundle(String mediaType, String keyHint, Envelope envelope, Digest messageDigest, byte[] signature) {
        this.mediaType = mediaType;
        this.keyHint = keyHint;
        this.envelope = envelope;
        this.messageDigest = messageDigest;
        this.signature = signature;
    }

    /** A bundle of {@code signature}, the signer's signature of the artifact whose sha256 is {@code artifact}. */
    public static byte[] ofMessageSignature(Digest artifact, byte[] signature, Signer s) {
        Base64.Encoder b64 = Base64.getEncoder();
        Map<String, Object> digest = new LinkedHashMap<>();
        digest.put("algorithm", "SHA2_256");
        digest.put("digest", b64.encodeToString(Digests.raw(artifact)));
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("messageDigest", digest);
        content.put("signature", b64.encodeToString(signature));
        return write(s, "messageSignature", content);
    }

    /** A bundle of a DSSE envelope signed once by {@code s} (as {@link Envelope#sign} makes it). */
    public static byte[] ofEnvelope(Envelope e, Signer s) {
        if (e.signatures().size() != 1) {
            throw new IllegalArgumentException("a bundle's DSSE envelope has exactly one signature, not "
                    + e.signatures().size());
        }
        return write(s, "dsseEnvelope", e.toMap(false));
    }

    private static byte[] write(Signer s, String contentKey, Map<String, Object> content) {
        Map<String, Object> material = new LinkedHashMap<>();
        material.put("publicKey", Map.of("hint", s.keyHint()));
        material.put("tlogEntries", List.of());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mediaType", MEDIA_TYPE);
        doc.put("verificationMaterial", material);
        doc.put(contentKey, content);
        return Json.write(doc);
    }

    /** Reads a bundle (v0.1 to v0.3 media types); a bundle with neither or both contents is refused. */
    public static Bundle parse(byte[] json) throws SignatureException {
        try {
            Map<String, Object> doc = Json.parseObject(json);
            String mediaType = Json.str(doc, "mediaType");
            if (mediaType == null || !(mediaType.matches("application/vnd\\.dev\\.sigstore\\.bundle\\.v0\\.[1-3]\\+json")
                    || mediaType.matches("application/vnd\\.dev\\.sigstore\\.bundle\\+json;version=0\\.[1-3]"))) {
                throw new SignatureException("not a sigstore bundle: mediaType is "
                        + (mediaType == null ? "missing" : "'" + mediaType + "'"));
            }
            Map<String, Object> material = Json.obj(doc, "verificationMaterial");
            String hint = material.containsKey("publicKey") ? Json.str(Json.obj(material, "publicKey"), "hint") : null;
            boolean message = doc.containsKey("messageSignature");
            boolean dsse = doc.containsKey("dsseEnvelope");
            if (message == dsse) {
                throw new SignatureException("the sigstore bundle must hold a messageSignature or a dsseEnvelope, "
                        + (message ? "not both" : "it holds neither"));
            }
            if (dsse) {
                Envelope e = Envelope.fromMap(Json.obj(doc, "dsseEnvelope"));
                return new Bundle(mediaType, hint, e, null, null);
            }
            Map<String, Object> ms = Json.obj(doc, "messageSignature");
            Map<String, Object> md = Json.obj(ms, "messageDigest");
            String algorithm = Json.str(md, "algorithm");
            if (!"SHA2_256".equals(algorithm)) {
                throw new SignatureException("the bundle's message digest is "
                        + (algorithm == null ? "missing" : algorithm) + "; peel reads SHA2_256 only");
            }
            byte[] raw = Envelope.base64(nonEmpty(Json.str(md, "digest"), "messageDigest.digest"), "messageDigest.digest");
            if (raw.length != 32) {
                throw new SignatureException("the bundle's message digest is " + raw.length + " bytes, not 32");
            }
            byte[] sig = Envelope.base64(nonEmpty(Json.str(ms, "signature"), "messageSignature.signature"),
                    "messageSignature.signature");
            return new Bundle(mediaType, hint, null, Digest.fromRaw(raw), sig);
        } catch (IllegalArgumentException e) {
            throw new SignatureException("not a sigstore bundle: " + e.getMessage());
        }
    }

    private static String nonEmpty(String s, String field) throws SignatureException {
        if (s == null || s.isEmpty()) {
            throw new SignatureException("the sigstore bundle has no " + field);
        }
        return s;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The DSSE envelope, or null for a message signature. */
    public Envelope envelope() {
        return envelope;
    }

    /** The signed artifact's digest for a message signature, else null. */
    public Digest messageDigest() {
        return messageDigest;
    }

    /** The message signature (DER), or null for a DSSE bundle. */
    public byte[] signature() {
        return signature == null ? null : signature.clone();
    }

    /** {@code verificationMaterial.publicKey.hint}, or null when the bundle names no key (a certificate). */
    public String keyHint() {
        return keyHint;
    }

    /**
     * Checks the signature with {@code k}: a message signature must be for {@code artifact} and verify over it; a DSSE
     * envelope must hold exactly one signature that verifies over its PAE ({@code artifact} is then ignored; check the
     * statement's subjects).
     */
    public void verify(PublicKey k, Digest artifact) throws SignatureException {
        boolean ok;
        if (envelope != null) {
            if (envelope.signatures().size() != 1) {
                throw new SignatureException("the bundle's DSSE envelope has " + envelope.signatures().size()
                        + " signatures; a bundle's has exactly one");
            }
            ok = envelope.verifiedBy(k);
        } else {
            if (artifact == null) {
                throw new SignatureException("a message-signature bundle needs the artifact's digest to be verified");
            }
            if (!MessageDigest.isEqual(Digests.raw(artifact), Digests.raw(messageDigest))) {
                throw new SignatureException("the bundle signs " + messageDigest + ", not " + artifact);
            }
            ok = Keys.verifyDigest(k, Digests.raw(artifact), signature);
        }
        if (!ok) {
            String mine = Keys.hint(k);
            throw new SignatureException(keyHint != null && !keyHint.equals(mine)
                    ? "the bundle was signed with another key (hint " + keyHint + ", this key's is " + mine + ")"
                    : "the bundle's signature does not verify with this key (altered content or another key)");
        }
    }
}
