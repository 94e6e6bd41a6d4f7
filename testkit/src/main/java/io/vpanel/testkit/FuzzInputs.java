package io.vpanel.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The short fuzz run of the normal test suite, beside Jazzer's {@code @FuzzTest} (which only
 * replays its corpus unless {@code JAZZER_FUZZ=1}): {@link #run} feeds a fuzz target's check {@code
 * count} inputs made by mutating the target's committed corpus ({@code
 * src/test/resources/<package>/<Class>Inputs/<method>/}), from a fixed seed so every build checks
 * the same inputs. {@code -Dvpanel.fuzz.runs=N} changes the count, {@code -Dvpanel.seed=S} the seed
 * (see {@link PropertySeeds}). A failing input is written to {@code
 * target/fuzz-findings/<Class>/<method>/} to be copied into the corpus with its regression test.
 *
 * <p>Text targets read their input with {@link #text}, a lenient UTF-8 that also yields unpaired
 * surrogates, so corpus files stay readable text.
 */
public final class FuzzInputs {
  private static final byte[][] TOKENS = {
    {0},
    {(byte) 0xff},
    {0x7f},
    {(byte) 0x80},
    {'\n'},
    {'\r', '\n'},
    {'\t'},
    {0x1b},
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a lone high surrogate
    {(byte) 0xed, (byte) 0xb0, (byte) 0x80}, // a lone low surrogate
    {(byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80}, // an emoji (a surrogate pair)
    {(byte) 0xe2, (byte) 0x80, (byte) 0xae}, // RIGHT-TO-LEFT OVERRIDE
    {(byte) 0xc3, (byte) 0xa9}, // é
    "{".getBytes(),
    "}".getBytes(),
    "\"".getBytes(),
    "\\".getBytes(),
    "[".getBytes(),
    "]".getBytes(),
    ":".getBytes(),
    " ".getBytes(),
    "-1".getBytes(),
    "99999999999999999999".getBytes(),
    "1e999".getBytes(),
    "&".getBytes(),
    "=".getBytes(),
    "%".getBytes(),
    "%ff".getBytes(),
    ";q=".getBytes(),
    "*/*".getBytes(),
    "&a".getBytes(),
    "*a".getBytes(),
    "!!".getBytes(),
  };

  private FuzzInputs() {}

  /**
   * {@code bytes} as text: UTF-8, where the encoded form of a surrogate ({@code ED A0..BF xx})
   * gives that lone surrogate and any other malformed byte gives U+FFFD.
   */
  public static String text(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length);
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      int need;
      int cp;
      if (b < 0x80) {
        out.append((char) b);
        i++;
        continue;
      } else if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 0x07;
      } else {
        out.append('\ufffd');
        i++;
        continue;
      }
      if (i + need >= bytes.length) {
        out.append('\ufffd');
        i++;
        continue;
      }
      boolean ok = true;
      for (int k = 1; k <= need; k++) {
        int c = bytes[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      int min = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
      if (!ok || cp < min || cp > Character.MAX_CODE_POINT) {
        out.append('\ufffd');
        i++;
        continue;
      }
      out.appendCodePoint(cp); // a surrogate code point is appended as that one char
      i += need + 1;
    }
    return out.toString();
  }

  /** The committed corpus of {@code test}'s fuzz target {@code method}; empty when it has none. */
  public static List<byte[]> corpus(Class<?> test, String method) {
    URL url = test.getResource(test.getSimpleName() + "Inputs/" + method);
    List<byte[]> inputs = new ArrayList<>();
    if (url == null) {
      return inputs;
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      for (Path file : files.sorted().toList()) {
        if (Files.isRegularFile(file)) {
          inputs.add(Files.readAllBytes(file));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return inputs;
  }

  /**
   * Checks the corpus of {@code test}'s target {@code method} and {@code count} mutations of it;
   * the first input that fails is saved and reported with its bytes.
   */
  public static void run(Class<?> test, String method, int count, Consumer<byte[]> check) {
    List<byte[]> corpus = corpus(test, method);
    if (corpus.isEmpty()) {
      corpus.add(new byte[0]);
    }
    long seed = PropertySeeds.base() ^ (test.getName() + "#" + method).hashCode();
    SplittableRandom random = new SplittableRandom(seed);
    int runs = Integer.getInteger("vpanel.fuzz.runs", count);
    for (int n = 0; n < corpus.size() + runs; n++) {
      byte[] input = n < corpus.size() ? corpus.get(n) : mutate(random, corpus);
      try {
        check.accept(input);
      } catch (RuntimeException | AssertionError | StackOverflowError e) {
        Path saved = save(test, method, input);
        throw new AssertionError(
            test.getSimpleName()
                + "#"
                + method
                + " failed on input "
                + n
                + " (seed "
                + PropertySeeds.base()
                + "), saved as "
                + saved
                + ": "
                + HexFormat.of().formatHex(input, 0, Math.min(input.length, 256)),
            e);
      }
    }
  }

  static byte[] mutate(SplittableRandom random, List<byte[]> corpus) {
    if (random.nextInt(20) == 0) {
      byte[] junk = new byte[random.nextInt(64)];
      random.nextBytes(junk);
      return junk;
    }
    byte[] input = corpus.get(random.nextInt(corpus.size())).clone();
    int steps = 1 + random.nextInt(4);
    for (int s = 0; s < steps; s++) {
      input = step(random, input, corpus);
    }
    return input;
  }

  private static byte[] step(SplittableRandom random, byte[] in, List<byte[]> corpus) {
    int at = in.length == 0 ? 0 : random.nextInt(in.length + 1);
    switch (random.nextInt(7)) {
      case 0 -> {
        if (at < in.length) {
          in[at] ^= (byte) (1 << random.nextInt(8));
        }
        return in;
      }
      case 1 -> {
        if (at < in.length) {
          in[at] = (byte) random.nextInt(256);
        }
        return in;
      }
      case 2 -> {
        return splice(in, at, at, TOKENS[random.nextInt(TOKENS.length)]);
      }
      case 3 -> {
        int end = Math.min(in.length, at + 1 + random.nextInt(8));
        return splice(in, at, end, new byte[0]);
      }
      case 4 -> {
        int end = Math.min(in.length, at + 1 + random.nextInt(16));
        byte[] part = java.util.Arrays.copyOfRange(in, at, end);
        int times = 1 + random.nextInt(random.nextInt(4) == 0 ? 64 : 3);
        byte[] repeated = new byte[part.length * times];
        for (int t = 0; t < times; t++) {
          System.arraycopy(part, 0, repeated, t * part.length, part.length);
        }
        return splice(in, at, at, repeated);
      }
      case 5 -> {
        byte[] other = corpus.get(random.nextInt(corpus.size()));
        int from = other.length == 0 ? 0 : random.nextInt(other.length);
        byte[] part =
            java.util.Arrays.copyOfRange(
                other, from, Math.min(other.length, from + 1 + random.nextInt(32)));
        return splice(in, at, at, part);
      }
      default -> {
        byte[] noise = new byte[1 + random.nextInt(4)];
        random.nextBytes(noise);
        return splice(in, at, at, noise);
      }
    }
  }

  private static byte[] splice(byte[] in, int from, int to, byte[] part) {
    byte[] out = new byte[in.length - (to - from) + part.length];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(part, 0, out, from, part.length);
    System.arraycopy(in, to, out, from + part.length, in.length - to);
    return out;
  }

  private static Path save(Class<?> test, String method, byte[] input) {
    try {
      Path dir = Path.of("target", "fuzz-findings", test.getSimpleName(), method);
      Files.createDirectories(dir);
      Path file =
          dir.resolve(
              "crash-"
                  + HexFormat.of()
                      .formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(input)));
      Files.write(file, input);
      return file.toAbsolutePath();
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      return Path.of("(not saved: " + e + ")");
    }
  }

  /** For a corpus file written by hand: {@code text} as UTF-8. */
  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
