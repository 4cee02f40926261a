package ai.refold.webhooks.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;

/** Puts a failed HTTP exchange into words, truthfully: what failed, with which host, and what the system said. */
final class Network {

    private static final int PROBE_TIMEOUT_MILLIS = 3_000;

    private Network() {
    }

    /** Returns whether {@code failure} happened before anything was sent: the connection was never made. */
    static boolean neverConnected(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException
                    || cause instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Describes {@code failure} of an exchange with {@code target}, in one line. */
    static String describe(URI target, Throwable failure) {
        String host = target.getHost() + (target.getPort() < 0 ? "" : ":" + target.getPort());
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return "could not resolve the host " + target.getHost();
            }
        }
        if (failure instanceof HttpConnectTimeoutException) {
            return "could not connect to " + host + ": timed out";
        }
        if (failure instanceof HttpTimeoutException) {
            return "no answer from " + Redacted.url(target) + " in time";
        }
        if (neverConnected(failure)) {
            return "could not connect to " + host + ": " + detail(failure, reasonToConnect(target));
        }
        if (failure instanceof SSLException) {
            return "TLS with " + host + " failed: " + detail(failure, "handshake failed");
        }
        if (failure instanceof IOException) {
            return "the exchange with " + host + " failed: " + detail(failure, failure.getClass().getSimpleName());
        }
        return "the exchange with " + host + " failed: " + failure.getClass().getSimpleName();
    }

    // The JDK's HTTP client gives no reason when a connection fails; a plain socket says why, for example
    // "Connection refused" or "No route to host".
    private static String reasonToConnect(URI target) {
        int port = target.getPort() >= 0 ? target.getPort() : target.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.getHost(), port), PROBE_TIMEOUT_MILLIS);
            return "connection failed";
        } catch (SocketTimeoutException e) {
            return "timed out";
        } catch (IOException e) {
            return e.getMessage() != null ? e.getMessage() : "connection failed";
        }
    }

    // The innermost message the JDK gave, for example "Connection reset".
    private static String detail(Throwable failure, String otherwise) {
        String message = null;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                message = cause.getMessage();
            }
        }
        return message != null ? message : otherwise;
    }
}
