package io.vpanel.testkit;

import java.lang.reflect.Method;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.AnnotationConsumer;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * The seeds of each {@link SeededProperty}: {@code tries} numbers drawn from a {@link
 * SplittableRandom} seeded with the base seed mixed with the property's class and method name, so
 * two properties over the same generator check different cases and every build checks the same
 * ones.
 *
 * <p>System properties (Maven passes {@code -D...} on to the tests):
 *
 * <ul>
 *   <li>{@code vpanel.seed} — the base seed, {@value #DEFAULT_BASE} unless set. Set another to
 *       explore new cases: {@code ./mvnw -pl core -am test -Dvpanel.seed=12345}.
 *   <li>{@code vpanel.tries} — how many cases each property checks instead of its {@code tries}, to
 *       explore more (or fewer) cases.
 *   <li>{@code vpanel.seed.only} — check only the case of this seed: what a failure prints to
 *       replay it, together with {@code -Dtest=Class#method}.
 * </ul>
 */
public final class PropertySeeds implements ArgumentsProvider, AnnotationConsumer<SeededProperty> {
  /** The base seed of every build that sets none. */
  public static final long DEFAULT_BASE = 20261201L;

  private int tries;

  @Override
  public void accept(SeededProperty property) {
    tries = property.tries();
  }

  @Override
  public Stream<? extends Arguments> provideArguments(
      ParameterDeclarations parameters, ExtensionContext context) {
    String only = System.getProperty("vpanel.seed.only");
    if (only != null && !only.isBlank()) {
      return Stream.of(seed(Long.parseLong(only.strip())));
    }
    Method method = context.getRequiredTestMethod();
    return LongStream.of(seeds(method.getDeclaringClass(), method.getName(), tries()))
        .mapToObj(PropertySeeds::seed);
  }

  private int tries() {
    return Integer.getInteger("vpanel.tries", tries);
  }

  /** The base seed in force: {@code -Dvpanel.seed}, else {@link #DEFAULT_BASE}. */
  public static long base() {
    return Long.getLong("vpanel.seed", DEFAULT_BASE);
  }

  /**
   * The seeds a property declared as {@code method} in {@code type} checks with {@code tries} tries
   * under the base seed in force: for a test that looks at all of a property's cases at once, such
   * as how many of them are feasible.
   */
  public static long[] seeds(Class<?> type, String method, int tries) {
    long mixed = base() ^ (((long) (type.getName() + "#" + method).hashCode()) << 32);
    return new SplittableRandom(mixed).longs(tries).toArray();
  }

  private static Arguments seed(long seed) {
    return Arguments.of(Named.of("seed " + seed, seed));
  }
}
