package hactl.topology;

import java.util.Map;
import org.apache.storm.task.OutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichBolt;
import org.apache.storm.tuple.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the numbers it receives and acks each tuple. Every 1000 tuples it logs its count and the
 * highest number seen to the worker log (workers-artifacts/&lt;topology-id&gt;/&lt;port&gt;/worker.log).
 */
public class CountingBolt extends BaseRichBolt {
    private static final Logger LOG = LoggerFactory.getLogger(CountingBolt.class);
    private transient OutputCollector collector;
    private transient long count;
    private transient long highest;

    @Override
    public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector collector) {
        this.collector = collector;
        this.count = 0;
        this.highest = -1;
    }

    @Override
    public void execute(Tuple tuple) {
        long n = tuple.getLongByField("n");
        count++;
        highest = Math.max(highest, n);
        if (count % 1000 == 0) {
            LOG.info("counted {} tuples, highest number {}", count, highest);
        }
        collector.ack(tuple);
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
    }
}
