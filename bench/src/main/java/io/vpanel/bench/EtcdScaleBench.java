package io.vpanel.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.vpanel.driver.etcd.EtcdClientPool;
import io.vpanel.driver.etcd.EtcdManagement;
import io.vpanel.driver.etcd.EtcdSettings;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.testkit.EtcdCluster;
import io.vpanel.testkit.WallClockScheduler;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Many simulated agents, each a real {@link EtcdManagement} with a jetcd client of its own (its own
 * connections to every member), in this JVM on one shared Vert.x and executor ({@link
 * EtcdClientPool}), against a real 3-member etcd on loopback (etcd's default raft timings). Two
 * sizes in the same run: the baseline (100 agents; 5 in the smoke run), then the full cluster
 * (1,000; 20), every figure measured at both and given as a ratio. Per size: the time until every
 * agent is registered; keep-alives, writes, watch latency (one agent's report until the others'
 * registry watches hold it) under a fixed rate of reports; admission decisions per second
 * (compare-and-swap slot transactions from many agents at once); each member's CPU, RSS and
 * database size; and this JVM's memory per simulated host.
 */
final class EtcdScaleBench {
  static final long GIB = 1L << 30;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /** How a run is sized. */
  record Sizes(
      int baseline,
      int full,
      int candidates,
      int reportsPerSecond,
      Duration window,
      Duration admissionWindow,
      int admissionThreads) {
    static Sizes of(boolean smoke) {
      return smoke
          ? new Sizes(5, 20, 2, 10, Duration.ofSeconds(2), Duration.ofSeconds(1), 4)
          : new Sizes(100, 1000, 3, 10, Duration.ofSeconds(12), Duration.ofSeconds(6), 32);
    }
  }

  /** The figures at one size. */
  record Phase(
      int agents,
      double registrationSeconds,
      double keepAlivesPerSecond,
      double writesPerSecond,
      double reportsPerSecond,
      Percentiles watchEach,
      Percentiles watchAll,
      int probesNotSeenByAll,
      int linksNotConnected,
      double admissionsPerSecond,
      double slotsTakenPerSecond,
      long admissionsUndecided,
      long maxSlotsHeld,
      double etcdCpuPercent,
      double etcdRssMiB,
      double etcdDbMiB,
      long etcdKeys,
      double jvmHeapMiB,
      double jvmRssMiB,
      int jvmThreads) {}

  record Result(
      Sizes sizes,
      Phase baseline,
      Phase full,
      double heapKiBPerHost,
      double rssKiBPerHost,
      String dataDir,
      double minutes,
      String load) {}

  /** The machine's 1-minute load average, as /proc/loadavg has it. */
  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private final Sizes sizes;
  private final List<EtcdManagement> agents = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  private final List<Probe> done = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicLongArray samples = new AtomicLongArray(4_000_000);
  private final AtomicInteger sampleCount = new AtomicInteger();
  private volatile boolean measuring;
  private String dataDir = "";
  private int liveAgents;

  /** One report being watched for: its marker and when it was published. */
  private static final class Probe {
    final int marker;
    final long publishedNanos;
    final int expected;
    final AtomicInteger seen = new AtomicInteger();
    volatile long allSeenNanos;

    Probe(int marker, long publishedNanos, int expected) {
      this.marker = marker;
      this.publishedNanos = publishedNanos;
      this.expected = expected;
    }
  }

  EtcdScaleBench(Sizes sizes) {
    this.sizes = sizes;
  }

  Result run(Path dir) throws Exception {
    this.dataDir = dir.toString();
    long started = System.nanoTime();
    String loadBefore = loadAverage();
    java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.SEVERE);
    // A thousand agents each saying it registered: only warnings.
    if (org.slf4j.LoggerFactory.getLogger("io.vpanel.driver.etcd")
        instanceof ch.qos.logback.classic.Logger etcdLog) {
      etcdLog.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    try (EtcdCluster etcd = EtcdCluster.start(dir, 100, 1000);
        EtcdClientPool pool = new EtcdClientPool();
        WallClockScheduler scheduler = new WallClockScheduler();
        Client probe =
            Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      EtcdSettings settings =
          EtcdSettings.defaults().withCluster(etcd.endpoints(), "bench").withTimes(10, 2, 10, 5000);
      try {
        double[] before = jvmMemory();
        Phase baseline = phase(sizes.baseline(), etcd, pool, scheduler, probe, settings);
        Phase full = phase(sizes.full(), etcd, pool, scheduler, probe, settings);
        double[] after = jvmMemory();
        int added = sizes.full();
        return new Result(
            sizes,
            baseline,
            full,
            (after[0] - before[0]) * 1024 / added,
            (after[1] - before[1]) * 1024 / added,
            dataDir.startsWith("/dev/shm") ? "tmpfs (/dev/shm)" : "disk",
            (System.nanoTime() - started) / 60e9,
            loadBefore + " at the start, " + loadAverage() + " at the end");
      } finally {
        closeAgents();
      }
    }
  }

  private Phase phase(
      int n,
      EtcdCluster etcd,
      EtcdClientPool pool,
      WallClockScheduler scheduler,
      Client probe,
      EtcdSettings settings)
      throws Exception {
    System.out.printf(Locale.ROOT, "  etcd scale: %d agents%n", n);
    long t0 = System.nanoTime();
    startAgents(n, pool, scheduler, settings);
    String hosts = "/vpanel/bench/hosts/";
    // Registered: every host's key is in etcd and no agent has lost its lease (a keep-alive answer
    // late under load makes a link DEGRADED for a moment; that is counted below, not waited for).
    while (count(probe, hosts) < n || agents.stream().anyMatch(a -> a.link() == LinkStatus.LOST)) {
      if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(180)) {
        throw new IllegalStateException(
            "not every agent registered in 180 s: " + count(probe, hosts) + " of " + n);
      }
      Thread.sleep(50);
    }
    double registration = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "    registered in %.1f s%n", registration);
    Thread.sleep(4000); // keep-alives settle into their rhythm (TTL/3)

    // Reports at a fixed rate, each watched for by every other agent.
    List<Map<String, Double>> m0 = scrapeAll(etcd);
    double cpu0 = etcdCpu(etcd);
    long w0 = System.nanoTime();
    sampleCount.set(0);
    done.clear();
    measuring = true;
    SplittableRandom random = new SplittableRandom(n);
    int marker = 1_000_000;
    long interval = 1_000_000_000L / sizes.reportsPerSecond();
    long next = System.nanoTime();
    int reports = 0;
    while (System.nanoTime() - w0 < sizes.window().toNanos()) {
      int i = random.nextInt(n);
      Probe p = new Probe(++marker, System.nanoTime(), n - 1);
      Probe old = probes.put(names.get(i), p);
      if (old != null) {
        done.add(old);
      }
      agents.get(i).publish(report(names.get(i), p.marker));
      reports++;
      next += interval;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
    double seconds = (System.nanoTime() - w0) / 1e9;
    double cpu1 = etcdCpu(etcd);
    List<Map<String, Double>> m1 = scrapeAll(etcd);
    Thread.sleep(1000); // the last reports reach every watch
    measuring = false;
    done.addAll(probes.values());
    probes.clear();
    long[] each = new long[Math.min(sampleCount.get(), samples.length())];
    for (int i = 0; i < each.length; i++) {
      each[i] = samples.get(i);
    }
    List<Long> all = new ArrayList<>();
    int missed = 0;
    synchronized (done) {
      for (Probe p : done) {
        if (p.allSeenNanos > 0) {
          all.add(p.allSeenNanos - p.publishedNanos);
        } else {
          missed++;
        }
      }
    }

    int notConnected = (int) agents.stream().filter(a -> a.link() != LinkStatus.CONNECTED).count();
    double[] admissions = admissions(n, settings, probe);
    double keepAlives = delta(m0, m1, "keepalive") / seconds;
    double writes = max(m1, "puts") - max(m0, "puts");
    double[] jvm = jvmMemory();
    return new Phase(
        n,
        registration,
        keepAlives,
        writes / seconds,
        reports / seconds,
        Percentiles.ofNanos(each.length == 0 ? new long[] {0} : each),
        Percentiles.ofNanos(
            all.isEmpty() ? new long[] {0} : all.stream().mapToLong(Long::longValue).toArray()),
        missed,
        notConnected,
        admissions[0],
        admissions[1],
        (long) admissions[3],
        (long) admissions[2],
        (cpu1 - cpu0) / seconds * 100,
        etcdRss(etcd),
        max(m1, "db") / (1024.0 * 1024),
        count(probe, "/vpanel/bench/"),
        jvm[0],
        jvm[1],
        ManagementFactory.getThreadMXBean().getThreadCount());
  }

  /**
   * Admission decisions from many agents at once for {@code admissionWindow}: each asks to enter
   * maintenance (10 slots), and gives its slot back when granted. Decisions per second, slots taken
   * per second (each a compare-and-swap that committed), the most slots held at once.
   */
  private double[] admissions(int n, EtcdSettings settings, Client probe) throws Exception {
    int threads = Math.min(sizes.admissionThreads(), n);
    AtomicLong decisions = new AtomicLong();
    AtomicLong taken = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    AtomicLong maxHeld = new AtomicLong();
    long end = System.nanoTime() + sizes.admissionWindow().toNanos();
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        EtcdManagement agent = agents.get(t);
        String host = names.get(t);
        Coordinator coordinator = agent.coordinator().orElseThrow();
        all.add(
            pool.submit(
                () -> {
                  boolean holds = false;
                  while (System.nanoTime() < end) {
                    Coordinator.Admission answer =
                        coordinator
                            .admit(new Coordinator.AdmissionRequest(host, GIB, 1, "bench"))
                            .get(30, TimeUnit.SECONDS);
                    decisions.incrementAndGet();
                    if (answer.unavailable()) {
                      unavailable.incrementAndGet();
                      Thread.sleep(50); // the coordinator could not decide: its link is down
                    }
                    if (answer.granted() && !answer.reason().contains("already held")) {
                      taken.incrementAndGet();
                    }
                    if (answer.granted()) {
                      holds = true;
                      coordinator.release(host);
                      // its slot is deleted from the coordinator's own thread; wait for it
                      while (holdsSlot(probe, host) && System.nanoTime() < end + 5_000_000_000L) {
                        Thread.sleep(10);
                      }
                      holds = false;
                    }
                  }
                  if (holds) {
                    coordinator.release(host);
                  }
                  return null;
                }));
      }
      // the most slots held at once, sampled
      while (System.nanoTime() < end) {
        maxHeld.accumulateAndGet(count(probe, "/vpanel/bench/maintenance/slots/"), Math::max);
        Thread.sleep(20);
      }
      for (Future<?> f : all) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new double[] {
      decisions.get() / seconds, taken.get() / seconds, maxHeld.get(), unavailable.get()
    };
  }

  private static boolean holdsSlot(Client probe, String host) throws Exception {
    return probe
        .getKVClient()
        .get(bytes("/vpanel/bench/maintenance/slots/"), GetOption.builder().isPrefix(true).build())
        .get(30, TimeUnit.SECONDS)
        .getKvs()
        .stream()
        .anyMatch(kv -> kv.getValue().toString(StandardCharsets.UTF_8).contains(host + "\""));
  }

  private void startAgents(
      int n, EtcdClientPool pool, WallClockScheduler scheduler, EtcdSettings settings)
      throws Exception {
    int from = agents.size();
    // Agents start on virtual threads, 16 at a time: each waits for its client's first answers.
    java.util.concurrent.Semaphore starting = new java.util.concurrent.Semaphore(16);
    try (ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<EtcdManagement>> started = new ArrayList<>();
      for (int i = from; i < n; i++) {
        String host = String.format(Locale.ROOT, "sim-%04d", i + 1);
        names.add(host);
        boolean candidate = i < sizes.candidates();
        started.add(
            starters.submit(
                () -> {
                  starting.acquire();
                  try {
                    return startAgent(host, candidate, pool, scheduler, settings);
                  } finally {
                    starting.release();
                  }
                }));
      }
      for (Future<EtcdManagement> f : started) {
        agents.add(f.get(120, TimeUnit.SECONDS));
      }
    }
    liveAgents = agents.size();
  }

  private EtcdManagement startAgent(
      String host,
      boolean candidate,
      EtcdClientPool pool,
      WallClockScheduler scheduler,
      EtcdSettings settings) {
    DriverContext context =
        new DriverContext(scheduler, host)
            .with(EtcdClientPool.class, pool)
            .with(
                HostEndpoint.class,
                new HostEndpoint(host, "sim://" + host, "tcp://" + host + ":49152"));
    EtcdManagement agent = new EtcdManagement(settings.asCandidate(candidate), context);
    agent.watchRegistry(this::seen);
    agent.publish(report(host, 0));
    agent.start(new Quiet());
    return agent;
  }

  /** Every agent's watch: a report being watched for has reached one more agent. */
  private void seen(String host, Optional<io.vpanel.driver.etcd.Registration> registration) {
    if (!measuring || registration.isEmpty()) {
      return;
    }
    Probe p = probes.get(host);
    if (p == null || registration.get().runningVms() != p.marker) {
      return;
    }
    long now = System.nanoTime();
    int i = sampleCount.getAndIncrement();
    if (i < samples.length()) {
      samples.set(i, now - p.publishedNanos);
    }
    if (p.seen.incrementAndGet() == Math.min(p.expected, liveAgents - 1)) {
      p.allSeenNanos = now;
    }
  }

  private static HostReport report(String host, int runningVms) {
    return new HostReport(
        host,
        MaintenanceState.OPERATIONAL,
        false,
        true,
        runningVms,
        Optional.of(new HostCapacity(512 * GIB, 128, 1_250_000_000L, 600_000_000L)),
        128 * GIB,
        32,
        Instant.now());
  }

  private void closeAgents() {
    try (ExecutorService closers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (EtcdManagement agent : agents) {
        closers.submit(agent::close);
      }
    }
    agents.clear();
  }

  /** A listener that only takes what it is told. */
  private static final class Quiet implements ManagementListener {
    @Override
    public void onLinkStatus(LinkStatus status, String reason) {}

    @Override
    public void onNotice(Notice notice) {}
  }

  // ---- etcd's side

  private static long count(Client probe, String prefix) throws Exception {
    return probe
        .getKVClient()
        .get(bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(30, TimeUnit.SECONDS)
        .getCount();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static double etcdCpu(EtcdCluster etcd) throws Exception {
    double sum = 0;
    for (int n = 1; n <= 3; n++) {
      sum += ProcessStats.cpuSeconds(etcd.pid(n).orElseThrow());
    }
    return sum;
  }

  private static double etcdRss(EtcdCluster etcd) throws Exception {
    double sum = 0;
    for (int n = 1; n <= 3; n++) {
      sum += ProcessStats.rssMiB(etcd.pid(n).orElseThrow());
    }
    return sum / 3;
  }

  private static List<Map<String, Double>> scrapeAll(EtcdCluster etcd) throws Exception {
    List<Map<String, Double>> all = new ArrayList<>();
    for (String endpoint : etcd.endpoints()) {
      all.add(scrape(endpoint));
    }
    return all;
  }

  /** The figures of one member's /metrics this benchmark reads. */
  private static Map<String, Double> scrape(String endpoint) throws Exception {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(endpoint + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> out = new HashMap<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, space);
      double value;
      try {
        value = Double.parseDouble(line.substring(space + 1));
      } catch (NumberFormatException e) {
        continue;
      }
      if (name.startsWith("grpc_server_msg_received_total{")
          && name.contains("grpc_method=\"LeaseKeepAlive\"")) {
        out.merge("keepalive", value, Double::sum);
      } else if (name.equals("etcd_mvcc_put_total")) {
        out.put("puts", value);
      } else if (name.equals("etcd_mvcc_db_total_size_in_bytes")) {
        out.put("db", value);
      }
    }
    return out;
  }

  private static double delta(List<Map<String, Double>> a, List<Map<String, Double>> b, String k) {
    double sum = 0;
    for (int i = 0; i < a.size(); i++) {
      sum += b.get(i).getOrDefault(k, 0.0) - a.get(i).getOrDefault(k, 0.0);
    }
    return sum;
  }

  private static double max(List<Map<String, Double>> all, String k) {
    return all.stream().mapToDouble(m -> m.getOrDefault(k, 0.0)).max().orElse(0);
  }

  /** This JVM's heap in use after a collection, and its RSS, in MiB. */
  private static double[] jvmMemory() throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    double heap =
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    return new double[] {heap, ProcessStats.rssMiB(ProcessHandle.current().pid())};
  }

  // ---- the report

  /** Section 6 of docs/BENCHMARKS.md. */
  static String markdown(Result r) {
    Phase b = r.baseline();
    Phase f = r.full();
    StringBuilder md = new StringBuilder();
    md.append(SECTION).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%,d simulated agents, each a real `EtcdManagement` (registration lease 10 s, registry"
                + " and inbox watches, the coordinator) with a jetcd client and connections of its"
                + " own, in the benchmark's JVM on one shared Vert.x and executor"
                + " (`EtcdClientPool`), against a real 3-member etcd on loopback (etcd's default"
                + " raft timings, 100/1000 ms; data on %s). %d of them stand for leader (`leaderCandidate`)."
                + " The baseline is %d agents, measured first in the same run; the full cluster"
                + " adds the rest. Reports: %d a second from random agents, each a new registration"
                + " every other agent's registry watch must deliver; watch latency runs from the"
                + " agent's `publish` to the moment another agent's watch holds it (\"each\": every"
                + " agent that saw it, \"all\": until the last one did). Admission: %d agents ask"
                + " at once for one of 10 maintenance slots for %.0f s and give a granted slot"
                + " back. etcd CPU is the 3 members' together (100 %% = one core), RSS per member,"
                + " from /proc; keep-alives (gRPC messages received, all members), puts applied (one"
                + " member's count) and database size from etcd's /metrics.%n%n",
            r.sizes().full(),
            r.dataDir(),
            r.sizes().candidates(),
            r.sizes().baseline(),
            r.sizes().reportsPerSecond(),
            r.sizes().admissionThreads(),
            (double) r.sizes().admissionWindow().toSeconds()));
    md.append(
        String.format(
            Locale.ROOT,
            "Run: %.1f minutes; the machine's load average %s (other processes share its 2"
                + " cores).%n%n",
            r.minutes(),
            r.load()));
    md.append(
        String.format(
            Locale.ROOT,
            "| figure | %,d agents (baseline) | %,d agents | ratio |%n|---|---:|---:|---:|%n",
            b.agents(),
            f.agents()));
    row(
        md,
        "registration of the new agents, until all registered (s)",
        b.registrationSeconds(),
        f.registrationSeconds(),
        "%.1f");
    row(md, "keep-alives per second", b.keepAlivesPerSecond(), f.keepAlivesPerSecond(), "%.0f");
    row(md, "reports published per second", b.reportsPerSecond(), f.reportsPerSecond(), "%.1f");
    row(md, "puts applied per second", b.writesPerSecond(), f.writesPerSecond(), "%.1f");
    row(md, "watch latency p50, each (ms)", b.watchEach().p50(), f.watchEach().p50(), "%.1f");
    row(md, "watch latency p99, each (ms)", b.watchEach().p99(), f.watchEach().p99(), "%.1f");
    row(md, "watch latency p50, all (ms)", b.watchAll().p50(), f.watchAll().p50(), "%.1f");
    row(md, "watch latency p99, all (ms)", b.watchAll().p99(), f.watchAll().p99(), "%.1f");
    row(md, "watch deliveries measured", b.watchEach().count(), f.watchEach().count(), "%.0f");
    double window = r.sizes().window().toMillis() / 1000.0;
    row(
        md,
        "report deliveries to agents per second",
        b.watchEach().count() / window,
        f.watchEach().count() / window,
        "%.0f");
    row(
        md,
        "reports not seen by every agent",
        b.probesNotSeenByAll(),
        f.probesNotSeenByAll(),
        "%.0f");
    row(
        md,
        "agents whose link was not CONNECTED after the reports",
        b.linksNotConnected(),
        f.linksNotConnected(),
        "%.0f");
    row(
        md,
        "admission decisions per second",
        b.admissionsPerSecond(),
        f.admissionsPerSecond(),
        "%.0f");
    row(
        md,
        "slots taken per second (CAS committed)",
        b.slotsTakenPerSecond(),
        f.slotsTakenPerSecond(),
        "%.1f");
    row(
        md,
        "admissions not decided (link down)",
        b.admissionsUndecided(),
        f.admissionsUndecided(),
        "%.0f");
    row(md, "most slots held at once (of 10)", b.maxSlotsHeld(), f.maxSlotsHeld(), "%.0f");
    row(md, "etcd CPU, 3 members (% of a core)", b.etcdCpuPercent(), f.etcdCpuPercent(), "%.1f");
    row(md, "etcd RSS per member (MiB)", b.etcdRssMiB(), f.etcdRssMiB(), "%.0f");
    row(md, "etcd database size (MiB)", b.etcdDbMiB(), f.etcdDbMiB(), "%.1f");
    row(md, "keys under /vpanel/bench/", b.etcdKeys(), f.etcdKeys(), "%.0f");
    row(md, "agents' JVM heap after GC (MiB)", b.jvmHeapMiB(), f.jvmHeapMiB(), "%.0f");
    row(md, "agents' JVM RSS (MiB)", b.jvmRssMiB(), f.jvmRssMiB(), "%.0f");
    row(md, "agents' JVM threads", b.jvmThreads(), f.jvmThreads(), "%.0f");
    md.append('\n');
    md.append(
        String.format(
            Locale.ROOT,
            "- agent side per simulated host: %.0f KiB of heap, %.0f KiB of RSS (the growth from"
                + " no agent to %,d, divided by %,d)%n",
            r.heapKiBPerHost(),
            r.rssKiBPerHost(),
            r.sizes().full(),
            r.sizes().full()));
    md.append(
        "- what the agent-side figures mean: every simulated agent holds the whole registry and"
            + " its watch delivers it every other agent's report, as a real agent does on its own"
            + " host; here one JVM does the work of all of them, on the same 2 cores as etcd. The"
            + " JVM's load grows with agents x agents (the registry, the initial reads, the"
            + " deliveries), so at the full size the registration time and the watch latency are"
            + " this JVM's (and the shared machine's) limits as much as etcd's; per real agent,"
            + " the work is that of one of them.\n");
    md.append(
        "- admissions are serialized on purpose: every admission rewrites"
            + " `maintenance/admissions`, which every admission's transaction compares, so two"
            + " decided on the same view cannot both commit; contenders that lose retry after a"
            + " short random pause. The figure is that one-at-a-time rate under contention, with"
            + " each granted slot given back (a read and a delete) before its agent asks again.\n");
    md.append(
        String.format(
            Locale.ROOT,
            "- %.0fx the agents: registration %.1fx, keep-alives %.1fx, etcd CPU %.1fx, etcd RSS"
                + " %.1fx, watch p99 (each) %.1fx%n%n",
            (double) f.agents() / b.agents(),
            f.registrationSeconds() / b.registrationSeconds(),
            f.keepAlivesPerSecond() / b.keepAlivesPerSecond(),
            f.etcdCpuPercent() / b.etcdCpuPercent(),
            f.etcdRssMiB() / b.etcdRssMiB(),
            f.watchEach().p99() / b.watchEach().p99()));
    return md.toString();
  }

  static final String SECTION = "## 6. etcd scale (simulated agents against a 3-member etcd)";

  /** Every row label of the table: the smoke test checks each is reported. */
  static final List<String> ROWS =
      List.of(
          "registration of the new agents, until all registered (s)",
          "keep-alives per second",
          "reports published per second",
          "puts applied per second",
          "watch latency p50, each (ms)",
          "watch latency p99, each (ms)",
          "watch latency p50, all (ms)",
          "watch latency p99, all (ms)",
          "watch deliveries measured",
          "report deliveries to agents per second",
          "reports not seen by every agent",
          "agents whose link was not CONNECTED after the reports",
          "admission decisions per second",
          "slots taken per second (CAS committed)",
          "admissions not decided (link down)",
          "most slots held at once (of 10)",
          "etcd CPU, 3 members (% of a core)",
          "etcd RSS per member (MiB)",
          "etcd database size (MiB)",
          "keys under /vpanel/bench/",
          "agents' JVM heap after GC (MiB)",
          "agents' JVM RSS (MiB)",
          "agents' JVM threads",
          "agent side per simulated host");

  private static void row(StringBuilder md, String name, double base, double full, String format) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | " + format + " | " + format + " | %s |%n",
            name,
            base,
            full,
            base == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", full / base)));
  }
}
