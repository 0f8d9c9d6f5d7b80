package dev.peel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code peel} command. */
@Command(name = "peel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Builds minimal, reproducible OCI images from a YAML spec, without a daemon.",
        subcommands = {BuildCommand.class, InspectCommand.class, ResolveCommand.class, LockCommand.class, CacheCommand.class,
                PresetsCommand.class, CheckCommand.class, PushCommand.class, PullCommand.class, CopyCommand.class,
                TagsCommand.class, IndexCommand.class, LoginCommand.class, LogoutCommand.class,
                PublishStaticCommand.class,
                CommandLine.HelpCommand.class},
        footer = ExitCodes.HELP)
public final class Main {
    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print only results (digests, listings); no progress or summaries.")
    boolean quiet;

    @Option(names = "--cache", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "peel's cache (packages, verified indexes, built layers); default $XDG_CACHE_HOME/peel or ~/.cache/peel.")
    java.nio.file.Path cache;

    /** The environment commands read (credentials, mirrors); tests pass their own. */
    java.util.Map<String, String> env = System.getenv();

    dev.peel.cache.Cache cache() {
        return dev.peel.cache.Cache.at(cache, env);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the CLI with its output going to the given writers (tests call this). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return run(out, err, System.getenv(), args);
    }

    /** Runs the CLI with the given environment instead of the process's (where credentials and caches are found). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, java.util.Map<String, String> env, String... args) {
        Main main = new Main();
        main.env = env;
        CommandLine cl = commandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine() {
        return commandLine(new Main());
    }

    static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setExitCodeExceptionMapper(t -> ExitCodes.FAILED);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("peel: " + ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("peel: internal error: " + ex);
            ex.printStackTrace(c.getErr());
            return ExitCodes.FAILED;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"peel " + (v == null ? "dev" : v)};
        }
    }
}
