package dev.peel.cli;

import dev.peel.registry.Credential;
import dev.peel.registry.Credentials;
import dev.peel.registry.Registry;
import dev.peel.registry.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Checks a user name and password (or token) against a registry and saves them where docker keeps",
                "them: $DOCKER_CONFIG/config.json or ~/.docker/config.json ($REGISTRY_AUTH_FILE when set, as podman does),",
                "through the configured credential helper when there is one. The password is read from stdin with",
                "--password-stdin, or asked for on a terminal; it is never printed."},
        footer = ExitCodes.HELP)
final class LoginCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Parameters(index = "0", paramLabel = "REGISTRY", description = "The registry host[:port] (docker.io for Docker Hub).")
    String host;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user name.")
    String username;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", description = "The password (visible to other users in the process list; prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password (or token) from stdin.")
    boolean passwordStdin;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        String apiHost;
        try {
            apiHost = Logins.apiHost(host);
        } catch (IllegalArgumentException e) {
            err.println("peel login: not a registry host (give HOST or HOST:PORT, without user or password)");
            return ExitCodes.USAGE;
        }
        if (password != null && passwordStdin) {
            err.println("peel login: give --password or --password-stdin, not both");
            return ExitCodes.USAGE;
        }
        String secret = password;
        try {
            if (passwordStdin) {
                secret = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
            }
            if (username == null) {
                if (System.console() == null) {
                    err.println("peel login: give the user name with --username");
                    return ExitCodes.USAGE;
                }
                username = System.console().readLine("Username: ");
            }
            if (secret == null) {
                if (System.console() == null) {
                    err.println("peel login: give the password with --password-stdin");
                    return ExitCodes.USAGE;
                }
                char[] p = System.console().readPassword("Password: ");
                secret = p == null ? "" : new String(p);
            }
            if (username == null || username.isEmpty() || secret.isEmpty()) {
                err.println("peel login: the user name and password must not be empty");
                return ExitCodes.USAGE;
            }
            Credential cred = Credential.basic(username, secret);
            RegistryClient.Options o = registry.client(parent, err).options().withCredentials(h -> Optional.of(cred));
            Registry r = new RegistryClient(o).registry(apiHost);
            try (Registry.Response resp = r.send(new Registry.Call("GET", "/v2/", null, null, List.of(), false,
                    "login to " + apiHost))) {
                if (resp.status() != 200) {
                    err.println("peel login: " + apiHost + " answered " + resp.status() + " to /v2/; is it a registry?");
                    return ExitCodes.REGISTRY;
                }
            }
            Credentials store = Logins.credentials(parent.env);
            store.login(apiHost, cred);
            out.println("Login Succeeded");
            out.flush();
            if (!parent.quiet) {
                err.println("saved credentials for " + apiHost + " in " + store.loginFile());
            }
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("login", e, err);
        }
    }
}
