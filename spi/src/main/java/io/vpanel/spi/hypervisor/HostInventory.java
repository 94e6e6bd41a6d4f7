package io.vpanel.spi.hypervisor;

import java.util.List;

/**
 * Everything a hypervisor connection reports of its host at one moment.
 *
 * @param host the host's name
 * @param capacity what the host can give to guests
 * @param vms every guest defined or running there; guests still arriving by migration are not
 *     listed until they run
 */
public record HostInventory(String host, HostCapacity capacity, List<VmInfo> vms) {
  public HostInventory {
    vms = List.copyOf(vms);
  }

  public long runningCount() {
    return vms.stream().filter(vm -> vm.state().isRunning()).count();
  }
}
