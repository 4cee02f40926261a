package ai.refold.webhooks.servlet;

import ai.refold.webhooks.Admission;
import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.IncomingDelivery;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * A servlet filter that receives Refold deliveries on one path and passes every other request along.
 *
 * <p>In {@link Mode#ENDPOINT endpoint} mode (the default) the filter answers the delivery itself with the status
 * the {@link WebhookReceiver} decides and a small JSON body. In {@link Mode#FORWARD forward} mode it verifies,
 * parses and claims the delivery, then calls the rest of the chain with a request whose body reads again byte for
 * byte and whose attributes {@link #EVENT_ATTRIBUTE} and {@link #CONTEXT_ATTRIBUTE} hold the event and its
 * context; a 2xx answer from the application records the event as done, anything else releases it for Refold's
 * retry. An exception from the application releases it too, unless its response was already committed: then the
 * status sent decides, so a 2xx that went out before the exception (or before the sender hung up) stands. The
 * application is then the handler: a receiver with handlers or an inbox is refused in forward mode.
 * Rejections (bad signature, duplicates, ...) are answered by the filter in both modes.
 *
 * <p>Register it in code:
 * <pre>{@code
 * servletContext.addFilter("refold", RefoldWebhookFilter.builder(receiver).build())
 *         .addMappingForUrlPatterns(null, false, "/webhooks/refold");
 * }</pre>
 * or in {@code web.xml}, where the filter builds its receiver from init-parameters (see {@link #init}).
 *
 * <p>The body is read as raw bytes from the request's input stream, never through a reader, so the signed bytes
 * are the bytes verified. All decisions are the receiver's; this class only translates.
 */
public final class RefoldWebhookFilter implements Filter {

    /** The request attribute that holds the {@link WebhookEvent} in forward mode. */
    public static final String EVENT_ATTRIBUTE = "ai.refold.webhooks.event";

    /** The request attribute that holds the {@link DeliveryContext} in forward mode. */
    public static final String CONTEXT_ATTRIBUTE = "ai.refold.webhooks.context";

    // Where a delivery's answer waits for the container's error dispatch, when the container answered a failed read
    // itself (see write): that dispatch, if the filter is mapped to it, is answered with the delivery's own answer.
    static final String ANSWER_ATTRIBUTE = "ai.refold.webhooks.answer";

    /** The path the filter answers on unless told otherwise. */
    public static final String DEFAULT_PATH = "/webhooks/refold";

    /** How the filter treats a delivery that passes verification. */
    public enum Mode {
        /** The filter runs the receiver's handlers and answers the delivery itself. */
        ENDPOINT,
        /**
         * The filter hands the verified, claimed delivery to the rest of the chain, whose servlet is the handler: the
         * receiver must have no handlers, and a filter whose receiver has some is refused at startup.
         */
        FORWARD
    }

    private final UnaryOperator<String> environment;
    private volatile ScheduledExecutorService timer;
    private WebhookReceiver receiver;
    // Whether init built the receiver from web.xml: the filter then owns it, and destroy closes it.
    private boolean ownsReceiver;
    private String path;
    private Mode mode;

    /**
     * Creates a filter to be configured by {@link #init(FilterConfig)} from {@code web.xml} init-parameters.
     */
    public RefoldWebhookFilter() {
        this(System::getenv);
    }

    // For tests of the web.xml configuration: environment variables come from the given lookup.
    RefoldWebhookFilter(UnaryOperator<String> environment) {
        this.environment = environment;
    }

    private RefoldWebhookFilter(Builder builder) {
        requireForwardable(builder.mode, builder.receiver, "build the receiver without on(...), onAny(...),"
                + " onUnknown(...) and inbox(...) (allowNoHandlers() says it is meant), or use Mode.ENDPOINT");
        this.environment = System::getenv;
        this.receiver = builder.receiver;
        this.path = builder.path;
        this.mode = builder.mode;
    }

    /**
     * {@return a builder for a filter that delivers to {@code receiver}}
     *
     * @param receiver the receiver that verifies, deduplicates and handles the deliveries
     * @throws NullPointerException if {@code receiver} is null
     */
    public static Builder builder(WebhookReceiver receiver) {
        return new Builder(Objects.requireNonNull(receiver, "receiver"));
    }

    /**
     * Configures a filter created by the container from {@code web.xml}; a filter made by {@link #builder} ignores
     * the parameters. API keys are read from environment variables named in init-parameters, never written in
     * {@code web.xml}. The parameters are {@code signing-keys} (required: {@code label=ENV_VAR} pairs separated by
     * commas), {@code path}, {@code mode} ({@code endpoint} or {@code forward}), {@code max-body-bytes},
     * {@code read-deadline-millis}, {@code body-budget-bytes}, {@code allow-no-handlers} and {@code configurer} (a
     * {@link RefoldWebhookConfigurer} class name). Either way the receiver's startup line is logged.
     *
     * @throws ServletException if the parameters are incomplete, name an unset environment variable, or set
     *                          {@code mode} to {@code forward} with a {@code configurer} that registers handlers
     *                          or an inbox
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (receiver == null) {
            try {
                WebXmlConfiguration settings = WebXmlConfiguration.read(config::getInitParameter, environment);
                this.receiver = settings.receiver();
                this.ownsReceiver = true;
                this.path = settings.path();
                this.mode = settings.mode();
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ServletException("Refold webhook filter '" + config.getFilterName() + "': "
                        + e.getMessage(), e);
            }
        }
        receiver.announce(path, mode.name().toLowerCase(Locale.ROOT));
    }

    /**
     * Stops the timer that ends deliveries at their read deadline. A filter configured from {@code web.xml} also
     * closes the receiver it built, as {@link WebhookReceiver#close()} does (deliveries in flight get up to 30 seconds
     * to finish), so that none of its threads outlives the application; a receiver given to {@link #builder} is the
     * caller's to close.
     */
    @Override
    public void destroy() {
        try {
            if (ownsReceiver) {
                receiver.close();
            }
        } finally {
            ScheduledExecutorService running = timer;
            if (running != null) {
                running.shutdownNow();
            }
        }
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        if (!(servletRequest instanceof HttpServletRequest request)
                || !(servletResponse instanceof HttpServletResponse response)
                || request.getDispatcherType() == DispatcherType.ERROR
                || !path.equals(pathWithinApplication(request))) {
            if (!answersErrorDispatch(servletRequest, servletResponse)) {
                chain.doFilter(servletRequest, servletResponse);
            }
            return;
        }
        Headers headers = headers(request);
        if (mode == Mode.ENDPOINT) {
            IncomingDelivery delivery = receiver.open(request.getMethod(), headers, request.getContentLengthLong());
            Optional<DeliveryResult> refusal = delivery.refusal();
            if (refusal.isPresent()) {
                write(request, response, refusal.get());
                return;
            }
            try {
                receive(request, response, delivery);
            } catch (IOException | RuntimeException | Error e) {
                // A read's IOException is answered 400 where it is read; whatever escapes (an UncheckedIOException,
                // getInputStream() refused after getReader()) must still end the delivery, whose bytes go back to
                // the body budget, before the container answers it. Ending an ended delivery does nothing.
                delivery.fail(e);
                throw e;
            }
            return;
        }
        Admission admission = receiver.admit(request.getMethod(), headers, new RequestBody(request),
                request.getContentLengthLong());
        if (admission instanceof Admission.Answered answered) {
            write(request, response, answered.result());
            return;
        }
        forward((Admission.Admitted) admission, request, response, chain);
    }

    private void receive(HttpServletRequest request, HttpServletResponse response, IncomingDelivery delivery)
            throws IOException {
        if (request.isAsyncSupported()) {
            Optional<DeliveryResult> arrived = AsyncDelivery.readArrived(request, delivery);
            if (arrived.isPresent()) {
                write(request, response, arrived.get());
            } else {
                AsyncDelivery.receive(request, response, delivery, timer());
            }
        } else {
            // Without asynchronous support a slow sender holds this thread until the read deadline, checked
            // between reads, or the container's read timeout: register the filter with asyncSupported.
            write(request, response, AsyncDelivery.pump(request.getInputStream(), delivery).orElseThrow());
        }
    }

    private static void forward(Admission.Admitted admission, HttpServletRequest request,
                                HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        ReplayableRequest replay = new ReplayableRequest(request, admission.event().payload());
        replay.setAttribute(EVENT_ATTRIBUTE, admission.event());
        replay.setAttribute(CONTEXT_ATTRIBUTE, admission.context());
        try {
            chain.doFilter(replay, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            endFailed(admission, response, e, true);
            throw e;
        }
        if (replay.isAsyncStarted()) {
            // The application answers later, from another thread: end the delivery when its response is complete.
            replay.getAsyncContext().addListener(new AsyncCompletion(admission, response));
        } else {
            admission.finish(response.getStatus());
        }
    }

    // A connection failure after the application's answer went out (Refold hung up while it was flushed) cannot change
    // that answer: the delivery ends with the status sent, as endpoint mode ends one whose answer failed to arrive, and
    // the receiver decides what that status means. Any other failure fails the delivery, committed or not: a response
    // also commits when its buffer fills, and an application that threw after writing part of a 200 did not handle
    // the event (the container cuts the answer short, and Refold's retry must run it, not find it done). A failure
    // the filter rethrows goes to the container, which logs it with its stack trace and answers it (its error page,
    // 500): the delivery line names it without printing the stack trace a second time.
    private static void endFailed(Admission.Admitted admission, HttpServletResponse response, Throwable failure,
                                  boolean rethrown) {
        if (response.isCommitted() && failure instanceof IOException) {
            admission.finish(response.getStatus());
        } else if (rethrown) {
            admission.failRethrown(failure);
        } else {
            admission.fail(failure);
        }
    }

    // Forward mode never runs the receiver's handlers: registered ones would be skipped in silence while the servlet's
    // 2xx acknowledges the event, so Refold would never send it again; and an inbox would store and answer each
    // delivery itself, so the servlet would never see one.
    static void requireForwardable(Mode mode, WebhookReceiver receiver, String remedy) {
        if (mode == Mode.FORWARD && !receiver.leavesEventsToCaller()) {
            throw new IllegalStateException("forward mode hands each event to the servlet behind the filter, which"
                    + " is its handler, so the receiver must have no handlers and no inbox, but this one has: "
                    + remedy);
        }
    }

    /** {@return the path this filter answers on} */
    public String path() {
        return path;
    }

    /** {@return the mode this filter runs in} */
    public Mode mode() {
        return mode;
    }

    @Override
    public String toString() {
        return "RefoldWebhookFilter[path=" + path + ", mode=" + mode + ", receiver=" + receiver + "]";
    }

    // The decoded, normalised path the container mapped (no path parameters such as ";x=1"), so that every spelling
    // of the path that reaches the application's servlet also meets the filter.
    private static String pathWithinApplication(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        return pathInfo == null ? request.getServletPath() : request.getServletPath() + pathInfo;
    }

    private static Headers headers(HttpServletRequest request) {
        Headers.Builder headers = Headers.builder();
        Enumeration<String> names = request.getHeaderNames();
        if (names == null) {
            return headers.build();
        }
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                headers.add(name, values.nextElement());
            }
        }
        return headers.build();
    }

    // One daemon thread per filter ends the deliveries whose body is late; made on first use, stopped by destroy().
    private ScheduledExecutorService timer() {
        ScheduledExecutorService running = timer;
        if (running == null) {
            synchronized (this) {
                running = timer;
                if (running == null) {
                    ScheduledThreadPoolExecutor made = new ScheduledThreadPoolExecutor(1, task -> {
                        Thread thread = new Thread(task, "refold-read-deadline");
                        thread.setDaemon(true);
                        return thread;
                    });
                    made.setRemoveOnCancelPolicy(true);
                    timer = running = made;
                }
            }
        }
        return running;
    }

    // A container that answers a failed read itself (Tomcat: 408 when its timeout ends a blocking read, 400 for a
    // malformed chunk) leaves the exception for its error report, which would print the stack trace to the sender:
    // it is dropped, and the container's report names the status alone. Where the container has not answered, the
    // delivery's own answer is written. Where it has, and dispatches to an error page of the application's (Spring
    // Boot's /error), the answer is kept for that dispatch: through a filter mapped to it, the sender gets the
    // delivery's answer, not what the error page (or a security filter guarding it, 401) makes of it.
    static void write(ServletRequest request, HttpServletResponse response, DeliveryResult result)
            throws IOException {
        containerAnswered(request, result);
        writeAnswer(response, result);
    }

    // Where the container answered a failed read of the delivery itself, drops the exception it left for its error
    // report and keeps the delivery's answer for its error dispatch (see write).
    static void containerAnswered(ServletRequest request, DeliveryResult result) {
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) != null) {
            request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
            request.setAttribute(ANSWER_ATTRIBUTE, result);
        }
    }

    // The container's error dispatch of a delivery whose failed read it answered itself is answered as the delivery
    // was; any other error dispatch, or request to another path, is the application's.
    private static boolean answersErrorDispatch(ServletRequest request, ServletResponse response)
            throws IOException {
        if (request.getDispatcherType() != DispatcherType.ERROR
                || !(request.getAttribute(ANSWER_ATTRIBUTE) instanceof DeliveryResult result)
                || !(response instanceof HttpServletResponse http)) {
            return false;
        }
        request.removeAttribute(ANSWER_ATTRIBUTE);
        writeAnswer(http, result);
        return true;
    }

    private static void writeAnswer(HttpServletResponse response, DeliveryResult result) throws IOException {
        response.setStatus(result.status());
        result.responseHeaders().forEach(response::setHeader);
        byte[] body = result.responseBody().getBytes(StandardCharsets.UTF_8);
        response.setContentType(DeliveryResult.CONTENT_TYPE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /**
     * The request body, opened on the first read. Some containers answer "Expect: 100-continue" as soon as the
     * stream is obtained; a delivery refused on its method or declared length must not invite the upload.
     */
    private static final class RequestBody extends InputStream {
        private final ServletRequest request;
        private InputStream in;

        RequestBody(ServletRequest request) {
            this.request = request;
        }

        @Override
        public int read() throws IOException {
            return stream().read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return stream().read(buffer, offset, length);
        }

        private InputStream stream() throws IOException {
            if (in == null) {
                in = request.getInputStream();
            }
            return in;
        }
    }

    /** Ends a forwarded delivery whose application went asynchronous, once, when its response is done. */
    static final class AsyncCompletion implements AsyncListener {
        private final Admission.Admitted admission;
        private final HttpServletResponse response;
        private final AtomicBoolean ended = new AtomicBoolean();

        AsyncCompletion(Admission.Admitted admission, HttpServletResponse response) {
            this.admission = admission;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (ended.compareAndSet(false, true)) {
                admission.finish(response.getStatus());
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (ended.compareAndSet(false, true)) {
                admission.fail(new TimeoutException("asynchronous processing timed out"));
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            Throwable failure = event.getThrowable();
            if (ended.compareAndSet(false, true)) {
                endFailed(admission, response, failure != null ? failure
                        : new IllegalStateException("asynchronous processing failed"), false);
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A dispatch that starts async again replaces the listeners; stay registered.
            event.getAsyncContext().addListener(this);
        }
    }

    /** Configures a {@link RefoldWebhookFilter} made in code. Not thread-safe. */
    public static final class Builder {
        private final WebhookReceiver receiver;
        private String path = DEFAULT_PATH;
        private Mode mode = Mode.ENDPOINT;

        private Builder(WebhookReceiver receiver) {
            this.receiver = receiver;
        }

        /**
         * Sets the path, within the application, the filter answers on; {@value #DEFAULT_PATH} by default.
         *
         * @param path the path deliveries arrive on, for example {@code /webhooks/refold}
         * @return this builder
         * @throws NullPointerException     if {@code path} is null
         * @throws IllegalArgumentException if {@code path} does not start with '/'
         */
        public Builder path(String path) {
            this.path = WebXmlConfiguration.checkPath(path);
            return this;
        }

        /**
         * Sets the mode; {@link Mode#ENDPOINT} by default.
         *
         * @param mode whether the filter answers deliveries itself or forwards them to the rest of the chain
         * @return this builder
         * @throws NullPointerException if {@code mode} is null
         */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Builds the filter.
         *
         * @return a filter, ready to be registered with the container
         * @throws IllegalStateException if the mode is {@link Mode#FORWARD} and the receiver has handlers (which forward
         *                               mode would never run) or an inbox (which would answer every delivery itself)
         */
        public RefoldWebhookFilter build() {
            return new RefoldWebhookFilter(this);
        }
    }
}
