package ai.refold.webhooks.servlet;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.IncomingDelivery;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands a delivery's body to core as it arrives, with Servlet asynchronous I/O: no container thread waits for a
 * slow sender, and a timer ends the delivery at its read deadline. Whoever ends the delivery (the reading thread,
 * the timer, an I/O error) gets the answer from core and writes it, exactly once. Nothing here decides anything.
 */
final class AsyncDelivery implements ReadListener, AsyncListener {

    private final IncomingDelivery delivery;
    private final AsyncContext async;
    private final HttpServletResponse response;
    private final ServletInputStream in;
    private final byte[] buffer = new byte[8192];
    private final AtomicBoolean answered = new AtomicBoolean();
    // The answer written, once it is: what the container's error dispatch is answered with, should the container
    // answer a read that failed after it (see readFirstBytes).
    private volatile DeliveryResult written;
    private volatile ScheduledFuture<?> deadline;

    private AsyncDelivery(IncomingDelivery delivery, AsyncContext async, HttpServletResponse response,
                          ServletInputStream in) {
        this.delivery = delivery;
        this.async = async;
        this.response = response;
        this.in = in;
    }

    /**
     * Reads the body of an opened delivery and answers it. The request goes asynchronous and the calling thread
     * returns at once, unless the request's stream cannot read without blocking (a test double such as MockMvc's):
     * then the body is read here.
     */
    static void receive(HttpServletRequest request, HttpServletResponse response, IncomingDelivery delivery,
                        ScheduledExecutorService timer) throws IOException {
        // Obtained before going asynchronous: a request whose body was taken through its reader refuses it.
        ServletInputStream in = request.getInputStream();
        AsyncContext async = request.startAsync(request, response);
        // The read deadline is the timer's; handlers that run once the body is in must not be cut short.
        async.setTimeout(0);
        AsyncDelivery reader = new AsyncDelivery(delivery, async, response, in);
        async.addListener(reader);
        reader.deadline = timer.schedule(reader::expire, delivery.timeLeft().toNanos(), TimeUnit.NANOSECONDS);
        if (expectsContinue(request) && !reader.readFirstBytes()) {
            return;
        }
        try {
            reader.in.setReadListener(reader);
        } catch (UnsupportedOperationException e) {
            pump(reader.in, delivery).ifPresent(reader::answer);
        } catch (IllegalStateException e) {
            // The timer ended the delivery while the first bytes were awaited; it has answered.
        }
    }

    /**
     * Reads and answers, on this thread, a body that has arrived whole: a small delivery usually comes in the packet
     * of its headers, and then a read listener, the deadline's timer and a second thread cost more than the read.
     * Returns empty, having read nothing, if its length is unknown, its sender waits for 100 Continue, or the
     * container does not hold all of it yet: the caller then reads it without holding a thread. No read here can
     * block: at most what the container says it holds is read.
     */
    static Optional<DeliveryResult> readArrived(HttpServletRequest request, IncomingDelivery delivery) {
        long length = request.getContentLengthLong();
        if (length <= 0 || expectsContinue(request)) {
            return Optional.empty();
        }
        byte[] body;
        int read = 0;
        try {
            InputStream in = request.getInputStream();
            if (in.available() < length) {
                return Optional.empty();
            }
            // The declared length passed the receiver's limit before anything was read, so it fits an array.
            body = new byte[(int) length];
            while (read < body.length) {
                int n = in.read(body, read, body.length - read);
                if (n < 0) {
                    break; // the delivery answers a body shorter than declared
                }
                read += n;
            }
        } catch (IOException e) {
            return delivery.fail(e);
        }
        Optional<DeliveryResult> answer = delivery.accept(body, 0, read);
        return answer.isPresent() ? answer : delivery.finish();
    }

    private static boolean expectsContinue(HttpServletRequest request) {
        String expect = request.getHeader("Expect");
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    // Tomcat with continueResponseTiming=onRead (as the starter sets it) sends 100 Continue only when the body is read
    // in blocking mode, never for a ReadListener, so a client that waits for it would wait until the deadline. The
    // first bytes are therefore read here: that sends 100 Continue, and a client that was invited sends at once. The
    // rest is read without holding a thread. Returns whether more of the body is wanted.
    private boolean readFirstBytes() {
        Optional<DeliveryResult> answer;
        try {
            int read = in.read(buffer);
            answer = read < 0 ? finish() : delivery.accept(buffer, 0, read);
        } catch (IOException e) {
            answer = delivery.fail(e);
            DeliveryResult given = written;
            if (answer.isEmpty() && given != null) {
                // The timer answered at the read deadline while this read blocked; the container's timeout has now
                // ended the read and answered it itself (Tomcat: sendError(408)), which an error page would override.
                RefoldWebhookFilter.containerAnswered(async.getRequest(), given);
            }
        }
        answer.ifPresent(this::answer);
        return answer.isEmpty() && delivery.isReading();
    }

    /**
     * Reads the body from a blocking stream on the calling thread; returns the answer, or empty if another caller
     * (the timer) ended the delivery and answers it.
     */
    static Optional<DeliveryResult> pump(InputStream in, IncomingDelivery delivery) {
        byte[] buffer = new byte[8192];
        try {
            while (delivery.isReading()) {
                int read = in.read(buffer);
                if (read < 0) {
                    return delivery.finish();
                }
                Optional<DeliveryResult> answer = delivery.accept(buffer, 0, read);
                if (answer.isPresent()) {
                    return answer;
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return delivery.fail(e);
        }
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (delivery.isReading() && in.isReady()) {
            int read = in.read(buffer);
            if (read < 0) {
                return;
            }
            Optional<DeliveryResult> answer = delivery.accept(buffer, 0, read);
            if (answer.isPresent()) {
                answer(answer.get());
                return;
            }
        }
    }

    @Override
    public void onAllDataRead() {
        finish().ifPresent(this::answer);
    }

    // Ends the body. Core answers every outcome it knows; should processing throw all the same (an Error from a
    // store), there is no container thread to rethrow it on, as the blocking read does: the container's own 500
    // answers it here, without the exception, which goes to the container's log. Left alone, the request would stay
    // open (Jetty) or its connection be dropped unanswered (Tomcat).
    private Optional<DeliveryResult> finish() {
        try {
            return delivery.finish();
        } catch (RuntimeException | Error e) {
            if (answered.compareAndSet(false, true)) {
                cancelDeadline();
                try {
                    async.getRequest().getServletContext().log("Refold delivery failed while processed", e);
                    response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                } catch (IOException | RuntimeException ignored) {
                    // The client is gone; there is no one left to answer.
                } finally {
                    complete();
                }
            }
            return Optional.empty();
        }
    }

    @Override
    public void onError(Throwable failure) {
        delivery.fail(failure).ifPresent(this::answer);
    }

    @Override
    public void onError(AsyncEvent event) {
        Throwable failure = event.getThrowable();
        onError(failure != null ? failure : new IOException("asynchronous request failed"));
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        expire();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Answered already: the delivery ended before its request could complete.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this);
    }

    private void expire() {
        delivery.expire().ifPresent(this::answer);
    }

    private void answer(DeliveryResult result) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        written = result;
        cancelDeadline();
        try {
            RefoldWebhookFilter.write(async.getRequest(), response, result);
        } catch (IOException | RuntimeException e) {
            // The client is gone; there is no one left to answer.
        } finally {
            complete();
        }
    }

    private void cancelDeadline() {
        ScheduledFuture<?> timer = deadline;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void complete() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // The container already ended the request (the client went away).
        }
    }
}
