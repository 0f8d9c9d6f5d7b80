package dev.peel.sign;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * cosign's "simple signing" payload, the layer of a legacy {@code sha256-<hex>.sig} tag. peel writes the bytes cosign
 * writes for a signature without annotations (sigstore's {@code payload.Cosign}, Go's json.Marshal: struct field
 * order, which is also sorted order here, and {@code "optional":null}).
 */
public final class SimpleSigning {
    /** {@code critical.type}: what makes a payload a cosign signature. */
    public static final String TYPE = "cosign container image signature";
    /** The media type of the .sig tag's layer. */
    public static final String MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";

    private SimpleSigning() {
    }

    /**
     * The payload for the manifest {@code manifestDigest} of {@code dockerReference}, the repository without tag or
     * digest as cosign writes it (go-containerregistry's {@code Repository.Name()}, e.g. {@code host/ns/name}).
     */
    public static byte[] payload(String dockerReference, Digest manifestDigest) {
        if (dockerReference == null || dockerReference.isEmpty()) {
            throw new IllegalArgumentException("the docker reference is empty");
        }
        for (char c : dockerReference.toCharArray()) {
            // Go's encoder escapes these (and peel's would not); no reference may hold them anyway.
            if (c < 0x21 || c > 0x7e || c == '<' || c == '>' || c == '&' || c == '"' || c == '\\') {
                throw new IllegalArgumentException("not a docker reference: " + dockerReference);
            }
        }
        Map<String, Object> critical = new LinkedHashMap<>();
        critical.put("identity", Map.of("docker-reference", dockerReference));
        critical.put("image", Map.of("docker-manifest-digest", manifestDigest.toString()));
        critical.put("type", TYPE);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("critical", critical);
        doc.put("optional", Json.NULL);
        return Json.write(doc);
    }

    /** The signed manifest's digest; the payload must be a cosign simple-signing payload. */
    public static Digest manifestDigest(byte[] payload) throws SignatureException {
        String d = critical(payload, "image", "docker-manifest-digest");
        try {
            return Digest.parse(d);
        } catch (IllegalArgumentException e) {
            throw new SignatureException("the signature payload's docker-manifest-digest is not a sha256 digest: " + d);
        }
    }

    /** The reference the signer claimed ({@code critical.identity.docker-reference}). */
    public static String dockerReference(byte[] payload) throws SignatureException {
        return critical(payload, "identity", "docker-reference");
    }

    private static String critical(byte[] payload, String object, String key) throws SignatureException {
        try {
            Map<String, Object> doc = Json.parseObject(payload);
            Map<String, Object> critical = Json.obj(doc, "critical");
            String type = Json.str(critical, "type");
            if (!TYPE.equals(type)) {
                throw new SignatureException("not a cosign signature payload: critical.type is "
                        + (type == null ? "missing" : "'" + type + "'") + ", not '" + TYPE + "'");
            }
            String v = Json.str(Json.obj(critical, object), key);
            if (v == null || v.isEmpty()) {
                throw new SignatureException("the signature payload has no critical." + object + "." + key);
            }
            return v;
        } catch (IllegalArgumentException e) {
            throw new SignatureException("the signature payload is not valid JSON: " + e.getMessage());
        }
    }
}
