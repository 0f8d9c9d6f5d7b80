package dev.peel.sign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Json;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
    @TempDir
    Path dir;

    /** Opens a sigstore private key with Node's scrypt and tweetnacl, prints its SPKI PEM and a signature of argv[4]. */
    static final String NODE_OPEN = """
            const crypto = require('crypto'); const fs = require('fs'); const nacl = require('tweetnacl');
            const pem = fs.readFileSync(process.argv[2], 'utf8');
            const m = /-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----([^-]+)-----END ENCRYPTED SIGSTORE PRIVATE KEY-----/.exec(pem);
            const doc = JSON.parse(Buffer.from(m[1].replace(/\\s/g, ''), 'base64').toString('utf8'));
            if (doc.kdf.name !== 'scrypt' || doc.cipher.name !== 'nacl/secretbox') throw new Error('names');
            const p = doc.kdf.params;
            const key = crypto.scryptSync(Buffer.from(process.argv[3], 'utf8'), Buffer.from(doc.kdf.salt, 'base64'), 32,
                {N: p.N, r: p.r, p: p.p, maxmem: 512 * 1024 * 1024});
            const plain = nacl.secretbox.open(new Uint8Array(Buffer.from(doc.ciphertext, 'base64')),
                new Uint8Array(Buffer.from(doc.cipher.nonce, 'base64')), new Uint8Array(key));
            if (!plain) { console.error('secretbox.open failed'); process.exit(7); }
            const priv = crypto.createPrivateKey({key: Buffer.from(plain), format: 'der', type: 'pkcs8'});
            if (priv.asymmetricKeyDetails.namedCurve !== 'prime256v1') throw new Error('curve');
            process.stdout.write(JSON.stringify({
              pub: crypto.createPublicKey(priv).export({type: 'spki', format: 'pem'}),
              sig: crypto.sign('sha256', Buffer.from(process.argv[4], 'utf8'), priv).toString('base64'),
              N: p.N, r: p.r, p: p.p, salt: Buffer.from(doc.kdf.salt, 'base64').length}));
            """;

    @Test
    void privateKeyRoundTripsWithItsPassword() throws Exception {
        KeyPair kp = Keys.generate();
        String pem = Keys.encryptedPrivateKeyPem(kp, "correct horse".toCharArray());
        assertTrue(pem.startsWith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), pem);
        KeyPair back = Keys.readPrivateKey(pem, "correct horse".toCharArray());
        assertArrayEquals(kp.getPublic().getEncoded(), back.getPublic().getEncoded());
        byte[] sig = KeySigner.of(back).sign("hello".getBytes(StandardCharsets.UTF_8));
        assertTrue(Keys.verify(kp.getPublic(), "hello".getBytes(StandardCharsets.UTF_8), sig));
        assertFalse(Keys.verify(kp.getPublic(), "hellO".getBytes(StandardCharsets.UTF_8), sig));
    }

    @Test
    void emptyPasswordWorks() throws Exception {
        KeyPair kp = Keys.generate();
        String pem = Keys.encryptedPrivateKeyPem(kp, new char[0]);
        assertArrayEquals(kp.getPublic().getEncoded(), Keys.readPrivateKey(pem, new char[0]).getPublic().getEncoded());
        KeyException e = assertThrows(KeyException.class, () -> Keys.readPrivateKey(pem, "x".toCharArray()));
        assertTrue(e.wrongPassword());
    }

    @Test
    void wrongPasswordIsRefusedWithoutKeyMaterialInTheMessage() throws Exception {
        String pem = Keys.encryptedPrivateKeyPem(Keys.generate(), "secret-pw".toCharArray());
        KeyException e = assertThrows(KeyException.class, () -> Keys.readPrivateKey(pem, "secret-pX".toCharArray()));
        assertTrue(e.wrongPassword());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void tamperedCiphertextIsRefused() throws Exception {
        String pem = Keys.encryptedPrivateKeyPem(Keys.generate(), "pw".toCharArray());
        Map<String, Object> doc = Json.parseObject(Pem.decode(pem, List.of(Keys.PRIVATE_TYPE), "k").bytes());
        byte[] box = Base64.getDecoder().decode((String) doc.get("ciphertext"));
        box[box.length - 5] ^= 1;
        doc.put("ciphertext", Base64.getEncoder().encodeToString(box));
        String tampered = Pem.encode(Keys.PRIVATE_TYPE, Json.write(doc));
        assertTrue(assertThrows(KeyException.class, () -> Keys.readPrivateKey(tampered, "pw".toCharArray())).wrongPassword());
    }

    @Test
    void foreignScryptParametersAreRefusedBeforeAnyWork() throws Exception {
        String pem = Keys.encryptedPrivateKeyPem(Keys.generate(), "pw".toCharArray());
        String json = new String(Pem.decode(pem, List.of(Keys.PRIVATE_TYPE), "k").bytes(), StandardCharsets.UTF_8);
        String huge = Pem.encode(Keys.PRIVATE_TYPE, json.replace("\"N\":65536", "\"N\":1073741824")
                .getBytes(StandardCharsets.UTF_8));
        KeyException e = assertThrows(KeyException.class, () -> Keys.readPrivateKey(huge, "pw".toCharArray()));
        assertTrue(e.getMessage().contains("unsupported scrypt parameters"), e.getMessage());
    }

    @Test
    void otherPemsAreNamed() {
        KeyException e = assertThrows(KeyException.class,
                () -> Keys.readPrivateKey(Keys.publicKeyPem(Keys.generate().getPublic()), new char[0]));
        assertTrue(e.getMessage().contains("PUBLIC KEY"), e.getMessage());
        assertFalse(e.wrongPassword());
        assertThrows(KeyException.class, () -> Keys.readPublicKey("nothing here"));
    }

    @Test
    void publicKeyPemRoundTrips() throws Exception {
        KeyPair kp = Keys.generate();
        String pem = Keys.publicKeyPem(kp.getPublic());
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n") && pem.endsWith("-----END PUBLIC KEY-----\n"));
        assertArrayEquals(kp.getPublic().getEncoded(), Keys.readPublicKey("leading text\r\n" + pem).getEncoded());
    }

    @Test
    void encryptedKeyOpensOutsidePeelAndNodesSignatureVerifiesInPeel() throws Exception {
        KeyPair kp = Keys.generate();
        Path key = dir.resolve("peel.key");
        String password = "pässword ✓";
        Files.writeString(key, Keys.encryptedPrivateKeyPem(kp, password.toCharArray()));
        String message = "signed by node";
        Tools.Run r = Tools.node(NODE_OPEN, List.of(key.toString(), password, message), 60);
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> out = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8));
        assertEquals(Keys.publicKeyPem(kp.getPublic()), out.get("pub"));
        assertEquals(65536L, out.get("N"));
        assertEquals(8L, out.get("r"));
        assertEquals(1L, out.get("p"));
        assertEquals(32L, out.get("salt"));
        byte[] sig = Base64.getDecoder().decode((String) out.get("sig"));
        assertTrue(Keys.verify(kp.getPublic(), message.getBytes(StandardCharsets.UTF_8), sig));
        assertFalse(Keys.verify(kp.getPublic(), "another message".getBytes(StandardCharsets.UTF_8), sig));

        Tools.Run wrong = Tools.node(NODE_OPEN, List.of(key.toString(), "password", message), 60);
        assertEquals(7, wrong.exit(), wrong.err());
    }

    @Test
    void readsAKeyNodeSealed() throws Exception {
        // Node makes the key, its PKCS#8 (with the public point, as Go writes it) and the box; peel only reads.
        String script = """
                const crypto = require('crypto'); const nacl = require('tweetnacl');
                const {privateKey, publicKey} = crypto.generateKeyPairSync('ec', {namedCurve: 'prime256v1'});
                const salt = crypto.randomBytes(32), nonce = crypto.randomBytes(24);
                const key = crypto.scryptSync(Buffer.from(process.argv[2], 'utf8'), salt, 32,
                    {N: 32768, r: 8, p: 1, maxmem: 512 * 1024 * 1024});
                const box = nacl.secretbox(new Uint8Array(privateKey.export({type: 'pkcs8', format: 'der'})),
                    new Uint8Array(nonce), new Uint8Array(key));
                const doc = JSON.stringify({kdf: {name: 'scrypt', params: {N: 32768, r: 8, p: 1}, salt: salt.toString('base64')},
                    cipher: {name: 'nacl/secretbox', nonce: nonce.toString('base64')}, ciphertext: Buffer.from(box).toString('base64')});
                const b64 = Buffer.from(doc).toString('base64').match(/.{1,64}/g).join('\\n');
                process.stdout.write('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\\n' + b64
                    + '\\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\\n\\u0000' + publicKey.export({type: 'spki', format: 'pem'}));
                """;
        Tools.Run r = Tools.node(script, List.of("legacy pw"), 60);
        assertEquals(0, r.exit(), r.err());
        String[] parts = r.out().split("\u0000");
        KeyPair kp = Keys.readPrivateKey(parts[0], "legacy pw".toCharArray());
        assertEquals(parts[1], Keys.publicKeyPem(kp.getPublic()));
        byte[] data = "x".getBytes(StandardCharsets.UTF_8);
        assertTrue(Keys.verify(Keys.readPublicKey(parts[1]), data, KeySigner.of(kp).sign(data)));
    }
}
