package dev.peel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code peel} command. */
@Command(name = "peel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Builds minimal, reproducible OCI images from a YAML spec, without a daemon.",
        footer = ExitCodes.HELP)
public final class Main {
    /**
     * The subcommands, in help order. picocli reflects over every class it is given (≈ 0.15 s for all of them),
     * so a run registers only the one it invokes; help, usage errors and unknown names get them all. A switch, not
     * a map of constructor references: those would load every command's class (and spin a lambda for each) on
     * every start.
     */
    private static final java.util.List<String> SUBCOMMANDS = java.util.List.of("build", "inspect", "run", "debug", "diff", "sbom", "resolve", "lock", "cache", "presets", "check", "test", "push", "pull", "copy", "tags", "index", "login", "logout", "publish-static", "keygen", "sign", "attest", "verify", "help");

    private static Object subcommand(String name) {
        return switch (name) {
            case "build" -> new BuildCommand();
            case "inspect" -> new InspectCommand();
            case "run" -> new RunCommand();
            case "debug" -> new DebugCommand();
            case "diff" -> new DiffCommand();
            case "sbom" -> new SbomCommand();
            case "resolve" -> new ResolveCommand();
            case "lock" -> new LockCommand();
            case "cache" -> new CacheCommand();
            case "presets" -> new PresetsCommand();
            case "check" -> new CheckCommand();
            case "test" -> new TestCommand();
            case "push" -> new PushCommand();
            case "pull" -> new PullCommand();
            case "copy" -> new CopyCommand();
            case "tags" -> new TagsCommand();
            case "index" -> new IndexCommand();
            case "login" -> new LoginCommand();
            case "logout" -> new LogoutCommand();
            case "publish-static" -> new PublishStaticCommand();
            case "keygen" -> new KeygenCommand();
            case "sign" -> new SignCommand();
            case "attest" -> new AttestCommand();
            case "verify" -> new VerifyCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

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
        Integer fast = FastRun.tryRun(args, new java.io.PrintWriter(System.err, true));
        if (fast != null) {
            return fast;
        }
        return commandLine(new Main(), args).execute(args);
    }

    /** Runs the CLI with its output going to the given writers (tests call this). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return run(out, err, System.getenv(), args);
    }

    /** Runs the CLI with the given environment instead of the process's (where credentials and caches are found). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, java.util.Map<String, String> env, String... args) {
        Main main = new Main();
        main.env = env;
        CommandLine cl = commandLine(main, args);
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
        return commandLine(new Main(), new String[0]);
    }

    /** The command line for these arguments: only the invoked subcommand is registered when it is known. */
    static CommandLine commandLine(Main main, String[] args) {
        CommandLine cl = new CommandLine(main);
        String invoked = invoked(args);
        if (invoked != null && !invoked.equals("help")) {
            cl.addSubcommand(invoked, subcommand(invoked));
        } else {
            SUBCOMMANDS.forEach(name -> cl.addSubcommand(name, subcommand(name)));
        }
        cl.setExitCodeExceptionMapper(t -> ExitCodes.FAILED);
        cl.setParameterExceptionHandler((ex, given) -> {
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

    /** The subcommand the arguments name (the first word after the global options), or null. */
    private static String invoked(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--cache")) {
                i++;
            } else if (!a.startsWith("-")) {
                return SUBCOMMANDS.contains(a) ? a : null;
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"peel " + (v == null ? "dev" : v)};
        }
    }
}
