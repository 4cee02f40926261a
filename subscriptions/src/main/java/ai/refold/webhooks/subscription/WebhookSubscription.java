package ai.refold.webhooks.subscription;

import ai.refold.webhooks.event.EventType;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A request to the Create Webhook API: where Refold should deliver, which events, and how. It is checked against
 * the documented rules when built, so a request Refold would reject for its shape is never sent.
 *
 * <pre>{@code
 * WebhookSubscription subscription = WebhookSubscription.builder()
 *         .url("https://your-app.com/webhooks")
 *         .events(EventType.WORKFLOW_ERRORED, EventType.CONNECTION_EXPIRED)
 *         .build();
 * }</pre>
 *
 * <p>Optional settings left unset are not sent, so Refold applies its defaults (payload type {@code default},
 * method {@code POST}, body template <code>{{event}}</code>). Instances are immutable; {@link #toString()} shows
 * custom header names but masks their values, which often carry credentials for the receiver.
 */
public final class WebhookSubscription {

    private static final Pattern URL_RULE = Pattern.compile("^https?://");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final String url;
    private final List<EventType> events;
    private final PayloadType payloadType;
    private final DeliveryMethod method;
    private final Map<String, String> headers;
    private final String bodyTemplate;
    private final String slug;
    private final List<String> workflowIds;

    private WebhookSubscription(Builder builder) {
        this.url = builder.url;
        this.events = List.copyOf(builder.events);
        this.payloadType = builder.payloadType;
        this.method = builder.method;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
        this.bodyTemplate = builder.bodyTemplate;
        this.slug = builder.slug;
        this.workflowIds = List.copyOf(builder.workflowIds);
    }

    /** {@return a builder with no URL, no events and every optional setting unset} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the delivery URL ({@code webhook_url})} */
    public String url() {
        return url;
    }

    /** {@return the events to subscribe to ({@code webhook_events}), in the order added, without repeats} */
    public List<EventType> events() {
        return events;
    }

    /** {@return the payload format ({@code webhook_type}), or empty to let Refold use {@code default}} */
    public Optional<PayloadType> payloadType() {
        return Optional.ofNullable(payloadType);
    }

    /** {@return the delivery method ({@code method}), or empty to let Refold use {@code POST}} */
    public Optional<DeliveryMethod> method() {
        return Optional.ofNullable(method);
    }

    /** {@return the custom headers sent with each delivery ({@code webhook_headers}), in the order added} */
    public Map<String, String> headers() {
        return headers;
    }

    /** {@return the payload template ({@code webhook_body}), or empty to let Refold send the whole event} */
    public Optional<String> bodyTemplate() {
        return Optional.ofNullable(bodyTemplate);
    }

    /** {@return the app the subscription is restricted to ({@code slug}), if any} */
    public Optional<String> slug() {
        return Optional.ofNullable(slug);
    }

    /** {@return the workflows that workflow events are restricted to ({@code workflow_ids}); empty for all} */
    public List<String> workflowIds() {
        return workflowIds;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookSubscription that
                && url.equals(that.url)
                && events.equals(that.events)
                && payloadType == that.payloadType
                && method == that.method
                && headers.equals(that.headers)
                && Objects.equals(bodyTemplate, that.bodyTemplate)
                && Objects.equals(slug, that.slug)
                && workflowIds.equals(that.workflowIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, events, payloadType, method, headers, bodyTemplate, slug, workflowIds);
    }

    @Override
    public String toString() {
        return "WebhookSubscription[url=" + url
                + ", events=" + events
                + ", payloadType=" + (payloadType == null ? "(default)" : payloadType.wireName())
                + ", method=" + (method == null ? "(default)" : method)
                + ", headers=" + headers.keySet().stream().map(name -> name + "=****")
                        .collect(Collectors.joining(", ", "{", "}"))
                + ", bodyTemplate=" + (bodyTemplate == null ? "(default)" : "(" + bodyTemplate.length() + " chars)")
                + ", slug=" + (slug == null ? "(none)" : slug)
                + ", workflowIds=" + workflowIds + "]";
    }

    /**
     * Builds a {@link WebhookSubscription}. Each setter checks its own argument at once and refuses a bad one with an
     * {@link IllegalArgumentException} (a {@link NullPointerException} for a null argument); {@link #build()}
     * refuses a missing URL or event with an {@link IllegalStateException} and checks the rules that span fields.
     * Every message names the field and the rule.
     */
    public static final class Builder {
        private String url;
        private final Set<EventType> events = new LinkedHashSet<>();
        private PayloadType payloadType;
        private DeliveryMethod method;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String bodyTemplate;
        private String slug;
        private final List<String> workflowIds = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets the URL Refold delivers to. Like Refold, this requires it to start with {@code http://} or
         * {@code https://} (in lower case); use HTTPS for anything but local testing.
         *
         * @param url the delivery URL ({@code webhook_url})
         * @return this builder
         * @throws NullPointerException     if {@code url} is null
         * @throws IllegalArgumentException if {@code url} does not match {@code ^https?://} or contains white space
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            if (!URL_RULE.matcher(url).find()) {
                throw new IllegalArgumentException("webhook_url must start with http:// or https:// (^https?://)");
            }
            if (url.length() == url.indexOf("://") + 3) {
                throw new IllegalArgumentException("webhook_url has no host after the scheme");
            }
            for (int i = 0; i < url.length(); i++) {
                char c = url.charAt(i);
                if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                    throw new IllegalArgumentException("webhook_url must not contain white space or control "
                            + "characters (at index " + i + ")");
                }
            }
            this.url = url;
            return this;
        }

        /**
         * Sets the URL Refold delivers to; see {@link #url(String)}.
         *
         * @param url the delivery URL ({@code webhook_url})
         * @return this builder
         * @throws NullPointerException     if {@code url} is null
         * @throws IllegalArgumentException if the URL does not match {@code ^https?://}
         */
        public Builder url(URI url) {
            return url(Objects.requireNonNull(url, "url").toString());
        }

        /**
         * Adds an event to subscribe to; adding one twice has no further effect.
         *
         * @param event an event to subscribe to
         * @return this builder
         * @throws NullPointerException if {@code event} is null
         */
        public Builder event(EventType event) {
            events.add(Objects.requireNonNull(event, "event"));
            return this;
        }

        /**
         * Adds an event by its documented name, for example {@code "Workflow Errored"}, as a command line or a
         * configuration file would give it.
         *
         * @param wireName the event's documented name, exactly as Refold spells it
         * @return this builder
         * @throws NullPointerException     if {@code wireName} is null
         * @throws IllegalArgumentException if the name is not one of the five documented event names
         */
        public Builder event(String wireName) {
            Objects.requireNonNull(wireName, "event");
            return event(EventType.fromWireName(wireName).orElseThrow(() -> new IllegalArgumentException(
                    "webhook_events: unknown event '" + printable(wireName) + "'; expected one of "
                            + Arrays.stream(EventType.values()).map(EventType::wireName)
                                    .collect(Collectors.joining(", ")))));
        }

        /**
         * Adds events to subscribe to.
         *
         * @param events events to subscribe to
         * @return this builder
         * @throws NullPointerException if the array or an element is null
         */
        public Builder events(EventType... events) {
            return events(Arrays.asList(Objects.requireNonNull(events, "events")));
        }

        /**
         * Adds events to subscribe to.
         *
         * @param events events to subscribe to
         * @return this builder
         * @throws NullPointerException if the collection or an element is null
         */
        public Builder events(Collection<EventType> events) {
            Objects.requireNonNull(events, "events");
            for (EventType event : events) {
                Objects.requireNonNull(event, "events must not contain null");
            }
            this.events.addAll(events);
            return this;
        }

        /**
         * Sets the payload format; unset, Refold uses {@code default}.
         *
         * @param payloadType the payload format ({@code webhook_type})
         * @return this builder
         * @throws NullPointerException if {@code payloadType} is null
         */
        public Builder payloadType(PayloadType payloadType) {
            this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
            return this;
        }

        /**
         * Sets the payload format by its documented name: {@code default}, {@code slack} or {@code custom}.
         *
         * @param wireName the payload format's documented name, in lower case
         * @return this builder
         * @throws NullPointerException     if {@code wireName} is null
         * @throws IllegalArgumentException if the name is not one of the three
         */
        public Builder payloadType(String wireName) {
            Objects.requireNonNull(wireName, "payloadType");
            return payloadType(PayloadType.fromWireName(wireName).orElseThrow(() -> new IllegalArgumentException(
                    "webhook_type must be one of default, slack, custom, not '" + printable(wireName) + "'")));
        }

        /**
         * Sets the HTTP method Refold delivers with; unset, Refold uses {@code POST}.
         *
         * @param method the HTTP method deliveries are sent with
         * @return this builder
         * @throws NullPointerException if {@code method} is null
         */
        public Builder method(DeliveryMethod method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Sets the HTTP method by its documented name: {@code POST}, {@code PUT} or {@code PATCH}.
         *
         * @param method the HTTP method's name, in upper case
         * @return this builder
         * @throws NullPointerException     if {@code method} is null
         * @throws IllegalArgumentException if the name is not one of the three
         */
        public Builder method(String method) {
            Objects.requireNonNull(method, "method");
            for (DeliveryMethod candidate : DeliveryMethod.values()) {
                if (candidate.name().equals(method)) {
                    return method(candidate);
                }
            }
            throw new IllegalArgumentException("method must be one of POST, PUT, PATCH, not '" + printable(method)
                    + "'");
        }

        /**
         * Adds a header Refold sends with each delivery, replacing an earlier value under the same name.
         *
         * @param name  the header's name
         * @param value the header's value; messages and {@code toString()} mask it
         * @return this builder
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the name is not an HTTP token or the value holds a line break or
         *                                  another control character
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("webhook_headers: '" + printable(name)
                        + "' is not a valid header name");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && Character.isISOControl(c)) {
                    // the value itself is not shown: custom headers often carry credentials
                    throw new IllegalArgumentException("webhook_headers: the value of '" + name
                            + "' contains a control character at index " + i);
                }
            }
            headers.put(name, value);
            return this;
        }

        /**
         * Adds headers Refold sends with each delivery; see {@link #header(String, String)}.
         *
         * @param headers header names and values to add, in the map's order
         * @return this builder
         * @throws NullPointerException     if the map, a name or a value is null
         * @throws IllegalArgumentException if a name or value is invalid
         */
        public Builder headers(Map<String, String> headers) {
            Objects.requireNonNull(headers, "headers").forEach(this::header);
            return this;
        }

        /**
         * Sets the payload template, for example <code>{{event}}</code>; unset, Refold sends the whole event.
         *
         * @param template the payload template ({@code webhook_body})
         * @return this builder
         * @throws NullPointerException     if {@code template} is null
         * @throws IllegalArgumentException if {@code template} is blank
         */
        public Builder bodyTemplate(String template) {
            Objects.requireNonNull(template, "bodyTemplate");
            if (template.isBlank()) {
                throw new IllegalArgumentException("webhook_body must not be blank; leave it unset for the default");
            }
            this.bodyTemplate = template;
            return this;
        }

        /**
         * Restricts the subscription to one app. Refold then allows only workflow events, which
         * {@link #build()} checks.
         *
         * @param slug the app's slug, for example {@code "hubspot"}
         * @return this builder
         * @throws NullPointerException     if {@code slug} is null
         * @throws IllegalArgumentException if {@code slug} is blank
         */
        public Builder slug(String slug) {
            Objects.requireNonNull(slug, "slug");
            if (slug.isBlank()) {
                throw new IllegalArgumentException("slug must not be blank");
            }
            this.slug = slug;
            return this;
        }

        /**
         * Adds a workflow that workflow events are restricted to; adding one twice has no further effect.
         *
         * @param workflowId the id of a workflow whose events are delivered
         * @return this builder
         * @throws NullPointerException     if {@code workflowId} is null
         * @throws IllegalArgumentException if {@code workflowId} is blank
         */
        public Builder workflowId(String workflowId) {
            Objects.requireNonNull(workflowId, "workflowId");
            if (workflowId.isBlank()) {
                throw new IllegalArgumentException("workflow_ids must not contain a blank id");
            }
            if (!workflowIds.contains(workflowId)) {
                workflowIds.add(workflowId);
            }
            return this;
        }

        /**
         * Adds workflows that workflow events are restricted to.
         *
         * @param workflowIds ids of workflows whose events are delivered
         * @return this builder
         * @throws NullPointerException     if the array or an element is null
         * @throws IllegalArgumentException if an element is blank
         */
        public Builder workflowIds(String... workflowIds) {
            for (String id : Objects.requireNonNull(workflowIds, "workflowIds")) {
                workflowId(id);
            }
            return this;
        }

        /**
         * Checks the rules that span fields and builds the request.
         *
         * @return the request, to pass to {@link RefoldWebhooksClient#createWebhook}
         * @throws IllegalStateException    if no URL is set or no event is added
         * @throws IllegalArgumentException if a slug is set together with a connection event
         */
        public WebhookSubscription build() {
            if (url == null) {
                throw new IllegalStateException("webhook_url is required");
            }
            if (events.isEmpty()) {
                throw new IllegalStateException("webhook_events needs at least one event");
            }
            if (slug != null) {
                List<String> notWorkflow = events.stream().filter(event -> !event.isWorkflowEvent())
                        .map(EventType::wireName).collect(Collectors.toList());
                if (!notWorkflow.isEmpty()) {
                    throw new IllegalArgumentException("with a slug only workflow events are allowed; remove "
                            + String.join(", ", notWorkflow));
                }
            }
            return new WebhookSubscription(this);
        }

        @Override
        public String toString() {
            return "WebhookSubscription.Builder[url=" + url + ", events=" + events + ", headers="
                    + headers.keySet() + " (values masked)]";
        }

        private static String printable(String value) {
            String shown = value.length() > 60 ? value.substring(0, 60) + "..." : value;
            return shown.replaceAll("\\p{Cntrl}", "?");
        }
    }
}
