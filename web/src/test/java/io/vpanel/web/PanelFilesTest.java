package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PanelFilesTest {
  private static final Path PUBLIC = Path.of("src/main/resources/public");

  @Test
  void theListNamesEveryFileOfTheDirectoryAndNothingElse() throws IOException {
    PanelFiles files = PanelFiles.load(PanelFilesTest.class.getClassLoader());
    try (Stream<Path> walk = Files.walk(PUBLIC)) {
      assertThat(files.byUrlPath().keySet())
          .containsExactlyInAnyOrderElementsOf(
              Stream.concat(
                      Stream.of("/"),
                      walk.filter(Files::isRegularFile)
                          .map(f -> "/" + PUBLIC.relativize(f).toString().replace('\\', '/')))
                  .toList());
    }
  }

  @Test
  void eachFileHasItsBytesATypeAndAnEntityTagOfItsContent() throws IOException {
    PanelFiles files = PanelFiles.load(PanelFilesTest.class.getClassLoader());
    PanelFiles.PanelFile index = files.byUrlPath().get("/index.html");

    assertThat(index.body()).isEqualTo(Files.readAllBytes(PUBLIC.resolve("index.html")));
    assertThat(index.contentType()).isEqualTo("text/html; charset=utf-8");
    assertThat(files.byUrlPath().get("/").body()).isEqualTo(index.body());
    assertThat(files.byUrlPath().get("/js/api.js").contentType()).startsWith("text/javascript");
    assertThat(files.byUrlPath().get("/favicon.svg").contentType()).isEqualTo("image/svg+xml");
    assertThat(index.etag()).matches("\"[0-9a-f]{24}\"");
    assertThat(files.byUrlPath().get("/panel.css").etag()).isNotEqualTo(index.etag());
  }
}
