package io.vpanel.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Random values for a {@link SeededProperty} case, drawn from one seeded {@link SplittableRandom}:
 * the same seed gives the same case. Ranges favour their ends (an eighth of draws take the minimum
 * or the maximum, and lists and strings are empty or full as often), because bugs live at edges.
 */
public final class Draw {
  private final SplittableRandom random;

  public Draw(long seed) {
    this(new SplittableRandom(seed));
  }

  public Draw(SplittableRandom random) {
    this.random = random;
  }

  /** The random underneath, for code that draws on its own. */
  public SplittableRandom random() {
    return random;
  }

  /** An int in {@code [min, max]}, the ends favoured. */
  public int between(int min, int max) {
    return (int) between((long) min, max);
  }

  /** A long in {@code [min, max]}, the ends favoured. */
  public long between(long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("empty range " + min + ".." + max);
    }
    int edge = random.nextInt(16);
    if (edge == 0) {
      return min;
    }
    if (edge == 1) {
      return max;
    }
    return max == Long.MAX_VALUE
        ? random.nextLong(min - 1, max) + 1
        : random.nextLong(min, max + 1);
  }

  /** A double in {@code [min, max]}, the ends favoured. */
  public double between(double min, double max) {
    int edge = random.nextInt(16);
    if (edge == 0) {
      return min;
    }
    if (edge == 1) {
      return max;
    }
    return min + random.nextDouble() * (max - min);
  }

  /** Any long, with 0, 1, -1 and the extremes favoured. */
  public long anyLong() {
    return switch (random.nextInt(16)) {
      case 0 -> 0;
      case 1 -> Long.MIN_VALUE;
      case 2 -> Long.MAX_VALUE;
      case 3 -> random.nextBoolean() ? 1 : -1;
      default -> random.nextLong();
    };
  }

  public boolean bool() {
    return random.nextBoolean();
  }

  /** One of {@code values}, each as likely. */
  @SafeVarargs
  public final <T> T of(T... values) {
    return values[random.nextInt(values.length)];
  }

  /** One constant of {@code type}, each as likely. */
  public <E extends Enum<E>> E of(Class<E> type) {
    return of(type.getEnumConstants());
  }

  /** One of {@code values}, chosen in proportion to {@code weights}. */
  public <T> T weighted(int[] weights, List<T> values) {
    if (weights.length != values.size()) {
      throw new IllegalArgumentException(weights.length + " weights for " + values.size());
    }
    int total = 0;
    for (int weight : weights) {
      total += weight;
    }
    int pick = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      pick -= weights[i];
      if (pick < 0) {
        return values.get(i);
      }
    }
    throw new IllegalStateException("unreachable");
  }

  /** Empty one time in five, else what {@code value} draws. */
  public <T> Optional<T> optional(Supplier<T> value) {
    return random.nextInt(5) == 0 ? Optional.empty() : Optional.of(value.get());
  }

  /** A list of {@code min} to {@code max} elements, each drawn by {@code element}. */
  public <T> List<T> list(int min, int max, Supplier<T> element) {
    int size = between(min, max);
    List<T> list = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      list.add(element.get());
    }
    return list;
  }

  /** Up to {@code maxLength} chars, any UTF-16 unit (controls, surrogates, whitespace) alike. */
  public String anyString(int maxLength) {
    int length = between(0, maxLength);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) random.nextInt(Character.MAX_VALUE + 1));
    }
    return text.toString();
  }

  /** Up to {@code maxLength} chars, each one of {@code alphabet}. */
  public String string(int maxLength, String alphabet) {
    int length = between(0, maxLength);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }
}
