package io.vpanel.web;

import java.util.Locale;
import java.util.Optional;

/**
 * What a token may do. Each role may do what the ones before it may: a viewer reads (also where
 * {@code api.readsNeedToken} restricts reads), an operator also requests maintenance, posts notices
 * and presses a web panel's button, an admin may do everything (today the same as an operator; it
 * is the role for administrative calls as they are added).
 */
public enum Role {
  VIEWER,
  OPERATOR,
  ADMIN;

  /** True when this role may do what {@code needed} may. */
  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
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
