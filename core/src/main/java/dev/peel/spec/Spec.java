package dev.peel.spec;

import dev.peel.tar.Compression;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * A validated image spec. Paths in {@link FileSpec} are normalized image paths; sources are resolved
 * against the spec's folder; owners are numeric.
 *
 * @param archs the Debian archs to build; empty only when the spec names none and builds on an image
 *              ({@link #base()}), which then means every platform of that image
 * @param base null for scratch and for presets (merged into the spec as it is read); else the image built on
 * @param created null when the spec does not say (then SOURCE_DATE_EPOCH, then 1970)
 * @param compression null when the spec does not say (then gzip)
 * @param layeringBudget null for a layer per package, else the most package layers the image may have
 * @param java null, or the Java application to put on the base (its layers, classpath and entrypoint)
 * @param tests container-structure-test files {@code peel build --test} runs against each built platform
 */
public record Spec(Path file, String displayName, List<String> archs, Base base, Instant created,
                   Compression compression, List<FileSpec> files, Accounts accounts, List<String> entrypoint,
                   List<String> cmd, Map<String, String> env, String workdir, List<String> ports,
                   SortedMap<String, String> labels, SortedMap<String, String> annotations, Debian debian,
                   Integer layeringBudget, Generate generate, Java java, List<Located> tests) {

    /** The same spec for other archs (the CLI's --arch). */
    public Spec withArchs(List<String> other) {
        return new Spec(file, displayName, List.copyOf(other), base, created, compression, files, accounts, entrypoint, cmd, env,
                workdir, ports, labels, annotations, debian, layeringBudget, generate, java, tests);
    }

    /** An image the spec builds on, as written at {@code at}. */
    public sealed interface Base {
        /** The value of {@code base:} as the spec wrote it (what a lock records, to tell when it went stale). */
        String written();

        Position at();
    }

    /** An image in a registry ({@code docker://REF}, or a reference whose first component is a registry host). */
    public record RegistryBase(String written, dev.peel.registry.Reference ref, Position at) implements Base {
    }

    /** An OCI layout directory or archive ({@code oci:DIR[:TAG]}), the path resolved against the spec's folder. */
    public record LayoutBase(String written, Path path, String tag, Position at) implements Base {
    }

    /**
     * Files made from the installed packages, as their maintainer scripts would (without running them).
     *
     * @param caBundle /etc/ssl/certs/ca-certificates.crt from ca-certificates' certificates
     * @param osReleasePrettyName null, or base-files' /usr/lib/os-release with this PRETTY_NAME
     * @param javaCacerts /etc/ssl/certs/java/cacerts (JKS, password changeit) from the same certificates
     * @param alternatives the update-alternatives links the packages' postinst scripts would register
     * @param ldCache /etc/ld.so.cache of the image's libraries, in glibc's format for the target arch
     */
    public record Generate(boolean caBundle, String osReleasePrettyName, boolean javaCacerts, boolean alternatives,
                           boolean ldCache) {
        public static final Generate NONE = new Generate(false, null, false, false, false);

        public boolean any() {
            return caBundle || osReleasePrettyName != null || javaCacerts || alternatives || ldCache;
        }
    }

    /**
     * The {@code debian} section: where packages come from and which to install.
     *
     * @param mirror null: PEEL_DEBIAN_MIRROR, then the host's apt sources
     * @param snapshot null, or a snapshot time (20250520T000000Z) read from the PEEL_DEBIAN_SNAPSHOT service
     * @param sources empty: the defaults for {@code suite} (suite, -updates, -security; main)
     * @param transitive false for {@code resolve: explicit} (exactly the listed packages)
     * @param pathExclude files (not directories) of the packages left out, as dpkg's --path-exclude globs
     * @param pathInclude files kept although a pathExclude glob matches them (--path-include)
     */
    public record Debian(String suite, java.net.URI mirror, String snapshot, List<dev.peel.debian.Source> sources,
                         List<dev.peel.debian.Relation> packages, List<Position> packagePositions, boolean transitive,
                         java.util.Set<String> exclude, List<String> pathExclude, List<String> pathInclude, Position at) {
    }

    /**
     * The {@code java} section: an application's jars and folders, resolved against the spec's folder and checked to
     * exist; dependency globs already expanded, in classpath order.
     *
     * @param at where the {@code java} key is (errors about the whole application point there)
     * @param jar null, or a plain jar (then classes, resources and dependencies are empty)
     * @param mainClass null: the jar's Main-Class, else found by scanning the class files
     * @param layers further dependency layers, in order: a jar goes to the first whose globs match its file name
     *               or whose Maven groupId matches its group globs
     * @param permissions modes and owners for the application's image paths, applied in order
     * @param runtime the Java runtime the application runs on
     */
    public record Java(Position at, Located jar, List<Located> classes, List<Located> resources,
                       List<Located> dependencies, List<Located> projectDependencies, String mainClass,
                       List<String> jvmFlags, List<String> args, String appRoot, List<LayerGroup> layers,
                       List<Permission> permissions, JavaRuntime runtime) {
    }

    /**
     * One {@code java.permissions} item: the application's entries whose absolute image path matches {@code path} (a
     * glob) get {@code mode} and/or {@code uid:gid} (null: left as it is).
     */
    public record Permission(String path, Integer mode, Long uid, Long gid, Position at) {
    }

    /**
     * {@code java.runtime}, {@code java.version}, {@code java.modules}: the base's JRE, or (jlink) a runtime linked
     * for the application from Debian's JDK of that feature version.
     *
     * @param version null: the suite's default JDK (bookworm 17, trixie 21)
     * @param modules modules added to those jdeps finds
     * @param at where {@code runtime} is written (errors about the runtime point there)
     */
    public record JavaRuntime(boolean jlink, Integer version, List<String> modules, Position at) {
        public static final JavaRuntime JRE = new JavaRuntime(false, null, List.of(), null);
    }

    /** A host path and where the spec names it. */
    public record Located(Path path, Position at) {
    }

    /**
     * One {@code java.layers} item: a layer of the dependencies whose file names match {@code files} (globs) or
     * whose Maven groupId (from the jar's META-INF/maven/…/pom.properties) matches {@code groups} (globs).
     */
    public record LayerGroup(String name, List<String> files, List<String> groups, Position at) {
    }

    /** One {@code files} item. */
    public record FileSpec(Position at, Kind kind, String path, Path source, byte[] content, String target,
                           Integer mode, Integer dirMode, long uid, long gid) {
        public enum Kind { FILE, TREE, DIRECTORY, SYMLINK, HARDLINK }
    }

    /**
     * The {@code accounts} section, with root filled in.
     *
     * @param runAs a uid[:gid]; on an image base also a user name the spec does not declare, looked up in the
     *              base's /etc/passwd when the image is built
     * @param rootUserAdded root was not declared and peel added it (a base's own root line then wins)
     * @param rootGroupAdded the same for the root group
     */
    public record Accounts(List<Group> groups, List<User> users, String runAs, Position at, boolean rootUserAdded,
                           boolean rootGroupAdded) {
        public Accounts(List<Group> groups, List<User> users, String runAs, Position at) {
            this(groups, users, runAs, at, false, false);
        }

        public static Accounts none() {
            return new Accounts(List.of(), List.of(), null, null);
        }

        public boolean isEmpty() {
            return groups.isEmpty() && users.isEmpty();
        }
    }

    public record Group(String name, long gid, List<String> members, Position at) {
    }

    public record User(String name, long uid, long gid, String home, String shell, String gecos, Position at) {
    }
}
