package io.vpanel.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Core and the SPI stay free of frameworks and drivers: only the JDK and each other. */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests())
            .importPackages("io.vpanel");
  }

  @Test
  void bothLayersAreImported() {
    assertThat(classes.stream().map(c -> c.getPackageName()))
        .anyMatch(p -> p.startsWith("io.vpanel.core"))
        .anyMatch(p -> p.startsWith("io.vpanel.spi"));
    assertThat(classes.contain("io.vpanel.core.plan.EvacuationPlanner")).isTrue();
    assertThat(classes.contain("io.vpanel.spi.Scheduler")).isTrue();
    assertThat(classes.stream().map(c -> c.getName()))
        .noneMatch(name -> name.endsWith("Test") || name.endsWith("Properties"));
  }

  @Test
  void coreDependsOnlyOnCoreSpiAndTheJdk() {
    classes()
        .that()
        .resideInAPackage("io.vpanel.core..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("io.vpanel.core..", "io.vpanel.spi..", "java..")
        .check(classes);
  }

  @Test
  void spiDependsOnlyOnItselfAndTheJdk() {
    classes()
        .that()
        .resideInAPackage("io.vpanel.spi..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("io.vpanel.spi..", "java..")
        .check(classes);
  }
}
