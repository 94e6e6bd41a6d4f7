package io.vpanel.driver.lcdproc;

/** The panel contract on a 20 x 4 LCD. */
class LcdprocContract20x4Test extends LcdprocContractTestBase {
  @Override
  int width() {
    return 20;
  }

  @Override
  int height() {
    return 4;
  }
}
