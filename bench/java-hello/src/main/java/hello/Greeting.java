package hello;

final class Greeting {
    static String text() { return "hello"; }
}
