package ai.refold.webhooks.spring;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Names the handler methods of one receiver. The receiver records, per delivery, the names of the handlers that
 * have succeeded, and a retry (on this instance or another, before or after a restart) skips those names; so a
 * method must get the same name whatever the order its bean was registered in or reflection lists its methods.
 * Each method offers names from the shortest to the most precise ({@code Type.method},
 * {@code Type.method(Event)}, {@code bean.method}, {@code bean.method(Event)}); every method whose name another
 * method also has moves on to its next, together with that other (unless that name is its last), until no two share
 * one.
 */
final class HandlerNames {

    private HandlerNames() {
    }

    /**
     * Returns each handler's name.
     *
     * @param handlers   the handlers, each listed once
     * @param candidates a handler's names, shortest first; the last is unique to it
     * @throws IllegalStateException if two handlers still share their last name
     */
    static <T> Map<T, String> of(List<T> handlers, Function<T, List<String>> candidates) {
        Map<T, Integer> level = new IdentityHashMap<>();
        handlers.forEach(handler -> level.put(handler, 0));
        while (true) {
            Map<String, List<T>> byName = handlers.stream().collect(Collectors.groupingBy(
                    handler -> candidates.apply(handler).get(level.get(handler)), HashMap::new, Collectors.toList()));
            boolean moved = false;
            for (Map.Entry<String, List<T>> shared : byName.entrySet()) {
                if (shared.getValue().size() < 2) {
                    continue;
                }
                // A handler already at its last name keeps it, and the others move on: a bean named like another
                // handler's class (Audit.on) meets that class's names on the way, and is no reason to give up.
                List<T> movable = shared.getValue().stream()
                        .filter(handler -> level.get(handler) < candidates.apply(handler).size() - 1).toList();
                if (shared.getValue().size() - movable.size() > 1) {
                    throw new IllegalStateException("two @RefoldWebhook methods are both named " + shared.getKey());
                }
                for (T handler : movable) {
                    level.merge(handler, 1, Integer::sum);
                    moved = true;
                }
            }
            if (!moved) {
                Map<T, String> names = new IdentityHashMap<>();
                handlers.forEach(handler -> names.put(handler, candidates.apply(handler).get(level.get(handler))));
                return names;
            }
        }
    }
}
