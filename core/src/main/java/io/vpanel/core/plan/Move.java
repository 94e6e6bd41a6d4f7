package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.VmInfo;

/** One guest to live-migrate, and the host the plan puts it on. */
public record Move(VmInfo vm, String destination) {}
