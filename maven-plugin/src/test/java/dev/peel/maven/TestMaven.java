package dev.peel.maven;

import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maven as the integration tests run it on projects they write: a local repository of the test's own (so nothing
 * they install or download lands in the user's), fed from the local repository this build used, read as a file://
 * repository.
 */
final class TestMaven {
    private TestMaven() {
    }

    /** The local repository of the build running the tests ({@code -Dmaven.repo.local}, else ~/.m2/repository). */
    static Path buildRepository() {
        return Path.of(System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));
    }

    /** peel's cache for the module's integration tests: under target/, so the ITs of one run share the bases they build. */
    static Path peelCache() {
        return Path.of(System.getProperty("user.dir"), "target", "it-peel-cache");
    }

    /**
     * settings.xml in {@code dir}: local repository {@code repo}, every remote repository mirrored by the build's own
     * (nothing is downloaded; what the build did not use is missing), and the plugin group dev.peel.
     */
    static Path mirroredSettings(Path dir, Path repo) throws Exception {
        return Files.writeString(dir.resolve("settings.xml"), """
                <settings>
                  <localRepository>%s</localRepository>
                  <pluginGroups><pluginGroup>dev.peel</pluginGroup></pluginGroups>
                  <mirrors><mirror><id>build-repository</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors>
                </settings>
                """.formatted(repo, buildRepository().toUri()));
    }

    /**
     * settings.xml in {@code dir}: local repository {@code repo}; artifacts are looked up in the build's own repository
     * first, then in Maven's default remote repository (for projects that need more than this build used).
     */
    static Path remoteSettings(Path dir, Path repo) throws Exception {
        String url = buildRepository().toUri().toString();
        return Files.writeString(dir.resolve("settings-remote.xml"), """
                <settings>
                  <localRepository>%s</localRepository>
                  <profiles>
                    <profile>
                      <id>build-repository</id>
                      <repositories>
                        <repository><id>build-repository</id><url>%s</url></repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>build-repository</id><url>%s</url></pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>build-repository</activeProfile></activeProfiles>
                </settings>
                """.formatted(repo, url, url));
    }

    /** {@code mvn -B -s settings args…} in {@code project}, bounded by {@code timeoutSeconds}. */
    static Tools.Run mvn(Path settings, Path project, int timeoutSeconds, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-s", settings.toString()));
        cmd.addAll(args);
        return Tools.run(cmd, project, Map.of(), timeoutSeconds);
    }
}
