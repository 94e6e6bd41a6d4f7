package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressTest {
  @ParameterizedTest(name = "{0} -> host {1}, port {2}, written {3}")
  @CsvSource({
    "'[::1]:8080', '::1', 8080, '[::1]:8080'",
    "'[::]:0', '::', 0, '[::]:0'",
    "'[fe80::1%lo]:9000', 'fe80::1%lo', 9000, '[fe80::1%lo]:9000'",
    "'127.0.0.1:8080', '127.0.0.1', 8080, '127.0.0.1:8080'",
    "'0.0.0.0:65535', '0.0.0.0', 65535, '0.0.0.0:65535'",
    "'localhost:0', 'localhost', 0, 'localhost:0'",
    "'rack12-u07.example.org:443', 'rack12-u07.example.org', 443, 'rack12-u07.example.org:443'",
  })
  void parsesAndWritesBack(String text, String host, int port, String written) {
    ListenAddress address = ListenAddress.parse(text);
    assertThat(address.host()).isEqualTo(host);
    assertThat(address.port()).isEqualTo(port);
    assertThat(address.toString()).isEqualTo(written);
  }

  @Test
  void anIpv6AddressWithoutBracketsIsRefusedWithTheBracketedForm() {
    assertThatThrownBy(() -> ListenAddress.parse("::1:8080"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs brackets")
        .hasMessageContaining("[::1]:8080");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"127.0.0.1", ":8080", "127.0.0.1:", "[::1", "[]:80", "host:70000", "h:-1"})
  void malformedAddressesAreRefusedWithTheForm(String text) {
    assertThatThrownBy(() -> ListenAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ADDRESS:PORT");
  }

  @Test
  void authorityBracketsIpv6Only() {
    assertThat(ListenAddress.authority("::1", 8080)).isEqualTo("[::1]:8080");
    assertThat(ListenAddress.authority("[::1]", 8080)).isEqualTo("[::1]:8080");
    assertThat(ListenAddress.authority("127.0.0.1", 80)).isEqualTo("127.0.0.1:80");
    assertThat(ListenAddress.authority("localhost", 80)).isEqualTo("localhost:80");
  }
}
