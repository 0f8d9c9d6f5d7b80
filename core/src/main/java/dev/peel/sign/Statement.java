package dev.peel.sign;

import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-toto statement: subjects (name and sha256) and a typed predicate, the payload of an attestation's DSSE
 * envelope. {@link #of} writes {@code _type} v0.1, what cosign attest writes for every predicate type;
 * {@link #parse} reads v0.1 and v1 (which cosign writes for its own bundle-form image signatures).
 */
public final class Statement {
    /** A subject: a name (cosign puts the repository there) and the sha256 it attests. */
    public record Subject(String name, Digest digest) {
        public Subject {
            Objects.requireNonNull(digest, "digest");
        }
    }

    /** The DSSE payloadType of an in-toto statement. */
    public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    public static final String TYPE_V01 = "https://in-toto.io/Statement/v0.1";
    public static final String TYPE_V1 = "https://in-toto.io/Statement/v1";

    private final String type;
    private final String predicateType;
    private final List<Subject> subjects;
    private final byte[] predicate;

    private Statement(String type, String predicateType, List<Subject> subjects, byte[] predicate) {
        this.type = type;
        this.predicateType = predicateType;
        this.subjects = List.copyOf(subjects);
        this.predicate = predicate;
    }

    /** A v0.1 statement's bytes (canonical JSON; the predicate, a JSON object, is rewritten canonically too). */
    public static byte[] of(String predicateType, List<Subject> subjects, byte[] predicateJson) {
        return of(TYPE_V01, predicateType, subjects, predicateJson);
    }

    /** A statement of the given {@code _type} ({@link #TYPE_V01} or {@link #TYPE_V1}). */
    public static byte[] of(String statementType, String predicateType, List<Subject> subjects, byte[] predicateJson) {
        if (!TYPE_V01.equals(statementType) && !TYPE_V1.equals(statementType)) {
            throw new IllegalArgumentException("not an in-toto statement type: " + statementType);
        }
        if (predicateType == null || predicateType.isEmpty()) {
            throw new IllegalArgumentException("the predicate type is empty");
        }
        if (subjects.isEmpty()) {
            throw new IllegalArgumentException("a statement needs at least one subject");
        }
        Object predicate = Json.parse(predicateJson);
        if (!(predicate instanceof Map)) {
            throw new IllegalArgumentException("the predicate is not a JSON object");
        }
        List<Object> subs = new ArrayList<>();
        for (Subject s : subjects) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (s.name() != null && !s.name().isEmpty()) {
                m.put("name", s.name());
            }
            m.put("digest", Map.of(s.digest().algorithm(), s.digest().hex()));
            subs.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("_type", statementType);
        doc.put("subject", subs);
        doc.put("predicateType", predicateType);
        doc.put("predicate", predicate);
        return Json.write(doc);
    }

    /** Reads a statement; every subject must carry a sha256. */
    public static Statement parse(byte[] json) throws SignatureException {
        try {
            Map<String, Object> doc = Json.parseObject(json);
            String type = Json.str(doc, "_type");
            if (!TYPE_V01.equals(type) && !TYPE_V1.equals(type)) {
                throw new SignatureException("not an in-toto statement: _type is "
                        + (type == null ? "missing" : "'" + type + "'"));
            }
            String predicateType = Json.str(doc, "predicateType");
            if (predicateType == null || predicateType.isEmpty()) {
                throw new SignatureException("the in-toto statement has no predicateType");
            }
            List<Subject> subjects = new ArrayList<>();
            for (Object o : Json.arr(doc, "subject")) {
                if (!(o instanceof Map<?, ?>)) {
                    throw new SignatureException("an in-toto subject is not an object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) o;
                String name = Json.str(s, "name");
                String hex = Json.str(Json.obj(s, "digest"), "sha256");
                if (hex == null) {
                    throw new SignatureException("the in-toto subject " + (name == null ? "" : "'" + name + "' ")
                            + "has no sha256 digest");
                }
                try {
                    subjects.add(new Subject(name, new Digest(hex)));
                } catch (IllegalArgumentException e) {
                    throw new SignatureException("the in-toto subject's sha256 is not 64 lower-case hex digits: " + hex);
                }
            }
            if (subjects.isEmpty()) {
                throw new SignatureException("the in-toto statement has no subject");
            }
            Object predicate = doc.get("predicate");
            return new Statement(type, predicateType, subjects, predicate == null ? Json.write(Json.NULL) : Json.write(predicate));
        } catch (IllegalArgumentException e) {
            throw new SignatureException("not an in-toto statement: " + e.getMessage());
        }
    }

    /** {@code _type}: {@link #TYPE_V01} or {@link #TYPE_V1}. */
    public String type() {
        return type;
    }

    public String predicateType() {
        return predicateType;
    }

    public List<Subject> subjects() {
        return subjects;
    }

    /** The predicate as canonical JSON bytes ({@code null} when absent). */
    public byte[] predicate() {
        return predicate.clone();
    }

    /** Whether a subject names this digest. */
    public boolean covers(Digest d) {
        return subjects.stream().anyMatch(s -> s.digest().equals(d));
    }
}
