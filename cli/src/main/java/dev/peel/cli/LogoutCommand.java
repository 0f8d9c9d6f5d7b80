package dev.peel.cli;

import dev.peel.registry.Credentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Removes a registry's saved credentials (from the file 'peel login' writes, or its credential helper).",
        footer = ExitCodes.HELP)
final class LogoutCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "REGISTRY", description = "The registry host[:port].")
    String host;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        String apiHost;
        try {
            apiHost = Logins.apiHost(host);
        } catch (IllegalArgumentException e) {
            err.println("peel logout: not a registry host (give HOST or HOST:PORT)");
            return ExitCodes.USAGE;
        }
        try {
            Credentials c = Logins.credentials(parent.env);
            boolean removed = c.logout(apiHost);
            out.println(removed ? "Removed login credentials for " + apiHost : "Not logged in to " + apiHost);
            out.flush();
            return ExitCodes.OK;
        } catch (IOException e) {
            return Failures.reportTransfer("logout", e, err);
        }
    }
}
