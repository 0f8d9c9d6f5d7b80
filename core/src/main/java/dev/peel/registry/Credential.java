package dev.peel.registry;

/** A user name and its secret (a password, or with {@code identityToken} a refresh token); never printed. */
public record Credential(String username, String secret, boolean identityToken) {
    @Override
    public String toString() {
        return "Credential[user=" + username + ", secret=***]";
    }
}
