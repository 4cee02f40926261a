package ai.refold.webhooks.spring;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.EventHandler;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds {@link RefoldWebhook} methods on every bean once the singletons exist, the way Spring finds
 * {@code @EventListener} methods, and dispatches each event to the methods whose signature and annotation accept
 * it, in discovery order. It is the receiver's single catch-all handler; the set of methods is fixed at startup.
 */
public final class RefoldWebhookMethodProcessor
        implements EventHandler<WebhookEvent>, SmartInitializingSingleton, BeanFactoryAware {

    /** Observes each handler method invocation, for example to time it. */
    @FunctionalInterface
    public interface InvocationObserver {
        /**
         * Reports one invocation.
         *
         * @param method  the handler method, as {@code Bean.method}
         * @param event   the event's wire name, or {@code "unknown"}
         * @param nanos   how long the method ran
         * @param failure what it threw, or null
         */
        void invoked(String method, String event, long nanos, Throwable failure);
    }

    private ConfigurableListableBeanFactory beanFactory;
    private volatile List<HandlerMethod> handlers = List.of();
    private volatile InvocationObserver observer;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    /** Sets the observer told of every handler method invocation. */
    public void setInvocationObserver(InvocationObserver observer) {
        this.observer = observer;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<HandlerMethod> found = new ArrayList<>();
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
            annotated.entrySet().stream()
                    .sorted((a, b) -> a.getKey().getName().compareTo(b.getKey().getName()))
                    .forEach(entry -> found.add(HandlerMethod.of(bean, type, entry.getKey(), entry.getValue())));
        }
        handlers = List.copyOf(found);
    }

    /** Returns the handler methods found, as {@code Bean.method(Parameter)}, in dispatch order. */
    public List<String> handlerMethods() {
        return handlers.stream().map(HandlerMethod::toString).toList();
    }

    @Override
    public void handle(WebhookEvent event, DeliveryContext context) throws Exception {
        for (HandlerMethod handler : handlers) {
            if (handler.accepts(event)) {
                invoke(handler, event, context);
            }
        }
    }

    private void invoke(HandlerMethod handler, WebhookEvent event, DeliveryContext context) throws Exception {
        InvocationObserver current = observer;
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            handler.invoke(event, context);
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        } finally {
            if (current != null) {
                current.invoked(handler.name, event.eventName().orElse("unknown"), System.nanoTime() - start,
                        failure);
            }
        }
    }

    @Override
    public String toString() {
        return "RefoldWebhookMethodProcessor" + handlerMethods();
    }

    /** One validated {@code @RefoldWebhook} method bound to its bean. */
    private static final class HandlerMethod {
        final Object bean;
        final Method method;
        final Class<?> eventType;
        final boolean withContext;
        final Set<EventType> types;
        final Set<String> workflowIds;
        final String name;

        private HandlerMethod(Object bean, Method method, Class<?> eventType, boolean withContext,
                              Set<EventType> types, Set<String> workflowIds, String name) {
            this.bean = bean;
            this.method = method;
            this.eventType = eventType;
            this.withContext = withContext;
            this.types = types;
            this.workflowIds = workflowIds;
            this.name = name;
        }

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
            if (method.getReturnType() != void.class) {
                throw new IllegalStateException(described + " must return void");
            }
            Set<EventType> types = annotation.types().length == 0 ? Set.of()
                    : EnumSet.copyOf(Arrays.asList(annotation.types()));
            for (EventType type : types) {
                if (!parameters[0].isAssignableFrom(type.eventClass())) {
                    throw new IllegalStateException(described + " names type '" + type.wireName()
                            + "', which its parameter " + parameters[0].getSimpleName() + " cannot receive");
                }
            }
            Set<String> workflowIds = Set.of(annotation.workflowIds());
            if (!workflowIds.isEmpty() && !parameters[0].isAssignableFrom(WorkflowEvent.class)
                    && !WorkflowEvent.class.isAssignableFrom(parameters[0])) {
                throw new IllegalStateException(described + " narrows by workflowIds, but its parameter "
                        + parameters[0].getSimpleName() + " is never a workflow event");
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            return new HandlerMethod(bean, invocable, parameters[0], parameters.length == 2, types, workflowIds,
                    targetType.getSimpleName() + "." + method.getName());
        }

        boolean accepts(WebhookEvent event) {
            if (!eventType.isInstance(event)) {
                return false;
            }
            if (!types.isEmpty() && (event.eventType().isEmpty() || !types.contains(event.eventType().get()))) {
                return false;
            }
            if (!workflowIds.isEmpty()) {
                return event instanceof WorkflowEvent workflow
                        && workflow.workflowId().map(workflowIds::contains).orElse(false);
            }
            return true;
        }

        void invoke(WebhookEvent event, DeliveryContext context) throws Exception {
            try {
                if (withContext) {
                    method.invoke(bean, event, context);
                } else {
                    method.invoke(bean, event);
                }
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

        @Override
        public String toString() {
            return name + "(" + eventType.getSimpleName() + (withContext ? ", DeliveryContext" : "") + ")";
        }
    }
}
