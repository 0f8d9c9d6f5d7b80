package hello;

public class Main {
    public static void main(String[] args) {
        System.out.println(Greeting.text() + " on Java " + System.getProperty("java.version"));
    }
}
