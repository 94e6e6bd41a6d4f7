package io.vpanel.core.model;

/** Whether this host's guests could be restarted elsewhere if it failed now. */
public enum HaStatus {
  OFF,
  /** The rest of the cluster has room for every guest of this host. */
  PROTECTED,
  /** Not enough spare capacity elsewhere. */
  INSUFFICIENT,
  /** HA cannot work for this host (its hypervisor is unreachable). */
  FAULT
}
