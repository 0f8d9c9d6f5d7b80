package dev.peel.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.peel.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Timeout;

/**
 * Every parser of what a registry holds about signatures — DSSE envelopes, bundles, in-toto statements,
 * simple-signing payloads, SBOM subjects, public keys — against any input: a value or the parser's own checked
 * exception ({@link SignatureException}, {@link KeyException}), never another exception, never a hang; and no
 * parsed object verifies with a key that did not sign it. {@code mvn test} replays the seeds in
 * {@code SignParsersFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class SignParsersFuzzTest {
    private static final KeyPair KEY = Keys.generate();
    private static final Digest SUBJECT = new Digest("4a0a79872d36b88aa878db1cda47bde92470392165c1bbf6e34d481eb5cdda6b");

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"payloadType\":", "\"payload\":", "\"signatures\":", "\"sig\":", "\"keyid\":",
            "application/vnd.in-toto+json"})
    void envelope(byte[] input) {
        Envelope e;
        try {
            e = Envelope.parse(input);
        } catch (SignatureException ex) {
            assertNotNull(ex.getMessage());
            return;
        }
        assertTrue(!e.verifiedBy(KEY.getPublic()), "nothing random verifies with a fresh key");
        try {
            assertEquals(e, Envelope.parse(e.toJson()));
        } catch (SignatureException ex) {
            throw new AssertionError("an envelope peel wrote does not read back: " + ex.getMessage(), ex);
        }
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"mediaType\":", "application/vnd.dev.sigstore.bundle.v0.3+json", "\"verificationMaterial\":",
            "\"publicKey\":", "\"hint\":", "\"tlogEntries\":", "\"messageSignature\":", "\"messageDigest\":",
            "\"algorithm\":", "SHA2_256", "\"digest\":", "\"signature\":", "\"dsseEnvelope\":"})
    void bundle(byte[] input) {
        Bundle b;
        try {
            b = Bundle.parse(input);
        } catch (SignatureException ex) {
            assertNotNull(ex.getMessage());
            return;
        }
        try {
            b.verify(KEY.getPublic(), SUBJECT);
            throw new AssertionError("a bundle verified with a key that signed nothing");
        } catch (SignatureException expected) {
            assertNotNull(expected.getMessage());
        }
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"_type\":", "https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1",
            "\"subject\":", "\"name\":", "\"digest\":", "\"sha256\":", "\"predicateType\":", "\"predicate\":"})
    void statement(byte[] input) {
        Statement s;
        try {
            s = Statement.parse(input);
        } catch (SignatureException ex) {
            assertNotNull(ex.getMessage());
            return;
        }
        assertNotNull(s.predicateType());
        assertTrue(!s.subjects().isEmpty());
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"critical\":", "\"identity\":", "\"docker-reference\":", "\"image\":",
            "\"docker-manifest-digest\":", "\"type\":", "cosign container image signature", "\"optional\":", "sha256:"})
    void simpleSigning(byte[] input) {
        Digest d;
        try {
            d = SimpleSigning.manifestDigest(input);
        } catch (SignatureException ex) {
            assertNotNull(ex.getMessage());
            return;
        }
        assertEquals(64, d.hex().length());
    }

    /** Which image an SBOM names: null or a reason, never an exception. */
    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"\"documentDescribes\":", "\"packages\":", "\"SPDXID\":", "\"externalRefs\":",
            "\"referenceType\":", "\"purl\":", "\"referenceLocator\":", "pkg:oci/", "@sha256%3A", "\"metadata\":",
            "\"component\":", "\"relationships\":", "DESCRIBES"})
    void sbomSubject(byte[] input) {
        String spdx = SbomSubject.check(PredicateTypes.SPDX, input, SUBJECT);
        String cdx = SbomSubject.check(PredicateTypes.CYCLONEDX, input, SUBJECT);
        if (spdx == null) {
            assertTrue(new String(input, StandardCharsets.UTF_8).contains(SUBJECT.hex()));
        }
        if (cdx == null) {
            assertTrue(new String(input, StandardCharsets.UTF_8).contains(SUBJECT.hex()));
        }
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryEntries({"-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"})
    void publicKey(byte[] input) {
        try {
            assertNotNull(Keys.readPublicKey(new String(input, StandardCharsets.UTF_8)));
        } catch (KeyException ex) {
            assertNotNull(ex.getMessage());
        }
    }
}
