package io.vpanel.testkit;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.TestAbortedException;

/**
 * Makes a failing {@link SeededProperty} case say which seed failed and how to run exactly that
 * case again: the failure is rethrown as an {@link AssertionError} whose message starts with the
 * seed and the Maven command, with the original failure as its cause.
 */
public final class ReplayHint implements InvocationInterceptor {

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    try {
      invocation.proceed();
    } catch (TestAbortedException skipped) {
      throw skipped;
    } catch (Throwable failure) {
      List<Object> arguments = invocationContext.getArguments();
      if (arguments.isEmpty() || !(arguments.get(0) instanceof Long seed)) {
        throw failure;
      }
      throw new AssertionError(
          message(invocationContext.getExecutable(), seed) + "\n" + failure, failure);
    }
  }

  /** The first lines of a failed case's message: its seed and how to replay it. */
  static String message(Method method, long seed) {
    String test = method.getDeclaringClass().getSimpleName() + "#" + method.getName();
    SeededProperty property = method.getAnnotation(SeededProperty.class);
    String which = "";
    if (property != null) {
      long[] seeds =
          PropertySeeds.seeds(
              method.getDeclaringClass(),
              method.getName(),
              Integer.getInteger("vpanel.tries", property.tries()));
      int index = -1;
      for (int i = 0; i < seeds.length && index < 0; i++) {
        index = seeds[i] == seed ? i : -1;
      }
      if (index >= 0) {
        which =
            " (case "
                + (index + 1)
                + " of "
                + seeds.length
                + ", base seed "
                + PropertySeeds.base()
                + ")";
      }
    }
    return test
        + " failed for seed "
        + seed
        + which
        + "\nreplay this case: ./mvnw -B -ntp test"
        + module()
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dtest='"
        + test
        + "' -Dvpanel.seed.only="
        + seed
        + "\nreplay the whole run: -Dvpanel.seed="
        + PropertySeeds.base();
  }

  /** {@code -pl MODULE -am} for the module the tests run in (Surefire's working directory). */
  private static String module() {
    Path here = Path.of("").toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))) {
        String relative = dir.relativize(here).toString();
        return relative.isEmpty() ? "" : " -pl " + relative + " -am";
      }
    }
    return "";
  }
}
