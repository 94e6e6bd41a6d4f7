package io.vpanel.agent.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of the whole product, checked on the classes the agent ships: core knows only
 * the SPI; drivers know only the SPI and their peer library; the web layer knows core but no
 * driver; wiring lives in the agent alone.
 */
class ModuleLayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importProduct() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.vpanel");
  }

  @Test
  void coreDependsOnTheSpiOnly() {
    noClasses()
        .that()
        .resideInAPackage("io.vpanel.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vpanel.driver..", "io.vpanel.web..", "io.vpanel.agent..")
        .check(classes);
  }

  @Test
  void driversDependOnTheSpiNotOnCoreWebOrEachOther() {
    noClasses()
        .that()
        .resideInAPackage("io.vpanel.driver..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vpanel.core..", "io.vpanel.web..", "io.vpanel.agent..")
        .check(classes);
  }

  @Test
  void theWebLayerKnowsNoDriverAndNoWiring() {
    noClasses()
        .that()
        .resideInAPackage("io.vpanel.web..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vpanel.driver..", "io.vpanel.agent..")
        .check(classes);
  }

  @Test
  void theSpiDependsOnNothingOfOurs() {
    noClasses()
        .that()
        .resideInAPackage("io.vpanel.spi..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.vpanel.core..", "io.vpanel.driver..", "io.vpanel.web..", "io.vpanel.agent..")
        .check(classes);
  }
}
