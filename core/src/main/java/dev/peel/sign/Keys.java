package dev.peel.sign;

import dev.peel.oci.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.math.ec.ECMultiplier;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * ECDSA P-256 key pairs in cosign's files: the private key as an {@code ENCRYPTED SIGSTORE PRIVATE KEY} PEM (a JSON
 * document of scrypt parameters, a NaCl secretbox nonce and the sealed PKCS#8 DER, as go-securesystemslib's
 * {@code encrypted} package writes it), the public key as a PKIX {@code PUBLIC KEY} PEM.
 */
public final class Keys {
    /** What cosign generate-key-pair writes today; older cosign wrote the COSIGN type, which is read too. */
    static final String PRIVATE_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY";
    static final String COSIGN_PRIVATE_TYPE = "ENCRYPTED COSIGN PRIVATE KEY";
    static final String PUBLIC_TYPE = "PUBLIC KEY";
    /**
     * go-securesystemslib's "standard" scrypt strength (N=2^16, r=8, p=1), its default since v0.10; its legacy
     * (2^15) and OWASP (2^17) strengths are read too, and nothing else, as it does (a file must not pick the work).
     */
    static final int SCRYPT_N = 65536;
    private static final List<Integer> SCRYPT_NS = List.of(32768, 65536, 131072);
    private static final int SCRYPT_R = 8;
    private static final int SCRYPT_P = 1;
    private static final int SALT = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ECParameterSpec P256 = p256();

    private Keys() {
    }

    /** A fresh ECDSA P-256 key pair. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make ECDSA P-256 keys", e);
        }
    }

    /** The private key sealed with this password (empty allowed) as cosign writes it. */
    public static String encryptedPrivateKeyPem(KeyPair kp, char[] password) {
        byte[] pkcs8 = pkcs8(kp);
        byte[] salt = random(SALT);
        byte[] nonce = random(SecretBox.NONCE);
        byte[] key = kdf(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
        byte[] box = SecretBox.seal(pkcs8, nonce, key);
        Arrays.fill(key, (byte) 0);
        Arrays.fill(pkcs8, (byte) 0);
        Base64.Encoder b64 = Base64.getEncoder();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("N", SCRYPT_N);
        params.put("r", SCRYPT_R);
        params.put("p", SCRYPT_P);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("kdf", Map.of("name", "scrypt", "params", params, "salt", b64.encodeToString(salt)));
        doc.put("cipher", Map.of("name", "nacl/secretbox", "nonce", b64.encodeToString(nonce)));
        doc.put("ciphertext", b64.encodeToString(box));
        return Pem.encode(PRIVATE_TYPE, Json.write(doc));
    }

    /**
     * Opens an encrypted private key PEM (sigstore's or cosign's type). A password that does not open it is a
     * {@link KeyException} with {@link KeyException#wrongPassword()} set; messages never hold key bytes.
     */
    public static KeyPair readPrivateKey(String pem, char[] password) throws KeyException {
        Pem.Block block = Pem.decode(pem, List.of(PRIVATE_TYPE, COSIGN_PRIVATE_TYPE),
                "an encrypted sigstore or cosign private key");
        Map<String, Object> doc;
        byte[] salt;
        byte[] nonce;
        byte[] box;
        long n;
        long r;
        long p;
        try {
            doc = Json.parseObject(block.bytes());
            Map<String, Object> kdf = Json.obj(doc, "kdf");
            Map<String, Object> cipher = Json.obj(doc, "cipher");
            if (!"scrypt".equals(Json.str(kdf, "name"))) {
                throw new KeyException("the private key uses the key derivation '" + Json.str(kdf, "name")
                        + "'; only scrypt is supported");
            }
            if (!"nacl/secretbox".equals(Json.str(cipher, "name"))) {
                throw new KeyException("the private key uses the cipher '" + Json.str(cipher, "name")
                        + "'; only nacl/secretbox is supported");
            }
            Map<String, Object> params = Json.obj(kdf, "params");
            n = Json.num(params, "N");
            r = Json.num(params, "r");
            p = Json.num(params, "p");
            salt = base64(Json.str(kdf, "salt"), "kdf.salt");
            nonce = base64(Json.str(cipher, "nonce"), "cipher.nonce");
            box = base64(Json.str(doc, "ciphertext"), "ciphertext");
        } catch (IllegalArgumentException e) {
            throw new KeyException("the encrypted private key is malformed: " + e.getMessage());
        }
        if (!SCRYPT_NS.contains((int) Math.min(n, Integer.MAX_VALUE)) || r != SCRYPT_R || p != SCRYPT_P) {
            throw new KeyException("unsupported scrypt parameters N=" + n + " r=" + r + " p=" + p
                    + " (cosign writes N=65536 r=8 p=1)");
        }
        if (nonce.length != SecretBox.NONCE) {
            throw new KeyException("the encrypted private key's nonce is " + nonce.length + " bytes, not 24");
        }
        byte[] key = kdf(password, salt, (int) n, (int) r, (int) p);
        byte[] pkcs8 = SecretBox.open(box, nonce, key);
        Arrays.fill(key, (byte) 0);
        if (pkcs8 == null) {
            throw new KeyException("wrong password, or the key file was altered", true);
        }
        try {
            return fromPkcs8(pkcs8);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** The PKIX (SubjectPublicKeyInfo) PEM cosign writes as {@code cosign.pub}. */
    public static String publicKeyPem(PublicKey k) {
        return Pem.encode(PUBLIC_TYPE, k.getEncoded());
    }

    /** Reads a PKIX {@code PUBLIC KEY} PEM holding an ECDSA P-256 key. */
    public static PublicKey readPublicKey(String pem) throws KeyException {
        Pem.Block block = Pem.decode(pem, List.of(PUBLIC_TYPE), "a PUBLIC KEY");
        PublicKey k;
        try {
            k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(block.bytes()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyException("not an ECDSA public key (peel signs and verifies with ECDSA P-256 keys only)");
        }
        if (!(k instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
            throw new KeyException("not an ECDSA P-256 public key (peel signs and verifies with ECDSA P-256 keys only)");
        }
        return k;
    }

    /** Whether {@code derSignature} is this key's ECDSA signature of SHA-256({@code data}). */
    public static boolean verify(PublicKey k, byte[] data, byte[] derSignature) {
        return verify("SHA256withECDSA", k, data, derSignature);
    }

    /** Whether {@code derSignature} is this key's ECDSA signature of a message whose SHA-256 is {@code sha256}. */
    static boolean verifyDigest(PublicKey k, byte[] sha256, byte[] derSignature) {
        return sha256.length == 32 && verify("NONEwithECDSA", k, sha256, derSignature);
    }

    private static boolean verify(String algorithm, PublicKey k, byte[] data, byte[] derSignature) {
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(k);
            s.update(data);
            return s.verify(derSignature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // A malformed signature is not a valid one.
            return false;
        }
    }

    /** base64(SHA-256(PKIX DER)): the key hint cosign and sigstore-go put in a bundle for a key. */
    static String hint(PublicKey k) {
        return Base64.getEncoder().encodeToString(Digests.sha256(k.getEncoded()));
    }

    /** PKCS#8 as Go's x509.MarshalPKCS8PrivateKey writes an ECDSA key: the SEC1 key with its public point. */
    private static byte[] pkcs8(KeyPair kp) {
        if (!(kp.getPrivate() instanceof ECPrivateKey priv) || !(kp.getPublic() instanceof ECPublicKey pub)
                || !isP256(priv.getParams())) {
            throw new IllegalArgumentException("only ECDSA P-256 key pairs are supported");
        }
        try {
            byte[] point = uncompressed(pub.getW());
            var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, priv.getS(), new DERBitString(point), null);
            var info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                    SECObjectIdentifiers.secp256r1), sec1);
            return info.getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair fromPkcs8(byte[] der) throws KeyException {
        BigInteger d;
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(der);
            AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
            if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())) {
                throw new KeyException("the private key is not an ECDSA key (peel signs with ECDSA P-256 keys only)");
            }
            if (!SECObjectIdentifiers.secp256r1.equals(alg.getParameters())) {
                throw new KeyException("the private key is not on the P-256 curve (peel signs with ECDSA P-256 keys only)");
            }
            d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
        } catch (IOException | RuntimeException e) {
            throw new KeyException("the decrypted private key is not PKCS#8");
        }
        if (d.signum() <= 0 || d.compareTo(P256.getOrder()) >= 0) {
            throw new KeyException("the private key is out of range for P-256");
        }
        var curve = CustomNamedCurves.getByName("secp256r1");
        ECMultiplier m = new FixedPointCombMultiplier();
        var q = m.multiply(curve.getG(), d).normalize();
        try {
            KeyFactory f = KeyFactory.getInstance("EC");
            PublicKey pub = f.generatePublic(new ECPublicKeySpec(new ECPoint(q.getAffineXCoord().toBigInteger(),
                    q.getAffineYCoord().toBigInteger()), P256));
            return new KeyPair(pub, f.generatePrivate(new ECPrivateKeySpec(d, P256)));
        } catch (GeneralSecurityException e) {
            throw new KeyException("the private key is not a valid P-256 key");
        }
    }

    private static byte[] uncompressed(ECPoint w) {
        byte[] out = new byte[65];
        out[0] = 4;
        fixed(w.getAffineX(), out, 1);
        fixed(w.getAffineY(), out, 33);
        return out;
    }

    private static void fixed(BigInteger v, byte[] out, int off) {
        byte[] b = v.toByteArray();
        int len = Math.min(b.length, 32);
        System.arraycopy(b, b.length - len, out, off + 32 - len, len);
    }

    private static boolean isP256(ECParameterSpec s) {
        return s.getCurve().equals(P256.getCurve()) && s.getGenerator().equals(P256.getGenerator())
                && s.getOrder().equals(P256.getOrder());
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters a = AlgorithmParameters.getInstance("EC");
            a.init(new ECGenParameterSpec("secp256r1"));
            return a.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no P-256", e);
        }
    }

    /** scrypt over the password's UTF-8 bytes (what Go's []byte(password) is), which are wiped after. */
    private static byte[] kdf(char[] password, byte[] salt, int n, int r, int p) {
        byte[] pass = utf8(password);
        try {
            return SCrypt.generate(pass, salt, n, r, p, SecretBox.KEY);
        } finally {
            Arrays.fill(pass, (byte) 0);
        }
    }

    private static byte[] utf8(char[] password) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(password));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            if (b.hasArray()) {
                Arrays.fill(b.array(), (byte) 0);
            }
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the password is not valid Unicode (a lone surrogate)");
        }
    }

    private static byte[] base64(String s, String field) {
        if (s == null) {
            throw new IllegalArgumentException("no " + field);
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64");
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
