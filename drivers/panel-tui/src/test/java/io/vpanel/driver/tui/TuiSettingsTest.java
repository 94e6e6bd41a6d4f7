package io.vpanel.driver.tui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The terminal panel's settings: defaults, canonical keys, refusals that name the key. */
class TuiSettingsTest {
  private static TuiSettings with(String device, int rows, int columns, String maint, String back) {
    return new TuiSettings(device, rows, columns, maint, back, true, "auto", 1000);
  }

  @Test
  void defaultsAreTheConsoleAt4x20WithEnterAndEscape() {
    TuiSettings defaults = TuiSettings.defaults();
    assertThat(defaults.device()).isEqualTo("console");
    assertThat(defaults.geometry().toString()).isEqualTo("20x4");
    assertThat(defaults.maintenanceKey()).isEqualTo("Enter");
    assertThat(defaults.backKey()).isEqualTo("Escape");
    assertThat(defaults.color()).isTrue();
    assertThat(new TuiPanelProvider().defaultSettings()).isEqualTo(defaults);
    assertThat(new TuiPanelProvider().name()).isEqualTo("tui");
  }

  @Test
  void keysAreCanonical() {
    TuiSettings settings = with("/dev/ttyS0", 2, 16, "M", "esc");
    assertThat(settings.maintenanceKey()).isEqualTo("m");
    assertThat(settings.backKey()).isEqualTo("Escape");
    assertThat(with("/dev/ttyS0", 2, 16, "return", "f12").maintenanceKey()).isEqualTo("Enter");
    assertThat(with("/dev/ttyS0", 2, 16, " ", "b").maintenanceKey()).isEqualTo("Space");
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> with("ttyS0", 4, 20, "Enter", "Escape"))
        .hasMessageStartingWith("device must be 'console' or an absolute");
    assertThatThrownBy(() -> with("/dev/ttyS0", 9, 20, "Enter", "Escape"))
        .hasMessage("rows must be from 1 to 8, was 9");
    assertThatThrownBy(() -> with("/dev/ttyS0", 4, 79, "Enter", "Escape"))
        .hasMessageStartingWith("columns must be from 8 to 78");
    assertThatThrownBy(() -> with("/dev/ttyS0", 4, 20, "Hyper", "Escape"))
        .hasMessageStartingWith("maintenanceKey must be a key name");
    assertThatThrownBy(() -> with("/dev/ttyS0", 4, 20, "\u00e9", "Escape"))
        .hasMessageStartingWith("maintenanceKey must be a printable ASCII character");
    assertThatThrownBy(() -> with("/dev/ttyS0", 4, 20, "b", "B"))
        .hasMessage("maintenanceKey and backKey must differ, both are b");
    assertThatThrownBy(
            () -> new TuiSettings("/dev/ttyS0", 4, 20, "Enter", "Escape", true, "latin1", 1000))
        .hasMessageStartingWith("charset must be auto, UTF-8 or US-ASCII");
    assertThatThrownBy(
            () -> new TuiSettings("/dev/ttyS0", 4, 20, "Enter", "Escape", true, "auto", 10))
        .hasMessage("sizePollMillis must be from 100 to 60000, was 10");
  }

  @Test
  void autoCharsetFollowsTheLocale() {
    TuiSettings auto = TuiSettings.defaults();
    assertThat(auto.resolvedCharset(Map.of("LANG", "en_US.UTF-8")))
        .isEqualTo(StandardCharsets.UTF_8);
    assertThat(auto.resolvedCharset(Map.of("LC_ALL", "C", "LANG", "en_US.UTF-8")))
        .isEqualTo(StandardCharsets.US_ASCII);
    assertThat(auto.resolvedCharset(Map.of())).isEqualTo(StandardCharsets.US_ASCII);
  }
}
