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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ContainerNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

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

  /** The longest scalar (a string, a key) a configuration may hold. */
  public static final int MAX_SCALAR_CHARS = 16 * 1024;

  /** How deep mappings and lists may nest. */
  public static final int MAX_DEPTH = 32;

  /** The most digits a number may have. */
  public static final int MAX_NUMBER_CHARS = 64;

  /**
   * Parses {@code text} once, building the tree and the line of every value together, and refuses
   * what YAML allows but a configuration must not have: a second document ({@code ---}), a key
   * given twice in one mapping (a section written twice would silently merge or overwrite), aliases
   * ({@code *name}, which would be read as the anchor's name), a scalar beyond {@value
   * #MAX_SCALAR_CHARS} characters, nesting beyond {@value #MAX_DEPTH} levels.
   */
  public static LocatedYaml parse(Path file, String text, YAMLMapper mapper) {
    Map<String, Integer> lines = new HashMap<>();
    JsonNodeFactory nodes = mapper.getNodeFactory();
    JsonNode root = null;
    try (JsonParser parser = mapper.createParser(text)) {
      Deque<Object> path = new ArrayDeque<>();
      Deque<Integer> indexes = new ArrayDeque<>();
      Deque<ContainerNode<?>> open = new ArrayDeque<>();
      JsonToken token;
      String field = null;
      while ((token = parser.nextToken()) != null) {
        int line = parser.currentTokenLocation().getLineNr();
        if (root != null && open.isEmpty()) {
          throw new ConfigException(
              file
                  + ":"
                  + line
                  + ": a second YAML document; the configuration is one document (remove the"
                  + " '---' and what follows, or merge it into the first)");
        }
        if (parser instanceof YAMLParser yamlParser && yamlParser.isCurrentAlias()) {
          throw new ConfigException(
              file
                  + ":"
                  + line
                  + ": aliases (*name) are not supported in the configuration; write the value"
                  + " out");
        }
        if (token == JsonToken.PROPERTY_NAME) {
          field = parser.currentName();
          String pointer = pointer(path, field);
          if (open.peekLast() instanceof ObjectNode object && object.has(field)) {
            throw new ConfigException(
                file
                    + ":"
                    + line
                    + ": '"
                    + field
                    + "' is given twice"
                    + (path.size() <= 1
                        ? " at the top level"
                        : " in '" + pointer.substring(1, pointer.lastIndexOf('/')) + "'")
                    + " (first at line "
                    + lines.get(pointer)
                    + "); write each key once");
          }
          lines.putIfAbsent(pointer, line);
          continue;
        }
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          if (!path.isEmpty()) {
            path.removeLast();
          }
          if (token == JsonToken.END_ARRAY) {
            indexes.removeLast();
          }
          open.removeLast();
          continue;
        }
        Object key = nextKey(path, indexes, field);
        String name = field;
        field = null;
        String pointer = key == null ? "" : pointer(path, key);
        lines.putIfAbsent(pointer, line);
        JsonNode value =
            switch (token) {
              case START_OBJECT -> nodes.objectNode();
              case START_ARRAY -> nodes.arrayNode();
              case VALUE_STRING -> nodes.textNode(parser.getString());
              case VALUE_NUMBER_INT ->
                  switch (parser.getNumberType()) {
                    case INT -> nodes.numberNode(parser.getIntValue());
                    case LONG -> nodes.numberNode(parser.getLongValue());
                    default -> nodes.numberNode(parser.getBigIntegerValue());
                  };
              case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDecimalValue());
              case VALUE_TRUE -> nodes.booleanNode(true);
              case VALUE_FALSE -> nodes.booleanNode(false);
              case VALUE_NULL -> nodes.nullNode();
              default -> nodes.textNode(parser.getString());
            };
        ContainerNode<?> parent = open.peekLast();
        if (parent == null) {
          root = value;
        } else if (parent instanceof ObjectNode object) {
          object.set(name, value);
        } else {
          ((ArrayNode) parent).add(value);
        }
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          if (open.size() >= MAX_DEPTH) {
            throw new ConfigException(
                file + ":" + line + ": nested more than " + MAX_DEPTH + " levels deep");
          }
          open.addLast((ContainerNode<?>) value);
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
