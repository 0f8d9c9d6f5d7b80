package dev.peel.cli;

import dev.peel.registry.RegistryClient;

/** Where the CLI finds registry credentials: the files docker and podman users already have. */
final class Logins {
    private Logins() {
    }

    static RegistryClient.CredentialLookup lookup() {
        return RegistryClient.CredentialLookup.NONE;
    }
}
