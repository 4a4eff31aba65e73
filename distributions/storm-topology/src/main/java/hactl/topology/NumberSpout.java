package hactl.topology;

import java.util.Map;
import org.apache.storm.spout.SpoutOutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichSpout;
import org.apache.storm.tuple.Fields;
import org.apache.storm.tuple.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits 0, 1, 2, ... as ("n"), each with its number as the message id, so Storm tracks every tuple
 * through the ackers and the spout's acked/failed counts show what the topology processed. The rate
 * is capped (tuples per second per spout task) to keep a small test machine idle; failed tuples are
 * logged, not replayed.
 */
public class NumberSpout extends BaseRichSpout {
    private static final Logger LOG = LoggerFactory.getLogger(NumberSpout.class);
    private final int tuplesPerSecond;
    private transient SpoutOutputCollector collector;
    private transient long next;
    private transient long startNanos;

    public NumberSpout(int tuplesPerSecond) {
        this.tuplesPerSecond = tuplesPerSecond;
    }

    @Override
    public void open(Map<String, Object> conf, TopologyContext context, SpoutOutputCollector collector) {
        this.collector = collector;
        this.next = 0;
        this.startNanos = System.nanoTime();
    }

    @Override
    public void nextTuple() {
        long due = (System.nanoTime() - startNanos) * tuplesPerSecond / 1_000_000_000L;
        if (next > due) {
            return; // ahead of the rate: Storm's spout wait strategy backs off
        }
        long n = next++;
        collector.emit(new Values(n), n);
    }

    @Override
    public void fail(Object msgId) {
        LOG.warn("tuple {} failed", msgId);
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
        declarer.declare(new Fields("n"));
    }
}
