package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The licences of what the shipped jar holds, from the SBOM the build makes (CycloneDX, {@code
 * META-INF/sbom/bom.json} inside the jar): every component must carry a licence the project accepts
 * (one of its licences, where it offers a choice), and {@code docs/DEPENDENCIES.md} must list
 * exactly these components. After a dependency change, regenerate the list with {@code ./mvnw -B
 * -pl agent -am test -Dtest=LicencesTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dvpanel.writeDependencies=true}.
 */
class LicencesTest {
  /** Permissive and weak-copyleft licences, used unmodified as libraries. */
  static final Set<String> ACCEPTED =
      Set.of(
          "Apache-2.0",
          "MIT",
          "BSD-2-Clause",
          "BSD-3-Clause",
          "EPL-1.0",
          "EPL-2.0",
          "LGPL-2.1-only",
          "LGPL-2.1-or-later",
          "LGPL-3.0-only",
          "LGPL-3.0-or-later",
          "GPL-2.0-with-classpath-exception",
          "Classpath-exception-2.0");

  private static final Path BASE = Path.of(System.getProperty("basedir", "."));
  private static final Path SBOM = BASE.resolve("target/classes/META-INF/sbom/bom.json");
  private static final Path LIST = BASE.resolve("../docs/DEPENDENCIES.md");

  private record Component(String group, String name, String version, List<String> licences) {
    String coordinates() {
      return group + ":" + name + ":" + version;
    }
  }

  private static List<Component> components() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        "offline=true".equals(System.getProperty("vpanel.mavenOffline")) && !Files.exists(SBOM),
        "Maven ran offline, so cyclonedx-maven-plugin made no SBOM: run the build online (./test)");
    assertThat(SBOM).as("the build writes the SBOM (cyclonedx-maven-plugin)").exists();
    JsonNode bom = JsonMapper.builder().build().readTree(Files.readString(SBOM));
    List<Component> out = new ArrayList<>();
    for (JsonNode c : bom.path("components")) {
      if (c.path("group").asString().equals("io.vpanel")) {
        continue;
      }
      List<String> licences = new ArrayList<>();
      for (JsonNode l : c.path("licenses")) {
        JsonNode licence = l.path("license");
        String id = licence.path("id").asString("");
        String name = licence.path("name").asString("");
        String expression = l.path("expression").asString("");
        licences.add(!id.isEmpty() ? id : !expression.isEmpty() ? expression : normalise(name));
      }
      out.add(
          new Component(
              c.path("group").asString(),
              c.path("name").asString(),
              c.path("version").asString(),
              licences));
    }
    out.sort(java.util.Comparator.comparing(Component::coordinates));
    return out;
  }

  /** A licence given by name only, as its SPDX id where the name is unambiguous. */
  static String normalise(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.contains("lesser general public license")) {
      return lower.contains("2.1") ? "LGPL-2.1-only" : "LGPL-3.0-only";
    }
    if (lower.contains("apache") && lower.contains("2")) {
      return "Apache-2.0";
    }
    return name;
  }

  @Test
  void everyShippedComponentHasALicenceTheProjectAccepts() throws IOException {
    List<Component> components = components();
    assertThat(components).as("the SBOM lists the jar's dependencies").hasSizeGreaterThan(20);
    List<String> refused = new ArrayList<>();
    for (Component c : components) {
      if (c.licences().stream().noneMatch(ACCEPTED::contains)) {
        refused.add(c.coordinates() + " " + c.licences());
      }
    }
    assertThat(refused)
        .as(
            "components without an accepted licence (accepted: %s)",
            new java.util.TreeSet<>(ACCEPTED))
        .isEmpty();
  }

  @Test
  void theDependencyListInTheDocsIsTheSbom() throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Dependencies of the shipped agent\n\n");
    md.append(
        "What `agent/target/vpanel.jar` holds besides vpanel's own modules, from the SBOM the build"
            + " makes (CycloneDX 1.6, inside the jar at `META-INF/sbom/bom.json`, and at"
            + " `agent/target/classes/META-INF/sbom/bom.json`). `LicencesTest` fails the build on a"
            + " licence outside the accepted list and when this file is stale. Accepted: "
            + String.join(", ", new java.util.TreeSet<>(ACCEPTED))
            + " (where a component offers a choice, one of them suffices).\n\n");
    md.append("| component | version | licences |\n|---|---|---|\n");
    for (Component c : components()) {
      md.append("| `")
          .append(c.group())
          .append(':')
          .append(c.name())
          .append("` | ")
          .append(c.version())
          .append(" | ")
          .append(String.join(" or ", c.licences()))
          .append(" |\n");
    }
    String expected = md.toString();
    if (Boolean.getBoolean("vpanel.writeDependencies")) {
      Files.writeString(LIST, expected);
    }
    assertThat(Files.exists(LIST) ? Files.readString(LIST) : "")
        .as(
            "docs/DEPENDENCIES.md is stale; regenerate it: ./mvnw -B -pl agent -am test"
                + " -Dtest=LicencesTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dvpanel.writeDependencies=true")
        .isEqualTo(expected);
  }
}
