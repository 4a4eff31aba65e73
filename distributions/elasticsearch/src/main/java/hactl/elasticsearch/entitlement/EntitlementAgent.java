package hactl.elasticsearch.entitlement;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The entitlement agent, {@code lib/entitlement-agent/*.jar}. Since 8.18 the server attaches this jar to
 * itself during bootstrap ({@code EntitlementBootstrap.loadAgent(jar, initializationClassName)}) to
 * instrument JDK methods; upstream builds it from libs/entitlement/agent but does not publish it.
 *
 * <p>It only hands the {@link Instrumentation} to the class the server names in the agent arguments
 * ({@code org.elasticsearch.entitlement.initialization.EntitlementInitialization}), calling its public
 * static {@code initialize(Instrumentation)}; the server exports that package to the unnamed module of
 * the system class loader, where this agent is loaded, before attaching it.
 */
public final class EntitlementAgent {

    private EntitlementAgent() {}

    public static void agentmain(String agentArgs, Instrumentation inst) {
        final Class<?> initClass;
        try {
            initClass = Class.forName(agentArgs);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("entitlement agent could not find " + agentArgs, e);
        }
        final Method initialize;
        try {
            initialize = initClass.getMethod("initialize", Instrumentation.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(agentArgs + " has no initialize(Instrumentation) method", e);
        }
        try {
            initialize.invoke(null, inst);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("entitlement initialization failed", e);
        }
    }
}
