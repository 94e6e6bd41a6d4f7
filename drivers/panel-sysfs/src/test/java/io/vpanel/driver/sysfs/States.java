package io.vpanel.driver.sysfs;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.util.List;
import java.util.Optional;

/** Panel states as core gives them, with the maintenance light core shows for each state. */
final class States {
  private States() {}

  /** Core's maintenance light: off, flashing red while entering/exiting, green in, red failed. */
  static Light maintenanceLight(MaintenanceState state) {
    return switch (state) {
      case OPERATIONAL -> Light.OFF;
      case ENTERING, EXITING -> Light.flashing(LightColor.RED);
      case IN_MAINTENANCE -> Light.steady(LightColor.GREEN);
      case FAILED -> Light.steady(LightColor.RED);
    };
  }

  static PanelState in(long version, MaintenanceState state) {
    return with(version, state, maintenanceLight(state), false);
  }

  static PanelState with(
      long version, MaintenanceState state, Light maintenance, boolean identify) {
    return new PanelState(
        "sim-01",
        version,
        state == MaintenanceState.IN_MAINTENANCE ? 0 : 3,
        state,
        state == MaintenanceState.IN_MAINTENANCE,
        maintenance,
        Light.steady(LightColor.GREEN),
        Light.OFF,
        Light.steady(LightColor.AMBER),
        Light.flashing(LightColor.AMBER),
        identify,
        List.of("        "),
        Optional.empty(),
        Optional.empty());
  }
}
