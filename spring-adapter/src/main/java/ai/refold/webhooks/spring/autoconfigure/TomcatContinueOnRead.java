package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.web.server.WebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Makes an embedded Tomcat send {@code 100 Continue} only when the application reads the body
 * ({@code continueResponseTiming=onRead}) instead of as soon as the headers arrive, Tomcat's default. A delivery the
 * receiver refuses from its headers (wrong method, declared length over the limit, missing signature, no room in the
 * body budget) is then refused before the client uploads it. Jetty needs nothing: it sends {@code 100 Continue} only
 * when the body is read.
 *
 * <p>Spring Boot 3 and 4 call Tomcat's connector customizer by different names
 * ({@code org.springframework.boot.web.embedded.tomcat.TomcatConnectorCustomizer},
 * {@code org.springframework.boot.tomcat.TomcatConnectorCustomizer}), and this starter, compiled against Boot 3,
 * serves both. So the customizer is made for whichever type the factory's {@code addConnectorCustomizers} takes, and
 * sets the connector property by name; a factory without that method (not Tomcat) is left alone.
 */
class TomcatContinueOnRead implements WebServerFactoryCustomizer<WebServerFactory> {

    static final String PROPERTY = "continueResponseTiming";
    static final String ON_READ = "onRead";

    @Override
    public void customize(WebServerFactory factory) {
        for (Method method : factory.getClass().getMethods()) {
            Class<?>[] parameters = method.getParameterTypes();
            if (method.getName().equals("addConnectorCustomizers") && parameters.length == 1
                    && parameters[0].isArray() && parameters[0].getComponentType().isInterface()) {
                Class<?> customizerType = parameters[0].getComponentType();
                Object customizers = Array.newInstance(customizerType, 1);
                Array.set(customizers, 0, Proxy.newProxyInstance(customizerType.getClassLoader(),
                        new Class<?>[] {customizerType}, (proxy, called, arguments) -> {
                            switch (called.getName()) {
                                case "customize":
                                    continueOnRead(arguments[0]);
                                    return null;
                                case "equals":
                                    return proxy == arguments[0];
                                case "hashCode":
                                    return System.identityHashCode(proxy);
                                default:
                                    return "refold: " + PROPERTY + "=" + ON_READ;
                            }
                        }));
                try {
                    method.invoke(factory, customizers);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("could not customize Tomcat's connector", e);
                }
                return;
            }
        }
    }

    // Connector.setProperty(String, String): Tomcat's own API, the same in Tomcat 10.1 and 11.
    private static void continueOnRead(Object connector) throws ReflectiveOperationException {
        connector.getClass().getMethod("setProperty", String.class, String.class)
                .invoke(connector, PROPERTY, ON_READ);
    }
}
