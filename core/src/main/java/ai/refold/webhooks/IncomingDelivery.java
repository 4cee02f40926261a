package ai.refold.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A delivery whose body is still arriving, for adapters that read without holding a thread (Servlet asynchronous
 * I/O, Netty, ...); {@link WebhookReceiver#open} starts one. The checks that need no body (method, declared length,
 * the signature header's presence and shape, the body budget) are made when it is opened, so a refused delivery
 * never invites its upload. The adapter then hands over the body's bytes as they come and ends the delivery once:
 *
 * <pre>{@code
 * IncomingDelivery delivery = receiver.open(method, headers, contentLength);
 * if (delivery.refusal().isPresent()) {
 *     answer(delivery.refusal().get());          // read nothing
 *     return;
 * }
 * timer.schedule(() -> delivery.expire().ifPresent(this::answer), delivery.timeLeft());
 * // whenever bytes arrive, while delivery.isReading():
 * delivery.accept(bytes, 0, count).ifPresent(this::answer);
 * // at the end of the body:
 * delivery.finish().ifPresent(this::answer);     // verifies, parses, claims, runs the handlers
 * // or, on a thread that must not block (an event loop):
 * delivery.finishAsync(executor).ifPresent(answer -> answer.thenAccept(this::answer));
 * // if the connection fails, or reading throws anything else (then answer, or rethrow once it is ended):
 * delivery.fail(exception).ifPresent(this::answer);
 * }</pre>
 *
 * <p>Each method that can end the delivery returns the answer only to the one call that ended it, and an empty
 * {@link Optional} to every other, so a timer and a reading thread may race: exactly one of them writes the answer.
 * The body's bytes are held against the receiver's body budget until the delivery is answered. Thread-safe.
 */
public final class IncomingDelivery {

    private static final int READING = 0;
    private static final int FINISHING = 1;
    private static final int ENDED = 2;

    private final Pipeline pipeline;
    private final Dispatch dispatch;
    private final String method;
    private final Headers headers;
    private final long start;
    private final DeliveryResult refusal;
    private final BodyReader reader;
    private int state;

    IncomingDelivery(Pipeline pipeline, Dispatch dispatch, String method, Headers headers, long contentLength,
                     long start) {
        this.pipeline = pipeline;
        this.dispatch = dispatch;
        this.method = method;
        this.headers = headers;
        this.start = start;
        DeliveryResult refused = pipeline.beforeBody(method, headers, contentLength, start);
        BodyReader opened = null;
        if (refused == null) {
            opened = pipeline.openReader(contentLength);
            if (opened == null) {
                refused = pipeline.busy(start);
            }
        }
        this.refusal = refused;
        this.reader = opened;
        this.state = refused == null ? READING : ENDED;
    }

    /** {@return the answer given before any body byte was wanted, if the delivery was refused when opened} */
    public Optional<DeliveryResult> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** {@return whether more of the body is wanted: false once the delivery is refused, finishing or ended} */
    public synchronized boolean isReading() {
        return state == READING;
    }

    /** {@return how long the rest of the body may take before the read deadline; zero once it has passed} */
    public Duration timeLeft() {
        return Duration.ofNanos(Math.max(0, pipeline.deadline(start) - System.nanoTime()));
    }

    /**
     * Takes the next bytes of the body. Returns the answer to give at once if they ended the delivery: the body
     * outgrew the limit (413), the body budget (503), or arrived after the read deadline (408).
     *
     * @param bytes  holds the bytes that arrived; they are copied, so the caller may reuse the array
     * @param offset where the bytes start in {@code bytes}
     * @param length how many bytes arrived
     * @return the answer to give at once, or empty if more of the body may follow (or the delivery had already
     *         ended)
     * @throws IndexOutOfBoundsException if the range is outside {@code bytes}
     */
    public Optional<DeliveryResult> accept(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        synchronized (this) {
            if (state != READING) {
                return Optional.empty();
            }
            if (System.nanoTime() - pipeline.deadline(start) >= 0) {
                return Optional.of(end(pipeline.timedOut(start)));
            }
            BodyReader.Progress progress = reader.append(bytes, offset, length);
            if (progress == BodyReader.Progress.TOO_LARGE || progress == BodyReader.Progress.OVER_BUDGET) {
                return Optional.of(end(pipeline.stopped(progress, start)));
            }
            return Optional.empty();
        }
    }

    /**
     * Ends the body: verifies the signature, parses, claims and runs the handlers, and returns the answer; empty if
     * the delivery had already ended. A body shorter than its declared length is answered 400.
     *
     * @return the answer to give, or empty if the delivery had already ended
     */
    public Optional<DeliveryResult> finish() {
        byte[] body;
        synchronized (this) {
            if (state != READING) {
                return Optional.empty();
            }
            if (reader.endedEarly()) {
                return Optional.of(end(pipeline.endedEarly(start)));
            }
            state = FINISHING;
            body = reader.body();
        }
        try {
            return Optional.of(dispatch.dispatch(pipeline.admit(new DeliveryRequest(method, headers, body), start,
                    true)));
        } finally {
            synchronized (this) {
                end(null);
            }
        }
    }

    /**
     * Ends the body as {@link #finish()} does without blocking the calling thread: verification, parsing, the
     * claim, the handlers and the store's bookkeeping all run on {@code executor}, and an {@link AsyncEventHandler}'s
     * pending stage is not waited for: the delivery resumes on {@code executor} when it completes. For adapters whose
     * reading thread must never block, such as a Netty event loop. If {@code executor} refuses the work (or throws
     * anything else), the answer is {@link Outcome#OVERLOADED} and nothing was claimed or run.
     *
     * @param executor runs the delivery's work and resumes it after an asynchronous handler's stage
     * @return the answer to come, or empty if the delivery had already ended
     * @throws NullPointerException if {@code executor} is null
     */
    public Optional<CompletionStage<DeliveryResult>> finishAsync(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        DeliveryRequest request;
        synchronized (this) {
            if (state != READING) {
                return Optional.empty();
            }
            if (reader.endedEarly()) {
                return Optional.of(CompletableFuture.completedFuture(end(pipeline.endedEarly(start))));
            }
            state = FINISHING;
            request = new DeliveryRequest(method, headers, reader.body());
        }
        CompletableFuture<DeliveryResult> answer = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    dispatch.dispatchAsync(pipeline.admit(request, start, true), executor)
                            .whenComplete((result, failure) -> answered(answer, result, failure));
                } catch (RuntimeException | Error e) {
                    answered(answer, null, e);
                }
            });
        } catch (RuntimeException | Error e) {
            // Refused, or failed otherwise (never started, out of threads): it took nothing, so nothing was claimed.
            synchronized (this) {
                answer.complete(end(pipeline.overloaded(start)));
            }
        }
        return Optional.of(answer);
    }

    // The answer is ready: the body's bytes go back to the budget, as finish() gives them back.
    private void answered(CompletableFuture<DeliveryResult> answer, DeliveryResult result, Throwable failure) {
        synchronized (this) {
            end(null);
        }
        if (failure != null) {
            answer.completeExceptionally(failure);
        } else {
            answer.complete(result);
        }
    }

    /**
     * Ends a delivery whose connection failed, or whose reading threw, while the body was read: 408 if the failure
     * is a timeout or came after the read deadline, 400 otherwise. Empty if the delivery had already ended. A
     * delivery still reading holds its bytes against the body budget, so whatever ends the reading must end it.
     *
     * @param cause what the connection or the container reported
     * @return the answer to give, or empty if the delivery had already ended
     * @throws NullPointerException if {@code cause} is null
     */
    public synchronized Optional<DeliveryResult> fail(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        return state == READING ? Optional.of(end(pipeline.unreadable(cause, start))) : Optional.empty();
    }

    /**
     * Ends a delivery whose read deadline passed before its body was complete: 408, and the connection is to be
     * closed. Empty if the delivery had already ended or its body was complete.
     *
     * @return the answer to give, or empty if the delivery had already ended or its body was complete
     */
    public synchronized Optional<DeliveryResult> expire() {
        return state == READING ? Optional.of(end(pipeline.timedOut(start))) : Optional.empty();
    }

    @Override
    public synchronized String toString() {
        return "IncomingDelivery[method=" + method + ", state=" + (refusal != null ? "refused"
                : state == READING ? "reading" : state == FINISHING ? "finishing" : "ended") + "]";
    }

    /** Reads the body from a blocking stream, then answers as {@link #finish()} does. */
    DeliveryResult receive(InputStream in) {
        if (refusal != null) {
            return refusal;
        }
        DeliveryResult stopped = readAll(in);
        return stopped != null ? stopped : finish().orElseThrow();
    }

    /** Reads the body from a blocking stream, then verifies, parses and claims it without running handlers. */
    Admission admit(InputStream in) {
        if (refusal != null) {
            return new Admission.Answered(refusal);
        }
        DeliveryResult stopped = readAll(in);
        if (stopped != null) {
            return new Admission.Answered(stopped);
        }
        byte[] body;
        synchronized (this) {
            body = reader.body();
            // The caller processes the event from here on; the budget covers reading, and its part ends now.
            end(null);
        }
        return pipeline.admit(new DeliveryRequest(method, headers, body), start, false);
    }

    // Reads until the body is complete (null) or stopped (the answer): the limit, the budget, a failure, or the read
    // deadline, checked between reads. A read that blocks is bounded by the container's own read timeout.
    private DeliveryResult readAll(InputStream in) {
        long deadline = pipeline.deadline(start);
        try {
            while (true) {
                if (System.nanoTime() - deadline >= 0) {
                    return endNow(pipeline.timedOut(start));
                }
                BodyReader.Progress progress = reader.readFrom(in);
                if (progress == null) {
                    return reader.endedEarly() ? endNow(pipeline.endedEarly(start)) : null;
                }
                if (progress == BodyReader.Progress.COMPLETE) {
                    return null;
                }
                if (progress != BodyReader.Progress.MORE) {
                    return endNow(pipeline.stopped(progress, start));
                }
            }
        } catch (IOException e) {
            return endNow(pipeline.unreadable(e, start));
        } catch (RuntimeException | Error e) {
            // A stream that breaks its contract (an UncheckedIOException, a container's IllegalStateException) ends
            // the delivery too, so that its bytes go back to the budget; the caller gets the exception.
            fail(e);
            throw e;
        }
    }

    private synchronized DeliveryResult endNow(DeliveryResult result) {
        return end(result);
    }

    // Ends the delivery and gives its bytes back to the budget. Called holding the lock.
    private DeliveryResult end(DeliveryResult result) {
        state = ENDED;
        reader.release();
        return result;
    }
}
