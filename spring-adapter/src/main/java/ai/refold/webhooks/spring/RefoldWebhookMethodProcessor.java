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
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Collects the {@link RefoldWebhook} methods of the application's beans and registers each with a
 * {@link WebhookReceiver.Builder} as a handler named {@code Bean.method}, with the {@link EventFilter} its
 * parameter and annotation describe: a {@code void} method as a handler, a method returning a
 * {@link CompletionStage} or a Reactor {@code Mono} as an {@link AsyncEventHandler} whose completion the receiver
 * waits for. Routing is the receiver's: this class only finds, validates, invokes and, for a {@code Mono},
 * subscribes and converts.
 */
public final class RefoldWebhookMethodProcessor implements BeanFactoryAware {

    // Reactor is optional: a Mono is recognised only when it is on the classpath.
    private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
            RefoldWebhookMethodProcessor.class.getClassLoader());

    private ConfigurableListableBeanFactory beanFactory;
    private volatile List<String> registered = List.of();

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
     * Registers every {@code @RefoldWebhook} method of the context's singleton beans with {@code builder}, ordered
     * by bean name then method name, creating the beans that declare them if they do not exist yet.
     *
     * @param builder the receiver's builder, which the methods are registered with as named handlers
     * @return the methods registered, as {@code Bean.method(Parameter)}
     * @throws IllegalStateException if a method's signature or annotation is invalid; the message names it
     */
    public List<String> registerHandlers(WebhookReceiver.Builder builder) {
        List<String> names = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (String beanName : beanFactory.getBeanNamesForType(Object.class, false, false)) {
            if (ScopedProxyUtils.isScopedTarget(beanName)) {
                continue;
            }
            Class<?> type = AutoProxyUtils.determineTargetClass(beanFactory, beanName);
            if (type == null) {
                continue;
            }
            Map<Method, RefoldWebhook> annotated = MethodIntrospector.selectMethods(type,
                    (MethodIntrospector.MetadataLookup<RefoldWebhook>) method ->
                            AnnotatedElementUtils.findMergedAnnotation(method, RefoldWebhook.class));
            if (annotated.isEmpty()) {
                continue;
            }
            Object bean = beanFactory.getBean(beanName);
            for (Map.Entry<Method, RefoldWebhook> entry : annotated.entrySet().stream()
                    .sorted(Comparator.comparing(e -> e.getKey().getName())).toList()) {
                HandlerMethod handler = HandlerMethod.of(bean, type, entry.getKey(), entry.getValue());
                String name = uniqueName(handler, beanName, used);
                if (handler.returns == Returns.NOTHING) {
                    builder.on(name, handler.filter, handler);
                } else {
                    builder.onAsync(name, handler.filter, handler.async());
                }
                names.add(handler.toString());
            }
        }
        registered = List.copyOf(names);
        return registered;
    }

    // Type.method names the handler in logs and metrics; two beans of one type, or overloads, need more.
    private static String uniqueName(HandlerMethod handler, String beanName, Set<String> used) {
        String method = handler.method.getName();
        for (String name : List.of(handler.name, beanName + "." + method, beanName + "." + handler.signature())) {
            if (used.add(name)) {
                return name;
            }
        }
        throw new IllegalStateException("two @RefoldWebhook methods are both " + beanName + "." + handler.signature());
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
        final Method method;
        final EventFilter<?> filter;
        final boolean withContext;
        final String name;
        final Returns returns;

        private HandlerMethod(Object bean, Method method, EventFilter<?> filter, boolean withContext, String name,
                              Returns returns) {
            this.bean = bean;
            this.method = method;
            this.filter = filter;
            this.withContext = withContext;
            this.name = name;
            this.returns = returns;
        }

        @SuppressWarnings("unchecked") // the parameter type was checked to be a WebhookEvent
        static HandlerMethod of(Object bean, Class<?> targetType, Method method, RefoldWebhook annotation) {
            String described = "@RefoldWebhook method " + targetType.getSimpleName() + "." + method.getName()
                    + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                    .collect(Collectors.joining(", ", "(", ")"));
            Class<?>[] parameters = method.getParameterTypes();
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
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            return new HandlerMethod(bean, invocable, filter, parameters.length == 2,
                    targetType.getSimpleName() + "." + method.getName(), returns);
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

        String signature() {
            return method.getName() + "(" + filter.eventClass().getSimpleName()
                    + (withContext ? ", DeliveryContext" : "") + ")";
        }

        @Override
        public String toString() {
            return name.substring(0, name.lastIndexOf('.') + 1) + signature();
        }
    }
}
