package io.vpanel.core.engine;

import java.util.Objects;

/**
 * Who asked for a maintenance change, as recorded in the journal and shown in reasons: {@code
 * panel:web}, {@code api:ops}, {@code alert:ipmi}, {@code management:vcenter}, or the engine itself
 * ({@code engine:...}) for what it decides alone (a restart's resume).
 */
public sealed interface Origin {
  /** The origin's journal label, for example {@code panel:lcdproc}. */
  String label();

  /** The label with what caused it, for reasons people read ({@code alert:ipmi (DIMM A1: ...)}). */
  default String describe() {
    return label();
  }

  /** A panel's button, by the panel driver's name. */
  record Panel(String name) implements Origin {
    public Panel {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String label() {
      return "panel:" + name;
    }
  }

  /** The REST API, by the name of the token used (never the token). */
  record Api(String tokenName) implements Origin {
    public Api {
      Objects.requireNonNull(tokenName, "tokenName");
    }

    @Override
    public String label() {
      return "api:" + tokenName;
    }
  }

  /** A hardware alert, by the alert source's name, with the alert's description (may be empty). */
  record Alert(String source, String cause) implements Origin {
    public Alert {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(cause, "cause");
    }

    /** An alert origin read back from its label (the cause is not part of it). */
    public Alert(String source) {
      this(source, "");
    }

    @Override
    public String label() {
      return "alert:" + source;
    }

    @Override
    public String describe() {
      return cause.isEmpty() ? label() : label() + " (" + cause + ")";
    }
  }

  /** The management side (a console, vCenter), by who asked. */
  record Management(String from) implements Origin {
    public Management {
      Objects.requireNonNull(from, "from");
    }

    @Override
    public String label() {
      return "management:" + from;
    }
  }

  /** The engine itself. */
  record Engine(String why) implements Origin {
    @Override
    public String label() {
      return "engine:" + why;
    }
  }

  /**
   * Reads a label back ({@code api:ops} is {@link Api}); a label of no known kind is taken as an
   * API origin of that name, as the API's callers gave origins before origins were typed.
   */
  static Origin parse(String label) {
    int colon = label.indexOf(':');
    String kind = colon < 0 ? "" : label.substring(0, colon);
    String rest = colon < 0 ? label : label.substring(colon + 1);
    return switch (kind) {
      case "panel" -> new Panel(rest);
      case "api" -> new Api(rest);
      case "alert" -> new Alert(rest);
      case "management" -> new Management(rest);
      case "engine" -> new Engine(rest);
      default -> new Api(label);
    };
  }
}
