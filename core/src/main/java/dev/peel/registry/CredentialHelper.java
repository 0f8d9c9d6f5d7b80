package dev.peel.registry;

import dev.peel.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A {@code docker-credential-<name>} program, spoken to as docker does: the action is the only argument, the
 * server URL (or for {@code store} a JSON object) goes to stdin, the answer comes on stdout.
 */
final class CredentialHelper {
    static final String PREFIX = "docker-credential-";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
    private static final int MAX_OUTPUT = 1 << 20;
    private static final int MAX_MESSAGE = 200;

    private final String program;
    private final Path executable;
    private final String origin;
    private final Map<String, String> env;
    private final Duration timeout;

    private CredentialHelper(String program, Path executable, String origin, Map<String, String> env,
            Duration timeout) {
        this.program = program;
        this.executable = executable;
        this.origin = origin;
        this.env = env;
        this.timeout = timeout;
    }

    /**
     * The helper {@code name} found on the environment's PATH; {@code origin} says which file configured it, for
     * messages.
     */
    static CredentialHelper find(String name, String origin, Map<String, String> env, Duration timeout)
            throws CredentialsException {
        String program = PREFIX + name;
        // The name comes from a file and becomes part of a path: no separators, no option-like names.
        if (!NAME.matcher(name).matches()) {
            throw new CredentialsException("credential helper name \"" + name + "\" (" + origin
                    + ") is not a plain program name");
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            // An empty PATH entry means the working directory; a credential program is never taken from there.
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return new CredentialHelper(program, candidate, origin, env, timeout);
            }
        }
        throw new CredentialsException("credential helper " + program + " (" + origin
                + ") is not on PATH; install it or remove that setting from the file");
    }

    /** The credential stored for {@code serverUrl}, or empty when the helper has none. */
    Optional<Credential> get(String serverUrl) throws CredentialsException {
        Result r = run("get", serverUrl.getBytes(StandardCharsets.UTF_8), null);
        if (r.exit != 0) {
            if (r.notFound()) {
                return Optional.empty();
            }
            throw r.failure("get credentials for " + serverUrl);
        }
        if (r.stdout.isBlank()) {
            return Optional.empty();
        }
        Map<String, Object> answer;
        String user;
        String secret;
        try {
            answer = Json.parseObject(r.stdout.getBytes(StandardCharsets.UTF_8));
            user = Json.str(answer, "Username");
            secret = Json.str(answer, "Secret");
        } catch (IllegalArgumentException e) {
            // The answer holds the secret, so neither it nor the parser's excerpt of it goes into the message.
            throw new CredentialsException(program + " (" + origin + ") answered \"get\" for " + serverUrl
                    + " with something that is not its JSON credential");
        }
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        if (Credential.TOKEN_USER.equals(user)) {
            return Optional.of(Credential.identityToken(Credential.TOKEN_USER, secret));
        }
        return Optional.of(Credential.basic(user == null ? "" : user, secret));
    }

    /** Stores a credential under {@code serverUrl}. */
    void store(String serverUrl, Credential credential) throws CredentialsException {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("ServerURL", serverUrl);
        in.put("Username", credential.identityToken() ? Credential.TOKEN_USER : credential.username());
        in.put("Secret", credential.secret());
        Result r = run("store", Json.write(in), credential.secret());
        if (r.exit != 0) {
            throw r.failure("store credentials for " + serverUrl);
        }
    }

    /** Erases what is stored under {@code serverUrl}; false when there was nothing. */
    boolean erase(String serverUrl) throws CredentialsException {
        Result r = run("erase", serverUrl.getBytes(StandardCharsets.UTF_8), null);
        if (r.exit != 0) {
            if (r.notFound()) {
                return false;
            }
            throw r.failure("erase credentials for " + serverUrl);
        }
        return true;
    }

    private Result run(String action, byte[] input, String secret) throws CredentialsException {
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), action);
        // The helper sees the environment peel was given, not the JVM's: that is what tests and embedders control.
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CredentialsException("cannot run " + executable + " (" + origin + "): " + e.getMessage(), e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(input);
        } catch (IOException e) {
            // A helper may exit without reading its input; its exit code and output tell what happened.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                String limit = timeout.toSeconds() > 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
                throw new CredentialsException(program + " (" + origin + ") did not answer \"" + action + "\" within "
                        + limit + "; is it waiting for a password prompt or a locked keyring?");
            }
            // A daemon the helper started (gpg-agent, say) may hold the pipes open long after the helper is gone;
            // what the helper itself wrote is in the pipe already, so a short grace is enough.
            long grace = Math.min(timeout.toMillis(), 2000);
            out.join(grace);
            err.join(grace);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while running " + program);
        }
        return new Result(p.exitValue(), out.text(), err.text(), secret);
    }

    /** What a helper run left behind. */
    private final class Result {
        final int exit;
        final String stdout;
        final String stderr;
        final String secret;

        Result(int exit, String stdout, String stderr, String secret) {
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
            this.secret = secret;
        }

        // docker-credential-helpers print "credentials not found in native keychain" and exit 1.
        boolean notFound() {
            return stdout.toLowerCase(Locale.ROOT).contains("credentials not found");
        }

        CredentialsException failure(String what) {
            // Helpers report on stdout, some on stderr; the first that says something usable is quoted.
            String said = said(stdout);
            if (said.isEmpty()) {
                said = said(stderr);
            }
            return new CredentialsException(program + " (" + origin + ") failed to " + what + ": exit " + exit
                    + (said.isEmpty() ? "" : ": " + said));
        }

        /**
         * One short line of what the helper printed, to tell the user why; never anything that could hold a secret:
         * the one we sent is masked, and JSON (a helper echoing its input or answer) is left out whole.
         */
        private String said(String text) {
            String line = text.strip().lines().findFirst().orElse("");
            if (line.indexOf('{') >= 0) {
                return "";
            }
            if (secret != null && !secret.isEmpty()) {
                line = line.replace(secret, "***");
            }
            return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "…" : line;
        }
    }

    /** Reads a stream on its own thread so that neither pipe can fill up and stall the helper. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
            setName("credential-helper-output");
            start();
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    // Past the cap the rest is read and dropped, so the helper never blocks on a full pipe.
                    if (bytes.size() < MAX_OUTPUT) {
                        bytes.write(buf, 0, Math.min(n, MAX_OUTPUT - bytes.size()));
                    }
                }
            } catch (IOException e) {
                // The process went away; what was read so far is all there is.
            }
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
