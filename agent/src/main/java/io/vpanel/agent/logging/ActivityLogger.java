package io.vpanel.agent.logging;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Logs every activity of the engine once, as one event: its line for humans as the message, and
 * {@code kind}, {@code host} and its fields as key-value pairs (the JSON format writes them as
 * keys; see {@link JsonLinesEncoder}). That is one event per state change, per migration start and
 * outcome, per request, notice and alert. A migration's progress samples are DEBUG; everything else
 * is INFO. Logger {@code io.vpanel.activity}.
 */
public final class ActivityLogger implements ClusterListener {
  private static final Logger log = LoggerFactory.getLogger("io.vpanel.activity");

  @Override
  public void onSnapshot(ClusterSnapshot snapshot) {}

  @Override
  public void onActivity(Activity activity) {
    Level level = "progress".equals(activity.fields().get("event")) ? Level.DEBUG : Level.INFO;
    if (!log.isEnabledForLevel(level)) {
      return;
    }
    LoggingEventBuilder event =
        log.atLevel(level)
            .setMessage(activity.message())
            .addKeyValue("kind", activity.kind())
            .addKeyValue("host", activity.host());
    // Sorted, so the same activity always reads the same.
    for (Map.Entry<String, Object> field : new TreeMap<>(activity.fields()).entrySet()) {
      if (!field.getKey().equals("kind") && !field.getKey().equals("host")) {
        event = event.addKeyValue(field.getKey(), field.getValue());
      }
    }
    event.log();
  }
}
