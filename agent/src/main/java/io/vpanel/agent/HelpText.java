package io.vpanel.agent;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Prints the help of {@code vpanel} and of every command in one run, each after a line {@code ====
 * NAME} ({@code ==== vpanel} for the top level): what packaging/man-page.sh turns into the man
 * page, so the page says what the CLI does.
 */
public final class HelpText {
  private HelpText() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    CommandLine cli = new CommandLine(new Main());
    out.println("==== vpanel");
    cli.usage(out, CommandLine.Help.Ansi.OFF);
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              out.println("==== " + name);
              sub.usage(out, CommandLine.Help.Ansi.OFF);
            });
    out.flush();
  }
}
