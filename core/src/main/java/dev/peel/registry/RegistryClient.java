package dev.peel.registry;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The entry point to registries: one HTTP client (JDK {@code java.net.http}) and one {@link Registry} session per
 * host, so tokens and the learned scheme are shared by every repository of a host.
 */
public final class RegistryClient {
    /** Finds the credential for a registry host (the host the API is served from). */
    public interface CredentialLookup {
        CredentialLookup NONE = host -> Optional.empty();

        Optional<Credential> find(String host) throws java.io.IOException;
    }

    /**
     * How the client behaves, passed in explicitly.
     *
     * @param insecureHosts hosts spoken to over plain HTTP besides loopback ones (--insecure-registry)
     * @param caFile extra CA certificates (PEM) trusted besides the JDK's, or null
     * @param retryBudget the longest a request keeps retrying (backoff, Retry-After) before it fails
     * @param maxAttempts attempts per request at most
     * @param idleTimeout a transfer that moves no byte this long is cut and retried
     * @param notices where retries and other notes go (never with a secret)
     */
    public record Options(CredentialLookup credentials, Set<String> insecureHosts, Path caFile, Duration retryBudget,
                          int maxAttempts, Duration idleTimeout, Consumer<String> notices) {
        public Options {
            credentials = credentials == null ? CredentialLookup.NONE : credentials;
            insecureHosts = insecureHosts == null ? Set.of() : Set.copyOf(insecureHosts);
            retryBudget = retryBudget == null ? Duration.ofMinutes(5) : retryBudget;
            maxAttempts = maxAttempts <= 0 ? 10 : maxAttempts;
            idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
            notices = notices == null ? n -> { } : notices;
        }

        public static Options defaults() {
            return new Options(null, null, null, null, 0, null, null);
        }

        public Options withCredentials(CredentialLookup c) {
            return new Options(c, insecureHosts, caFile, retryBudget, maxAttempts, idleTimeout, notices);
        }
    }

    private final Options options;
    private final HttpClient http;
    private final Map<String, Registry> sessions = new ConcurrentHashMap<>();

    public RegistryClient(Options options) throws RegistryException {
        this.options = options;
        if (options.caFile() != null && !java.nio.file.Files.isReadable(options.caFile())) {
            throw new RegistryException(RegistryException.Kind.FAILED, "--ca-file " + options.caFile() + " cannot be read");
        }
        // Empty SSL parameters: the engine's defaults apply, and building the client loads no TLS.
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30))
                .sslContext(Tls.lazy(options.caFile()))
                .sslParameters(new javax.net.ssl.SSLParameters())
                .build();
    }

    public Options options() {
        return options;
    }

    private volatile java.util.concurrent.ScheduledExecutorService watchdog;

    /** One daemon thread that cuts transfers which stopped moving (see {@link Options#idleTimeout()}). */
    java.util.concurrent.ScheduledExecutorService watchdog() {
        if (watchdog == null) {
            synchronized (this) {
                if (watchdog == null) {
                    watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "peel-registry-watchdog");
                        t.setDaemon(true);
                        return t;
                    });
                }
            }
        }
        return watchdog;
    }

    HttpClient http() {
        return http;
    }

    /** The session for a registry host ({@code host[:port]}, as {@link Reference#apiHost()} gives it). */
    public Registry registry(String apiHost) {
        return sessions.computeIfAbsent(apiHost.toLowerCase(Locale.ROOT), h -> new Registry(this, h));
    }

    /** A repository of the registry a reference names. */
    public Repository repository(Reference ref) {
        return new Repository(registry(ref.apiHost()), ref.registry(), ref.repository());
    }

    /** Whether plain HTTP may be used for a host: loopback, or listed as insecure. */
    boolean plainHttpAllowed(String hostPort) {
        String host = hostOnly(hostPort);
        return isLoopback(host) || options.insecureHosts().contains(hostPort.toLowerCase(Locale.ROOT))
                || options.insecureHosts().contains(host);
    }

    static String hostOnly(String hostPort) {
        String h = hostPort.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(0, end + 1) : h;
        }
        int colon = h.lastIndexOf(':');
        return colon > 0 ? h.substring(0, colon) : h;
    }

    /** Loopback by address or by the name every resolver maps there; never a DNS name that merely starts "127.". */
    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.matches("127(\\.[0-9]{1,3}){3}") || host.equals("[::1]") || host.equals("::1");
    }
}
