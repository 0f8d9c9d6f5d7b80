package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChallengeTest {
    @Test
    void readsABearerChallengeWithACommaInsideQuotes() {
        List<Challenge> cs = Challenge.parse(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\"");
        assertEquals(1, cs.size());
        Challenge c = cs.get(0);
        assertEquals("bearer", c.scheme());
        assertEquals("https://auth.example/token", c.param("realm"));
        assertEquals("registry.example", c.param("service"));
        assertEquals("repository:a/b:pull,push", c.param("scope"));
    }

    @Test
    void readsSeveralChallengesAndEscapes() {
        List<Challenge> cs = Challenge.parse("Basic realm=\"Registry \\\"A\\\"\", Bearer realm=x,error=insufficient_scope");
        assertEquals(2, cs.size());
        assertEquals("basic", cs.get(0).scheme());
        assertEquals("Registry \"A\"", cs.get(0).param("realm"));
        assertEquals("insufficient_scope", cs.get(1).param("error"));
        assertEquals("basic", Challenge.parse("Basic").get(0).scheme());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Bearer realm=\"unterminated", "Bearer realm=\"a\" service=\"b\"", "Bearer =x",
            "Bearer realm=a,realm=b", "\"quoted\"", "Bearer realm=\"a\u0001\""})
    void refusesMalformedHeaders(String h) {
        assertThrows(IllegalArgumentException.class, () -> Challenge.parse(h));
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertEquals(3000L, Registry.retryAfterMillis("3", 0));
        assertEquals(1000L, Registry.retryAfterMillis("Thu, 01 Jan 1970 00:00:02 GMT", 1000));
        assertEquals(null, Registry.retryAfterMillis("soon", 0));
    }

    @Test
    void followsOnlyTheNextLink() {
        assertEquals("/v2/a/tags/list?n=2&last=b",
                Repository.nextLink("</v2/a/tags/list?n=2&last=b>; rel=\"next\""));
        assertEquals(null, Repository.nextLink("</x>; rel=\"prev\""));
        assertEquals(null, Repository.nextLink(null));
        assertEquals("/v2/a/tags/list?last=b,c", Repository.nextLink("</v2/a/tags/list?last=b,c>; rel=next"));
        assertEquals("/n", Repository.nextLink("</p>; rel=\"prev\", </n>; rel=\"next\""));
    }
}
