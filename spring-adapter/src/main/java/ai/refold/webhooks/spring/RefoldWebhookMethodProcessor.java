package ai.refold.webhooks.spring;

import ai.refold.webhooks.AsyncEventHandler;
import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.EventFilter;
import ai.refold.webhooks.EventHandler;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Collects the {@link RefoldWebhook} methods of the application's beans and registers each with a
 * {@link WebhookReceiver.Builder} as a handler named {@code Type.method} (more precisely when two methods would
 * share a name; see {@link HandlerNames}), with the {@link EventFilter} its
 * parameter and annotation describe: a {@code void} method as a handler, a method returning a
 * {@link CompletionStage} or a Reactor {@code Mono} as an {@link AsyncEventHandler} whose completion the receiver
 * waits for. Routing is the receiver's: this class only finds, validates, invokes and, for a {@code Mono},
 * subscribes and converts.
 */
public final class RefoldWebhookMethodProcessor implements BeanFactoryAware, SmartInitializingSingleton {

    // Reactor is optional: a Mono is recognised only when it is on the classpath.
    private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
            RefoldWebhookMethodProcessor.class.getClassLoader());

    private ConfigurableListableBeanFactory beanFactory;
    private volatile List<String> registered = List.of();
    private volatile boolean used;

    /**
     * Creates a processor with no bean factory yet; Spring supplies one through {@link #setBeanFactory} before
     * {@link #registerHandlers} is called. The auto-configuration declares it as a bean.
     */
    public RefoldWebhookMethodProcessor() {
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    /**
     * Registers every {@code @RefoldWebhook} method of the singleton beans of the context and of its ancestors
     * (a parent context's, as in {@code SpringApplicationBuilder.parent(...).child(...)}) with {@code builder}, in the
     * order the beans were registered, the context's before its parent's, then by method name and parameter,
     * creating the beans that declare them if they do not exist yet. A bean hides an ancestor's bean of its name.
     *
     * @param builder the receiver's builder, which the methods are registered with as named handlers
     * @return the methods registered, as {@code Bean.method(Parameter)}
     * @throws IllegalStateException if a method's signature or annotation is invalid, or its bean is not a singleton
     *                               (a prototype would never be called); the message names it
     */
    public List<String> registerHandlers(WebhookReceiver.Builder builder) {
        used = true;
        List<HandlerMethod> found = collect();
        Map<HandlerMethod, String> names = HandlerNames.of(found, HandlerMethod::names);
        List<String> described = new ArrayList<>();
        for (HandlerMethod handler : found) {
            if (handler.returns == Returns.NOTHING) {
                builder.on(names.get(handler), handler.filter, handler);
            } else {
                builder.onAsync(names.get(handler), handler.filter, handler.async());
            }
            described.add(handler.toString());
        }
        registered = List.copyOf(described);
        return registered;
    }

    /**
     * Fails startup if the context has {@code @RefoldWebhook} methods that no receiver registered: an application's
     * own {@code WebhookReceiver} bean replaces the starter's, and its events would be acknowledged unhandled.
     *
     * @throws IllegalStateException naming the methods left out
     */
    @Override
    public void afterSingletonsInstantiated() {
        // A lazily initialised receiver (spring.main.lazy-initialization) is built now, as on its first delivery.
        beanFactory.getBeanProvider(WebhookReceiver.class).stream().forEach(receiver -> { });
        if (used) {
            return;
        }
        List<String> missed = collect().stream().map(HandlerMethod::toString).toList();
        if (!missed.isEmpty()) {
            throw new IllegalStateException("the @RefoldWebhook methods " + missed + " would never run: the"
                    + " application's WebhookReceiver bean replaces the starter's and does not register them. Call"
                    + " RefoldWebhookMethodProcessor.registerHandlers(builder) when building it, or remove it and"
                    + " adjust the starter's receiver with a RefoldWebhookReceiverCustomizer bean");
        }
    }

    // Every @RefoldWebhook method of the context and of its ancestors, validated, in the order registerHandlers
    // documents. A child's deliveries reach its parent's handlers, as its application events reach its parent's
    // listeners; a bean hides an ancestor's bean of the same name, as it does for injection.
    private List<HandlerMethod> collect() {
        List<HandlerMethod> found = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigurableListableBeanFactory factory = beanFactory; factory != null; factory = parentOf(factory)) {
            for (String beanName : factory.getBeanNamesForType(Object.class, true, false)) {
                if (seen.add(beanName)) {
                    collect(factory, beanName, found);
                }
            }
        }
        return found;
    }

    private static ConfigurableListableBeanFactory parentOf(ConfigurableListableBeanFactory factory) {
        return factory.getParentBeanFactory() instanceof ConfigurableListableBeanFactory parent ? parent : null;
    }

    private static void collect(ConfigurableListableBeanFactory factory, String beanName, List<HandlerMethod> found) {
        if (ScopedProxyUtils.isScopedTarget(beanName)) {
            return;
        }
        Class<?> proxiedOrNot = AutoProxyUtils.determineTargetClass(factory, beanName);
        if (proxiedOrNot == null) {
            return;
        }
        // A scoped proxy's type is its generated class: the user's class names the handlers.
        Class<?> type = ClassUtils.getUserClass(proxiedOrNot);
        Map<Method, RefoldWebhook> annotated = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<RefoldWebhook>) method ->
                        AnnotatedElementUtils.findMergedAnnotation(method, RefoldWebhook.class));
        if (annotated.isEmpty()) {
            return;
        }
        if (!factory.isSingleton(beanName)) {
            // Never skipped in silence: the events those methods take would be acknowledged and lost.
            throw new IllegalStateException(described(type, annotated) + " must be on a singleton bean, but bean '"
                    + beanName + "' is " + scopeOf(factory, beanName) + "; make it a singleton, or give its scope a"
                    + " proxy (@Scope(proxyMode = ScopedProxyMode.TARGET_CLASS))");
        }
        String webScope = webScopeBehindProxy(factory, beanName);
        if (webScope != null) {
            // The filter answers before Spring MVC opens a request scope, and inbox and acknowledge-fast handlers
            // run on the SDK's threads: the proxy would find no request and the method fail on every delivery.
            throw new IllegalStateException(described(type, annotated) + " cannot run on bean '" + beanName
                    + "' of scope " + webScope + ": deliveries are handled outside any HTTP request's scope; make"
                    + " it a singleton and pass what it needs from the DeliveryContext");
        }
        Object bean = factory.getBean(beanName);
        annotated.entrySet().stream()
                .map(entry -> HandlerMethod.of(bean, beanName, type, entry.getKey(), entry.getValue()))
                .sorted(Comparator.comparing(HandlerMethod::signature))
                .forEach(found::add);
    }

    // The annotated methods of a bean of type, as its refusal names them: sorted, comma-separated.
    private static String described(Class<?> type, Map<Method, RefoldWebhook> annotated) {
        return annotated.keySet().stream().map(method -> HandlerMethod.describe(type, method)).sorted()
                .collect(Collectors.joining(", "));
    }

    // The scope of the bean behind a scoped proxy if it lives only within an HTTP request or session, else null.
    private static String webScopeBehindProxy(ConfigurableListableBeanFactory factory, String beanName) {
        String target = ScopedProxyUtils.getTargetBeanName(beanName);
        if (!factory.containsBeanDefinition(target)) {
            return null;
        }
        String scope = factory.getMergedBeanDefinition(target).getScope();
        return "request".equals(scope) || "session".equals(scope) ? scope : null;
    }

    private static String scopeOf(ConfigurableListableBeanFactory factory, String beanName) {
        String scope = factory.getMergedBeanDefinition(beanName).getScope();
        return scope == null || scope.isEmpty() ? "not a singleton" : "of scope " + scope;
    }

    /** {@return the methods registered so far, as {@code Bean.method(Parameter)}, in dispatch order} */
    public List<String> handlerMethods() {
        return registered;
    }

    @Override
    public String toString() {
        return "RefoldWebhookMethodProcessor" + registered;
    }

    /** What a handler method returns, and with it how the receiver learns that it is done. */
    private enum Returns {
        /** {@code void}: done when it returns. */
        NOTHING,
        /** A {@link CompletionStage}: done when the stage completes. */
        STAGE,
        /** A Reactor {@code Mono}: subscribed on the calling thread, done when it completes. */
        MONO
    }

    /** One validated {@code @RefoldWebhook} method bound to its bean, invoked as a handler. */
    private static final class HandlerMethod implements EventHandler<WebhookEvent> {
        final Object bean;
        final String beanName;
        final Class<?> targetType;
        final Method method;
        final EventFilter<?> filter;
        final boolean withContext;
        final Returns returns;

        private HandlerMethod(Object bean, String beanName, Class<?> targetType, Method method, EventFilter<?> filter,
                              boolean withContext, Returns returns) {
            this.bean = bean;
            this.beanName = beanName;
            this.targetType = targetType;
            this.method = method;
            this.filter = filter;
            this.withContext = withContext;
            this.returns = returns;
        }

        @SuppressWarnings("unchecked") // the parameter type was checked to be a WebhookEvent
        static HandlerMethod of(Object bean, String beanName, Class<?> targetType, Method method,
                                RefoldWebhook annotation) {
            String described = describe(targetType, method);
            Class<?>[] parameters = parameterTypes(targetType, method);
            if (parameters.length < 1 || parameters.length > 2 || !WebhookEvent.class.isAssignableFrom(parameters[0])
                    || (parameters.length == 2 && parameters[1] != DeliveryContext.class)) {
                throw new IllegalStateException(described + " must take a WebhookEvent type (for example "
                        + "WorkflowErrored, ConnectionEvent or WebhookEvent) and optionally a DeliveryContext");
            }
            Returns returns = returns(method.getReturnType());
            if (returns == null) {
                throw new IllegalStateException(described + " must return void, or a Mono or CompletionStage that"
                        + " completes when the event is handled");
            }
            EventFilter<?> filter;
            try {
                filter = EventFilter.of((Class<? extends WebhookEvent>) parameters[0])
                        .withTypes(annotation.types()).withWorkflowIds(annotation.workflowIds());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(described + ": " + e.getMessage(), e);
            }
            // Spring's @Async proxy returns at once: nothing for void (the work's failure would be lost after the
            // delivery is acknowledged), and no stage for any type but CompletableFuture (every delivery would fail).
            if (!CompletableFuture.class.isAssignableFrom(method.getReturnType())
                    && (AnnotatedElementUtils.hasAnnotation(method, Async.class)
                    || AnnotatedElementUtils.hasAnnotation(targetType, Async.class))) {
                throw new IllegalStateException(described + " is @Async and returns "
                        + method.getReturnType().getSimpleName() + ": Spring's @Async returns before the work is done"
                        + (returns == Returns.NOTHING ? ", and the delivery would be acknowledged even if that work"
                        + " fails" : " and gives no " + method.getReturnType().getSimpleName() + " back")
                        + "; remove @Async (refold.webhooks.inbox.enabled=true answers at once and retries failed"
                        + " handlers), or return the CompletableFuture of the work");
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            if (AopUtils.isCglibProxy(bean) && Modifier.isFinal(invocable.getModifiers())) {
                throw new IllegalStateException(described + " is final, and its bean is a class-based proxy (for"
                        + " @Transactional, @Async, an aspect): a final method runs on the proxy, where the bean's"
                        + " fields are not set, instead of on the bean; remove final");
            }
            ReflectionUtils.makeAccessible(invocable);
            return new HandlerMethod(bean, beanName, targetType, invocable, filter, parameters.length == 2, returns);
        }

        // The parameter types as the bean's class sees them: a type variable of a generic base class is resolved to
        // the type argument its subclass gives (TypedHandler<WorkflowErrored> takes WorkflowErrored, not its bound).
        private static Class<?>[] parameterTypes(Class<?> targetType, Method method) {
            Class<?>[] types = method.getParameterTypes();
            for (int i = 0; i < types.length; i++) {
                types[i] = ResolvableType.forMethodParameter(method, i, targetType).resolve(types[i]);
            }
            return types;
        }

        static String describe(Class<?> targetType, Method method) {
            return "@RefoldWebhook method " + targetType.getSimpleName() + "." + method.getName()
                    + Arrays.stream(parameterTypes(targetType, method)).map(Class::getSimpleName)
                    .collect(Collectors.joining(", ", "(", ")"));
        }

        private static Returns returns(Class<?> type) {
            if (type == void.class) {
                return Returns.NOTHING;
            }
            if (CompletionStage.class.isAssignableFrom(type)) {
                return Returns.STAGE;
            }
            return REACTOR && ReactorReturns.isMono(type) ? Returns.MONO : null;
        }

        @Override
        public void handle(WebhookEvent event, DeliveryContext context) throws Exception {
            invoke(event, context);
        }

        // The method as a handler whose work finishes later: a null return is the receiver's to refuse.
        AsyncEventHandler<WebhookEvent> async() {
            return (event, context) -> {
                Object returned = invoke(event, context);
                if (returned == null || returns == Returns.STAGE) {
                    return (CompletionStage<?>) returned;
                }
                return ReactorReturns.subscribe(returned);
            };
        }

        private Object invoke(WebhookEvent event, DeliveryContext context) throws Exception {
            try {
                return withContext ? method.invoke(bean, event, context) : method.invoke(bean, event);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception exception) {
                    throw exception;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw e;
            }
        }

        // Shortest first; HandlerNames takes the first that no other handler method of the receiver shares.
        List<String> names() {
            String type = targetType.getSimpleName() + ".";
            String bean = beanName + ".";
            return List.of(type + method.getName(), type + signature(), bean + method.getName(), bean + signature());
        }

        String signature() {
            return method.getName() + "(" + filter.eventClass().getSimpleName()
                    + (withContext ? ", DeliveryContext" : "") + ")";
        }

        @Override
        public String toString() {
            return targetType.getSimpleName() + "." + signature();
        }
    }
}
