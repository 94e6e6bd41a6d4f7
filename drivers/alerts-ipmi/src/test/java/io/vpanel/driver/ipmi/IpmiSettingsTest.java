package io.vpanel.driver.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpmiSettingsTest {
  @Test
  void defaultsAreTheLocalBmc() {
    IpmiSettings d = IpmiSettings.defaults();
    assertThat(d.interfaceType()).isEqualTo("open");
    assertThat(d.pollSeconds()).isEqualTo(10);
    assertThat(d.connection().command(List.of("sel", "info")))
        .containsExactly("ipmitool", "-I", "open", "sel", "info");
  }

  @Test
  void lanTakesThePasswordAsAFileOnly() {
    List<String> argv =
        IpmiSettings.lan("10.0.0.7", 623, "vpanel", "/etc/vpanel/bmc-password")
            .connection()
            .command(List.of("raw", "0x0a", "0x40"));
    assertThat(argv)
        .containsSubsequence("-I", "lanplus", "-H", "10.0.0.7", "-p", "623", "-U", "vpanel")
        .containsSubsequence("-f", "/etc/vpanel/bmc-password", "-C", "3", "-L", "OPERATOR")
        .doesNotContain("-P", "-E");
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> IpmiSettings.defaults().withPollSeconds(0))
        .hasMessageStartingWith("pollSeconds ");
    assertThatThrownBy(() -> IpmiSettings.lan(null, 623, "u", "/f"))
        .hasMessageStartingWith("host ");
    assertThatThrownBy(() -> IpmiSettings.lan("h", 623, "u", null))
        .hasMessageStartingWith("passwordFile ");
    assertThatThrownBy(() -> IpmiSettings.lan("h", 623, null, "/f"))
        .hasMessageStartingWith("user ");
    assertThatThrownBy(() -> IpmiSettings.lan("-oops", 623, "u", "/f"))
        .hasMessageStartingWith("host ");
    assertThatThrownBy(() -> new IpmiSettings("lan", null, 623, null, null, 3, 10, 15, "ipmitool"))
        .hasMessageStartingWith("interfaceType ");
  }
}
