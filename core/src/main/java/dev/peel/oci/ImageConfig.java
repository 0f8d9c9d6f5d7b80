package dev.peel.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The image configuration document: platform, run configuration, rootfs diffIDs and history.
 * {@code created} is an RFC 3339 string, kept as written.
 */
public record ImageConfig(String created, String os, String architecture, String variant, Container config,
                          List<Digest> diffIds, List<History> history) {

    /**
     * How a container from this image runs (the {@code config} member).
     *
     * @param others members peel does not model (Healthcheck, Shell, OnBuild, …) as read, written back as they
     *               were: an image built on a base keeps them
     */
    public record Container(String user, SortedSet<String> exposedPorts, List<String> env, List<String> entrypoint,
                            List<String> cmd, String workingDir, SortedMap<String, String> labels,
                            String stopSignal, SortedSet<String> volumes, SortedMap<String, Object> others) {
        private static final java.util.Set<String> MODELLED = java.util.Set.of("User", "ExposedPorts", "Env", "Entrypoint",
                "Cmd", "WorkingDir", "Labels", "StopSignal", "Volumes");

        public Container {
            exposedPorts = exposedPorts == null ? new TreeSet<>() : new TreeSet<>(exposedPorts);
            env = env == null ? List.of() : List.copyOf(env);
            entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
            cmd = cmd == null ? null : List.copyOf(cmd);
            labels = labels == null ? new TreeMap<>() : new TreeMap<>(labels);
            volumes = volumes == null ? new TreeSet<>() : new TreeSet<>(volumes);
            others = others == null ? new TreeMap<>() : new TreeMap<>(others);
            others.keySet().removeAll(MODELLED);
        }

        public Container(String user, SortedSet<String> exposedPorts, List<String> env, List<String> entrypoint,
                         List<String> cmd, String workingDir, SortedMap<String, String> labels, String stopSignal,
                         SortedSet<String> volumes) {
            this(user, exposedPorts, env, entrypoint, cmd, workingDir, labels, stopSignal, volumes, null);
        }

        public static Container empty() {
            return new Container(null, null, null, null, null, null, null, null, null);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>(others);
            if (user != null && !user.isEmpty()) {
                m.put("User", user);
            }
            if (!exposedPorts.isEmpty()) {
                m.put("ExposedPorts", emptyObjects(exposedPorts));
            }
            if (!env.isEmpty()) {
                m.put("Env", env);
            }
            m.put("Entrypoint", entrypoint);
            m.put("Cmd", cmd);
            if (workingDir != null && !workingDir.isEmpty()) {
                m.put("WorkingDir", workingDir);
            }
            if (!labels.isEmpty()) {
                m.put("Labels", labels);
            }
            if (stopSignal != null) {
                m.put("StopSignal", stopSignal);
            }
            if (!volumes.isEmpty()) {
                m.put("Volumes", emptyObjects(volumes));
            }
            return m;
        }

        private static Map<String, Object> emptyObjects(SortedSet<String> keys) {
            Map<String, Object> m = new TreeMap<>();
            for (String k : keys) {
                m.put(k, Map.of());
            }
            return m;
        }

        static Container fromJson(Map<String, Object> m) {
            return new Container(Json.str(m, "User"), new TreeSet<>(Json.obj(m, "ExposedPorts").keySet()),
                    strings(Json.arr(m, "Env")), m.get("Entrypoint") instanceof List ? strings(Json.arr(m, "Entrypoint")) : null,
                    m.get("Cmd") instanceof List ? strings(Json.arr(m, "Cmd")) : null, Json.str(m, "WorkingDir"),
                    Json.strings(m, "Labels"), Json.str(m, "StopSignal"), new TreeSet<>(Json.obj(m, "Volumes").keySet()),
                    new TreeMap<>(m));
        }
    }

    /** One history entry; {@code emptyLayer} entries have no layer. */
    public record History(String created, String createdBy, String comment, boolean emptyLayer) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("created", created);
            m.put("created_by", createdBy);
            m.put("comment", comment);
            if (emptyLayer) {
                m.put("empty_layer", true);
            }
            return m;
        }
    }

    public ImageConfig {
        diffIds = List.copyOf(diffIds);
        history = List.copyOf(history);
    }

    public Platform platform() {
        return new Platform(os, architecture, variant);
    }

    /** Canonical bytes of this config. */
    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("created", created);
        m.put("architecture", architecture);
        m.put("os", os);
        m.put("variant", variant);
        m.put("config", config.toJson());
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        List<Object> ids = new ArrayList<>();
        for (Digest d : diffIds) {
            ids.add(d.toString());
        }
        rootfs.put("diff_ids", ids);
        m.put("rootfs", rootfs);
        List<Object> h = new ArrayList<>();
        for (History e : history) {
            h.add(e.toJson());
        }
        if (!h.isEmpty()) {
            m.put("history", h);
        }
        return Json.write(m);
    }

    /** Reads a config from raw bytes (OCI or Docker). */
    public static ImageConfig parse(byte[] raw) {
        Map<String, Object> m = Json.parseObject(raw);
        List<Digest> ids = new ArrayList<>();
        for (Object o : Json.arr(Json.obj(m, "rootfs"), "diff_ids")) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("diff_ids holds a non-string");
            }
            ids.add(Digest.parse(s));
        }
        List<History> history = new ArrayList<>();
        for (Object o : Json.arr(m, "history")) {
            Map<String, Object> e = Manifest.asObject(o);
            history.add(new History(Json.str(e, "created"), Json.str(e, "created_by"), Json.str(e, "comment"),
                    Boolean.TRUE.equals(e.get("empty_layer"))));
        }
        return new ImageConfig(Json.str(m, "created"), Json.str(m, "os"), Json.str(m, "architecture"),
                Json.str(m, "variant"), Container.fromJson(Json.obj(m, "config")), ids, history);
    }

    private static List<String> strings(List<Object> l) {
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("expected a list of strings");
            }
            out.add(s);
        }
        return out;
    }
}
