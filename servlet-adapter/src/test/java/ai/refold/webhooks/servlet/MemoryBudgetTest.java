package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, case 5 (memory): 32 deliveries of 16 MiB, the body limit, arrive at once at a receiver whose JVM has a
 * 192 MiB heap, half of what the bodies would take together. The body budget (64 MiB by default) admits four and
 * answers the others 503 before their bodies are sent, so every delivery is answered 200 or 503, none 500, and the
 * JVM never runs out of memory. The receiver runs in a child JVM (this test's class path, {@code -Xmx192m},
 * {@code -XX:+ExitOnOutOfMemoryError}); the clients send with {@code Expect: 100-continue} and upload only after
 * every request has had its first answer, so the four uploads are in flight together and the count is exact.
 */
class MemoryBudgetTest {

    private static final String API_KEY = "memory-test-api-key-0123456789";
    private static final int DELIVERIES = 32;
    private static final int BODY = MemoryBudgetServer.MAX_BODY_BYTES;
    private static final int ADMITTED = (int) (WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES / BODY);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jetty", "tomcat"})
    void case5_bodiesAtTheLimitUnderASmallHeapAreAnswered200Or503AndNeverExhaustIt(String container)
            throws Exception {
        Path log = Files.createTempFile("memory-budget-" + container, ".log");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                MemoryBudgetServer.class.getName(), container, API_KEY)
                .redirectError(log.toFile()).start();
        ExecutorService clients = Executors.newFixedThreadPool(DELIVERIES);
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.US_ASCII));
            String ready = output.readLine();
            assertThat(ready).as("the child's first line; its log is in %s", log).startsWith("READY ");
            int port = Integer.parseInt(ready.substring("READY ".length()));

            CyclicBarrier firstAnswers = new CyclicBarrier(DELIVERIES);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < DELIVERIES; i++) {
                int delivery = i;
                statuses.add(clients.submit(() -> deliver(port, "memory-" + delivery, BODY, firstAnswers)));
            }
            List<Integer> answered = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answered.add(status.get(120, TimeUnit.SECONDS));
            }
            int small = deliver(port, "after-the-burst", 1024, null);

            assertThat(answered).allSatisfy(status -> assertThat(status).isIn(200, 503));
            assertThat(answered.stream().filter(status -> status == 200)).hasSize(ADMITTED);
            assertThat(answered.stream().filter(status -> status == 503)).hasSize(DELIVERIES - ADMITTED);
            assertThat(small).as("a delivery after the burst").isEqualTo(200);
            server.getOutputStream().close();
            assertThat(output.readLine()).isEqualTo("HANDLED " + (ADMITTED + 1));
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).as("exit status; log in %s", log).isZero();
            assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
        } finally {
            clients.shutdownNow();
            server.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }

    // Sends one Workflow Completed delivery of exactly `size` bytes with Expect: 100-continue and returns its status.
    // The body is generated as it is sent (no 16 MiB array per client); with a barrier, an invited upload waits until
    // every request has had its first answer.
    private static int deliver(int port, String instanceId, int size, CyclicBarrier firstAnswers) throws Exception {
        byte[] head = ("{\"event\":\"Workflow Completed\",\"instance_id\":\"" + instanceId + "\"")
                .getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(API_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        writeBody(head, size, mac::update);
        String signature = HexFormat.of().formatHex(mac.doFinal());
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + size + "\r\nx-cobalt-signature: "
                    + signature + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int first = status(in);
            if (firstAnswers != null) {
                firstAnswers.await(60, TimeUnit.SECONDS);
            }
            if (first != 100) {
                return first;
            }
            writeBody(head, size, (bytes, offset, length) -> out.write(bytes, offset, length));
            out.flush();
            return status(in);
        }
    }

    private interface Sink {
        void write(byte[] bytes, int offset, int length) throws IOException, GeneralSecurityException;
    }

    // The head, spaces, and the closing brace: a valid JSON object of exactly `size` bytes.
    private static void writeBody(byte[] head, int size, Sink sink) throws IOException, GeneralSecurityException {
        sink.write(head, 0, head.length);
        byte[] spaces = new byte[64 * 1024];
        Arrays.fill(spaces, (byte) ' ');
        for (int left = size - head.length - 1; left > 0; left -= spaces.length) {
            sink.write(spaces, 0, Math.min(left, spaces.length));
        }
        sink.write(new byte[] {'}'}, 0, 1);
    }

    // Reads one response (an interim 100 has no body) and returns its status.
    private static int status(InputStream in) throws IOException {
        String statusLine = line(in);
        int length = 0;
        for (String header; !(header = line(in)).isEmpty(); ) {
            if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(header.indexOf(':') + 1).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed in the middle of a response");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).stripTrailing();
    }
}
