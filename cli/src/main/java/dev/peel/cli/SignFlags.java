package dev.peel.cli;

import dev.peel.registry.Pusher;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.registry.RegistryException;
import dev.peel.sign.Attachments;
import dev.peel.sign.Signing;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;

/** What sign, attest and verify share: the registry flags, the reference and where signatures are stored. */
abstract class SignFlags implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Main parent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @picocli.CommandLine.Mixin
    RegistryFlags registry;

    @picocli.CommandLine.Parameters(index = "0", paramLabel = "REF", description = "[docker://]REGISTRY/REPO[:TAG|@DIGEST]")
    String ref;

    PrintWriter out() {
        return command.commandLine().getOut();
    }

    PrintWriter err() {
        return command.commandLine().getErr();
    }

    /** A registry reference given on the command line ({@code docker://} allowed). */
    static Reference reference(String text) {
        String t = text.startsWith("docker://") ? text.substring(9) : text;
        return Reference.parse(t);
    }

    static Signing.Form form(String text) {
        try {
            return Signing.Form.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format '" + text + "' is not one of legacy, bundle, both");
        }
    }

    /** The attachments of a reference's repository, with a pusher for what is written. */
    static Attachments attachments(RegistryClient client, Reference ref, Main parent) {
        return new Attachments(client.repository(ref), new Pusher(client, RegistryFlags.locations(parent), 1, n -> { }));
    }

    /** Signing on a reference's repository: the simple-signing identity is {@code registry/repository}. */
    static Signing signing(RegistryClient client, Reference ref, Main parent) {
        return new Signing(attachments(client, ref, parent), ref.name(), Instant.now());
    }

    static RegistryClient client(RegistryFlags flags, Main parent, PrintWriter err) throws RegistryException {
        return flags.client(parent, err);
    }
}
