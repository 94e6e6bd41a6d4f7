package io.vpanel.driver.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.terminal.ansi.ANSITerminal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;

/**
 * lanterna's ANSI terminal writing to a {@link Tty}. It reads nothing (keys are read by the
 * driver's own reader from the device) and never asks the terminal for its size: the size is the
 * one the session last read with {@code stty size}, and {@link #resizedTo} tells lanterna's screen
 * about a new one.
 */
final class TtyTerminal extends ANSITerminal {
  private volatile TerminalSize size;

  TtyTerminal(OutputStream out, Charset charset, TerminalSize size) {
    super(new ByteArrayInputStream(new byte[0]), out, charset);
    this.size = size;
  }

  @Override
  protected TerminalSize findTerminalSize() {
    return size;
  }

  /** The terminal now has {@code newSize}; listeners (the screen) hear of it. */
  void resizedTo(TerminalSize newSize) throws IOException {
    size = newSize;
    getTerminalSize();
  }
}
