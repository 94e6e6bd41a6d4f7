package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;
import io.vpanel.testkit.WallClockScheduler;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class LcdprocSettingsTest {
  private static LcdprocSettings with(String key, Object value) {
    LcdprocSettings d = LcdprocSettings.defaults();
    return new LcdprocSettings(
        key.equals("host") ? (String) value : d.host(),
        key.equals("port") ? (int) value : d.port(),
        key.equals("maintenanceKey") ? (String) value : d.maintenanceKey(),
        key.equals("backKey") ? (String) value : d.backKey(),
        key.equals("attentionPriority") ? (String) value : d.attentionPriority(),
        key.equals("idlePriority") ? (String) value : d.idlePriority(),
        key.equals("foregroundSeconds") ? (int) value : d.foregroundSeconds(),
        key.equals("flashingBacklight") ? (String) value : d.flashingBacklight(),
        key.equals("reconnectMaxSeconds") ? (int) value : d.reconnectMaxSeconds(),
        key.equals("connectTimeoutMillis") ? (int) value : d.connectTimeoutMillis());
  }

  @Test
  void defaults() {
    LcdprocSettings d = LcdprocSettings.defaults();
    assertThat(d.host()).isEqualTo("127.0.0.1");
    assertThat(d.port()).isEqualTo(13666);
    assertThat(d.maintenanceKey()).isEqualTo("Enter");
    assertThat(d.backKey()).isEqualTo("Left");
    assertThat(d.attentionPriority()).isEqualTo("foreground");
    assertThat(d.idlePriority()).isEqualTo("info");
    assertThat(d.foregroundSeconds()).isEqualTo(10);
    assertThat(d.flashingBacklight()).isEqualTo("blink");
    assertThat(d.reconnectMaxSeconds()).isEqualTo(30);
    assertThat(d.connectTimeoutMillis()).isEqualTo(3000);
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> with("host", " ")).hasMessageStartingWith("host ");
    assertThatThrownBy(() -> with("port", 0)).hasMessage("port must be between 1 and 65535, was 0");
    assertThatThrownBy(() -> with("maintenanceKey", "En ter"))
        .hasMessageStartingWith("maintenanceKey ");
    assertThatThrownBy(() -> with("backKey", "{")).hasMessageStartingWith("backKey ");
    assertThatThrownBy(() -> with("backKey", "Enter"))
        .hasMessageStartingWith("backKey must differ");
    assertThatThrownBy(() -> with("attentionPriority", "urgent"))
        .hasMessage(
            "attentionPriority must be one of background, info, foreground, alert, was urgent");
    assertThatThrownBy(() -> with("idlePriority", null)).hasMessageStartingWith("idlePriority ");
    assertThatThrownBy(() -> with("foregroundSeconds", 0))
        .hasMessageStartingWith("foregroundSeconds ");
    assertThatThrownBy(() -> with("flashingBacklight", "off"))
        .hasMessageStartingWith("flashingBacklight ");
    assertThatThrownBy(() -> with("reconnectMaxSeconds", 0))
        .hasMessageStartingWith("reconnectMaxSeconds ");
    assertThatThrownBy(() -> with("connectTimeoutMillis", 99))
        .hasMessageStartingWith("connectTimeoutMillis ");
  }

  @Test
  void theProviderIsFoundAsLcdprocAndCreatesAPressOnlyPanel() {
    PanelDriverProvider<?> provider =
        ServiceLoader.load(PanelDriverProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("lcdproc"))
            .findFirst()
            .orElseThrow();
    assertThat(provider.settingsType()).isEqualTo(LcdprocSettings.class);
    try (PanelDriver panel =
        new LcdprocPanelProvider()
            .create(LcdprocSettings.defaults(), new DriverContext(new WallClockScheduler(), "h"))) {
      assertThat(panel.name()).isEqualTo("lcdproc");
      assertThat(panel.capabilities().buttons()).isEqualTo(ButtonInput.PRESS_ONLY);
      assertThat(panel.capabilities().display()).isEqualTo(DisplayGeometry.FOUR_BY_TWENTY);
      assertThat(panel.capabilities().hardwareFlashing()).isFalse();
    }
  }
}
