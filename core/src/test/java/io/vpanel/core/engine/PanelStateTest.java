package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link PanelState#looksLike} tells two states apart by every field but the version, found by
 * reflection: a field added to the record is compared without anyone listing it (the hand-written
 * list it replaces silently ignored new fields).
 */
class PanelStateTest {
  private static final PanelState BASE =
      new PanelState(
          "h1",
          1,
          3,
          MaintenanceState.ENTERING,
          false,
          Light.flashing(LightColor.RED),
          Light.steady(LightColor.GREEN),
          Light.OFF,
          Light.steady(LightColor.AMBER),
          Light.steady(LightColor.GREEN),
          false,
          List.of("H1 3 VM", "EVACUATING 1/3"),
          Optional.empty(),
          Optional.empty());

  /** A value of {@code type} other than {@code value}. */
  private static Object other(Class<?> type, Object value) {
    if (type == String.class) {
      return value + "x";
    }
    if (type == long.class) {
      return (long) value + 1;
    }
    if (type == int.class) {
      return (int) value + 1;
    }
    if (type == boolean.class) {
      return !(boolean) value;
    }
    if (type == MaintenanceState.class) {
      return value == MaintenanceState.FAILED
          ? MaintenanceState.OPERATIONAL
          : MaintenanceState.FAILED;
    }
    if (type == Light.class) {
      return ((Light) value).color() == LightColor.RED ? Light.OFF : Light.steady(LightColor.RED);
    }
    if (type == List.class) {
      return List.of("SOMETHING ELSE");
    }
    throw new AssertionError("no other value for " + type);
  }

  @Test
  void everyFieldButTheVersionChangesTheLook() throws Exception {
    RecordComponent[] components = PanelState.class.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
    }
    var constructor = PanelState.class.getDeclaredConstructor(types);
    for (int changed = 0; changed < components.length; changed++) {
      Object[] values = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        values[i] = components[i].getAccessor().invoke(BASE);
      }
      String name = components[changed].getName();
      if (name.equals("hold")) {
        values[changed] =
            Optional.of(new HoldFeedback("enter", Instant.EPOCH, Duration.ofSeconds(3)));
      } else if (name.equals("confirm")) {
        values[changed] = Optional.of(new ConfirmFeedback("enter", Instant.EPOCH));
      } else {
        values[changed] = other(types[changed], values[changed]);
      }
      PanelState variant = (PanelState) constructor.newInstance(values);
      assertThat(variant.looksLike(BASE))
          .as("a different " + name)
          .isEqualTo(name.equals("version"));
    }
    assertThat(BASE.looksLike(null)).isFalse();
  }
}
