package io.vpanel.core.model;

/** Receives snapshots and activity on the owner thread. Must return quickly, never block. */
public interface ClusterListener {
  void onSnapshot(ClusterSnapshot snapshot);

  default void onActivity(Activity activity) {}
}
