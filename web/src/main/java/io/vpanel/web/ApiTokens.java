package io.vpanel.web;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's tokens, each with a name and a {@link Role}, kept only as SHA-256 digests. A request's
 * bearer token is hashed and compared with every entry in constant time ({@link
 * MessageDigest#isEqual}, no early exit), so neither the answer nor its timing tells which entry
 * came close. A tokens file is read again when it changes (checked at most once a second), so a
 * token is added, rotated or revoked without a restart; a file that cannot be read any more keeps
 * the tokens last read, and says why in the log.
 *
 * <p>The file has one token per line, {@code NAME ROLE sha256:HEX}; blank lines and lines starting
 * with {@code #} are skipped. Tokens are 128-bit random values ({@code vpanel token}), so a plain
 * SHA-256 is enough: there is nothing to guess that a slow hash would protect.
 */
public final class ApiTokens {
  private static final Logger log = LoggerFactory.getLogger(ApiTokens.class);
  private static final long RECHECK_NANOS = 1_000_000_000L;
  static final int MAX_FILE_BYTES = 64 * 1024;
  static final int MAX_TOKEN_LENGTH = 512;

  /** One token: its name, its role and the digest of the token. */
  public record Entry(String name, Role role, byte[] digest) {}

  private final Optional<Path> file;
  private final Supplier<Long> clock;
  // guarded by this
  private List<Entry> entries;
  private FileTime loadedModified;
  private long loadedSize;
  private long checkedAt;

  private ApiTokens(Optional<Path> file, List<Entry> entries, Supplier<Long> clock) {
    this.file = file;
    this.entries = List.copyOf(entries);
    this.clock = clock;
  }

  /** One token with {@code role}: what {@code api.tokenFile} and {@code vpanel demo} give. */
  public static ApiTokens single(String token, String name, Role role) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the API needs a non-empty token");
    }
    return new ApiTokens(
        Optional.empty(), List.of(new Entry(name, role, digest(token.trim()))), System::nanoTime);
  }

  /**
   * The tokens in {@code file}, re-read when it changes. Refuses a file others may read or write, a
   * malformed line (with its number) and a file without any token.
   */
  public static ApiTokens fromFile(Path file) {
    ApiTokens tokens = new ApiTokens(Optional.of(file), List.of(), System::nanoTime);
    synchronized (tokens) {
      tokens.load();
    }
    return tokens;
  }

  /** The hash stored for {@code token}: {@code sha256:HEX}. */
  public static String hash(String token) {
    return "sha256:" + HexFormat.of().formatHex(digest(token));
  }

  /** The caller {@code token} belongs to, if any. */
  public Optional<Caller> caller(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    byte[] given = digest(token);
    Entry match = null;
    for (Entry entry : current()) {
      // Every entry is compared, whatever matched before.
      if (MessageDigest.isEqual(given, entry.digest()) && match == null) {
        match = entry;
      }
    }
    return match == null ? Optional.empty() : Optional.of(new Caller(match.name(), match.role()));
  }

  /** The names and roles known now (never the digests), for the log and the docs' examples. */
  public synchronized List<String> describe() {
    return entries.stream().map(e -> e.name() + " (" + e.role().label() + ")").toList();
  }

  private synchronized List<Entry> current() {
    if (file.isPresent() && clock.get() - checkedAt > RECHECK_NANOS) {
      checkedAt = clock.get();
      try {
        FileTime modified = Files.getLastModifiedTime(file.get());
        long size = Files.size(file.get());
        if (!modified.equals(loadedModified) || size != loadedSize) {
          load();
          log.info("{}: tokens read again: {}", file.get(), describe());
        }
      } catch (IOException | IllegalArgumentException e) {
        log.warn("{}: keeping the tokens read before: {}", file.get(), e.getMessage());
      }
    }
    return entries;
  }

  /** Reads the file; throws {@link IllegalArgumentException} with the reason. */
  private void load() {
    Path path = file.orElseThrow();
    try {
      try {
        SecretFiles.requireOwnerOnly(path);
      } catch (DriverException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (Files.size(path) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            path + ": larger than " + MAX_FILE_BYTES + " bytes; is it the tokens file?");
      }
      FileTime modified = Files.getLastModifiedTime(path);
      byte[] bytes = Files.readAllBytes(path);
      List<Entry> read = parse(path, new String(bytes, StandardCharsets.UTF_8));
      entries = List.copyOf(read);
      loadedModified = modified;
      loadedSize = bytes.length;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          path + ": cannot read the tokens file (" + e.getMessage() + ")", e);
    }
  }

  static List<Entry> parse(Path path, String text) {
    List<Entry> read = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int number = 0;
    for (String raw : text.split("\n", -1)) {
      number++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      String where = path + ":" + number + ": ";
      if (parts.length != 3) {
        throw new IllegalArgumentException(
            where + "expected NAME ROLE sha256:HEX (make one with: vpanel token NAME ROLE)");
      }
      if (!parts[0].matches("[A-Za-z0-9._@-]{1,64}")) {
        throw new IllegalArgumentException(
            where + "a token's name is 1 to 64 letters, digits or . _ @ -");
      }
      if (!names.add(parts[0])) {
        throw new IllegalArgumentException(where + "the name '" + parts[0] + "' is given twice");
      }
      Role role =
          Role.parse(parts[1])
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          where
                              + "unknown role '"
                              + ApiLimits.quote(parts[1])
                              + "' ("
                              + Role.LABELS
                              + ")"));
      if (!parts[2].matches("sha256:[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            where + "the token must be stored as sha256: and 64 lower-case hex digits");
      }
      read.add(new Entry(parts[0], role, HexFormat.of().parseHex(parts[2].substring(7))));
    }
    if (read.isEmpty()) {
      throw new IllegalArgumentException(
          path + ": no token in the file; add one with: vpanel token NAME ROLE >> " + path);
    }
    return read;
  }

  static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
