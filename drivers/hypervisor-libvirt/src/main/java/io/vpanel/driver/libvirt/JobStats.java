package io.vpanel.driver.libvirt;

import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.libvirt.DomainJobStats;
import org.libvirt.TypedParameter;

/** A domain job's statistics (virDomainGetJobStats) by field name. */
record JobStats(int type, Map<String, String> fields) {

  /** {@code VIR_DOMAIN_JOB_NONE}: no job. */
  static final int NONE = 0;

  /** {@code VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT}. */
  static final int OPERATION_MIGRATION_OUT = 5;

  static JobStats of(DomainJobStats stats) {
    Map<String, String> fields = new HashMap<>();
    if (stats.stats != null) {
      for (TypedParameter p : stats.stats) {
        fields.put(p.field, p.getValueAsString());
      }
    }
    return new JobStats(stats.type, Map.copyOf(fields));
  }

  boolean active() {
    return type != NONE && !fields.isEmpty();
  }

  boolean outgoingMigration() {
    return type != NONE && number("operation") == OPERATION_MIGRATION_OUT;
  }

  long number(String key) {
    String value = fields.get(key);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      try {
        return (long) Double.parseDouble(value.trim());
      } catch (NumberFormatException again) {
        return -1;
      }
    }
  }

  long orZero(String key) {
    return Math.max(0, number(key));
  }

  long processed() {
    long data = number("data_processed");
    return data >= 0 ? data : orZero("memory_processed");
  }

  long remaining() {
    long data = number("data_remaining");
    return data >= 0 ? data : orZero("memory_remaining");
  }

  long total() {
    long data = number("data_total");
    return data > 0 ? data : orZero("memory_total");
  }

  /** libvirt counts iterations from 1 (the first full pass). */
  int iteration() {
    return (int) orZero("memory_iteration");
  }

  long dirtyRateBytesPerSec() {
    long pages = orZero("memory_dirty_rate");
    long pageSize = number("memory_page_size");
    return pages * (pageSize > 0 ? pageSize : 4096);
  }

  /** The report for the engine; {@code memoryBytes} stands in for a total not known yet. */
  MigrationProgress progress(Instant at, long memoryBytes) {
    long total = total();
    return new MigrationProgress(
        processed(),
        remaining(),
        total > 0 ? total : Math.max(1, memoryBytes),
        dirtyRateBytesPerSec(),
        Math.max(0, iteration() - 1),
        orZero("memory_bps"),
        at);
  }
}
