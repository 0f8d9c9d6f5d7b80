package dev.peel.registry;

import dev.peel.oci.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One docker {@code config.json} or podman {@code auth.json}: the whole document as read, so that writing it back
 * changes only the entries peel touched.
 */
final class AuthFile {
    private static final Pattern JSON_OFFSET = Pattern.compile("malformed JSON at offset (\\d+): (.*)");

    final Path path;
    final boolean exists;
    private final Map<String, Object> root;
    private Map<String, Object> editedAuths;

    private AuthFile(Path path, boolean exists, Map<String, Object> root) {
        this.path = path;
        this.exists = exists;
        this.root = root;
    }

    /** The file at {@code path}; an absent file reads as an empty one. */
    static AuthFile read(Path path) throws CredentialsException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new AuthFile(path, false, new LinkedHashMap<>());
        } catch (IOException e) {
            throw new CredentialsException("cannot read " + path + ": " + reason(e), e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        // docker reads an empty config.json as an empty configuration (it creates such files itself).
        if (text.isBlank()) {
            return new AuthFile(path, true, new LinkedHashMap<>());
        }
        try {
            return new AuthFile(path, true, new LinkedHashMap<>(Json.parseObject(bytes)));
        } catch (IllegalArgumentException e) {
            throw new CredentialsException(path + where(text, e.getMessage()) + "; fix or remove the file");
        }
    }

    /**
     * Json reports a character offset and sometimes an excerpt; people want line:column, and an excerpt of a
     * credential file could be a secret.
     */
    private static String where(String text, String message) {
        Matcher m = JSON_OFFSET.matcher(message == null ? "" : message);
        if (!m.matches()) {
            return ": not a JSON object";
        }
        int offset = Math.min(Integer.parseInt(m.group(1)), text.length());
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        String what = m.group(2);
        for (String withValue : List.of("bad number", "bad escape")) {
            if (what.startsWith(withValue)) {
                what = withValue;
            }
        }
        return ":" + line + ":" + column + ": malformed JSON (" + what + ")";
    }

    /**
     * The helper {@code credHelpers} names for a registry: docker's key first, then any spelling of it. Null when
     * none is named; an empty name (docker: "use the file for this registry") comes back as "".
     */
    String credHelper(String registry) throws CredentialsException {
        Map<String, Object> helpers = object("credHelpers");
        for (String key : keysFor(helpers, registry)) {
            Object v = helpers.get(key);
            if (!(v instanceof String s)) {
                throw new CredentialsException(path + ": \"credHelpers\".\"" + key + "\" is not a string");
            }
            return s;
        }
        return null;
    }

    /** The default helper ({@code credsStore}), or null. */
    String credsStore() throws CredentialsException {
        Object v = root.get("credsStore");
        if (v == null || v == Json.NULL) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new CredentialsException(path + ": \"credsStore\" is not a string");
        }
        return s.isEmpty() ? null : s;
    }

    /**
     * The credential {@code auths} holds for a registry: podman's per-repository keys first (longest namespace
     * of {@code repository}), then docker's key, then any other spelling in file order. Entries without a secret
     * (docker's {@code {}} marker beside a helper) are passed over.
     */
    Optional<Credential> auth(String registry, String repository) throws CredentialsException {
        Map<String, Object> auths = object("auths");
        if (repository != null && !repository.isEmpty()) {
            String ns = registry + "/" + repository;
            for (; ns.indexOf('/') >= 0; ns = ns.substring(0, ns.lastIndexOf('/'))) {
                for (String key : auths.keySet()) {
                    if (ns.equals(AuthKeys.normalize(key))) {
                        Optional<Credential> c = decode(key, auths.get(key));
                        if (c.isPresent()) {
                            return c;
                        }
                    }
                }
            }
        }
        for (String key : keysFor(auths, registry)) {
            Optional<Credential> c = decode(key, auths.get(key));
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /** Sets docker's entry for a registry and drops other spellings of it, which would otherwise shadow it. */
    boolean put(String registry, Map<String, Object> entry) throws CredentialsException {
        Map<String, Object> auths = editableAuths();
        String key = AuthKeys.dockerKey(registry);
        boolean changed = removeAll(registry, key);
        if (!entry.equals(auths.get(key))) {
            auths.put(key, entry);
            changed = true;
        }
        return changed;
    }

    /** Removes every entry naming the registry itself (not podman's per-repository ones); true when any was. */
    boolean remove(String registry) throws CredentialsException {
        return removeAll(registry, null);
    }

    private boolean removeAll(String registry, String keep) throws CredentialsException {
        if (!root.containsKey("auths")) {
            return false;
        }
        Map<String, Object> auths = editableAuths();
        return auths.keySet().removeIf(k -> !k.equals(keep) && registry.equals(AuthKeys.normalize(k)));
    }

    private Map<String, Object> editableAuths() throws CredentialsException {
        if (editedAuths == null) {
            editedAuths = new LinkedHashMap<>(object("auths"));
            root.put("auths", editedAuths);
        }
        return editedAuths;
    }

    /** Keys of {@code map} that name {@code registry}: docker's own key first, then the others in file order. */
    private static List<String> keysFor(Map<String, Object> map, String registry) {
        List<String> keys = new ArrayList<>();
        String docker = AuthKeys.dockerKey(registry);
        if (map.containsKey(docker)) {
            keys.add(docker);
        }
        for (String k : map.keySet()) {
            if (!k.equals(docker) && registry.equals(AuthKeys.normalize(k))) {
                keys.add(k);
            }
        }
        return keys;
    }

    /**
     * An {@code auths} entry as docker reads it: {@code identitytoken} wins, then {@code auth} (base64 of
     * {@code user:password}), then separate {@code username} and {@code password}.
     */
    private Optional<Credential> decode(String key, Object value) throws CredentialsException {
        String at = path + ": \"auths\".\"" + key + "\"";
        if (!(value instanceof Map<?, ?>)) {
            throw new CredentialsException(at + " is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> entry = (Map<String, Object>) value;
        String auth = string(entry, "auth", at);
        String token = string(entry, "identitytoken", at);
        String user = string(entry, "username", at);
        String password = string(entry, "password", at);
        if (auth != null && !auth.isEmpty()) {
            String[] pair = userPassword(auth, at);
            user = pair[0];
            password = pair[1];
        }
        if (token != null && !token.isEmpty()) {
            return Optional.of(Credential.identityToken(user, token));
        }
        if (user != null && !user.isEmpty() && password != null) {
            return Optional.of(Credential.basic(user, password));
        }
        return Optional.empty();
    }

    private static String[] userPassword(String auth, String at) throws CredentialsException {
        byte[] decoded;
        try {
            // Go's decoder, which docker uses, skips line breaks: `base64` wraps long tokens at 76 columns.
            decoded = Base64.getDecoder().decode(auth.replace("\n", "").replace("\r", ""));
        } catch (IllegalArgumentException e) {
            // The decoder's message quotes a character of the secret, so it is not passed on.
            throw new CredentialsException(at + ".auth is not base64; log in again or fix the entry");
        }
        String s = new String(decoded, StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new CredentialsException(at + ".auth is not base64 of user:password; log in again or fix the entry");
        }
        // docker and podman both strip NULs that some old writers left around the password.
        return new String[] {s.substring(0, colon), stripNuls(s.substring(colon + 1))};
    }

    private static String stripNuls(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '\0') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String string(Map<String, Object> entry, String field, String at) throws CredentialsException {
        Object v = entry.get(field);
        if (v == null || v == Json.NULL) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new CredentialsException(at + "." + field + " is not a string");
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(String field) throws CredentialsException {
        Object v = root.get(field);
        if (v == null || v == Json.NULL) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?>)) {
            throw new CredentialsException(path + ": \"" + field + "\" is not an object");
        }
        return (Map<String, Object>) v;
    }

    /**
     * Writes the document back atomically (temp file, then rename), readable by its owner only, creating its
     * directory 0700. A symlinked file (dotfile managers) stays a symlink: its target is replaced, as docker does.
     */
    void write() throws CredentialsException {
        Path target = path;
        try {
            if (Files.isSymbolicLink(path)) {
                target = Files.exists(path) ? path.toRealPath()
                        : path.toAbsolutePath().getParent().resolve(Files.readSymbolicLink(path));
            }
            Path dir = target.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                createPrivateDirectories(dir);
            }
            Path tmp = createPrivateTemp(dir, target.getFileName().toString());
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(Json.writePretty(root));
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new CredentialsException("cannot write " + target + ": " + reason(e), e);
        }
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        try {
            Files.createDirectories(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            // Another process made it between the check and the call.
        }
    }

    private static Path createPrivateTemp(Path dir, String name) throws IOException {
        FileAttribute<?> owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        try {
            return Files.createTempFile(dir, "." + name + ".", ".tmp", owner);
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(dir, "." + name + ".", ".tmp");
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
