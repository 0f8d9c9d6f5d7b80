package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import dev.peel.oci.MediaType;
import dev.peel.registry.Pusher;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.sign.Attachments;
import dev.peel.testing.RegistryServer;
import dev.peel.testing.SigstoreJs;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * sign, attest and verify against Debian's docker-registry on loopback (which has no referrers API, so the
 * sha256-HEX fallback tag is what holds the bundles), on a two-arch image: the index and both children signed,
 * each child's SBOM attested to its own digest; tampering, a wrong key, a signature for another digest and an
 * attestation moved between platforms are each refused. openssl checks the legacy signatures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigningCliTest {
    static final String PASSWORD = "correct horse battery staple";

    @TempDir
    static Path tmp;

    RegistryServer registry;
    Path built;
    Map<String, String> env;
    Path key;
    Path pub;
    Path otherPub;

    CliRun.Result peel(String... args) {
        return CliRun.peel(env, args);
    }

    @BeforeAll
    void start() throws Exception {
        registry = RegistryServer.start(tmp.resolve("registry"));
        env = new HashMap<>(CliRun.env(tmp, "xdg-cache"));
        env.put("PEEL_PASSWORD", PASSWORD);
        env.remove("COSIGN_PASSWORD");
        built = tmp.resolve("static");
        CliRun.Result b = peel("build", "static", "--arch", "amd64,arm64", "-o", built.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        CliRun.Result k = peel("keygen", "--prefix", tmp.resolve("signer").toString());
        assertEquals(0, k.exit(), k.err());
        key = tmp.resolve("signer.key");
        pub = tmp.resolve("signer.pub");
        CliRun.Result o = peel("keygen", "--prefix", tmp.resolve("other").toString());
        assertEquals(0, o.exit(), o.err());
        otherPub = tmp.resolve("other.pub");
    }

    @AfterAll
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    String push(String repo) {
        String ref = registry.host() + "/" + repo + ":1";
        CliRun.Result p = peel("push", built.toString(), ref, "-q");
        assertEquals(0, p.exit(), p.err());
        return ref;
    }

    Index index() throws Exception {
        String top = Index.parse(Files.readAllBytes(built.resolve("index.json"))).manifests().get(0).digest().hex();
        return Index.parse(Files.readAllBytes(built.resolve("blobs/sha256/" + top)));
    }

    Descriptor child(String arch) throws Exception {
        return index().manifests().stream().filter(d -> d.platform().architecture().equals(arch)).findFirst().orElseThrow();
    }

    Attachments attachments(String ref) throws Exception {
        RegistryClient client = new RegistryClient(RegistryClient.Options.defaults());
        return new Attachments(client.repository(Reference.parse(ref)), new Pusher(client, null, 1, n -> { }));
    }

    void assertNoSecrets(CliRun.Result r) throws Exception {
        assertFalse(r.all().contains(PASSWORD), "the password is never printed");
        String pem = Files.readString(key);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertFalse(r.all().replaceAll("\\s", "").contains(body.substring(0, 40)), "the key is never printed");
    }

    @Test
    void signsTheIndexAndEveryChildInBothFormsOnceAndVerifies() throws Exception {
        String ref = push("signed/static");
        CliRun.Result s = peel("sign", ref, "--key", key.toString());
        assertEquals(0, s.exit(), s.err());
        assertNoSecrets(s);
        assertEquals(6, s.out().lines().filter(l -> l.contains("added")).count(), s.out());
        CliRun.Result again = peel("sign", ref, "--key", key.toString());
        assertEquals(0, again.exit(), again.err());
        assertEquals(6, again.out().lines().filter(l -> l.contains("already there")).count(),
                "signing again adds nothing: " + again.out());

        Attachments att = attachments(ref);
        List<Descriptor> subjects = new java.util.ArrayList<>(index().manifests());
        subjects.add(0, Index.parse(Files.readAllBytes(built.resolve("index.json"))).manifests().get(0));
        for (Descriptor d : subjects) {
            List<Attachments.Item> sigs = att.legacy(d.digest(), ".sig");
            assertEquals(1, sigs.size(), "one legacy signature on " + d.digest());
            // openssl verifies the legacy signature over the payload, and the payload names this digest.
            Path payload = tmp.resolve("payload-" + d.digest().hex());
            Path sig = tmp.resolve("sig-" + d.digest().hex());
            Files.write(payload, sigs.get(0).content());
            Files.write(sig, Base64.getDecoder().decode(sigs.get(0).annotations().get(Attachments.SIGNATURE)));
            Tools.Run ossl = Tools.run("openssl", "dgst", "-sha256", "-verify", pub.toString(), "-signature",
                    sig.toString(), payload.toString()).ok();
            assertTrue(ossl.out().contains("Verified OK"), ossl.out());
            assertTrue(new String(sigs.get(0).content(), StandardCharsets.UTF_8).contains(d.digest().toString()));
            // Debian's docker-registry has no referrers API: the bundle is found through the fallback tag.
            List<Attachments.Referrer> refs = att.referrers(d.digest());
            assertEquals(1, refs.size(), "one bundle referrer on " + d.digest());
            assertEquals(Attachments.BUNDLE, refs.get(0).artifactType());
            assertEquals("https://sigstore.dev/cosign/sign/v1",
                    refs.get(0).manifest().annotations().get(Attachments.BUNDLE_PREDICATE_TYPE));
            // sigstore-js verifies the stored bundle with the public key, and refuses it with the other key.
            Path bundle = Files.write(tmp.resolve("bundle-" + d.digest().hex()), att.items(refs.get(0)).get(0).content());
            Tools.Run js = Tools.node(SigstoreJs.BUNDLE, List.of(bundle.toString(), pub.toString()), 60);
            assertTrue(js.exit() == 0 && js.out().startsWith("OK"), js.out() + js.err());
            Tools.Run other = Tools.node(SigstoreJs.BUNDLE, List.of(bundle.toString(), otherPub.toString()), 60);
            assertTrue(other.exit() == 1 && other.out().startsWith("REJECTED"), other.out() + other.err());
            String statement = new String(dev.peel.sign.Bundle.parse(att.items(refs.get(0)).get(0).content()).envelope()
                    .payload(), StandardCharsets.UTF_8);
            assertTrue(statement.contains("\"sha256\":\"" + d.digest().hex() + "\""), "the statement's subject is " + d.digest()
                    + ": " + statement);
        }

        CliRun.Result v = peel("verify", ref, "--key", pub.toString());
        assertEquals(0, v.exit(), v.out() + v.err());
        assertEquals(3, v.out().lines().filter(l -> l.startsWith("PASS")).count(), v.out());

        CliRun.Result wrong = peel("verify", ref, "--key", otherPub.toString());
        assertEquals(3, wrong.exit(), wrong.out() + wrong.err());
        assertEquals(3, wrong.out().lines().filter(l -> l.startsWith("FAIL")).count(), wrong.out());
        assertTrue(wrong.out().contains("does not verify with the key"), wrong.out());
    }

    @Test
    void eachFormAloneVerifies() throws Exception {
        for (String form : List.of("legacy", "bundle")) {
            String ref = push("only-" + form + "/static");
            CliRun.Result s = peel("sign", ref, "--key", key.toString(), "--format", form);
            assertEquals(0, s.exit(), s.err());
            CliRun.Result v = peel("verify", ref, "--key", pub.toString());
            assertEquals(0, v.exit(), form + ": " + v.out() + v.err());
            assertEquals(3, v.out().lines().filter(l -> l.startsWith("PASS")).count(), v.out());
        }
    }

    @Test
    void aTamperedPayloadAndASignatureForAnotherDigestAreRefused() throws Exception {
        String ref = push("tamper/static");
        assertEquals(0, peel("sign", ref, "--key", key.toString(), "--format", "legacy").exit());
        Attachments att = attachments(ref);
        Descriptor amd = child("amd64");
        Descriptor arm = child("arm64");

        // Replace arm64's signature with amd64's: signed by the key, but for another digest.
        Attachments.Item amdSig = att.legacy(amd.digest(), ".sig").get(0);
        replaceTag(att, arm.digest(), ".sig", amdSig);
        CliRun.Result moved = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/arm64");
        assertEquals(3, moved.exit(), moved.out() + moved.err());
        assertTrue(moved.out().contains("FAIL linux/arm64") && moved.out().contains("but for " + amd.digest()), moved.out());

        // Change one byte of amd64's payload, keeping the signature: it no longer verifies.
        String text = new String(amdSig.content(), StandardCharsets.UTF_8).replace("cosign container image signature",
                "cosign container image signaturE");
        replaceTag(att, amd.digest(), ".sig", new Attachments.Item(amdSig.mediaType(), text.getBytes(StandardCharsets.UTF_8),
                amdSig.annotations()));
        CliRun.Result tampered = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/amd64");
        assertEquals(3, tampered.exit(), tampered.out() + tampered.err());
        assertTrue(tampered.out().contains("FAIL linux/amd64") && tampered.out().contains("does not verify with the key"),
                tampered.out());
    }

    @Test
    void buildSignsEveryManifestAndAttestsEachPlatformsOwnSbom() throws Exception {
        String ref = registry.host() + "/built/static:1";
        CliRun.Result b = peel("build", "static", "--arch", "amd64,arm64", "--push", ref, "--sign-key", key.toString(),
                "--sbom", "spdx,cyclonedx");
        assertEquals(0, b.exit(), b.err());
        assertNoSecrets(b);
        assertTrue(b.err().contains("3 manifests (6 signatures added), 8 SBOM attestations added"), b.err());

        CliRun.Result v = peel("verify", ref, "--key", pub.toString(), "--attestations");
        assertEquals(0, v.exit(), v.out() + v.err());
        // index + 2 × (signature, SPDX, CycloneDX)
        assertEquals(7, v.out().lines().filter(l -> l.startsWith("PASS")).count(), v.out());
        CliRun.Result spdx = peel("verify", ref, "--key", pub.toString(), "--attestations", "--type", "spdxjson",
                "--platform", "linux/arm64");
        assertEquals(0, spdx.exit(), spdx.out() + spdx.err());
        assertTrue(spdx.out().contains("PASS linux/arm64/v8") && spdx.out().contains("attestation https://spdx.dev/Document"),
                spdx.out());
        CliRun.Result none = peel("verify", ref, "--key", pub.toString(), "--attestations", "--type", "slsaprovenance1");
        assertEquals(3, none.exit(), none.out());
        assertTrue(none.out().contains("none verifies with the key"), none.out());

        // The SBOM attested to amd64 describes amd64's digest; peel sbom reads the same from the registry.
        Descriptor amd = child("amd64");
        Descriptor arm = child("arm64");
        Path amdSbom = tmp.resolve("amd64.spdx.json");
        CliRun.Result sb = peel("sbom", ref, "--platform", "linux/amd64", "-o", amdSbom.toString());
        assertEquals(0, sb.exit(), sb.err());
        assertTrue(Files.readString(amdSbom).contains("sha256%3A" + amd.digest().hex()));

        // An SBOM of amd64 attested (validly, by the key) to arm64 is refused: it describes another image.
        CliRun.Result wrongSbom = peel("attest", ref, "--platform", "linux/arm64", "--key", key.toString(), "--type",
                "spdxjson", "--predicate", amdSbom.toString(), "--format", "legacy");
        assertEquals(0, wrongSbom.exit(), wrongSbom.err());
        CliRun.Result refused = peel("verify", ref, "--key", pub.toString(), "--attestations", "--type", "spdxjson",
                "--platform", "linux/arm64");
        assertEquals(3, refused.exit(), refused.out());
        assertTrue(refused.out().contains("the SBOM describes " + amd.digest() + ", not this image"), refused.out());
    }

    @Test
    void anAttestationMovedFromOnePlatformToAnotherIsRefusedInEitherForm() throws Exception {
        String ref = registry.host() + "/moved/static:1";
        CliRun.Result b = peel("build", "static", "--arch", "amd64,arm64", "--push", ref, "--sign-key", key.toString());
        assertEquals(0, b.exit(), b.err());
        Attachments att = attachments(ref);
        Descriptor amd = child("amd64");
        Descriptor arm = child("arm64");

        // Legacy: amd64's envelope appended to arm64's .att tag.
        Attachments.Item amdAtt = att.legacy(amd.digest(), ".att").get(0);
        assertTrue(att.appendLegacy(arm.digest(), ".att", amdAtt, i -> false));
        CliRun.Result legacy = peel("verify", ref, "--key", pub.toString(), "--attestations", "--platform", "linux/arm64");
        assertEquals(3, legacy.exit(), legacy.out());
        assertTrue(legacy.out().contains("FAIL linux/arm64/v8") && legacy.out().contains("its subject is [" + amd.digest()
                + "], not this image"), legacy.out());
        assertTrue(legacy.out().contains("PASS linux/arm64/v8"), "arm64's signature still passes: " + legacy.out());

        // Bundle: amd64's attestation bundle pushed as a referrer of arm64 (on a fresh copy of the image).
        String ref2 = registry.host() + "/moved-bundle/static:1";
        assertEquals(0, peel("build", "static", "--arch", "amd64,arm64", "--push", ref2, "--sign-key", key.toString(),
                "--sign-format", "bundle").exit());
        Attachments att2 = attachments(ref2);
        Attachments.Referrer amdRef = att2.referrers(amd.digest()).stream()
                .filter(r -> "https://spdx.dev/Document".equals(r.manifest().annotations().get(Attachments.BUNDLE_PREDICATE_TYPE)))
                .findFirst().orElseThrow();
        att2.putReferrer(arm, Attachments.BUNDLE, att2.items(amdRef).get(0), amdRef.manifest().annotations());
        CliRun.Result bundle = peel("verify", ref2, "--key", pub.toString(), "--attestations", "--platform", "linux/arm64");
        assertEquals(3, bundle.exit(), bundle.out());
        assertTrue(bundle.out().contains("its subject is [" + amd.digest() + "], not this image"), bundle.out());
        CliRun.Result amdOk = peel("verify", ref2, "--key", pub.toString(), "--attestations", "--platform", "linux/amd64");
        assertEquals(0, amdOk.exit(), amdOk.out());
    }

    @Test
    void referrersAreJudgedByWhatIsSignedNotByTheirIndexEntry() throws Exception {
        String ref = push("cosign-style/static");
        assertEquals(0, peel("sign", ref, "--key", key.toString(), "--format", "bundle").exit());
        Attachments att = attachments(ref);
        Descriptor amd = child("amd64");
        // A referrer that will be deleted after the fallback index lists it (the registry keeps the index as it was).
        Digest gone = att.putReferrer(amd, Attachments.BUNDLE, new Attachments.Item(Attachments.BUNDLE,
                "{\"gone\":true}".getBytes(StandardCharsets.UTF_8), Map.of()), Map.of());
        // Rewrite amd64's fallback index as go-containerregistry writes it for cosign: artifactType = the config's
        // type, no annotations.
        String tag = Attachments.tag(amd.digest(), "");
        Map<String, Object> index = new java.util.LinkedHashMap<>(dev.peel.oci.Json.parseObject(att.repository().manifest(tag).raw()));
        List<Object> entries = new java.util.ArrayList<>();
        for (Object o : dev.peel.oci.Json.arr(index, "manifests")) {
            Map<String, Object> e = new java.util.LinkedHashMap<>(dev.peel.oci.Json.obj(Map.of("e", o), "e"));
            e.remove("annotations");
            e.put("artifactType", "application/vnd.oci.empty.v1+json");
            entries.add(e);
        }
        index.put("manifests", entries);
        att.repository().putManifest(tag, MediaType.OCI_INDEX, dev.peel.oci.Json.write(index));
        java.net.http.HttpResponse<String> del = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://" + registry.host() + "/v2/cosign-style/static/manifests/" + gone))
                .DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(202, del.statusCode(), del.body());
        CliRun.Result v = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/amd64");
        assertEquals(0, v.exit(), v.out() + v.err());
        assertTrue(v.out().contains("PASS linux/amd64") && v.out().contains("cannot be read"), v.out());
        CliRun.Result again = peel("sign", ref, "--key", key.toString(), "--format", "bundle");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("linux/amd64: already there"), "found through the bare entry: " + again.out());

        // Another key's attestation neither passes nor fails an image; --type without --attestations is a usage error.
        Path predicate = Files.writeString(tmp.resolve("custom.json"), "{\"note\":\"from someone else\"}");
        Map<String, String> otherEnv = new HashMap<>(env);
        CliRun.Result o = CliRun.peel(otherEnv, "attest", ref, "--key", tmp.resolve("other.key").toString(), "--platform",
                "linux/amd64", "--predicate", predicate.toString());
        assertEquals(0, o.exit(), o.err());
        CliRun.Result none = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/amd64", "--attestations");
        assertEquals(3, none.exit(), "another key's attestation is not ours: " + none.out());
        assertTrue(none.out().contains("attestations: none found"), none.out());
        Path mineFile = Files.writeString(tmp.resolve("mine.json"), "{\"note\":\"mine\"}");
        assertEquals(0, peel("attest", ref, "--key", key.toString(), "--platform", "linux/amd64", "--predicate",
                mineFile.toString()).exit());
        CliRun.Result mine = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/amd64", "--attestations");
        assertEquals(0, mine.exit(), "another key's attestation beside ours does not fail the image: " + mine.out());
        assertTrue(mine.out().contains("does not verify with the key"), "but it is reported: " + mine.out());
        CliRun.Result sbom = peel("verify", ref, "--key", pub.toString(), "--platform", "linux/amd64", "--attestations",
                "--type", "spdxjson");
        assertEquals(3, sbom.exit(), sbom.out());
        CliRun.Result usage = peel("verify", ref, "--key", pub.toString(), "--type", "spdxjson");
        assertEquals(2, usage.exit(), usage.err());
    }

    /** Writes a legacy tag holding exactly one item (what an attacker with push access could do). */
    static void replaceTag(Attachments att, Digest subject, String suffix, Attachments.Item item) throws Exception {
        // A tag holding only this item: made under a scratch subject's tag, then copied over the real one.
        String scratch = "scratch-" + subject.hex().substring(0, 8) + suffix.replace('.', '-');
        Digest scratchSubject = Digest.of(scratch.getBytes(StandardCharsets.UTF_8));
        att.appendLegacy(scratchSubject, suffix, item, i -> false);
        byte[] raw = att.repository().manifest(Attachments.tag(scratchSubject, suffix)).raw();
        att.repository().putManifest(Attachments.tag(subject, suffix), MediaType.OCI_MANIFEST, raw);
    }
}
