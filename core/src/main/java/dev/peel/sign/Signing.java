package dev.peel.sign;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Signs, attests and verifies manifests in a repository, in cosign's two storage forms: the legacy tags
 * ({@code .sig}: a simple-signing payload signed with the key; {@code .att}: a DSSE envelope of an in-toto
 * statement) and OCI 1.1 referrers carrying a sigstore bundle v0.3 (a DSSE envelope of an in-toto statement, of
 * predicate type {@value #SIGN_PREDICATE} for a signature, as cosign 3 writes them).
 */
public final class Signing {
    /** The predicate type of cosign 3's image signatures in bundle form. */
    public static final String SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";

    /** Which storage forms to write. */
    public enum Form {
        LEGACY, BUNDLE, BOTH;

        public boolean legacy() {
            return this != BUNDLE;
        }

        public boolean bundle() {
            return this != LEGACY;
        }
    }

    /** What one signing or attesting step did. */
    public record Done(Digest subject, String what, String where, boolean added) {
        @Override
        public String toString() {
            return (added ? "added " : "already there: ") + what + " of " + subject + " (" + where + ")";
        }
    }

    /** The outcome of verifying one kind of claim on one manifest. */
    public record Check(Digest subject, String role, String what, boolean passed, List<String> details) {
        @Override
        public String toString() {
            return (passed ? "PASS " : "FAIL ") + role + " " + subject + ": " + what
                    + (details.isEmpty() ? "" : "\n       " + String.join("\n       ", details));
        }
    }

    private final Attachments store;
    private final String dockerReference;
    private final Instant now;

    /**
     * @param dockerReference the repository's name as the simple-signing payload names it ({@code registry/repo})
     * @param now             the time written in referrers' {@code org.opencontainers.image.created}
     */
    public Signing(Attachments store, String dockerReference, Instant now) {
        this.store = store;
        this.dockerReference = dockerReference;
        this.now = now.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Signs one manifest or index; an equal signature by the same key already stored is not added again. */
    public List<Done> sign(Descriptor target, Signer signer, Form form) throws IOException {
        List<Done> done = new ArrayList<>();
        Digest d = target.digest();
        if (form.legacy()) {
            byte[] payload = SimpleSigning.payload(dockerReference, d);
            byte[] sig = signer.sign(payload);
            Attachments.Item item = new Attachments.Item(Attachments.SIMPLE_SIGNING, payload,
                    Map.of(Attachments.SIGNATURE, Base64.getEncoder().encodeToString(sig)));
            boolean added = store.appendLegacy(d, ".sig", item, i -> Attachments.SIMPLE_SIGNING.equals(i.mediaType())
                    && java.util.Arrays.equals(i.content(), payload) && legacyVerifies(i, signer.publicKey()));
            done.add(new Done(d, "signature", "tag " + Attachments.tag(d, ".sig"), added));
        }
        if (form.bundle()) {
            // cosign 3 signs an image as an in-toto v1 statement about its digest (no name), predicate empty.
            byte[] statement = Statement.of(Statement.TYPE_V1, SIGN_PREDICATE, List.of(new Statement.Subject(null, d)),
                    "{}".getBytes(StandardCharsets.UTF_8));
            done.add(putBundle(target, signer, SIGN_PREDICATE, statement, "signature"));
        }
        return done;
    }

    /** Attests a predicate about one manifest; an equal statement by the same key already stored is not added again. */
    public List<Done> attest(Descriptor target, Signer signer, String predicateType, byte[] predicate, Form form)
            throws IOException {
        List<Done> done = new ArrayList<>();
        Digest d = target.digest();
        byte[] statement = Statement.of(predicateType, List.of(new Statement.Subject(dockerReference, d)), predicate);
        String what = "attestation " + predicateType;
        if (form.legacy()) {
            Envelope env = Envelope.sign(signer, Statement.PAYLOAD_TYPE, statement);
            Map<String, String> ann = new LinkedHashMap<>();
            ann.put(Attachments.SIGNATURE, "");
            ann.put(Attachments.PREDICATE_TYPE, predicateType);
            Attachments.Item item = new Attachments.Item(Attachments.DSSE, env.toJson(), ann);
            boolean added = store.appendLegacy(d, ".att", item, i -> sameEnvelope(i.content(), statement,
                    signer.publicKey()));
            done.add(new Done(d, what, "tag " + Attachments.tag(d, ".att"), added));
        }
        if (form.bundle()) {
            done.add(putBundle(target, signer, predicateType, statement, what));
        }
        return done;
    }

    private Done putBundle(Descriptor target, Signer signer, String predicateType, byte[] statement, String what)
            throws IOException {
        Digest d = target.digest();
        for (Found f : bundles(d, new ArrayList<>())) {
            if (f.bundle().envelope() != null && java.util.Arrays.equals(f.bundle().envelope().payload(), statement)
                    && verifies(f.bundle(), signer.publicKey())) {
                return new Done(d, what, f.where(), false);
            }
        }
        Envelope env = Envelope.sign(signer, Statement.PAYLOAD_TYPE, statement);
        byte[] bundle = Bundle.ofEnvelope(env, signer);
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(Attachments.CREATED, now.toString());
        ann.put(Attachments.BUNDLE_CONTENT, "dsse-envelope");
        ann.put(Attachments.BUNDLE_PREDICATE_TYPE, predicateType);
        Digest ref = store.putReferrer(target, Attachments.BUNDLE,
                new Attachments.Item(Attachments.BUNDLE, bundle, Map.of()), ann);
        return new Done(d, what, "referrer " + ref, true);
    }

    private static boolean legacyVerifies(Attachments.Item i, PublicKey key) {
        String b64 = i.annotations().get(Attachments.SIGNATURE);
        if (b64 == null || b64.isEmpty()) {
            return false;
        }
        try {
            return Keys.verify(key, i.content(), Base64.getDecoder().decode(b64));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean sameEnvelope(byte[] json, byte[] statement, PublicKey key) {
        try {
            Envelope e = Envelope.parse(json);
            return java.util.Arrays.equals(e.payload(), statement) && e.verifiedBy(key);
        } catch (SignatureException e) {
            return false;
        }
    }

    // ---- verification ----

    /**
     * Verifies the signatures of one manifest or index: it passes when at least one signature in either form
     * verifies with the key and names this digest; a signature by the key that names another digest fails it
     * whatever else is there (it was moved or replayed).
     */
    public Check verifySignatures(Descriptor target, String role, PublicKey key) throws IOException {
        Digest d = target.digest();
        List<String> details = new ArrayList<>();
        int good = 0;
        boolean bad = false;
        for (Attachments.Item i : store.legacy(d, ".sig")) {
            String where = "tag " + Attachments.tag(d, ".sig") + " layer " + i.digest().hex().substring(0, 12);
            if (!Attachments.SIMPLE_SIGNING.equals(i.mediaType())) {
                details.add(where + ": not a simple-signing payload (" + i.mediaType() + "); ignored");
                continue;
            }
            if (!legacyVerifies(i, key)) {
                details.add(where + ": the signature does not verify with the key (another key's, or the payload was changed)");
                continue;
            }
            try {
                Digest named = SimpleSigning.manifestDigest(i.content());
                if (!named.equals(d)) {
                    details.add(where + ": signed by the key but for " + named + ", not this image");
                    bad = true;
                    continue;
                }
            } catch (SignatureException e) {
                details.add(where + ": " + e.getMessage());
                bad = true;
                continue;
            }
            good++;
            details.add(where + ": verified");
        }
        for (Found f : bundles(d, details)) {
            if (f.bundle().envelope() == null) {
                details.add(f.where() + ": the bundle holds no DSSE envelope (a message signature); ignored");
                continue;
            }
            if (!verifies(f.bundle(), key)) {
                details.add(f.where() + ": the bundle does not verify with the key");
                continue;
            }
            Statement st;
            try {
                st = Statement.parse(f.bundle().envelope().payload());
            } catch (SignatureException e) {
                details.add(f.where() + ": " + e.getMessage());
                continue;
            }
            if (!SIGN_PREDICATE.equals(st.predicateType())) {
                continue; // an attestation: verifyAttestations judges it
            }
            if (st.subjects().stream().noneMatch(sub -> d.equals(sub.digest()))) {
                details.add(f.where() + ": signed by the key but names "
                        + st.subjects().stream().map(sub -> String.valueOf(sub.digest())).toList() + ", not this image");
                bad = true;
                continue;
            }
            good++;
            details.add(f.where() + ": verified");
        }
        String what = good > 0 && !bad ? good + " signature" + (good == 1 ? "" : "s") + " verified"
                : good == 0 ? "no signature verifies with the key" : "a signature by the key names another image";
        return new Check(d, role, what, good > 0 && !bad, details);
    }

    /**
     * Verifies the attestations of one manifest, of one predicate type or (null) of every type found: each needs at
     * least one attestation whose envelope verifies with the key and whose statement's subject is this digest; an
     * attestation by the key about another digest fails. {@code predicateCheck} may judge the predicate too
     * (an SBOM's described image); it returns null when content is fine, else the problem.
     */
    public List<Check> verifyAttestations(Descriptor target, String role, PublicKey key, String predicateType,
                                          BiFunction<String, byte[], String> predicateCheck) throws IOException {
        Digest d = target.digest();
        Map<String, List<String>> byType = new LinkedHashMap<>();
        Map<String, int[]> counts = new LinkedHashMap<>();   // [good, bad]
        if (predicateType != null) {
            byType.put(predicateType, new ArrayList<>());
            counts.put(predicateType, new int[2]);
        }
        for (Attachments.Item i : store.legacy(d, ".att")) {
            String where = "tag " + Attachments.tag(d, ".att") + " layer " + i.digest().hex().substring(0, 12);
            String type = i.annotations().getOrDefault(Attachments.PREDICATE_TYPE, "");
            Envelope env;
            try {
                env = Envelope.parse(i.content());
            } catch (SignatureException e) {
                // Nothing shows it is the key's: reported, not held against the image.
                note(byType, counts, type, predicateType, where + ": " + e.getMessage(), null);
                continue;
            }
            judge(d, env, where, key, predicateType, predicateCheck, byType, counts);
        }
        for (Found f : bundles(d, new ArrayList<>())) {
            if (f.bundle().envelope() == null) {
                continue;
            }
            if (!verifies(f.bundle(), key)) {
                String type = "";
                try {
                    type = Statement.parse(f.bundle().envelope().payload()).predicateType();
                } catch (SignatureException e) {
                    // unreadable and not the key's: reported under no type
                }
                if (!SIGN_PREDICATE.equals(type)) {
                    note(byType, counts, type, predicateType, f.where() + ": the bundle does not verify with the key", null);
                }
                continue;
            }
            judge(d, f.bundle().envelope(), f.where(), key, predicateType, predicateCheck, byType, counts);
        }
        List<Check> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byType.entrySet()) {
            int[] c = counts.get(e.getKey());
            boolean ok = c[0] > 0 && c[1] == 0;
            String what = "attestation " + e.getKey() + ": " + (ok ? c[0] + " verified"
                    : c[1] > 0 ? "an attestation by the key is not about this image or its content is wrong"
                    : "none verifies with the key");
            out.add(new Check(d, role, what, ok, e.getValue()));
        }
        return out;
    }

    private void judge(Digest d, Envelope env, String where, PublicKey key, String wanted,
                       BiFunction<String, byte[], String> predicateCheck, Map<String, List<String>> byType,
                       Map<String, int[]> counts) {
        Statement st;
        if (!env.verifiedBy(key)) {
            String type = "";
            try {
                type = Statement.parse(env.payload()).predicateType();
            } catch (SignatureException e) {
                // unreadable and unsigned by the key: reported under the unknown type
            }
            note(byType, counts, type, wanted, where + ": the envelope does not verify with the key", null);
            return;
        }
        if (!Statement.PAYLOAD_TYPE.equals(env.payloadType())) {
            note(byType, counts, "", wanted, where + ": payload type " + env.payloadType() + " is not an in-toto statement", false);
            return;
        }
        try {
            st = Statement.parse(env.payload());
        } catch (SignatureException e) {
            note(byType, counts, "", wanted, where + ": " + e.getMessage(), false);
            return;
        }
        String type = st.predicateType();
        if (SIGN_PREDICATE.equals(type)) {
            return;
        }
        boolean about = st.subjects().stream().anyMatch(s -> d.equals(s.digest()));
        if (!about) {
            note(byType, counts, type, wanted, where + ": signed by the key but its subject is "
                    + st.subjects().stream().map(s -> String.valueOf(s.digest())).toList() + ", not this image", false);
            return;
        }
        String problem = predicateCheck == null ? null : predicateCheck.apply(type, st.predicate());
        if (problem != null) {
            note(byType, counts, type, wanted, where + ": " + problem, false);
            return;
        }
        note(byType, counts, type, wanted, where + ": verified", true);
    }

    /** Records a finding under its predicate type; {@code good} null means neither good nor bad (not the key's). */
    private static void note(Map<String, List<String>> byType, Map<String, int[]> counts, String type, String wanted,
                             String detail, Boolean good) {
        if (wanted != null && !wanted.equals(type)) {
            return;
        }
        String t = type.isEmpty() ? "(unknown type)" : type;
        if (good == null && !byType.containsKey(t)) {
            return; // another key's attestation, or junk: it neither passes nor fails this image
        }
        byType.computeIfAbsent(t, k -> new ArrayList<>()).add(detail);
        int[] c = counts.computeIfAbsent(t, k -> new int[2]);
        if (Boolean.TRUE.equals(good)) {
            c[0]++;
        } else if (Boolean.FALSE.equals(good)) {
            c[1]++;
        }
    }

    /** A sigstore bundle found among a subject's referrers, and where (for the report). */
    private record Found(Bundle bundle, String where) {
    }

    /** At most this many referrers of one subject are read. */
    static final int MAX_REFERRERS = 1000;

    /**
     * Every sigstore bundle among a subject's referrers. What is signed decides what a bundle is, not the referrer's
     * annotations or artifactType (unsigned, and not kept by every registry or client: go-containerregistry writes
     * the fallback index with the config's type and no annotations), so every referrer that may hold a bundle is
     * read. A referrer that cannot be read (deleted since the index listed it) or is not a manifest is skipped with
     * a detail, as cosign skips it.
     */
    private List<Found> bundles(Digest d, List<String> details) throws IOException {
        List<Found> out = new ArrayList<>();
        List<Attachments.Referrer> referrers;
        try {
            referrers = store.referrers(d);
        } catch (dev.peel.registry.RegistryException e) {
            if (e.kind() != dev.peel.registry.RegistryException.Kind.UNTRUSTED) {
                throw e;
            }
            details.add("referrers of " + d + ": " + e.getMessage() + "; none read");
            return out;
        }
        int read = 0;
        for (Attachments.Referrer r : referrers) {
            String type = r.artifactType();
            if (type != null && !type.equals(Attachments.BUNDLE) && !type.equals(Attachments.EMPTY.value())) {
                continue;
            }
            if (++read > MAX_REFERRERS) {
                details.add("more than " + MAX_REFERRERS + " referrers; the rest are not read");
                break;
            }
            String where = "referrer " + r.manifest().digest().hex().substring(0, 12);
            List<Attachments.Item> items;
            try {
                items = store.items(r);
            } catch (dev.peel.registry.RegistryException e) {
                if (e.kind() == dev.peel.registry.RegistryException.Kind.DENIED) {
                    throw e;
                }
                details.add(where + ": cannot be read (" + e.getMessage() + "); skipped");
                continue;
            }
            for (Attachments.Item i : items) {
                if (!Attachments.BUNDLE.equals(i.mediaType())) {
                    continue;
                }
                try {
                    out.add(new Found(Bundle.parse(i.content()), where));
                } catch (SignatureException e) {
                    details.add(where + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** Whether a DSSE bundle verifies with the key, by the bundle's own rules (one signature). */
    private static boolean verifies(Bundle b, PublicKey key) {
        try {
            b.verify(key, null);
            return true;
        } catch (SignatureException e) {
            return false;
        }
    }
}
