package io.vpanel.web;

import java.util.Locale;
import java.util.Optional;

/**
 * What a token may do. A viewer reads (also where {@code api.readsNeedToken} restricts reads); a
 * notifier only posts notices ({@code POST .../notices} and the Alertmanager receiver {@code POST
 * /api/v1/alertmanager}), it may neither read where reads need a token nor request maintenance nor
 * press a button; an operator does what both may, and also requests maintenance and presses a web
 * panel's button; an admin may do everything (today the same as an operator; it is the role for
 * administrative calls as they are added).
 */
public enum Role {
  VIEWER,
  NOTIFIER,
  OPERATOR,
  ADMIN;

  /** The roles a token file and {@code vpanel token} accept, for messages. */
  public static final String LABELS = "viewer, notifier, operator or admin";

  /** True when this role may do what {@code needed} may. */
  public boolean allows(Role needed) {
    return switch (this) {
      case VIEWER -> needed == VIEWER;
      case NOTIFIER -> needed == NOTIFIER;
      case OPERATOR -> needed != ADMIN;
      case ADMIN -> true;
    };
  }

  /** What a call needing this role needs, for a refusal: the roles below operator name it too. */
  String needed() {
    return switch (this) {
      case VIEWER -> "viewer (or operator)";
      case NOTIFIER -> "notifier (or operator)";
      case OPERATOR, ADMIN -> label();
    };
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String text) {
    for (Role role : values()) {
      if (role.label().equals(text)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
