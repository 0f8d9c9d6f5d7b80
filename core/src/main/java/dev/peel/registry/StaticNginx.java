package dev.peel.registry;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * nginx.conf: a snippet for inside {@code server { root DEST; … }} that serves a static registry with the
 * headers clients need. Manifests get one exact location each, because their Content-Type depends on the
 * content and nginx cannot read it from the file; blobs, tags lists and the catalog share a location each.
 */
final class StaticNginx {
    /** The file name under DEST. */
    static final String FILE = "nginx.conf";
    private static final String API_VERSION = "    add_header Docker-Distribution-API-Version registry/2.0;\n";

    private StaticNginx() {
    }

    static byte[] render(StaticObjects objects) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                # Written by peel publish-static from objects.json. Include it inside a server block whose root is this
                # directory, and reload nginx after each publish: every manifest and tag has its own location below.

                # A static registry is read-only; the distribution API answers writes it does not support with 405.
                if ($request_method !~ ^(GET|HEAD)$) {
                    return 405;
                }

                # The API root: 200 without a WWW-Authenticate challenge tells clients no login is needed.
                location = /v2/ {
                    types { }
                    default_type application/json;
                """).append(API_VERSION).append("""
                    return 200 '{}';
                }

                location = /v2/_catalog {
                    types { }
                    default_type application/json;
                """).append(API_VERSION).append("""
                }

                location ~ ^/v2/.+/tags/list$ {
                    types { }
                    default_type application/json;
                """).append(API_VERSION).append("""
                }

                location ~ "^/v2/.+/blobs/(sha256:[0-9a-f]{64})$" {
                    types { }
                    default_type application/octet-stream;
                    add_header Docker-Content-Digest $1;
                """).append(API_VERSION).append("""
                }
                """);
        for (Map.Entry<String, StaticObjects.Entry> e : objects.all().entrySet()) {
            StaticObjects.Entry o = e.getValue();
            String path = e.getKey();
            if (!path.substring(0, path.lastIndexOf('/')).endsWith("/manifests") || o.digest() == null) {
                continue;
            }
            // Paths and media types were checked against a character set nginx takes literally.
            sb.append("\nlocation = /").append(StaticObjects.checkPath(path)).append(" {\n")
                    .append("    types { }\n")
                    .append("    default_type ").append(o.contentType()).append(";\n")
                    .append("    add_header Docker-Content-Digest ").append(o.digest()).append(";\n")
                    .append(API_VERSION)
                    .append("}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
