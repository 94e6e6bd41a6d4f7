package io.vpanel.driver.lcdproc;

/** The panel contract on a 16 x 2 LCD: the driver reports the size LCDd's connect line gives. */
class LcdprocContract16x2Test extends LcdprocContractTestBase {
  @Override
  int width() {
    return 16;
  }

  @Override
  int height() {
    return 2;
  }
}
