package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.tar.TarEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccountFilesTest {
    static final String BASE_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
    static final String BASE_GROUP = "root:x:0:\nnonroot:x:65532:\n";
    static final Position AT = new Position("spec.yaml", 3, 1);

    static String text(TarEntry e) throws Exception {
        try (var in = e.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void onABaseAccountsExtendItsFilesAndAnAddedRootLeavesItsRootAlone() throws Exception {
        Spec.Accounts a = new Spec.Accounts(
                List.of(new Spec.Group("root", 0, List.of(), AT), new Spec.Group("app", 1000, List.of("nonroot"), AT)),
                List.of(new Spec.User("root", 0, 0, "/root", "/sbin/nologin", "root", AT),
                        new Spec.User("app", 1000, 1000, "/home/app", "/sbin/nologin", "app", AT)),
                null, AT, true, true);
        List<TarEntry> files = AccountFiles.files(a, 0, BASE_PASSWD, BASE_GROUP);
        assertEquals(List.of("etc/group", "etc/passwd"), files.stream().map(TarEntry::path).toList());
        assertEquals(BASE_GROUP + "app:x:1000:nonroot\n", text(files.get(0)));
        assertEquals(BASE_PASSWD + "app:x:1000:1000:app:/home/app:/sbin/nologin\n", text(files.get(1)),
                "the base's root keeps its shell");
        assertTrue(AccountFiles.homes(a, 0, true).stream().noneMatch(e -> e.path().equals("root")));

        // A root the spec declares replaces the base's line where it is.
        Spec.Accounts declared = new Spec.Accounts(a.groups(), a.users(), null, AT, false, false);
        String passwd = text(AccountFiles.files(declared, 0, BASE_PASSWD, BASE_GROUP).get(1));
        assertTrue(passwd.startsWith("root:x:0:0:root:/root:/sbin/nologin\nnonroot:"), passwd);

        // Nothing new: the base's files stay as they are, no entry at all.
        Spec.Accounts onlyRoot = new Spec.Accounts(List.of(a.groups().get(0)), List.of(a.users().get(0)), "65532", AT, true, true);
        assertEquals(List.of(), AccountFiles.files(onlyRoot, 0, BASE_PASSWD, BASE_GROUP));
    }
}
