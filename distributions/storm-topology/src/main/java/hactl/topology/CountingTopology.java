package hactl.topology;

import org.apache.storm.Config;
import org.apache.storm.StormSubmitter;
import org.apache.storm.topology.TopologyBuilder;

/**
 * Submits the counting topology to the cluster named by the client's storm config:
 * <pre>storm [--config FILE] jar hactl-storm-topology.jar hactl.topology.CountingTopology NAME WORKERS [TUPLES-PER-SECOND]</pre>
 * Components: spout "numbers" (NumberSpout) → bolt "count" (CountingBolt, shuffle grouping), one
 * executor each, plus Storm's ackers. topology.stats.sample.rate is 1.0, so the UI's acked and
 * executed counts (GET /api/v1/topology/&lt;id&gt;) are exact rather than 5% samples scaled up.
 */
public final class CountingTopology {
    private CountingTopology() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: CountingTopology NAME WORKERS [TUPLES-PER-SECOND (default 50)]");
            System.exit(2);
        }
        String name = args[0];
        int workers = Integer.parseInt(args[1]);
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 50;

        TopologyBuilder builder = new TopologyBuilder();
        builder.setSpout("numbers", new NumberSpout(rate), 1);
        builder.setBolt("count", new CountingBolt(), 1).shuffleGrouping("numbers");

        Config conf = new Config();
        conf.setNumWorkers(workers);
        conf.setMaxSpoutPending(1000);
        conf.setMessageTimeoutSecs(30);
        conf.put(Config.TOPOLOGY_STATS_SAMPLE_RATE, 1.0d);
        // Idle executors sleep 10 ms instead of Storm's latency-first defaults (defaults.yaml: spouts
        // sleep 1 ms; bolts and ackers spin once, park 1000 times, then sleep 1 ms). With those, each
        // worker of this 50-tuples/s topology used about 40 % of a core while idle, which starved
        // the other services sharing a 2-core test machine. 10 ms still serves 50 tuples/s with room.
        conf.put(Config.TOPOLOGY_SPOUT_WAIT_PROGRESSIVE_LEVEL3_SLEEP_MILLIS, 10);
        conf.put(Config.TOPOLOGY_BOLT_WAIT_PROGRESSIVE_LEVEL1_COUNT, 0);
        conf.put(Config.TOPOLOGY_BOLT_WAIT_PROGRESSIVE_LEVEL2_COUNT, 0);
        conf.put(Config.TOPOLOGY_BOLT_WAIT_PROGRESSIVE_LEVEL3_SLEEP_MILLIS, 10);
        StormSubmitter.submitTopology(name, conf, builder.createTopology());
        System.out.println("submitted topology " + name + " with " + workers + " worker(s) at " + rate + " tuples/s");
    }
}
