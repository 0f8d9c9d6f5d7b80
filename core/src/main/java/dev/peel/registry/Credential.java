package dev.peel.registry;

import java.util.Objects;

/**
 * A user name and its secret (a password, or with {@code identityToken} a refresh token); never printed.
 * An identity token is docker's {@code identitytoken}: it is exchanged for an access token as an OAuth2 refresh
 * token, not sent as a password; credential helpers mark one with the user name {@value #TOKEN_USER}.
 */
public record Credential(String username, String secret, boolean identityToken) {
    /** The user name docker and the credential helpers use for an identity token whose owner is unknown. */
    public static final String TOKEN_USER = "<token>";

    public Credential {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(secret, "secret");
    }

    /** A user name and password. */
    public static Credential basic(String username, String password) {
        return new Credential(username, password, false);
    }

    /** An identity (refresh) token, with the user name it belongs to when known. */
    public static Credential identityToken(String username, String token) {
        return new Credential(username == null || username.isEmpty() ? TOKEN_USER : username, token, true);
    }

    @Override
    public String toString() {
        return "Credential[user=" + username + ", secret=***]";
    }
}
