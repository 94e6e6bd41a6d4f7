package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.panel.PanelDriverProvider;
import io.vpanel.testkit.SteppedScheduler;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Settings are checked when bound, with messages that name the key first. */
class SysfsSettingsTest {
  private static SysfsPanelSettings with(
      Map<String, LedBinding> leds, String key, int on, int off) {
    return new SysfsPanelSettings(
        "/sys/class/leds", leds, "/dev/input/event3", key, on, off, 5000, false);
  }

  @Test
  void defaultsAreValid() {
    SysfsPanelSettings defaults = SysfsPanelSettings.defaults();
    assertThat(defaults.ledRoot()).isEqualTo("/sys/class/leds");
    assertThat(defaults.keyCode()).isEqualTo(148);
    assertThat(defaults.leds()).isEmpty();
  }

  @Test
  void keysAreNamesOrNumbers() {
    assertThat(with(Map.of(), "KEY_PROG1", 500, 500).keyCode()).isEqualTo(148);
    assertThat(with(Map.of(), "key_f12", 500, 500).keyCode()).isEqualTo(88);
    assertThat(with(Map.of(), "256", 500, 500).keyCode()).isEqualTo(256);
    assertThatThrownBy(() -> with(Map.of(), "KEY_NOPE", 500, 500))
        .hasMessageStartingWith("key 'KEY_NOPE' is not a known key name");
    assertThatThrownBy(() -> with(Map.of(), "0", 500, 500))
        .hasMessage("key 0 is out of range: key codes are 1 to 767");
    assertThatThrownBy(() -> with(Map.of(), "768", 500, 500))
        .hasMessageStartingWith("key 768 is out of range");
  }

  @Test
  void unknownIndicatorsAreRefused() {
    assertThatThrownBy(() -> with(Map.of("power", LedBinding.single("x")), "148", 500, 500))
        .hasMessage(
            "leds: unknown indicator 'power'; known: maintenance, managementLink, pfaProtect, drs,"
                + " ha, identify");
  }

  @Test
  void aBindingIsOneLedOrAPair() {
    assertThatThrownBy(() -> with(Map.of("ha", new LedBinding("a", "b", null)), "148", 500, 500))
        .hasMessageStartingWith("leds: ha needs either led")
        .hasMessageEndingWith("not both");
    assertThatThrownBy(() -> with(Map.of("ha", new LedBinding(null, null, null)), "148", 500, 500))
        .hasMessageEndingWith("not neither");
    assertThatThrownBy(() -> with(Map.of("ha", LedBinding.single("../x")), "148", 500, 500))
        .hasMessageContaining("'../x' is not an LED name");
  }

  @Test
  void delaysAreChecked() {
    assertThatThrownBy(() -> with(Map.of(), "148", 10, 500))
        .hasMessage("flashOnMillis must be between 50 and 10000 (milliseconds), was 10");
    assertThatThrownBy(() -> with(Map.of(), "148", 500, 20_000))
        .hasMessage("flashOffMillis must be between 50 and 10000 (milliseconds), was 20000");
    assertThatThrownBy(() -> new SysfsPanelSettings("/x", Map.of(), "", "148", 500, 500, 10, false))
        .hasMessageStartingWith("reattachMaxMillis must be between 100");
  }

  @Test
  void theProviderIsFoundAsSysfsAndRefusesAPanelWithNothingToDrive() {
    @SuppressWarnings("rawtypes")
    PanelDriverProvider provider =
        ServiceLoader.load(PanelDriverProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("sysfs"))
            .findFirst()
            .orElseThrow();
    assertThat(provider).isInstanceOf(SysfsPanelProvider.class);
    assertThatThrownBy(
            () ->
                new SysfsPanelProvider()
                    .create(
                        SysfsPanelSettings.defaults(),
                        new DriverContext(new SteppedScheduler(), "sim-01")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("nothing to drive");
  }
}
