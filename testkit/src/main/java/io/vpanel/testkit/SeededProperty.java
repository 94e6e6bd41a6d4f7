package io.vpanel.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * A property: a test method that takes one {@code long seed}, builds its random case from it (with
 * {@link Draw} or a {@link java.util.SplittableRandom}) and checks what must hold for every case.
 * JUnit runs it {@link #tries()} times as a parameterized test, each invocation named by its seed:
 *
 * <pre>{@code
 * @SeededProperty(tries = 300)
 * void goPlansFit(long seed) {
 *   Cluster cluster = clusters(new Draw(seed));
 *   ...
 * }
 * }</pre>
 *
 * <p>The seeds are fixed, so every build checks the same cases; {@link PropertySeeds} says how they
 * are derived and how to explore others ({@code -Dvpanel.seed=N}, {@code -Dvpanel.tries=N}). A
 * failing case fails with its seed and the command that replays exactly that case ({@code
 * -Dvpanel.seed.only=S}); see {@link ReplayHint}.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "[{index}] {0}")
@ArgumentsSource(PropertySeeds.class)
@ExtendWith(ReplayHint.class)
public @interface SeededProperty {
  /** How many seeded cases to check. */
  int tries();
}
