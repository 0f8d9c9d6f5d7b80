package dev.peel.sign;

import java.io.IOException;
import java.security.PublicKey;

/**
 * Signs bytes. A key pair is one implementation ({@link KeySigner}); a keyless signer would be another: it would make
 * an ephemeral key, get a Fulcio certificate for it with an OIDC token, and log each signature in Rekor, and the bundle
 * would then carry the certificate and the log entry where a key signer's carries only {@link #keyHint()}.
 */
public interface Signer {
    /** ECDSA P-256 over SHA-256 of {@code data}, ASN.1 DER encoded (the form cosign writes and reads). */
    byte[] sign(byte[] data) throws IOException;

    /** The key that verifies this signer's signatures. */
    PublicKey publicKey();

    /** The bundle's {@code verificationMaterial.publicKey.hint}: base64 of SHA-256 of the key's PKIX DER (as cosign writes). */
    String keyHint();
}
