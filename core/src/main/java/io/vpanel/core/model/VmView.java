package io.vpanel.core.model;

import io.vpanel.spi.hypervisor.VmInfo;
import java.util.Optional;

/** A guest as the API shows it: what the hypervisor says, plus its migration if one runs. */
public record VmView(VmInfo vm, Optional<MigrationView> migration) {}
