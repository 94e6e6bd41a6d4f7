package io.vpanel.driver.ipmi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.alert.AlertSeverity;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The parsers and the classifier on ipmitool 1.8.19 output captured from ipmi_sim. */
class SelParsingTest {
  // ipmitool raw 0x0a 0x40, 1 record
  static final String SEL_INFO = " 51 01 00 f0 7c 3f 7d 0f 6b 00 00 00 00 0a\n";
  // ipmitool raw 0x0a 0x43 0 0 0 0 0 0xff: next ffff, record 1, DIMM A1 offset 5 asserted
  static final String ENTRY_DIMM = " ff ff 01 00 02 3f 7d 0f 6b 20 00 04 0c 02 6f 05\n ff ff\n";
  // CPU Temp UC going high deasserted, reading 0x2d threshold 0x5a
  static final String ENTRY_TEMP_DEASSERT =
      " 08 00 07 00 02 3f 7d 0f 6b 20 00 04 01 01 81 59\n 2d 5a\n";
  // ipmitool sdr elist all -v (abridged), plus junk
  static final String SDR =
      "Sensor ID              : CPU Temp (0x1)\n"
          + " Entity ID             : 3.1 (Processor)\n"
          + " Sensor Type (Threshold)  : Temperature (0x01)\n"
          + " Sensor Reading        : 45 (+/- 0) degrees C\n"
          + "\n"
          + "Sensor ID              : DIMM A1 (0x2)\n"
          + " Entity ID             : 32.1 (Memory Device)\n"
          + " Sensor Type (Discrete): Memory (0x0c)\n"
          + "\n"
          + "Sensor ID              : PSU1 Status (0x3)\n"
          + " Sensor Type (Discrete): Power Supply (0x08)\n"
          + "\n"
          + "Sensor ID              : "
          + "x".repeat(5000)
          + " (0x4)\n"
          + " Sensor Type (Discrete): Power Supply (0x08)\n"
          + "Sensor ID              : Truncated (0x5)\n";

  @Test
  void selInfo() {
    SelInfo info = SelInfo.parse(SEL_INFO).orElseThrow();
    assertThat(info.entries()).isEqualTo(1);
    assertThat(info.lastAdd()).isEqualTo(0x6b0f7d3fL);
    assertThat(info.lastErase()).isZero();
    assertThat(info.overflow()).isFalse();
    assertThat(SelInfo.parse(" 51 05 00 b0 7c f7 fb 06 6b 00 00 00 00 8a").get().overflow())
        .isTrue();
  }

  @Test
  void aMemoryRecord() {
    SelRecord r = SelRecord.parseGetEntry(ENTRY_DIMM).orElseThrow();
    assertThat(r.next()).isEqualTo(SelRecord.LAST);
    assertThat(r.id()).isEqualTo(1);
    assertThat(r.systemEvent()).isTrue();
    assertThat(r.timestamp()).isEqualTo(0x6b0f7d3fL);
    assertThat(r.generator()).isEqualTo(0x20);
    assertThat(r.sensorType()).isEqualTo(0x0c);
    assertThat(r.sensorNumber()).isEqualTo(2);
    assertThat(r.deassertion()).isFalse();
    Classifier.Meaning m = Classifier.classify(r);
    assertThat(m.severity()).isEqualTo(AlertSeverity.PREDICTIVE_FAILURE);
    assertThat(m.cause()).isEqualTo("correctable ECC over threshold");
    assertThat(m.id()).isEqualTo("sel:0020:02:0c:6f:5");
  }

  @Test
  void aThresholdDeassertionHasTheIdOfItsAssertion() {
    SelRecord r = SelRecord.parseGetEntry(ENTRY_TEMP_DEASSERT).orElseThrow();
    assertThat(r.next()).isEqualTo(8);
    assertThat(r.deassertion()).isTrue();
    Classifier.Meaning m = Classifier.classify(r);
    assertThat(m.cause()).isEqualTo("upper critical going high");
    assertThat(m.severity()).isEqualTo(AlertSeverity.CRITICAL);
    SelRecord asserted =
        SelRecord.parseGetEntry(" 08 00 04 00 02 3f 7d 0f 6b 20 00 04 01 01 01 59 5f 5a").get();
    assertThat(Classifier.classify(asserted).id()).isEqualTo(m.id());
  }

  @Test
  void theCommonSensorTypes() {
    assertThat(meaning("08 03 6f 01")).isEqualTo("CRITICAL failure");
    assertThat(meaning("08 03 6f 02")).isEqualTo("PREDICTIVE_FAILURE predictive failure");
    assertThat(meaning("0d 03 6f 02")).isEqualTo("PREDICTIVE_FAILURE predictive failure");
    assertThat(meaning("0d 03 6f 01")).isEqualTo("CRITICAL drive fault");
    assertThat(meaning("0c 02 6f 01")).isEqualTo("CRITICAL uncorrectable ECC");
    assertThat(meaning("0c 02 6f 00")).isEqualTo("WARNING correctable ECC");
    assertThat(meaning("07 01 6f 00")).isEqualTo("CRITICAL internal error (IERR)");
    assertThat(meaning("04 05 01 02")).isEqualTo("CRITICAL lower critical going low");
    assertThat(meaning("04 05 01 00")).isEqualTo("WARNING lower non-critical going low");
    assertThat(meaning("02 05 03 01")).isEqualTo("PREDICTIVE_FAILURE predictive failure");
    assertThat(meaning("0a 05 0b 01")).isEqualTo("WARNING redundancy lost");
  }

  @Test
  void unknownCodesAreInfoWithTheirRawCodes() {
    assertThat(meaning("c1 09 6f 03"))
        .isEqualTo("INFO sensor type 0xc1 event type 0x6f offset 3 (data 03ffff)");
    assertThat(meaning("01 01 01 0e"))
        .startsWith("INFO sensor type 0x01 event type 0x01 offset 14");
    assertThat(meaning("0c 02 70 01")).startsWith("INFO ");
  }

  @Test
  void oemRecordsAreInfoWithTheirBytes() {
    SelRecord r =
        SelRecord.parseGetEntry("ff ff 09 00 e0 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d").get();
    assertThat(r.systemEvent()).isFalse();
    Classifier.Meaning m = Classifier.oem(r);
    assertThat(m.severity()).isEqualTo(AlertSeverity.INFO);
    assertThat(m.cause()).startsWith("OEM record type 0xe0 0900e0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ff ff 01 00 02 3f 7d 0f 6b 20 00 04 0c 02 6f 05", // truncated: 16 of 18 bytes
        " ff ff 01 00 02 3f 7d 0f 6b 20 00 04 0c 02 6f 05\n ff ff ff", // one byte too many
        " ff ff 01 00 02 3f 7d 0f 6b 20 00 04 0c 02 6f 05\n ff fg", // not hex
        " ff ff 01 00 02 3f 7d 0f 6b 20 00 04 0c 02 6f 05\n ff f", // half a byte
        "SEL Record ID          : 0001\n Record Type           : 02",
        "Unable to send RAW command (channel=0x0 netfn=0xa lun=0x0 cmd=0x43 rsp=0xcb)",
      })
  void malformedOrTruncatedAnswersAreRefused(String output) {
    assertThat(SelRecord.parseGetEntry(output)).isEmpty();
    assertThat(SelInfo.parse(output)).isEmpty();
  }

  @Test
  void anOverlongLineIsRefusedWithoutBeingParsed() {
    assertThat(RawOutput.bytes(" 00".repeat(70) + "\n", 70)).isEmpty();
    assertThat(RawOutput.bytes(null, 14)).isEqualTo(Optional.empty());
  }

  @Test
  void sdrNames() {
    var names = SdrNames.parse(SDR);
    assertThat(names)
        .hasSize(3)
        .containsEntry(SdrNames.key(0x01, 1), "CPU Temp")
        .containsEntry(SdrNames.key(0x0c, 2), "DIMM A1")
        .containsEntry(SdrNames.key(0x08, 3), "PSU1 Status");
    assertThat(Classifier.sensorLabel(0x0d, 7)).isEqualTo("Drive Slot #0x07");
    assertThat(Classifier.sensorLabel(0xc1, 7)).isEqualTo("Sensor type 0xc1 #0x07");
  }

  @Test
  void cursors() {
    SelCursor c = new SelCursor(0x7d1, 0x6b0f7f19L, 0x6b0f7d3fL);
    assertThat(c.text()).isEqualTo("sel1:07d1:6b0f7f19:6b0f7d3f");
    assertThat(SelCursor.parse(c.text())).contains(c);
    assertThat(SelCursor.parse("sel1:07d1:6b0f7f19")).isEmpty();
    assertThat(SelCursor.parse("redfish:12")).isEmpty();
    assertThat(SelCursor.parse(null)).isEmpty();
  }

  /** "severity cause" of a system event record {@code type sensor# eventType data1}. */
  private static String meaning(String codes) {
    String[] c = codes.split(" ");
    SelRecord r =
        SelRecord.parseGetEntry(
                "ff ff 05 00 02 3f 7d 0f 6b 20 00 04 " + String.join(" ", c) + " ff ff")
            .orElseThrow();
    Classifier.Meaning m = Classifier.classify(r);
    return m.severity() + " " + m.cause();
  }
}
