package dev.peel.sign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignFormatsTest {
    private static final Digest D34 = new Digest("d34db33f".repeat(8));
    private static final KeyPair KP = Keys.generate();
    private static final Signer SIGNER = KeySigner.of(KP);

    @TempDir
    Path dir;

    @Test
    void simpleSigningPayloadIsCosignsBytes() throws Exception {
        // sigstore/sigstore pkg/signature/payload/payload_test.go, the case without annotations.
        String cosign = "{\"critical\":{\"identity\":{\"docker-reference\":\"example.com/test/image\"},\"image\":"
                + "{\"docker-manifest-digest\":\"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f\"},"
                + "\"type\":\"cosign container image signature\"},\"optional\":null}";
        byte[] p = SimpleSigning.payload("example.com/test/image", D34);
        assertEquals(cosign, new String(p, StandardCharsets.UTF_8));
        assertEquals(D34, SimpleSigning.manifestDigest(p));
        assertEquals("example.com/test/image", SimpleSigning.dockerReference(p));
    }

    @Test
    void simpleSigningRefusesOtherPayloads() {
        byte[] atomic = "{\"critical\":{\"identity\":{\"docker-reference\":\"a/b\"},\"image\":{\"docker-manifest-digest\":\"sha256:00\"},\"type\":\"atomic container signature\"}}"
                .getBytes(StandardCharsets.UTF_8);
        SignatureException e = assertThrows(SignatureException.class, () -> SimpleSigning.manifestDigest(atomic));
        assertTrue(e.getMessage().contains("atomic container signature"), e.getMessage());
        assertThrows(SignatureException.class, () -> SimpleSigning.manifestDigest("[1".getBytes(StandardCharsets.UTF_8)));
        byte[] badDigest = new String(SimpleSigning.payload("a/b", D34), StandardCharsets.UTF_8)
                .replace("sha256:d34d", "sha512:d34d").getBytes(StandardCharsets.UTF_8);
        assertThrows(SignatureException.class, () -> SimpleSigning.manifestDigest(badDigest));
    }

    @Test
    void opensslVerifiesPayloadSignatures() throws Exception {
        Path pub = Files.writeString(dir.resolve("peel.pub"), Keys.publicKeyPem(KP.getPublic()));
        byte[] payload = SimpleSigning.payload("registry.test/ns/app", D34);
        Path p = Files.write(dir.resolve("payload"), payload);
        Path sig = Files.write(dir.resolve("sig"), SIGNER.sign(payload));
        Tools.Run ok = Tools.run(List.of(Tools.require("openssl"), "dgst", "-sha256", "-verify", pub.toString(),
                "-signature", sig.toString(), p.toString()), dir, Map.of(), 30);
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().contains("Verified OK"), ok.out());
        payload[payload.length - 3] ^= 1;
        Files.write(p, payload);
        Tools.Run bad = Tools.run(List.of("openssl", "dgst", "-sha256", "-verify", pub.toString(),
                "-signature", sig.toString(), p.toString()), dir, Map.of(), 30);
        assertNotEquals(0, bad.exit(), bad.out());
    }

    @Test
    void paeIsTheSpecsExample() {
        // secure-systems-lab/dsse protocol.md's test vector.
        assertEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world", new String(
                Envelope.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8));
    }

    @Test
    void envelopeRoundTripsAndDetectsTampering() throws Exception {
        byte[] stmt = statement(D34);
        Envelope e = Envelope.sign(SIGNER, Statement.PAYLOAD_TYPE, stmt);
        byte[] json = e.toJson();
        Map<String, Object> m = Json.parseObject(json);
        assertEquals(Statement.PAYLOAD_TYPE, m.get("payloadType"));
        assertEquals("", ((Map<?, ?>) ((List<?>) m.get("signatures")).get(0)).get("keyid"));
        Envelope back = Envelope.parse(json);
        assertEquals(e, back);
        assertTrue(back.verifiedBy(KP.getPublic()));
        assertFalse(back.verifiedBy(Keys.generate().getPublic()));
        byte[] altered = stmt.clone();
        altered[10] ^= 1;
        assertFalse(new Envelope(e.payloadType(), altered, e.signatures()).verifiedBy(KP.getPublic()));
        assertFalse(new Envelope("application/json", stmt, e.signatures()).verifiedBy(KP.getPublic()));
        // URL-safe, unpadded base64 is DSSE too.
        String urlSafe = new String(json, StandardCharsets.UTF_8).replace(
                Base64.getEncoder().encodeToString(stmt), Base64.getUrlEncoder().withoutPadding().encodeToString(stmt));
        assertTrue(Envelope.parse(urlSafe.getBytes(StandardCharsets.UTF_8)).verifiedBy(KP.getPublic()));
        assertThrows(SignatureException.class, () -> Envelope.parse("{\"payload\":\"\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void statementRoundTrips() throws Exception {
        byte[] s = Statement.of("https://spdx.dev/Document",
                List.of(new Statement.Subject("registry.test/ns/app", D34)), "{\"b\": 1, \"a\": [true]}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicate\":{\"a\":[true],\"b\":1},"
                + "\"predicateType\":\"https://spdx.dev/Document\",\"subject\":[{\"digest\":{\"sha256\":\"" + D34.hex()
                + "\"},\"name\":\"registry.test/ns/app\"}]}", new String(s, StandardCharsets.UTF_8));
        Statement st = Statement.parse(s);
        assertEquals(Statement.TYPE_V01, st.type());
        assertEquals("https://spdx.dev/Document", st.predicateType());
        assertEquals(List.of(new Statement.Subject("registry.test/ns/app", D34)), st.subjects());
        assertEquals("{\"a\":[true],\"b\":1}", new String(st.predicate(), StandardCharsets.UTF_8));
        assertTrue(st.covers(D34));
        assertThrows(SignatureException.class, () -> Statement.parse(
                "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"x\",\"subject\":[{\"name\":\"a\",\"digest\":{\"sha512\":\"00\"}}]}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertThrows(SignatureException.class, () -> Statement.parse("{\"_type\":\"other\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void bundlesRoundTripAndRefuseTheWrongArtifactOrKey() throws Exception {
        byte[] artifact = "an artifact".getBytes(StandardCharsets.UTF_8);
        Digest ad = Digest.of(artifact);
        Bundle b = Bundle.parse(Bundle.ofMessageSignature(ad, SIGNER.sign(artifact), SIGNER));
        assertEquals(Bundle.MEDIA_TYPE, b.mediaType());
        assertEquals(SIGNER.keyHint(), b.keyHint());
        assertEquals(ad, b.messageDigest());
        assertNull(b.envelope());
        b.verify(KP.getPublic(), ad);
        SignatureException other = assertThrows(SignatureException.class, () -> b.verify(KP.getPublic(), D34));
        assertTrue(other.getMessage().contains("signs " + ad + ", not " + D34), other.getMessage());
        SignatureException wrongKey = assertThrows(SignatureException.class, () -> b.verify(Keys.generate().getPublic(), ad));
        assertTrue(wrongKey.getMessage().contains("another key"), wrongKey.getMessage());

        Envelope e = Envelope.sign(SIGNER, Statement.PAYLOAD_TYPE, statement(D34));
        Bundle d = Bundle.parse(Bundle.ofEnvelope(e, SIGNER));
        assertEquals(e, d.envelope());
        d.verify(KP.getPublic(), null);
        assertThrows(SignatureException.class, () -> d.verify(Keys.generate().getPublic(), null));
        assertThrows(SignatureException.class, () -> Bundle.parse("{\"mediaType\":\"application/json\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keyHintIsBase64OfTheSha256OfThePkixKey() throws Exception {
        // cosign internal/key/svkeypair.go and cmd/cosign/cli/verify/verify_bundle.go.
        assertEquals(Base64.getEncoder().encodeToString(Digest.sha256().digest(KP.getPublic().getEncoded())), SIGNER.keyHint());
        assertEquals(44, SIGNER.keyHint().length());
    }

    static final String SIGSTORE_JS = dev.peel.testing.SigstoreJs.BUNDLE;
    static final String DSSE_JS = dev.peel.testing.SigstoreJs.DSSE;

    @Test
    void sigstoreJsVerifiesPeelsBundlesAndRejectsAlteredOnes() throws Exception {
        Path pub = Files.writeString(dir.resolve("peel.pub"), Keys.publicKeyPem(KP.getPublic()));
        Path otherPub = Files.writeString(dir.resolve("other.pub"), Keys.publicKeyPem(Keys.generate().getPublic()));
        byte[] artifact = SimpleSigning.payload("registry.test/ns/app", D34);
        Path art = Files.write(dir.resolve("artifact"), artifact);
        Path msg = Files.write(dir.resolve("msg.json"),
                Bundle.ofMessageSignature(Digest.of(artifact), SIGNER.sign(artifact), SIGNER));
        Envelope env = Envelope.sign(SIGNER, Statement.PAYLOAD_TYPE, statement(D34));
        Path dsse = Files.write(dir.resolve("dsse.json"), Bundle.ofEnvelope(env, SIGNER));
        byte[] altered = statement(new Digest("0".repeat(64)));
        Path tampered = Files.write(dir.resolve("tampered.json"),
                Bundle.ofEnvelope(new Envelope(env.payloadType(), altered, env.signatures()), SIGNER));
        Path otherArt = Files.write(dir.resolve("other-artifact"), SimpleSigning.payload("registry.test/ns/app",
                new Digest("1".repeat(64))));
        Path bareEnv = Files.write(dir.resolve("env.json"), env.toJson());
        Path bareTampered = Files.write(dir.resolve("env-tampered.json"),
                new Envelope(env.payloadType(), altered, env.signatures()).toJson());

        List<String> failures = new ArrayList<>();
        expect(failures, SIGSTORE_JS, true, msg, pub, art);
        expect(failures, SIGSTORE_JS, true, dsse, pub);
        expect(failures, SIGSTORE_JS, false, msg, pub, otherArt);
        expect(failures, SIGSTORE_JS, false, msg, otherPub, art);
        expect(failures, SIGSTORE_JS, false, dsse, otherPub);
        expect(failures, SIGSTORE_JS, false, tampered, pub);
        expect(failures, DSSE_JS, true, bareEnv, pub);
        expect(failures, DSSE_JS, false, bareEnv, otherPub);
        expect(failures, DSSE_JS, false, bareTampered, pub);
        assertEquals(List.of(), failures);
    }

    private static void expect(List<String> failures, String script, boolean accepted, Path... args) throws Exception {
        List<String> a = new ArrayList<>();
        for (Path p : args) {
            a.add(p.toString());
        }
        Tools.Run r = Tools.node(script, a, 60);
        boolean ok = r.exit() == 0 && r.out().startsWith("OK");
        if (ok != accepted || (!accepted && !r.out().startsWith("REJECTED"))) {
            failures.add((accepted ? "expected accepted: " : "expected rejected: ") + a + " → " + r.exit() + " " + r.out() + r.err());
        }
    }

    private static byte[] statement(Digest d) {
        return Statement.of("https://cyclonedx.org/bom", List.of(new Statement.Subject("registry.test/ns/app", d)),
                "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void signaturesAreDer() throws Exception {
        byte[] sig = SIGNER.sign(new byte[0]);
        assertEquals(0x30, sig[0] & 0xff);
        assertEquals(sig.length - 2, sig[1] & 0xff);
        assertArrayEquals(sig, sig.clone());
    }
}
