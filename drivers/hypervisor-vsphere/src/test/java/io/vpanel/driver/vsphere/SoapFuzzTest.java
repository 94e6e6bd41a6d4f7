package io.vpanel.driver.vsphere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.testkit.FuzzInputs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * Fuzzes the SOAP reply parser (docs/FUZZING.md, target {@code vsphere-reply}): any bytes give
 * either a response element or a {@link DriverException} (a {@link VimFault} for a SOAP fault),
 * never another exception; what the driver then reads of the element (object updates, guests,
 * policies) never throws either; a DOCTYPE is always refused.
 */
class SoapFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void reply(FuzzedDataProvider data) {
    check(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRunReply() {
    FuzzInputs.run(getClass(), "reply", 3000, SoapFuzzTest::check);
  }

  @Test
  void aDoctypeIsRefused() {
    byte[] xxe =
        ("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                + "<soapenv:Body><x>&e;</x></soapenv:Body></soapenv:Envelope>")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SoapResponse.parse(xxe, 200))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("no readable SOAP reply");
  }

  @Test
  void aFaultNamesItsType() {
    byte[] fault =
        ("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
                + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><soapenv:Fault>"
                + "<faultstring>no</faultstring><detail><InvalidLoginFault xmlns=\"urn:vim25\""
                + " xsi:type=\"InvalidLogin\"/></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SoapResponse.parse(fault, 500))
        .isInstanceOfSatisfying(
            VimFault.class, f -> assertThat(f.faultType()).isEqualTo("InvalidLogin"));
  }

  @Test
  void requestTextIsEscapedByTheWriter() {
    byte[] body =
        SoapBody.call("Login", new MoRef("SessionManager", "x"))
            .text("userName", "a</userName><b>&")
            .bytes();
    assertThat(new String(body, StandardCharsets.UTF_8))
        .contains("a&lt;/userName&gt;&lt;b&gt;&amp;")
        .doesNotContain("<b>");
  }

  static void check(byte[] input) {
    Element response;
    try {
      response = SoapResponse.parse(input, 200);
    } catch (VimFault fault) {
      assertThat(fault.faultType()).isNotNull();
      return;
    } catch (DriverException refused) {
      assertThat(refused.getMessage()).isNotBlank().hasSizeLessThan(1000);
      return;
    }
    assertThat(new String(input, StandardCharsets.ISO_8859_1)).doesNotContain("<!DOCTYPE");
    Element returnval = Xml.child(response, "returnval");
    for (ObjectUpdate u : ObjectUpdate.ofUpdateSet(returnval)) {
      Guest g = Guest.empty(u.obj()).apply(u.changes());
      VmPolicy policy = g.policy(101, VsphereSettings.DEFAULT_POLICY_FIELD, VmPolicy.MIGRATE);
      assertThat(policy).isNotNull();
      if (g.listed()) {
        assertThat(
                g.info(101, VsphereSettings.DEFAULT_POLICY_FIELD, VmPolicy.MIGRATE).memoryBytes())
            .isNotNegative();
      }
    }
    for (ObjectUpdate u : ObjectUpdate.ofRetrieveResult(returnval)) {
      assertThat(u.obj()).isNotNull();
      Guest.empty(u.obj()).apply(u.changes()).state();
    }
  }
}
