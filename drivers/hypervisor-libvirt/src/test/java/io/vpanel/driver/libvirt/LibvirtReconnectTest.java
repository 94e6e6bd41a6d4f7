package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * Reconnecting, with interleavings forced through {@link LibvirtConnection.Probe} on libvirt's test
 * driver (no daemon). A connection "breaks" by closing the libvirt {@code Connect} underneath the
 * driver: every call on it then fails with {@code VIR_ERR_INVALID_CONN}, which the driver takes for
 * a broken connection, just as a call on a connection whose daemon went away fails with an RPC
 * error.
 */
class LibvirtReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private LibvirtHypervisorDriver driver;
  private LibvirtConnection connection;
  private final List<HypervisorEvent> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void open() throws URISyntaxException {
    Path node = Path.of(getClass().getResource("/testdriver/node.xml").toURI()).toAbsolutePath();
    driver = new LibvirtHypervisorDriver(LibvirtContractTest.testSettings());
    connection =
        (LibvirtConnection) driver.connect(new HostEndpoint("rack1-u01", "test://" + node, null));
    connection.subscribe(events::add);
  }

  @AfterEach
  void close() {
    driver.close();
  }

  /**
   * An operation reads connection A; before it goes on, A breaks and the driver reconnects to B;
   * then the operation's call on A fails. That failure is A's: B stays in place, and nobody is told
   * the hypervisor was lost a second time.
   */
  @Test
  void aFailureOnAReplacedConnectionLeavesTheNewOneInPlace() throws Exception {
    AtomicBoolean first = new AtomicBoolean(true);
    AtomicReference<Connect> lastRead = new AtomicReference<>();
    List<Connect> reconnectedTo = Collections.synchronizedList(new ArrayList<>());
    connection.probe(
        new LibvirtConnection.Probe() {
          @Override
          public void connectionRead(Connect a) {
            lastRead.set(a);
            if (first.getAndSet(false)) {
              breakAndNotice(a);
              await().atMost(WAIT).until(() -> changes().equals(List.of(false, true)));
            }
          }

          @Override
          public void reconnected(Connect b) {
            reconnectedTo.add(b);
          }
        });

    assertThatThrownBy(connection::inventory)
        .as("the operation's call on the replaced connection fails")
        .isInstanceOf(DriverException.class);
    connection.awaitWorker(); // whatever that failure reported has been acted on

    assertThat(changes())
        .as("connection changes: A lost, B up, and nothing about B")
        .containsExactly(false, true);
    assertThat(connection.isConnected()).isTrue();
    connection.inventory();
    assertThat(reconnectedTo).hasSize(1);
    assertThat(lastRead.get())
        .as("B is still the connection in use")
        .isSameAs(reconnectedTo.get(0));
  }

  /**
   * The reconnector puts B in place, and B breaks before the reconnector has finished: the driver
   * reconnects again rather than staying disconnected with nobody trying, and it does not report B
   * as up after having (or instead of having) noticed that B is gone.
   */
  @Test
  void aConnectionLostRightAfterAReconnectIsReconnectedAgain() throws Exception {
    AtomicBoolean first = new AtomicBoolean(true);
    AtomicReference<Connect> lastRead = new AtomicReference<>();
    List<Connect> reconnectedTo = Collections.synchronizedList(new ArrayList<>());
    connection.probe(
        new LibvirtConnection.Probe() {
          @Override
          public void connectionRead(Connect c) {
            lastRead.set(c);
          }

          @Override
          public void reconnected(Connect b) {
            reconnectedTo.add(b);
            if (first.getAndSet(false)) {
              breakAndNotice(b);
              try {
                connection.awaitWorker(); // the loss of B has been handled
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            }
          }
        });
    connection.inventory();

    breakAndNotice(lastRead.get());

    await()
        .atMost(WAIT)
        .alias("connected again after B was lost")
        .until(() -> connection.isConnected() && reconnectedTo.size() == 2);
    connection.awaitWorker();
    assertThat(changes())
        .as("connection changes: A lost, then up again (B never reported as up)")
        .containsExactly(false, true);
    connection.inventory();
    assertThat(lastRead.get()).isSameAs(reconnectedTo.get(1));
  }

  /** Closes {@code c} under the driver and makes a call notice it (the call fails). */
  private void breakAndNotice(Connect c) {
    try {
      c.close();
    } catch (LibvirtException e) {
      throw new AssertionError(e);
    }
    assertThatThrownBy(connection::inventory).isInstanceOf(DriverException.class);
  }

  private List<Boolean> changes() {
    synchronized (events) {
      return events.stream()
          .filter(e -> e instanceof HypervisorEvent.ConnectionChanged)
          .map(e -> ((HypervisorEvent.ConnectionChanged) e).connected())
          .toList();
    }
  }
}
