package io.vpanel.agent.config;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A YAML document as a tree, plus the line every value starts on, so errors found after parsing (an
 * unknown key, a bad value) can still name the line.
 */
public final class LocatedYaml {
  private final Path file;
  private final JsonNode root;
  private final Map<String, Integer> lines;

  private LocatedYaml(Path file, JsonNode root, Map<String, Integer> lines) {
    this.file = file;
    this.root = root;
    this.lines = lines;
  }

  public static LocatedYaml parse(Path file, String text, YAMLMapper mapper) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = mapper.createParser(text)) {
      Deque<Object> path = new ArrayDeque<>();
      Deque<Integer> indexes = new ArrayDeque<>();
      JsonToken token;
      String field = null;
      while ((token = parser.nextToken()) != null) {
        int line = parser.currentTokenLocation().getLineNr();
        if (token == JsonToken.PROPERTY_NAME) {
          field = parser.currentName();
          lines.putIfAbsent(pointer(path, field), line);
          continue;
        }
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          if (!path.isEmpty()) {
            path.removeLast();
          }
          if (token == JsonToken.END_ARRAY) {
            indexes.removeLast();
          }
          continue;
        }
        Object key = nextKey(path, indexes, field);
        field = null;
        String pointer = key == null ? "" : pointer(path, key);
        lines.putIfAbsent(pointer, line);
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          path.addLast(key == null ? "" : key);
          if (token == JsonToken.START_ARRAY) {
            indexes.addLast(0);
          }
        }
      }
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new ConfigException(
          file + (line > 0 ? ":" + line : "") + ": not valid YAML: " + e.getOriginalMessage());
    }
    JsonNode root = mapper.readTree(text);
    return new LocatedYaml(file, root, lines);
  }

  private static Object nextKey(Deque<Object> path, Deque<Integer> indexes, String field) {
    if (field != null) {
      return field;
    }
    if (path.isEmpty() || indexes.isEmpty()) {
      return null;
    }
    int index = indexes.removeLast();
    indexes.addLast(index + 1);
    return index;
  }

  private static String pointer(Deque<Object> path, Object last) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object part : path) {
      if (first && "".equals(part)) {
        first = false;
        continue;
      }
      first = false;
      out.append('/').append(part);
    }
    return out.append('/').append(last).toString();
  }

  public Path file() {
    return file;
  }

  public JsonNode root() {
    return root;
  }

  /** {@code file:line} of the value at {@code pointer} (for example {@code /panels/1/address}). */
  public String where(String pointer) {
    String probe = pointer;
    while (true) {
      Integer line = lines.get(probe);
      if (line != null) {
        return file + ":" + line;
      }
      int cut = probe.lastIndexOf('/');
      if (cut <= 0) {
        return file.toString();
      }
      probe = probe.substring(0, cut);
    }
  }
}
