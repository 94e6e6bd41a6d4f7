package io.vpanel.driver.ipmi;

import java.util.Optional;

/**
 * Get SEL Info ({@code raw 0x0a 0x40}): the watermark that says whether anything changed.
 *
 * @param entries how many records the SEL holds
 * @param lastAdd the last add timestamp (0xffffffff: none)
 * @param lastErase the last erase (clear) timestamp (0xffffffff: none)
 * @param overflow true when the BMC dropped events because the SEL was full
 */
record SelInfo(int entries, long lastAdd, long lastErase, boolean overflow) {

  /** Parses the 14 bytes ipmitool prints; anything else is empty. */
  static Optional<SelInfo> parse(String output) {
    return RawOutput.bytes(output, 14)
        .map(
            b ->
                new SelInfo(
                    (b[1] & 0xff) | (b[2] & 0xff) << 8,
                    RawOutput.le32(b, 5),
                    RawOutput.le32(b, 9),
                    (b[13] & 0x80) != 0));
  }
}
